/*
 * rights.c: who may write what (architecture.md "Who writes what", PROTOCOL.md section 7.5),
 * judged from the event's origin and the authenticated sender it came from, and the peers table's
 * accessors. Used by cairn_store_changeset_apply for every event it receives.
 *
 * A hub writes the catalog (catalog.* in `catalog`) and, into school partitions, reviews and
 * awards (review.claim, review.score, review.decide, award.issue: judged by their prefixes, so a
 * later award.* type such as a revocation falls under the same rule; stack.complete, a stack's
 * badge, likewise); a school writes educator.*,
 * submission.*, evidence.* and recommendation.* only into its own partition, school:<its node id
 * hex>. In a tree (school -> region -> state) the origin of a catalog event or an award may be a
 * hub we never met: we accept it because our pinned upstream hub relays it, and its origin's
 * signature verifies. Upward, a child hub relays its schools' partitions; each school's events must
 * still be signed by the school the partition names.
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
    const char *r = role == CAIRN_PEER_HUB         ? "hub"
                    : role == CAIRN_PEER_CHILD_HUB ? "child-hub"
                                                   : "school";
    sqlite3_bind_text(st, 2, r, -1, SQLITE_STATIC);
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
        if (r != NULL && strcmp(r, "hub") == 0)
            *role = CAIRN_PEER_HUB;
        else if (r != NULL && strcmp(r, "child-hub") == 0)
            *role = CAIRN_PEER_CHILD_HUB;
        else
            *role = CAIRN_PEER_SCHOOL;
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

/* "school:" and 64 lowercase hex digits (a node id)? */
static bool school_partition_valid(const char *partition)
{
    if (strncmp(partition, "school:", 7) != 0 || strlen(partition + 7) != 2 * CAIRN_NODE_ID_LEN)
        return false;
    for (const char *p = partition + 7; *p != '\0'; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    }
    return true;
}

/* Is partition "school:<origin hex>"? */
static bool own_school_partition(const uint8_t *origin, const char *partition)
{
    char hex[2 * CAIRN_NODE_ID_LEN + 1];
    sodium_bin2hex(hex, sizeof hex, origin, CAIRN_NODE_ID_LEN);
    return strncmp(partition, "school:", 7) == 0 && strcmp(partition + 7, hex) == 0;
}

int cairn_rights_check(void *arg, const uint8_t origin[CAIRN_NODE_ID_LEN], const char *partition,
                       const char *type)
{
    const cairn_rights_ctx_t *c = arg;
    if (c == NULL || c->sender == NULL)
        return CAIRN_EDENIED;
    cairn_peer_role_t sender;
    int rc = cairn_store_peer_get(c->store, c->sender, &sender);
    if (rc == CAIRN_ENOTFOUND)
        return CAIRN_EDENIED;
    if (rc != 0)
        return rc;
    bool upstream = sender == CAIRN_PEER_HUB;
    bool child_hub = c->hub && sender == CAIRN_PEER_CHILD_HUB;
    bool mine = c->self != NULL && memcmp(origin, c->self, CAIRN_NODE_ID_LEN) == 0;
    bool direct = memcmp(origin, c->sender, CAIRN_NODE_ID_LEN) == 0;
    if (strcmp(partition, "catalog") == 0) {
        if (!has_prefix(type, "catalog."))
            return CAIRN_EDENIED;
        return upstream || (c->hub && mine) ? 0 : CAIRN_EDENIED;
    }
    if (!school_partition_valid(partition))
        return CAIRN_EDENIED;
    bool owner = own_school_partition(origin, partition);
    if (has_prefix(type, "educator.") || has_prefix(type, "submission.") ||
        has_prefix(type, "evidence.") || has_prefix(type, "recommendation.")) {
        if (!owner)
            return CAIRN_EDENIED;
        return direct || upstream || child_hub || mine ? 0 : CAIRN_EDENIED;
    }
    if (has_prefix(type, "review.") || has_prefix(type, "award.") || has_prefix(type, "stack.")) {
        if (owner)
            return CAIRN_EDENIED; /* a school never reviews or awards itself */
        return upstream || (c->hub && (mine || (child_hub && direct))) ? 0 : CAIRN_EDENIED;
    }
    return CAIRN_EDENIED;
}
