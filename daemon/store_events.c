/*
 * store_events.c: writing the event log. The only code that inserts into `events`.
 *
 * Guarantees: seq is gapless per origin; (origin, seq) names exactly one content, so applying the
 * same event twice is a no-op and a different content under a held identity is a conflict; every
 * event is projected in the transaction that stores it, and a refused event leaves neither its
 * log row nor any projection change behind (inside a caller's transaction, a database failure
 * part-way through a projection rolls the caller's whole transaction back instead). Local events
 * are stamped from one HLC that starts above the log's maximum and absorbs the timestamps of
 * every event applied from elsewhere.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "projection.h"
#include "store_priv.h"

/* Checks the fields every event must have, before anything is touched. */
static int check_event(const cairn_event_t *ev)
{
    size_t n;
    if (ev->seq == 0 || ev->seq > INT64_MAX || ev->hlc > INT64_MAX)
        return CAIRN_EINVAL;
    if (ev->partition == NULL || ev->type == NULL || ev->entity == NULL || ev->body == NULL)
        return CAIRN_EINVAL;
    n = strnlen(ev->partition, CAIRN_PARTITION_MAX + 1);
    if (n == 0 || n > CAIRN_PARTITION_MAX)
        return CAIRN_EINVAL;
    n = strnlen(ev->type, CAIRN_TYPE_MAX + 1);
    if (n == 0 || n > CAIRN_TYPE_MAX)
        return CAIRN_EINVAL;
    n = strnlen(ev->entity, CAIRN_ENTITY_MAX + 1);
    if (n == 0 || n > CAIRN_ENTITY_MAX)
        return CAIRN_EINVAL;
    if (ev->body_len == 0 || ev->body_len > CAIRN_EVENT_BODY_MAX)
        return ev->body_len == 0 ? CAIRN_EINVAL : CAIRN_ETOOBIG;
    return 0;
}

static int insert_event(cairn_store_t *s, const cairn_event_t *ev)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "INSERT INTO events(origin, seq, hlc, partition, type, entity, body)"
                              " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->seq);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->hlc);
    sqlite3_bind_text(st, 4, ev->partition, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, ev->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, ev->body, (int)ev->body_len, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}

static int delete_event(cairn_store_t *s, const cairn_event_t *ev)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "DELETE FROM events WHERE origin = ?1 AND seq = ?2", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->seq);
    return cairn_store_exec_stmt(st);
}

/* Inside a caller's transaction. A SAVEPOINT per event would copy every page the event touches
 * into a sub-journal, a fifth of the cost of an append in a batch. Instead: a failed statement
 * undoes itself, and every projector checks the body (and that what it updates exists) before
 * its first write, so a refused event has written only its own log row, which is deleted again.
 * A database failure after a projector's first write cannot be undone piecemeal: the whole
 * transaction is rolled back and the caller's commit fails. */
static int store_in_transaction(cairn_store_t *s, const cairn_event_t *ev,
                                const msgpack_object *body)
{
    sqlite3 *db = cairn_store_db(s);
    int rc = insert_event(s, ev);
    if (rc != 0)
        return rc;
    sqlite3_int64 mark = sqlite3_total_changes64(db);
    rc = cairn_projection_apply(s, ev, body);
    if (rc != 0 && (sqlite3_total_changes64(db) != mark || delete_event(s, ev) != 0))
        cairn_store_abort(s);
    return rc;
}

/* Stores ev and projects it, all or nothing: in a transaction of its own when the caller has
 * none. The body must be a msgpack map within the wire limits; it is decoded before any write. */
