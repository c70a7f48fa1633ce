/*
 * retention.c: the purge rules of retention.h. Reads the store, writes only evidence_purged,
 * and removes chunk files through the blob store. Must never remove a chunk that a live (not
 * purged) file still lists, nor touch a file a pending review needs.
 */
#include "retention.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include <cairn/err.h>
#include <cairn/hlc.h>

#include "blob_partial.h"
#include "blobs.h"
#include "chunk_xfer.h"
#include "evidence_at_hub.h"
#include "hash_set.h"
#include "log.h"
#include "store.h"
#include "sync.h"

#define DAY_MS (24ull * 3600 * 1000)

/* Video files not purged yet, with their newest award time (the awards projection, PROTOCOL.md
 * 10.6: an award the hub revoked still ends the need for the video) and oldest addition time. */
static const char candidates_sql[] =
    "SELECT e.hash, max((SELECT min(a.hlc) FROM awards a WHERE a.submission = e.submission)),"
    " min(e.hlc)"
    " FROM evidence e JOIN submissions s ON s.id = e.submission"
    " LEFT JOIN credential_parts cp ON cp.credential = s.credential AND cp.version = s.version"
    "   AND cp.part = e.part"
    " WHERE e.type = 'file' AND length(e.hash) = 32"
    "   AND (cp.kind = 'video' OR e.media_type LIKE 'video/%')"
    "   AND e.hash NOT IN (SELECT hash FROM evidence_purged)"
    " GROUP BY e.hash";

/* Submissions using a file whose review is pending: a draft, or submitted or in review and not
 * decided (the states of PROTOCOL.md section 11). */
static const char pending_sql[] =
    "SELECT count(*) FROM evidence e JOIN submissions s ON s.id = e.submission"
    " WHERE e.hash = ?1 AND s.state IN ('draft', 'submitted', 'in-review')";

/* Is any submission using the file decided (a review.decide, whatever its outcome)? Used by
 * the age rule. */
static const char decided_sql[] =
    "SELECT count(*) FROM evidence e JOIN submissions s ON s.id = e.submission"
    " WHERE e.hash = ?1 AND EXISTS (SELECT 1 FROM review_decisions d WHERE d.submission = s.id)";

static int64_t count_for(sqlite3 *db, const char *sql, const cairn_hash_t *h)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_blob(st, 1, h->b, CAIRN_HASH_LEN, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static bool listed(const cairn_hash_set_t *s, const uint8_t *h)
{
    for (size_t i = 0; i < s->n; i++) {
        if (memcmp(s->v[i].b, h, CAIRN_HASH_LEN) == 0)
            return true;
    }
    return false;
}

/* Every chunk of every file evidence that is not purged and not about to be (sorted). */
static int live_chunks(cairn_daemon_t *d, const cairn_hash_set_t *doomed, cairn_hash_set_t *live)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cairn_store_db(d->store),
                           "SELECT DISTINCT hash FROM evidence WHERE type = 'file'"
                           " AND length(hash) = 32"
                           " AND hash NOT IN (SELECT hash FROM evidence_purged)",
                           -1, &st, NULL) != SQLITE_OK)
        return CAIRN_ESTORE;
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const uint8_t *b = sqlite3_column_blob(st, 0);
        if (listed(doomed, b))
            continue;
        cairn_hash_t f;
        cairn_manifest_t m;
        memcpy(f.b, b, CAIRN_HASH_LEN);
        if (cairn_chunk_plan_manifest(d, &f, &m) != 0)
            continue;
        for (uint32_t i = 0; rc == 0 && i < m.nchunks; i++)
            rc = cairn_hash_set_add(live, &m.chunks[i]);
        cairn_manifest_free(&m);
    }
    sqlite3_finalize(st);
    if (rc == 0)
        cairn_hash_set_sort(live);
    return rc;
}

static int record_purged(sqlite3 *db, const cairn_hash_t *h, uint64_t now_ms, const char *reason)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO evidence_purged(hash, at, reason)"
                           " VALUES(?1, ?2, ?3)",
                           -1, &st, NULL) != SQLITE_OK)
        return CAIRN_ESTORE;
    sqlite3_bind_blob(st, 1, h->b, CAIRN_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now_ms);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : CAIRN_ESTORE;
    sqlite3_finalize(st);
    return rc;
}

/* Removes the chunks of f that no live file lists. The purge is recorded first: a crash halfway
 * leaves a file marked purged with some chunks still there, never a "complete" file with holes. */
