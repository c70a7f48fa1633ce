/*
 * rights.c: who may write what (architecture.md "Who writes what"), judged from the peers table,
 * and that table's accessors. Used by cairn_store_changeset_apply for every event it receives.
 *
 * A hub writes the catalog (catalog.* in `catalog`) and, into school partitions, reviews and
 * awards (review.*, award.*); a school writes educator.*, submission.* and evidence.* only into
 * its own partition, school:<its node id hex>. An origin not in peers may write nothing: events
 * are judged by who made them, whoever relayed them.
 */
#include <string.h>

#include <sodium.h>

#include <cairn/err.h>

#include "store_priv.h"
#include "store_sync.h"

int cairn_store_peer_put(cairn_store_t *s, const uint8_t node[CAIRN_NODE_ID_LEN],
                         cairn_peer_role_t role, const char *name)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "INSERT INTO peers(node, role, name) VALUES(?1, ?2, ?3)"
                              " ON CONFLICT(node) DO UPDATE SET role = excluded.role,"
                              " name = excluded.name",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, node, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, role == CAIRN_PEER_HUB ? "hub" : "school", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name != NULL ? name : "", -1, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}

int cairn_store_peer_get(cairn_store_t *s, const uint8_t node[CAIRN_NODE_ID_LEN],
                         cairn_peer_role_t *role)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT role FROM peers WHERE node = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, node, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        *role = r != NULL && strcmp(r, "hub") == 0 ? CAIRN_PEER_HUB : CAIRN_PEER_SCHOOL;
        rc = 0;
    } else {
        rc = rc == SQLITE_DONE ? CAIRN_ENOTFOUND : cairn_store_code(rc);
    }
    sqlite3_reset(st);
    return rc;
}

static bool has_prefix(const char *type, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(type, prefix, n) == 0 && type[n] != '\0';
}

/* Is partition "school:<origin hex>"? */
static bool own_school_partition(const uint8_t *origin, const char *partition)
{
    char hex[2 * CAIRN_NODE_ID_LEN + 1];
    sodium_bin2hex(hex, sizeof hex, origin, CAIRN_NODE_ID_LEN);
    return strncmp(partition, "school:", 7) == 0 && strcmp(partition + 7, hex) == 0;
}

int cairn_rights_check(void *store, const uint8_t origin[CAIRN_NODE_ID_LEN], const char *partition,
                       const char *type)
{
    cairn_peer_role_t role;
    int rc = cairn_store_peer_get(store, origin, &role);
    if (rc == CAIRN_ENOTFOUND)
        return CAIRN_EDENIED;
    if (rc != 0)
        return rc;
    if (role == CAIRN_PEER_HUB) {
        if (strcmp(partition, "catalog") == 0)
            return has_prefix(type, "catalog.") ? 0 : CAIRN_EDENIED;
        if (strncmp(partition, "school:", 7) == 0)
            return has_prefix(type, "review.") || has_prefix(type, "award.") ? 0 : CAIRN_EDENIED;
        return CAIRN_EDENIED;
    }
    if (!own_school_partition(origin, partition))
        return CAIRN_EDENIED;
    return has_prefix(type, "educator.") || has_prefix(type, "submission.") ||
                   has_prefix(type, "evidence.")
               ? 0
               : CAIRN_EDENIED;
}
