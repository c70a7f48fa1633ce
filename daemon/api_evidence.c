/*
 * api_evidence.c: evidence files as a whole (PROTOCOL.md 2.1): `evidence.list` (each file and how
 * much of it is here, and at a school how far it got to the hub), `evidence.get` (copy a
 * complete file out, at a hub for assessors) and `evidence.prioritize` (at a hub: fetch this
 * submission's evidence first). The copy runs on the thread pool into a temp file renamed into
 * place, so a failed or partial copy never leaves the output file behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "blob_read.h"
#include "daemon.h"
#include "fsutil.h"
#include "log.h"
#include "retention.h"
#include "sync_chunks.h"

#define PATH_MAX_ARG 4000

/* At most 1000 files per list: a submission has a handful; a whole hub is paged by submission. */
static const char list_sql[] =
    "SELECT e.submission, e.part, e.name, e.size, e.hash, s.state,"
    " (SELECT at FROM evidence_priority p WHERE p.submission = e.submission),"
    " (SELECT at FROM evidence_purged g WHERE g.hash = e.hash),"
    " EXISTS (SELECT 1 FROM evidence_at_hub a WHERE a.hash = e.hash)"
    " FROM evidence e JOIN submissions s ON s.id = e.submission"
    " WHERE e.type = 'file' AND length(e.hash) = 32 AND (?1 IS NULL OR e.submission = ?1)"
    " ORDER BY e.hlc LIMIT 1000";

static void pack_file(cairn_req_t *req, sqlite3_stmt *st)
{
    cairn_daemon_t *d = req->d;
    msgpack_packer *pk = req->pk;
    cairn_hash_t h;
    memcpy(h.b, sqlite3_column_blob(st, 4), CAIRN_HASH_LEN);
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(&h, hex);
    cairn_file_progress_t fp;
    bool known = cairn_sync_chunks_file_progress(d, &h, &fp) == 0;
    bool purged = sqlite3_column_type(st, 7) != SQLITE_NULL;
    const cairn_chunk_progress_t *hub = cairn_chunk_state_progress(d->chunks, &h);
    /* Recorded complete at the hub (evidence_at_hub.h): kept across restarts, unlike the
     * in-memory reports; it wins over a stale report. */
    cairn_chunk_progress_t at_hub;
    if (sqlite3_column_int(st, 8) != 0) {
        memset(&at_hub, 0, sizeof at_hub);
        at_hub.file = h;
        at_hub.size = at_hub.held = (uint64_t)sqlite3_column_int64(st, 3);
        at_hub.done = true;
        hub = &at_hub;
    }
    const char *state = purged                 ? "purged"
                        : known && fp.complete ? "complete"
                        : known && fp.held > 0 ? "partial"
                                               : "missing";
    msgpack_pack_map(pk, 9 + (hub != NULL ? 1 : 0) + (purged ? 1 : 0));
    cairn_api_pack_kv_column(pk, "submission", st, 0);
    cairn_api_pack_kv_column(pk, "part", st, 1);
    cairn_api_pack_kv_column(pk, "name", st, 2);
    cairn_mp_pack_kv_u64(pk, "size", (uint64_t)sqlite3_column_int64(st, 3));
    cairn_mp_pack_kv_str(pk, "hash", hex);
    cairn_api_pack_kv_column(pk, "submission_state", st, 5);
    cairn_mp_pack_kv_str(pk, "state", state);
    cairn_mp_pack_kv_u64(pk, "held", known && !purged ? fp.held : 0);
    cairn_mp_pack_kv_bool(pk, "priority", sqlite3_column_type(st, 6) != SQLITE_NULL);
    if (purged)
        cairn_mp_pack_kv_u64(pk, "purged_at", (uint64_t)sqlite3_column_int64(st, 7));
    if (hub != NULL) {
        double rate = d->chunks->rate;
        bool eta = !hub->done && rate >= 1;
        cairn_mp_pack_cstr(pk, "hub");
        msgpack_pack_map(pk, eta ? 3 : 2);
        cairn_mp_pack_kv_u64(pk, "held", hub->held);
        cairn_mp_pack_kv_bool(pk, "done", hub->done);
        if (eta)
            cairn_mp_pack_kv_u64(pk, "eta_s", (uint64_t)((double)(hub->size - hub->held) / rate));
    }
}

