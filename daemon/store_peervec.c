/*
 * store_peervec.c: peer_vectors, bundles_seen and peer lookup (store_peervec.h). Plain queries on
 * cached statements; no policy: which partitions a peer gets is bundle.c's business.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <cairn/err.h>

#include "store_peervec.h"
#include "store_priv.h"

int cairn_store_peervec_get(cairn_store_t *s, const uint8_t peer[CAIRN_NODE_ID_LEN],
                            cairn_vector_t *v)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT origin, seq FROM peer_vectors"
                              " WHERE peer = ?1 AND partition = ?2 ORDER BY origin",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, peer, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, v->partition, -1, SQLITE_STATIC);
    while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *origin = sqlite3_column_blob(st, 0);
        sqlite3_int64 seq = sqlite3_column_int64(st, 1);
        rc = 0;
        if (origin != NULL && sqlite3_column_bytes(st, 0) == CAIRN_NODE_ID_LEN && seq > 0)
            rc = cairn_vector_set(v, origin, (uint64_t)seq);
    }
    if (rc == SQLITE_DONE)
        rc = 0;
    else if (rc > 0)
        rc = cairn_store_code(rc);
    sqlite3_reset(st);
    return rc;
}

int cairn_store_peervec_merge(cairn_store_t *s, const uint8_t peer[CAIRN_NODE_ID_LEN],
                              const cairn_vector_t *v)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "INSERT INTO peer_vectors(peer, partition, origin, seq)"
                              " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(peer, partition, origin)"
                              " DO UPDATE SET seq = excluded.seq WHERE excluded.seq > seq",
                              &st);
    for (size_t i = 0; rc == 0 && i < v->n; i++) {
        sqlite3_bind_blob(st, 1, peer, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, v->partition, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, v->e[i].origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)v->e[i].seq);
        rc = cairn_store_exec_stmt(st);
    }
    return rc;
}

int cairn_store_peer_last_sync_get(cairn_store_t *s, const uint8_t peer[CAIRN_NODE_ID_LEN],
                                   uint64_t *ms)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT last_sync_ms FROM peer_sync WHERE peer = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, peer, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *ms = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
    sqlite3_reset(st);
    return rc;
}

int cairn_store_peer_last_sync_set(cairn_store_t *s, const uint8_t peer[CAIRN_NODE_ID_LEN],
                                   uint64_t ms)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "INSERT INTO peer_sync(peer, last_sync_ms) VALUES(?1, ?2)"
                              " ON CONFLICT(peer) DO UPDATE SET last_sync_ms ="
                              " excluded.last_sync_ms WHERE excluded.last_sync_ms > last_sync_ms",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, peer, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ms);
    return cairn_store_exec_stmt(st);
}

int cairn_store_bundle_seen(cairn_store_t *s, const uint8_t id[16], bool *seen)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT 1 FROM bundles_seen WHERE bundle_id = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *seen = rc == SQLITE_ROW;
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
    sqlite3_reset(st);
    return rc;
}

int cairn_store_bundle_mark(cairn_store_t *s, const uint8_t id[16],
                            const uint8_t peer[CAIRN_NODE_ID_LEN], int64_t applied_at_ms)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "INSERT OR IGNORE INTO bundles_seen(bundle_id, peer, applied_at)"
                              " VALUES(?1, ?2, ?3)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, peer, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, applied_at_ms);
    return cairn_store_exec_stmt(st);
}

bool cairn_store_key_matches(const char *text, const uint8_t node[CAIRN_NODE_ID_LEN],
                             const char *name)
{
    char hex[2 * CAIRN_NODE_ID_LEN + 1];
    size_t len = strlen(text);
    if (strcmp(text, name) == 0)
        return true;
    if (len < 4 || len > 2 * CAIRN_NODE_ID_LEN)
        return false;
    sodium_bin2hex(hex, sizeof hex, node, CAIRN_NODE_ID_LEN);
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (c != hex[i])
            return false;
    }
    return true;
}

int cairn_store_peer_find(cairn_store_t *s, const char *text, cairn_peer_t *out, char *err,
                          size_t errlen)
{
    sqlite3_stmt *st = NULL;
    unsigned found = 0;
    int rc = cairn_store_stmt(s, "SELECT node, role, name FROM peers ORDER BY node", &st);
    if (rc != 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const uint8_t *node = sqlite3_column_blob(st, 0);
        const char *role = (const char *)sqlite3_column_text(st, 1);
        const char *name = (const char *)sqlite3_column_text(st, 2);
        bool hub = role != NULL && strcmp(role, "hub") == 0;
        if (node == NULL || sqlite3_column_bytes(st, 0) != CAIRN_NODE_ID_LEN)
            continue;
        if (name == NULL)
            name = "";
        if (text == NULL ? !hub : !cairn_store_key_matches(text, node, name))
            continue;
        if (found++ == 0) {
            memcpy(out->node, node, CAIRN_NODE_ID_LEN);
            out->role = hub ? CAIRN_PEER_HUB : CAIRN_PEER_SCHOOL;
            snprintf(out->name, sizeof out->name, "%s", name);
        }
    }
    rc = rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
    sqlite3_reset(st);
    if (rc != 0) {
        snprintf(err, errlen, "reading the peers table failed");
        return rc;
    }
    if (found == 1)
        return 0;
    if (text == NULL) {
        snprintf(err, errlen,
                 found == 0 ? "no hub is enrolled: enrol first, or name the peer with --to"
                            : "several hubs are enrolled: name one with --to");
        return found == 0 ? CAIRN_ENOTFOUND : CAIRN_EAMBIGUOUS;
    }
    snprintf(err, errlen,
             found == 0 ? "no enrolled peer is named '%.80s' or has an id starting so"
                        : "'%.80s' matches several peers: give more of the id",
             text);
    return found == 0 ? CAIRN_ENOTFOUND : CAIRN_EAMBIGUOUS;
}
