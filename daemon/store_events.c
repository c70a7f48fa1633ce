/*
 * store_events.c: writing the event log. The only code that inserts into `events` and signs our
 * own checkpoints.
 *
 * Guarantees: seq is gapless per (origin, partition); (origin, partition, seq) names exactly one
 * content, so applying the same event twice is a no-op and a different content under a held
 * identity is a conflict; every row carries chain_n = step(chain_{n-1}, event_n) (cairn/event.h);
 * every event is projected in the transaction that stores it, and a refused event leaves neither
 * its log row nor any projection change behind (inside a caller's transaction, a database failure
 * part-way through a projection rolls the caller's whole transaction back instead). Local events
 * are stamped from one HLC that starts above the log's maximum and absorbs the timestamps of
 * every event applied from elsewhere.
 *
 * Checkpoints: with a signer set, the outermost commit signs (seq, chain) of each of our chains
 * it extended: one Ed25519 signature per partition per transaction, not per event. A span (the
 * events after the last checkpoint) is also closed mid-transaction before it would pass
 * SPAN_BYTES_MAX or SPAN_EVENTS_MAX, so any span fits in one change set (store_sync.h).
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "projection.h"
#include "store_priv.h"

/* A span is at most 1 MiB of events, or one event of any size: well under a change set's 3.5 MiB
 * even when that one event is a 3 MiB body. */
#define SPAN_BYTES_MAX (1024u * 1024)
#define SPAN_EVENTS_MAX 4096u
/* What an event adds to a change set besides its body (array, hlc, type, entity headers). */
#define EVENT_WIRE_OVERHEAD 24u

static int insert_event(cairn_store_t *s, const cairn_event_t *ev, const uint8_t *chain)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(
        s,
        "INSERT INTO events(partition, origin, seq, hlc, type, entity, body, chain)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->partition, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->seq);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)ev->hlc);
    sqlite3_bind_text(st, 5, ev->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, ev->body, (int)ev->body_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 8, chain, CAIRN_CHAIN_LEN, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}

static int delete_event(cairn_store_t *s, const cairn_event_t *ev)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(
        s, "DELETE FROM events WHERE partition = ?1 AND origin = ?2 AND seq = ?3", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->partition, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->seq);
    return cairn_store_exec_stmt(st);
}

/* Inside a caller's transaction. A SAVEPOINT per event would copy every page the event touches
 * into a sub-journal, a fifth of the cost of an append in a batch. Instead: a failed statement
 * undoes itself, and every projector checks the body (and that what it updates exists) before
 * its first write, so a refused event has written only its own log row, which is deleted again.
 * A database failure after a projector's first write cannot be undone piecemeal: the whole
 * transaction is rolled back and the caller's commit fails. */
static int store_in_transaction(cairn_store_t *s, const cairn_event_t *ev, const uint8_t *chain,
                                const msgpack_object *body)
{
    sqlite3 *db = cairn_store_db(s);
    int rc = insert_event(s, ev, chain);
    if (rc != 0)
        return rc;
    sqlite3_int64 mark = sqlite3_total_changes64(db);
    rc = cairn_projection_apply(s, ev, body);
    if (rc != 0 && (sqlite3_total_changes64(db) != mark || delete_event(s, ev) != 0))
        cairn_store_abort(s);
    return rc;
}

int cairn_store_event_put(cairn_store_t *s, const cairn_event_t *ev,
                          const uint8_t chain[CAIRN_CHAIN_LEN])
{
    cairn_mp_doc_t doc;
    int depth = cairn_store_depth(s);
    if (depth < 0)
        return depth;
    int rc = cairn_mp_decode(ev->body, ev->body_len, &cairn_mp_wire_limits, &doc);
    if (rc != 0)
        return rc == CAIRN_EPROTO ? CAIRN_EINVAL : rc;
    if (depth > 0) {
        rc = store_in_transaction(s, ev, chain, &doc.root);
    } else if ((rc = cairn_store_begin(s)) == 0) {
        rc = insert_event(s, ev, chain);
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

int cairn_store_chain_head(cairn_store_t *s, const uint8_t origin[CAIRN_NODE_ID_LEN],
                           const char *partition, uint64_t *seq, uint8_t chain[CAIRN_CHAIN_LEN])
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT seq, chain FROM events WHERE partition = ?1 AND origin = ?2"
                              " ORDER BY seq DESC LIMIT 1",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, partition, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *seq = 0;
    memset(chain, 0, CAIRN_CHAIN_LEN);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 1) != CAIRN_CHAIN_LEN) {
            sqlite3_reset(st);
            return CAIRN_ESTORE;
        }
        *seq = (uint64_t)sqlite3_column_int64(st, 0);
        memcpy(chain, sqlite3_column_blob(st, 1), CAIRN_CHAIN_LEN);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
}

