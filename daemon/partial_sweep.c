/*
 * partial_sweep.c: the abandoned-partial rules of partial_sweep.h. Reads the store, removes files
 * under blobs/partial/ only. Must never remove a partial that a session is fetching now, nor one
 * that a file this node still needs lists (unless it stalled for partial_max_age days).
 */
#include "partial_sweep.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cairn/err.h>
#include <cairn/hlc.h>

#include "blobs_priv.h"
#include "chunk_xfer.h"
#include "enroll.h"
#include "hash_set.h"
#include "log.h"
#include "store.h"

#define DAY_MS (24ull * 3600 * 1000)

/* The files this node still needs (see partial_sweep.h); the evidence table holds only the
 * current file of each part, so a replaced file is simply absent. */
static const char needed_sql[] =
    "SELECT DISTINCT e.hash, s.origin FROM evidence e JOIN submissions s ON s.id = e.submission"
    " WHERE e.type = 'file' AND length(e.hash) = 32 AND s.state != 'withdrawn'"
    " AND e.hash NOT IN (SELECT hash FROM evidence_purged)";

/* Chunks missing here of every file this node still needs (sorted). */
static int wanted_chunks(cairn_daemon_t *d, cairn_hash_set_t *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cairn_store_db(d->store), needed_sql, -1, &st, NULL) != SQLITE_OK)
        return CAIRN_ESTORE;
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const uint8_t *h = sqlite3_column_blob(st, 0);
        const uint8_t *origin = sqlite3_column_blob(st, 1);
        if (h == NULL || origin == NULL || sqlite3_column_bytes(st, 1) != 32)
            continue;
        if (cairn_enroll_is_revoked(d->datadir, origin))
            continue; /* its school will never send it here again */
        cairn_hash_t f;
        memcpy(f.b, h, CAIRN_HASH_LEN);
        if (cairn_blobs_manifest_has(d->blobs, &f))
            continue; /* complete: every chunk is in the store */
        cairn_manifest_t m;
        if (cairn_chunk_plan_manifest(d, &f, &m) != 0)
            continue;
        for (uint32_t i = 0; rc == 0 && i < m.nchunks; i++) {
            if (!cairn_blobs_chunk_has(d->blobs, &m.chunks[i]))
                rc = cairn_hash_set_add(out, &m.chunks[i]);
        }
        cairn_manifest_free(&m);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = CAIRN_ESTORE;
    sqlite3_finalize(st);
    if (rc == 0)
        cairn_hash_set_sort(out);
    return rc;
}

/* Is a session of this node fetching chunk h now (its slot holds the partial open)? */
static bool being_fetched(const cairn_daemon_t *d, const cairn_hash_t *h)
{
    const cairn_chunk_state_t *st = d->chunks;
    for (size_t i = 0; st != NULL && i < st->nbusy; i++) {
        if (memcmp(st->busy[i].b, h->b, CAIRN_HASH_LEN) == 0)
            return true;
    }
    return false;
}

int cairn_partial_sweep_run(cairn_daemon_t *d, uint64_t now_ms, cairn_sweep_report_t *rep,
                            char *err, size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    cairn_blobs_t *b = d->blobs;
    if (b == NULL || b->readonly)
        return 0;
    cairn_hash_set_t wanted = {0};
    int rc = wanted_chunks(d, &wanted);
    if (rc != 0) {
        snprintf(err, errlen, "partial sweep: cannot list the evidence still needed: %s",
                 cairn_strerror(rc));
        cairn_hash_set_free(&wanted);
        return rc;
    }
    DIR *dir = opendir(b->partial);
    if (dir == NULL) {
        rc = -errno;
        snprintf(err, errlen, "partial sweep: cannot open %s: %s", b->partial, strerror(errno));
        cairn_hash_set_free(&wanted);
        return rc;
    }
    uint64_t max_age_ms = (uint64_t)d->cfg.partial_max_age_days * DAY_MS;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        cairn_hash_t h;
        struct stat sb;
        size_t len = strlen(e->d_name);
        if (len != CAIRN_HASH_HEX_LEN || cairn_hash_from_hex(e->d_name, len, &h) != 0)
            continue; /* not ours (".", "..", an operator's file): left alone */
        if (fstatat(dirfd(dir), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (being_fetched(d, &h)) {
            rep->kept++;
            continue;
        }
        uint64_t mtime_ms =
            (uint64_t)sb.st_mtim.tv_sec * 1000 + (uint64_t)sb.st_mtim.tv_nsec / 1000000;
        bool want = cairn_hash_set_has(&wanted, &h);
        bool stale = d->cfg.partial_max_age_days >= 0 && mtime_ms + max_age_ms <= now_ms;
        if (want && !stale) {
            rep->kept++;
            continue;
        }
        if (unlinkat(dirfd(dir), e->d_name, 0) != 0) {
            cairn_log_warn("partial sweep: cannot remove %s/%s: %s", b->partial, e->d_name,
                           strerror(errno));
            continue;
        }
        rep->bytes += (uint64_t)sb.st_size;
        if (want)
            rep->stale++;
        else
            rep->unwanted++;
    }
    closedir(dir);
    cairn_hash_set_free(&wanted);
    return 0;
}

struct cairn_partial_sweep {
    cairn_daemon_t *d;
    uv_timer_t timer;
};

static void sweep_now(cairn_daemon_t *d)
{
    cairn_sweep_report_t rep;
    char err[PATH_MAX + 128] = "";
    if (cairn_partial_sweep_run(d, cairn_hlc_wall_now(), &rep, err, sizeof err) != 0) {
        cairn_log_error("%s", err);
        return;
    }
    if (rep.unwanted + rep.stale > 0)
        cairn_log_info("partial sweep: removed %llu abandoned partial chunk file(s), %.1f MiB "
                       "(%llu no longer wanted, %llu without progress for %d days); kept %llu",
                       (unsigned long long)(rep.unwanted + rep.stale),
                       (double)rep.bytes / (1024.0 * 1024.0), (unsigned long long)rep.unwanted,
                       (unsigned long long)rep.stale, d->cfg.partial_max_age_days,
                       (unsigned long long)rep.kept);
}

static void on_timer(uv_timer_t *t)
{
    cairn_partial_sweep_t *sw = t->data;
    sweep_now(sw->d);
}

int cairn_partial_sweep_start(cairn_daemon_t *d, cairn_partial_sweep_t **out)
{
    *out = NULL;
    sweep_now(d);
    cairn_partial_sweep_t *sw = calloc(1, sizeof *sw);
    if (sw == NULL)
        return -ENOMEM;
    sw->d = d;
    uv_timer_init(d->loop, &sw->timer);
    sw->timer.data = sw;
    uv_timer_start(&sw->timer, on_timer, CAIRN_PARTIAL_SWEEP_INTERVAL_MS,
                   CAIRN_PARTIAL_SWEEP_INTERVAL_MS);
    *out = sw;
    return 0;
}

static void timer_closed(uv_handle_t *h)
{
    free(h->data);
}

void cairn_partial_sweep_stop(cairn_partial_sweep_t *sw)
{
    if (sw != NULL)
        uv_close((uv_handle_t *)&sw->timer, timer_closed);
}
