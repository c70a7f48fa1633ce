/*
 * chunk_plan.c: which evidence files a hub fetches over a session, in which order, and where
 * their manifests come from (the evidence.add events that sync brought). Read-only on the store.
 *
 * Order: files of submissions an assessor prioritized (`cairn evidence prioritize`, most recent
 * first), then every other file oldest first (by the hlc of its evidence). A file is a candidate
 * when its submission's partition is one this session syncs, its manifest is not stored here yet
 * (a stored manifest means every chunk is here: the file is complete), it was not purged and its
 * submission is not withdrawn (partial_sweep.c applies the same rules to partial files).
 * A file of such a partition that is complete here is listed apart, for chunk_tell.c: the hub
 * tells the school it holds it (a file another school sent first is never fetched again).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "chunk_xfer.h"
#include "identity.h"
#include "mpbuf.h"
#include "store.h"

/* Enough for any region; a longer plan is cut and the rest is planned once these are done. */
#define PLAN_MAX_FILES 4096

static const char files_sql[] =
    "SELECT e.hash, s.origin, p.at FROM evidence e JOIN submissions s ON s.id = e.submission"
    " LEFT JOIN evidence_priority p ON p.submission = e.submission"
    " WHERE e.type = 'file' AND length(e.hash) = 32 AND s.state != 'withdrawn'"
    " AND e.hash NOT IN (SELECT hash FROM evidence_purged)"
    " ORDER BY p.at IS NULL, p.at DESC, e.hlc";

static bool listed(const cairn_hash_set_t *l, const uint8_t *h)
{
    for (size_t i = 0; i < l->n; i++) {
        if (memcmp(l->v[i].b, h, CAIRN_HASH_LEN) == 0)
            return true;
    }
    return false;
}

int cairn_chunk_plan_files(cairn_daemon_t *d, cairn_sync_session_t *s, const cairn_hash_set_t *told,
                           cairn_hash_t **out, size_t *n, cairn_hash_t **held, size_t *nheld)
{
    sqlite3_stmt *st;
    *out = *held = NULL;
    *n = *nheld = 0;
    if (sqlite3_prepare_v2(cairn_store_db(d->store), files_sql, -1, &st, NULL) != SQLITE_OK)
        return CAIRN_ESTORE;
    /* In plan order (not sorted): list, what to fetch; held, what to tell. */
    cairn_hash_set_t list = {0}, held_l = {0};
    int rc = 0, step;
    while (list.n < PLAN_MAX_FILES && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const uint8_t *h = sqlite3_column_blob(st, 0);
        const uint8_t *origin = sqlite3_column_blob(st, 1);
        if (h == NULL || origin == NULL || sqlite3_column_bytes(st, 1) != 32)
            continue;
        char part[CAIRN_PARTITION_MAX + 1];
        cairn_sync_school_partition(origin, part);
        if (!cairn_sync_session_has_part(s, part) || listed(&list, h))
            continue;
        cairn_hash_t fh;
        memcpy(fh.b, h, CAIRN_HASH_LEN);
        if (cairn_blobs_manifest_has(d->blobs, &fh)) { /* complete here: tell the peer once */
            if (held_l.n < PLAN_MAX_FILES && !cairn_hash_set_has(told, &fh))
                rc = cairn_hash_set_add(&held_l, &fh); /* duplicates: chunk_tell.c skips */
            if (rc != 0)
                break;
            continue;
        }
        if ((rc = cairn_hash_set_add(&list, &fh)) != 0)
            break;
    }
    sqlite3_finalize(st);
    if (rc != 0) {
        cairn_hash_set_free(&list);
        cairn_hash_set_free(&held_l);
        return rc;
    }
    *out = list.v;
    *n = list.n;
    *held = held_l.v;
    *nheld = held_l.n;
    return 0;
}

static const char manifest_sql[] =
    "SELECT ev.body FROM evidence e JOIN submissions s ON s.id = e.submission"
    " JOIN events ev ON ev.partition = 'school:' || lower(hex(s.origin))"
    " AND ev.type = 'evidence.add' AND ev.entity = e.submission"
    " WHERE e.hash = ?1 ORDER BY ev.seq DESC";

/* The manifest inside an evidence.add body, if it is file's. */
static int manifest_in_body(const uint8_t *body, size_t len, const cairn_hash_t *file,
                            cairn_manifest_t *m)
{
    cairn_mp_doc_t doc;
    const msgpack_object *obj;
    int rc = cairn_mp_decode(body, len, &cairn_mp_wire_limits, &doc);
    if (rc != 0)
        return rc;
    rc = cairn_mp_get_map(&doc.root, "manifest", &obj);
    if (rc == 0) {
        cairn_mpbuf_t enc;
        cairn_mpbuf_init(&enc);
        msgpack_pack_object(&enc.pk, *obj);
        rc = cairn_mpbuf_status(&enc);
        if (rc == 0)
            rc = cairn_manifest_decode((const uint8_t *)enc.sb.data, enc.sb.size, m);
        cairn_mpbuf_free(&enc);
    }
    cairn_mp_doc_free(&doc);
    if (rc == 0 && sodium_memcmp(m->file_hash.b, file->b, CAIRN_HASH_LEN) != 0) {
        cairn_manifest_free(m);
        rc = CAIRN_ENOTFOUND;
    }
    return rc;
}

int cairn_chunk_plan_manifest(cairn_daemon_t *d, const cairn_hash_t *file, cairn_manifest_t *m)
{
    if (cairn_blobs_manifest_get(d->blobs, file, m) == 0)
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cairn_store_db(d->store), manifest_sql, -1, &st, NULL) != SQLITE_OK)
        return CAIRN_ESTORE;
    sqlite3_bind_blob(st, 1, file->b, CAIRN_HASH_LEN, SQLITE_STATIC);
    int rc = CAIRN_ENOTFOUND;
    while (rc != 0 && sqlite3_step(st) == SQLITE_ROW) {
        const uint8_t *body = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        if (body != NULL && manifest_in_body(body, len, file, m) == 0)
            rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

uint32_t cairn_chunk_plan_chunk_len(const cairn_manifest_t *m, uint32_t i)
{
    uint64_t start = (uint64_t)i * m->chunk_size;
    uint64_t left = m->size - start;
    return left < m->chunk_size ? (uint32_t)left : m->chunk_size;
}