static int purge_file(cairn_daemon_t *d, const cairn_hash_t *f, const cairn_hash_set_t *live,
                      uint64_t now_ms, const char *reason, cairn_purge_report_t *rep)
{
    cairn_manifest_t m;
    int rc = cairn_chunk_plan_manifest(d, f, &m);
    if (rc != 0)
        return rc;
    rc = record_purged(cairn_store_db(d->store), f, now_ms, reason);
    for (uint32_t i = 0; rc == 0 && i < m.nchunks; i++) {
        cairn_blobs_partial_remove(d->blobs, &m.chunks[i]);
        if (cairn_hash_set_has(live, &m.chunks[i]))
            continue;
        uint64_t freed = 0;
        if (cairn_blobs_chunk_remove(d->blobs, &m.chunks[i], &freed) == 0 && freed > 0) {
            rep->chunks++;
            rep->bytes += freed;
        }
    }
    cairn_manifest_free(&m);
    if (rc == 0) {
        char hex[CAIRN_HASH_HEX_LEN + 1];
        cairn_hash_hex(f, hex);
        cairn_log_info("retention: purged evidence file %.16s... (%s): its bytes are gone, its "
                       "manifest and reviews stay",
                       hex, reason);
        rep->files++;
    }
    return rc;
}

int cairn_retention_run(cairn_daemon_t *d, uint64_t now_ms, cairn_purge_report_t *rep, char *err,
                        size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    int32_t award_days = d->cfg.purge_after_award_days, age_days = d->cfg.purge_after_age_days;
    if (award_days < 0 && age_days < 0)
        return 0;
    sqlite3 *db = cairn_store_db(d->store);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, candidates_sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "retention: %s", sqlite3_errmsg(db));
        return CAIRN_ESTORE;
    }
    /* An enrolled school may hold the only copy: it purges only what its hub holds complete
     * (evidence_at_hub.h). A hub, and a school without a hub, purge as before. */
    bool need_hub = d->cfg.role == CAIRN_ROLE_SCHOOL && cairn_sync_has_hub(d->datadir);
    cairn_hash_set_t doomed = {0}, live = {0};
    const char **reasons = NULL;
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        cairn_hash_t h;
        memcpy(h.b, sqlite3_column_blob(st, 0), CAIRN_HASH_LEN);
        bool awarded = sqlite3_column_type(st, 1) != SQLITE_NULL;
        uint64_t award_ms = awarded ? cairn_hlc_wall((uint64_t)sqlite3_column_int64(st, 1)) : 0;
        uint64_t added_ms = cairn_hlc_wall((uint64_t)sqlite3_column_int64(st, 2));
        const char *why = NULL;
        if (award_days >= 0 && awarded && award_ms + (uint64_t)award_days * DAY_MS <= now_ms)
            why = "awarded";
        else if (age_days >= 0 && added_ms + (uint64_t)age_days * DAY_MS <= now_ms &&
                 count_for(db, decided_sql, &h) > 0)
            why = "age";
        if (why == NULL)
            continue;
        if (count_for(db, pending_sql, &h) != 0) {
            rep->kept_pending++; /* a draft or a pending review uses it: never purged */
            continue;
        }
        if (need_hub && !cairn_evidence_at_hub_has(d->store, &h)) {
            rep->kept_not_at_hub++; /* the hub has not said it holds the bytes */
            continue;
        }
        const char **nr = realloc(reasons, (doomed.n + 1) * sizeof *nr);
        if (nr == NULL) {
            rc = -ENOMEM;
            break;
        }
        reasons = nr;
        reasons[doomed.n] = why;
        rc = cairn_hash_set_add(&doomed, &h);
    }
    sqlite3_finalize(st);
    if (rc == 0 && doomed.n > 0)
        rc = live_chunks(d, &doomed, &live);
    for (size_t i = 0; rc == 0 && i < doomed.n; i++)
        rc = purge_file(d, &doomed.v[i], &live, now_ms, reasons[i], rep);
    if (rc != 0)
        snprintf(err, errlen, "retention: %s", cairn_strerror(rc));
    else if (rep->kept_not_at_hub > 0)
        cairn_log_info("retention: %llu evidence files due but kept: not yet at the hub",
                       (unsigned long long)rep->kept_not_at_hub);
    free(reasons);
    cairn_hash_set_free(&doomed);
    cairn_hash_set_free(&live);
    return rc;
}

struct cairn_retention {
    cairn_daemon_t *d;
    uv_timer_t timer;
};

static void on_timer(uv_timer_t *t)
{
    cairn_retention_t *r = t->data;
    cairn_purge_report_t rep;
    char err[256] = "";
    if (cairn_retention_run(r->d, cairn_hlc_wall_now(), &rep, err, sizeof err) != 0)
        cairn_log_error("%s", err);
}

int cairn_retention_start(cairn_daemon_t *d, cairn_retention_t **out)
{
    *out = NULL;
    if (d->cfg.purge_after_award_days < 0 && d->cfg.purge_after_age_days < 0)
        return 0;
    cairn_retention_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -ENOMEM;
    r->d = d;
    uv_timer_init(d->loop, &r->timer);
    r->timer.data = r;
    uv_timer_start(&r->timer, on_timer, 5000, CAIRN_RETENTION_INTERVAL_MS);
    *out = r;
    return 0;
}

static void timer_closed(uv_handle_t *h)
{
    free(h->data);
}

void cairn_retention_stop(cairn_retention_t *r)
{
    if (r != NULL)
        uv_close((uv_handle_t *)&r->timer, timer_closed);
}