static int evidence_list(cairn_req_t *req)
{
    char id[CAIRN_ID_TEXT_LEN + 1];
    bool one = cairn_mp_get(req->args, "submission") != NULL;
    if (one) {
        int rc = cairn_api_arg_id(req, "submission", CAIRN_ID_SUBMISSION, id);
        if (rc != 0)
            return rc;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cairn_store_db(req->d->store), list_sql, -1, &st, NULL) != SQLITE_OK)
        return cairn_req_fail(req, CAIRN_ESTORE, "cannot list evidence: %s",
                              sqlite3_errmsg(cairn_store_db(req->d->store)));
    if (one)
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    /* Two passes: msgpack needs the array length first; the list is short (LIMIT). */
    uint32_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        n++;
    sqlite3_reset(st);
    msgpack_pack_map(req->pk, 1);
    cairn_mp_pack_cstr(req->pk, "files");
    msgpack_pack_array(req->pk, n);
    for (uint32_t i = 0; i < n && sqlite3_step(st) == SQLITE_ROW; i++)
        pack_file(req, st);
    sqlite3_finalize(st);
    return 0;
}

/* The file hash of SUB's evidence part (a file); fills req->errmsg on failure. */
static int file_of(cairn_req_t *req, char id[CAIRN_ID_TEXT_LEN + 1], char *part, size_t partlen,
                   cairn_hash_t *h, int64_t *purged_at)
{
    const char *p;
    size_t plen;
    int rc = cairn_api_arg_id(req, "submission", CAIRN_ID_SUBMISSION, id);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "part", true, 1, 64, &p, &plen);
    if (rc != 0)
        return rc;
    snprintf(part, partlen, "%.*s", (int)plen, p);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cairn_store_db(req->d->store),
                           "SELECT e.type, e.hash, (SELECT at FROM evidence_purged g"
                           " WHERE g.hash = e.hash) FROM evidence e"
                           " WHERE e.submission = ?1 AND e.part = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return cairn_req_fail(req, CAIRN_ESTORE, "cannot read evidence");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p, (int)plen, SQLITE_STATIC);
    rc = CAIRN_ENOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0);
        if (type == NULL || strcmp(type, "file") != 0 || sqlite3_column_bytes(st, 1) != 32) {
            rc = CAIRN_ESTATE;
        } else {
            memcpy(h->b, sqlite3_column_blob(st, 1), CAIRN_HASH_LEN);
            *purged_at =
                sqlite3_column_type(st, 2) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 2);
            rc = 0;
        }
    }
    sqlite3_finalize(st);
    if (rc == CAIRN_ENOTFOUND)
        return cairn_req_fail(req, rc, "submission %s has no evidence part '%s'", id, part);
    if (rc == CAIRN_ESTATE)
        return cairn_req_fail(req, rc, "evidence '%s' of submission %s is text, not a file", part,
                              id);
    return 0;
}

typedef struct {
    uv_work_t work;
    struct cairn_conn *conn;
    uint64_t rid;
    cairn_blobs_t *blobs;
    cairn_hash_t hash;
    uint64_t size;
    int status;
    char path[PATH_MAX_ARG + 1];
    char tmp[PATH_MAX_ARG + 32];
} get_req_t;

/* Thread pool: copy (every chunk checked again while read) into path.cairn-part, fsync, rename. */
static void get_work(uv_work_t *w)
{
    get_req_t *g = w->data;
    int fd = open(g->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) {
        g->status = -errno;
        return;
    }
    int rc = cairn_blob_read_to_fd(g->blobs, &g->hash, fd);
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(g->tmp, g->path) != 0)
        rc = -errno;
    if (rc == 0)
        rc = cairn_fs_fsync_parent(g->path);
    if (rc != 0)
        unlink(g->tmp);
    g->status = rc;
}

static void get_done(uv_work_t *w, int status)
{
    get_req_t *g = w->data;
    int rc = status == UV_ECANCELED ? status : g->status;
    if (rc == 0) {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        char hex[CAIRN_HASH_HEX_LEN + 1];
        cairn_hash_hex(&g->hash, hex);
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 3);
        cairn_mp_pack_kv_str(&pk, "path", g->path);
        cairn_mp_pack_kv_u64(&pk, "size", g->size);
        cairn_mp_pack_kv_str(&pk, "hash", hex);
        cairn_conn_reply_ok(g->conn, g->rid, sb.data, sb.size);
        msgpack_sbuffer_destroy(&sb);
    } else {
        char msg[CAIRN_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "cannot write %.300s: %s", g->path, cairn_strerror(rc));
        cairn_conn_reply_err(g->conn, g->rid, rc, msg);
    }
    cairn_conn_release(g->conn);
    free(g);
}