/* Reads one of our heads from the log: its chain head, and the span after its last checkpoint. */
static int load_head(cairn_store_t *s, cairn_local_head_t *h)
{
    const uint8_t *origin = cairn_store_origin(s);
    sqlite3_stmt *st = NULL;
    uint64_t last;
    int rc = cairn_store_chain_head(s, origin, h->partition, &last, h->chain);
    if (rc == 0)
        rc = cairn_store_stmt(s,
                              "SELECT count(*), coalesce(sum(length(body) + length(type)"
                              " + length(entity)), 0) FROM events"
                              " WHERE partition = ?1 AND origin = ?2 AND seq > coalesce("
                              "(SELECT max(seq) FROM checkpoints WHERE partition = ?1"
                              " AND origin = ?2), 0)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, h->partition, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        h->span_events = (uint32_t)sqlite3_column_int64(st, 0);
        h->span_bytes =
            (uint64_t)sqlite3_column_int64(st, 1) + (uint64_t)h->span_events * EVENT_WIRE_OVERHEAD;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return cairn_store_code(rc);
    h->next_seq = last + 1;
    h->known = true;
    return 0;
}

/* Signs and stores a checkpoint at h's head, if it has an unsigned span and there is a signer. */
static int checkpoint(cairn_store_t *s, cairn_local_head_t *h)
{
    const uint8_t *sk = cairn_store_signer(s);
    uint8_t sig[CAIRN_SIG_LEN];
    sqlite3_stmt *st = NULL;
    if (sk == NULL || !h->known || h->span_events == 0)
        return 0;
    int rc = cairn_checkpoint_sign(sk, cairn_store_origin(s), h->partition, h->next_seq - 1,
                                   h->chain, sig);
    if (rc == 0)
        rc = cairn_store_stmt(s,
                              "INSERT INTO checkpoints(partition, origin, seq, chain, sig)"
                              " VALUES(?1, ?2, ?3, ?4, ?5)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, h->partition, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, cairn_store_origin(s), CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(h->next_seq - 1));
    sqlite3_bind_blob(st, 4, h->chain, CAIRN_CHAIN_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, sig, CAIRN_SIG_LEN, SQLITE_STATIC);
    rc = cairn_store_exec_stmt(st);
    if (rc == 0) {
        h->span_events = 0;
        h->span_bytes = 0;
    }
    return rc;
}

int cairn_store_checkpoint_all(cairn_store_t *s)
{
    unsigned n;
    cairn_local_head_t *heads = cairn_store_heads(s, &n);
    int rc = 0;
    if (cairn_store_signer(s) == NULL)
        return 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        /* After an inner rollback a head is unknown, but the outer levels' events may still
         * need their checkpoint: re-read it. */
        if (!heads[i].known)
            rc = load_head(s, &heads[i]);
        if (rc == 0)
            rc = checkpoint(s, &heads[i]);
    }
    return rc;
}

/* Our head for partition: cached, re-read, or a new slot (a full cache is checkpointed and
 * emptied first, so nothing pending is forgotten). */
static int local_head(cairn_store_t *s, const char *partition, cairn_local_head_t **out)
{
    unsigned n;
    cairn_local_head_t *heads = cairn_store_heads(s, &n), *h = NULL;
    int rc;
    for (unsigned i = 0; i < n && h == NULL; i++)
        if (strcmp(heads[i].partition, partition) == 0)
            h = &heads[i];
    if (h == NULL && (h = cairn_store_head_add(s)) == NULL) {
        if ((rc = cairn_store_checkpoint_all(s)) != 0)
            return rc;
        cairn_store_heads_reset(s);
        h = cairn_store_head_add(s);
    }
    if (!h->known) {
        snprintf(h->partition, sizeof h->partition, "%s", partition);
        if ((rc = load_head(s, h)) != 0)
            return rc;
    }
    *out = h;
    return 0;
}

int cairn_store_append(cairn_store_t *s, const char *partition, const char *type,
                       const char *entity, const uint8_t *body, size_t body_len, uint64_t *seq_out,
                       uint64_t *hlc_out)
{
    cairn_event_t ev = {
        .partition = partition, .type = type, .entity = entity, .body = body, .body_len = body_len};
    cairn_local_head_t *h = NULL;
    uint8_t chain[CAIRN_CHAIN_LEN];
    int rc;

    memcpy(ev.origin, cairn_store_origin(s), CAIRN_NODE_ID_LEN);
    ev.seq = 1; /* checked below once known */
    rc = cairn_event_check(&ev);
    if (rc != 0)
        return rc;
    rc = cairn_store_depth(s);
    if (rc < 0)
        return rc;
    rc = local_head(s, partition, &h);
    if (rc != 0)
        return rc;
    ev.seq = h->next_seq;
    rc = cairn_hlc_now(cairn_store_clock(s), cairn_hlc_wall_now(), &ev.hlc);
    if (rc != 0)
        return rc;
    rc = cairn_event_check(&ev);
    if (rc != 0)
        return rc;
    uint64_t size = body_len + strlen(type) + strlen(entity) + EVENT_WIRE_OVERHEAD;
    if (h->span_events > 0 &&
        (h->span_bytes + size > SPAN_BYTES_MAX || h->span_events >= SPAN_EVENTS_MAX) &&
        (rc = checkpoint(s, h)) != 0)
        return rc;
    /* The head moves first: a commit of event_put's own (no caller transaction) checkpoints it.
     * On failure it is re-read from the log. */
    cairn_chain_step(h->chain, &ev, chain);
    h->next_seq = ev.seq + 1;
    memcpy(h->chain, chain, CAIRN_CHAIN_LEN);
    h->span_events++;
    h->span_bytes += size;
    rc = cairn_store_event_put(s, &ev, chain);
    if (rc != 0) {
        h->known = false;
        return rc;
    }
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

int cairn_store_event_held(cairn_store_t *s, const cairn_event_t *ev)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT hlc, type, entity, body FROM events"
                              " WHERE partition = ?1 AND origin = ?2 AND seq = ?3",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->partition, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->seq);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return cairn_store_code(rc);
    }
    const void *body = sqlite3_column_blob(st, 3);
    size_t body_len = (size_t)sqlite3_column_bytes(st, 3);
    bool same = (uint64_t)sqlite3_column_int64(st, 0) == ev->hlc &&
                strcmp((const char *)sqlite3_column_text(st, 1), ev->type) == 0 &&
                strcmp((const char *)sqlite3_column_text(st, 2), ev->entity) == 0 &&
                body_len == ev->body_len && memcmp(body, ev->body, body_len) == 0;
    sqlite3_reset(st);
    return same ? 1 : CAIRN_ECONFLICT;
}

int cairn_store_apply(cairn_store_t *s, const cairn_event_t *ev)
{
    uint64_t last;
    uint8_t chain[CAIRN_CHAIN_LEN];
    int rc = cairn_event_check(ev);
    if (rc != 0)
        return rc;
    rc = cairn_store_event_held(s, ev);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    rc = cairn_store_chain_head(s, ev->origin, ev->partition, &last, chain);
    if (rc != 0)
        return rc;
    if (ev->seq != last + 1)
        return CAIRN_EGAP;
    /* A timestamp from a clock more than a day ahead is refused, not absorbed: taking it would
     * drag every later local event into that node's future. */
    rc = cairn_hlc_observe(cairn_store_clock(s), cairn_hlc_wall_now(), ev->hlc);
    if (rc != 0)
        return rc;
    cairn_chain_step(chain, ev, chain);
    rc = cairn_store_event_put(s, ev, chain);
    if (rc == 0 && memcmp(ev->origin, cairn_store_origin(s), CAIRN_NODE_ID_LEN) == 0)
        cairn_store_heads_forget(s);
    return rc;
}