static int store_and_project(cairn_store_t *s, const cairn_event_t *ev)
{
    cairn_mp_doc_t doc;
    int depth = cairn_store_depth(s);
    if (depth < 0)
        return depth;
    int rc = cairn_mp_decode(ev->body, ev->body_len, &cairn_mp_wire_limits, &doc);
    if (rc != 0)
        return rc == CAIRN_EPROTO ? CAIRN_EINVAL : rc;
    if (depth > 0) {
        rc = store_in_transaction(s, ev, &doc.root);
    } else if ((rc = cairn_store_begin(s)) == 0) {
        rc = insert_event(s, ev);
        if (rc == 0)
            rc = cairn_projection_apply(s, ev, &doc.root);
        if (rc == 0)
            rc = cairn_store_commit(s);
        else
            cairn_store_rollback(s);
    }
    cairn_mp_doc_free(&doc);
    return rc;
}

int cairn_store_append(cairn_store_t *s, const char *partition, const char *type,
                       const char *entity, const uint8_t *body, size_t body_len, uint64_t *seq_out,
                       uint64_t *hlc_out)
{
    cairn_event_t ev = {
        .partition = partition, .type = type, .entity = entity, .body = body, .body_len = body_len};
    int rc;

    memcpy(ev.origin, cairn_store_origin(s), CAIRN_NODE_ID_LEN);
    rc = cairn_store_next_seq(s, &ev.seq);
    if (rc != 0)
        return rc;
    rc = cairn_hlc_now(cairn_store_clock(s), cairn_hlc_wall_now(), &ev.hlc);
    if (rc != 0)
        return rc;
    rc = check_event(&ev);
    if (rc != 0)
        return rc;
    rc = store_and_project(s, &ev);
    if (rc != 0)
        return rc;
    cairn_store_seq_used(s, ev.seq);
    if (seq_out != NULL)
        *seq_out = ev.seq;
    if (hlc_out != NULL)
        *hlc_out = ev.hlc;
    return 0;
}

int cairn_store_append_body(cairn_store_t *s, const char *partition, const char *type,
                            const char *entity, cairn_mpbuf_t *body)
{
    int rc = cairn_mpbuf_status(body);
    if (rc == 0)
        rc = cairn_store_append(s, partition, type, entity, (const uint8_t *)body->sb.data,
                                body->sb.size, NULL, NULL);
    cairn_mpbuf_free(body);
    return rc;
}

/* Compares ev with the event held under the same (origin, seq): 1 same, 0 absent, or
 * CAIRN_ECONFLICT / an error code. */
static int held_same(cairn_store_t *s, const cairn_event_t *ev)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT hlc, partition, type, entity, body FROM events"
                              " WHERE origin = ?1 AND seq = ?2",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->seq);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return cairn_store_code(rc);
    }
    const void *body = sqlite3_column_blob(st, 4);
    size_t body_len = (size_t)sqlite3_column_bytes(st, 4);
    bool same = (uint64_t)sqlite3_column_int64(st, 0) == ev->hlc &&
                strcmp((const char *)sqlite3_column_text(st, 1), ev->partition) == 0 &&
                strcmp((const char *)sqlite3_column_text(st, 2), ev->type) == 0 &&
                strcmp((const char *)sqlite3_column_text(st, 3), ev->entity) == 0 &&
                body_len == ev->body_len && memcmp(body, ev->body, body_len) == 0;
    sqlite3_reset(st);
    return same ? 1 : CAIRN_ECONFLICT;
}

int cairn_store_apply(cairn_store_t *s, const cairn_event_t *ev)
{
    uint64_t last;
    int rc = check_event(ev);
    if (rc != 0)
        return rc;
    rc = held_same(s, ev);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    rc = cairn_store_last_seq(s, ev->origin, &last);
    if (rc != 0)
        return rc;
    if (ev->seq != last + 1)
        return CAIRN_EGAP;
    /* A timestamp from a clock more than a day ahead is refused, not absorbed: taking it would
     * drag every later local event into that node's future. */
    rc = cairn_hlc_observe(cairn_store_clock(s), cairn_hlc_wall_now(), ev->hlc);
    if (rc != 0)
        return rc;
    rc = store_and_project(s, ev);
    if (rc == 0 && memcmp(ev->origin, cairn_store_origin(s), CAIRN_NODE_ID_LEN) == 0)
        cairn_store_seq_used(s, ev->seq);
    return rc;
}