static void fmt_mib(char *out, size_t len, uint64_t bytes)
{
    snprintf(out, len, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
}

static int evidence_get(cairn_req_t *req)
{
    char id[CAIRN_ID_TEXT_LEN + 1], part[65], held[32], size[32];
    cairn_hash_t h;
    int64_t purged_at = 0;
    const char *out;
    size_t outlen;
    int rc = cairn_api_arg_str(req, "out", true, 1, PATH_MAX_ARG, &out, &outlen);
    if (rc != 0)
        return rc;
    if (out[0] != '/')
        return cairn_req_fail(req, CAIRN_EINVAL,
                              "'out': expected an absolute path on the daemon's machine");
    rc = file_of(req, id, part, sizeof part, &h, &purged_at);
    if (rc != 0)
        return rc;
    if (purged_at != 0)
        return cairn_req_fail(req, CAIRN_ESTATE,
                              "evidence '%s' of submission %s was purged (retention); its hash and "
                              "review remain",
                              part, id);
    cairn_file_progress_t fp;
    rc = cairn_sync_chunks_file_progress(req->d, &h, &fp);
    if (rc != 0)
        return cairn_req_fail(req, rc, "no manifest for evidence '%s' of submission %s", part, id);
    if (!fp.complete) {
        fmt_mib(held, sizeof held, fp.held);
        fmt_mib(size, sizeof size, fp.size);
        return cairn_req_fail(req, CAIRN_EINCOMPLETE,
                              "evidence '%s' of submission %s has not fully arrived yet: %.0f%% "
                              "(%s of %s, %u of %u chunks)",
                              part, id, fp.size ? 100.0 * (double)fp.held / (double)fp.size : 0.0,
                              held, size, fp.chunks_held, fp.chunks);
    }
    get_req_t *g = calloc(1, sizeof *g);
    if (g == NULL)
        return cairn_req_fail(req, -ENOMEM, "out of memory");
    g->conn = req->conn;
    g->rid = req->rid;
    g->blobs = req->d->blobs;
    g->hash = h;
    g->size = fp.size;
    memcpy(g->path, out, outlen);
    snprintf(g->tmp, sizeof g->tmp, "%s.cairn-part", g->path);
    g->work.data = g;
    rc = uv_queue_work(req->d->loop, &g->work, get_work, get_done);
    if (rc != 0) {
        free(g);
        return cairn_req_fail(req, rc, "cannot start the copy: %s", uv_strerror(rc));
    }
    cairn_conn_hold(req->conn);
    return CAIRN_API_PENDING;
}

static int evidence_prioritize(cairn_req_t *req)
{
    cairn_daemon_t *d = req->d;
    char id[CAIRN_ID_TEXT_LEN + 1];
    if (d->cfg.role != CAIRN_ROLE_HUB)
        return cairn_req_fail(req, CAIRN_EUNSUPPORTED,
                              "prioritize at the hub: it asks the school for the evidence it "
                              "wants first");
    int rc = cairn_api_arg_id(req, "submission", CAIRN_ID_SUBMISSION, id);
    if (rc != 0)
        return rc;
    sqlite3 *db = cairn_store_db(d->store);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO evidence_priority(submission, at) VALUES(?1, ?2)"
                           " ON CONFLICT(submission) DO UPDATE SET at = excluded.at",
                           -1, &st, NULL) != SQLITE_OK)
        return cairn_req_fail(req, CAIRN_ESTORE, "cannot record the priority");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)cairn_sync_now_ms());
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : CAIRN_ESTORE;
    sqlite3_finalize(st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "cannot record the priority: %s", sqlite3_errmsg(db));
    d->chunks->plan_gen++;
    uint64_t files = 0, missing = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT hash FROM evidence WHERE submission = ?1 AND type = 'file'"
                           " AND length(hash) = 32",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            cairn_hash_t h;
            cairn_file_progress_t fp;
            memcpy(h.b, sqlite3_column_blob(st, 0), CAIRN_HASH_LEN);
            files++;
            if (cairn_sync_chunks_file_progress(d, &h, &fp) != 0 || !fp.complete)
                missing++;
        }
        sqlite3_finalize(st);
    }
    cairn_log_info("evidence of submission %s prioritized (%llu files, %llu still to fetch)", id,
                   (unsigned long long)files, (unsigned long long)missing);
    msgpack_pack_map(req->pk, 3);
    cairn_mp_pack_kv_str(req->pk, "submission", id);
    cairn_mp_pack_kv_u64(req->pk, "files", files);
    cairn_mp_pack_kv_u64(req->pk, "to_fetch", missing);
    return 0;
}

/* One file evidence part in detail, including whether and when its bytes were purged. */
static int evidence_show(cairn_req_t *req)
{
    char id[CAIRN_ID_TEXT_LEN + 1], part[65];
    cairn_hash_t h;
    int64_t purged_at = 0;
    int rc = file_of(req, id, part, sizeof part, &h, &purged_at);
    if (rc != 0)
        return rc;
    sqlite3 *db = cairn_store_db(req->d->store);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT e.name, e.media_type, e.size,"
                           " (SELECT reason FROM evidence_purged g WHERE g.hash = e.hash)"
                           " FROM evidence e WHERE e.submission = ?1 AND e.part = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return cairn_req_fail(req, CAIRN_ESTORE, "cannot read evidence");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, part, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return cairn_req_fail(req, CAIRN_ENOTFOUND, "evidence vanished");
    }
    cairn_file_progress_t fp;
    bool known = cairn_sync_chunks_file_progress(req->d, &h, &fp) == 0;
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(&h, hex);
    msgpack_packer *pk = req->pk;
    msgpack_pack_map(pk, 10 + (purged_at != 0 ? 2 : 0));
    cairn_mp_pack_kv_str(pk, "submission", id);
    cairn_mp_pack_kv_str(pk, "part", part);
    cairn_api_pack_kv_column(pk, "name", st, 0);
    cairn_api_pack_kv_column(pk, "media_type", st, 1);
    cairn_mp_pack_kv_u64(pk, "size", (uint64_t)sqlite3_column_int64(st, 2));
    cairn_mp_pack_kv_str(pk, "hash", hex);
    cairn_mp_pack_kv_str(pk, "state",
                         purged_at != 0         ? "purged"
                         : known && fp.complete ? "complete"
                         : known && fp.held > 0 ? "partial"
                                                : "missing");
    cairn_mp_pack_kv_u64(pk, "held", known && purged_at == 0 ? fp.held : 0);
    cairn_mp_pack_kv_u64(pk, "chunks", known ? fp.chunks : 0);
    cairn_mp_pack_kv_u64(pk, "chunks_held", known && purged_at == 0 ? fp.chunks_held : 0);
    if (purged_at != 0) {
        cairn_mp_pack_kv_u64(pk, "purged_at", (uint64_t)purged_at);
        cairn_api_pack_kv_column(pk, "purge_reason", st, 3);
    }
    sqlite3_finalize(st);
    return 0;
}

/* Applies the retention rules now (operators, tests); the timer does it every 10 minutes. */
static int evidence_purge(cairn_req_t *req)
{
    cairn_purge_report_t rep;
    char err[CAIRN_ERRMSG_MAX] = "";
    int rc = cairn_retention_run(req->d, cairn_sync_now_ms(), &rep, err, sizeof err);
    if (rc != 0)
        return cairn_req_fail(req, rc, "%s", err);
    msgpack_pack_map(req->pk, 6);
    cairn_mp_pack_kv_u64(req->pk, "files", rep.files);
    cairn_mp_pack_kv_u64(req->pk, "chunks", rep.chunks);
    cairn_mp_pack_kv_u64(req->pk, "bytes", rep.bytes);
    cairn_mp_pack_kv_u64(req->pk, "kept_pending", rep.kept_pending);
    cairn_mp_pack_kv_u64(req->pk, "kept_not_at_hub", rep.kept_not_at_hub);
    cairn_mp_pack_kv_bool(req->pk, "enabled",
                          req->d->cfg.purge_after_award_days >= 0 ||
                              req->d->cfg.purge_after_age_days >= 0);
    return 0;
}

const cairn_api_route_t cairn_api_routes_evidence[] = {
    {"evidence.show", evidence_show},
    {"evidence.purge", evidence_purge},
    {"evidence.list", evidence_list},
    {"evidence.get", evidence_get},
    {"evidence.prioritize", evidence_prioritize},
    {NULL, NULL},
};
