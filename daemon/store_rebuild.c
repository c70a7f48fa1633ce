/*
 * store_rebuild.c: the digest of every projection, and rebuilding the projections from the log.
 *
 * The digest is how we prove projections are a pure function of the log: rebuild deletes every
 * projection row and replays all events in (hlc, origin, partition, seq) order, in one transaction,
 * then compares the digest with the one taken before. Any difference means a projection row was
 * changed by something other than an event, or a projector is not deterministic.
 *
 * A new projection table must be added to both lists below, in the order that keeps foreign keys
 * satisfied when deleting (children first).
 */
#include <string.h>

#include <cairn/chunk.h>
#include <cairn/err.h>
#include <cairn/mp.h>

#include "projection.h"
#include "search.h"
#include "search_stats.h"
#include "store_priv.h"

static const char *const clear_sql[] = {
    "DELETE FROM status_lists",
    "DELETE FROM awards",
    "DELETE FROM review_decisions",
    "DELETE FROM review_scores",
    "DELETE FROM review_claims",
    "DELETE FROM evidence",
    "DELETE FROM submissions",
    "DELETE FROM educators",
    "DELETE FROM credential_parts",
    "DELETE FROM credentials",
    "DELETE FROM stack_credentials",
    "DELETE FROM stacks",
    "DELETE FROM issuer",
    "DELETE FROM search_docs", /* its triggers empty the FTS index */
    "DELETE FROM recommendations",
};

/* Every projection table, rows in primary-key order. */
static const char *const digest_sql[] = {
    "SELECT * FROM issuer ORDER BY id",
    "SELECT * FROM stacks ORDER BY id",
    "SELECT * FROM stack_credentials ORDER BY stack, credential",
    "SELECT * FROM credentials ORDER BY id, version",
    "SELECT * FROM credential_parts ORDER BY credential, version, part",
    "SELECT * FROM educators ORDER BY id",
    "SELECT * FROM submissions ORDER BY id",
    "SELECT * FROM evidence ORDER BY submission, part",
    "SELECT * FROM review_claims ORDER BY submission, hlc, origin",
    "SELECT * FROM review_scores ORDER BY submission, part, hlc, origin",
    "SELECT * FROM review_decisions ORDER BY submission, hlc, origin",
    "SELECT * FROM awards ORDER BY id",
    "SELECT * FROM status_lists ORDER BY url",
    /* not doc: a rowid, assigned in arrival order */
    "SELECT " CAIRN_SEARCH_DOC_COLUMNS " FROM search_docs ORDER BY id",
    "SELECT * FROM recommendations ORDER BY id",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void hash_u64(crypto_generichash_state *h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    crypto_generichash_update(h, b, sizeof b);
}

/* Each value is hashed as a type tag and an unambiguous encoding (lengths before bytes). */
static void hash_value(crypto_generichash_state *h, sqlite3_stmt *st, int col)
{
    uint8_t tag = (uint8_t)sqlite3_column_type(st, col);
    crypto_generichash_update(h, &tag, 1);
    switch (tag) {
    case SQLITE_INTEGER:
        hash_u64(h, (uint64_t)sqlite3_column_int64(st, col));
        break;
    case SQLITE_FLOAT: {
        double d = sqlite3_column_double(st, col);
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        hash_u64(h, bits);
        break;
    }
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
        const void *p = tag == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, col)
                                           : sqlite3_column_blob(st, col);
        size_t n = (size_t)sqlite3_column_bytes(st, col);
        hash_u64(h, n);
        if (n > 0)
            crypto_generichash_update(h, p, n);
        break;
    }
    default:
        break;
    }
}

int cairn_store_projection_digest(cairn_store_t *s, uint8_t out[32])
{
    crypto_generichash_state h;
    sqlite3_stmt *st = NULL;
    int rc = 0;

    crypto_generichash_init(&h, NULL, 0, 32);
    for (size_t t = 0; t < COUNT(digest_sql) && rc == 0; t++) {
        rc = cairn_store_stmt(s, digest_sql[t], &st);
        if (rc != 0)
            break;
        crypto_generichash_update(&h, (const uint8_t *)digest_sql[t], strlen(digest_sql[t]) + 1);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            int ncol = sqlite3_column_count(st);
            uint8_t row = 'R';
            crypto_generichash_update(&h, &row, 1);
            for (int c = 0; c < ncol; c++)
                hash_value(&h, st, c);
        }
        rc = step == SQLITE_DONE ? 0 : cairn_store_code(step);
        sqlite3_reset(st);
    }
    crypto_generichash_final(&h, out, 32);
    return rc;
}

static int clear_projections(cairn_store_t *s)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    for (size_t i = 0; i < COUNT(clear_sql) && rc == 0; i++) {
        rc = cairn_store_stmt(s, clear_sql[i], &st);
        if (rc == 0)
            rc = cairn_store_exec_stmt(st);
    }
    /* the search statistics described the rows just deleted */
    return rc == 0 ? cairn_search_stats_indexed(s) : rc;
}

/* Projects one row of the replay query (columns: origin, seq, hlc, partition, type, entity,
 * body). Pointers into the row stay valid until the next step. */
static int replay_row(cairn_store_t *s, sqlite3_stmt *st)
{
    cairn_event_t ev;
    cairn_mp_doc_t doc;
    int rc;

    if (sqlite3_column_bytes(st, 0) != CAIRN_NODE_ID_LEN)
        return CAIRN_ESTORE;
    memcpy(ev.origin, sqlite3_column_blob(st, 0), CAIRN_NODE_ID_LEN);
    ev.seq = (uint64_t)sqlite3_column_int64(st, 1);
    ev.hlc = (uint64_t)sqlite3_column_int64(st, 2);
    ev.partition = (const char *)sqlite3_column_text(st, 3);
    ev.type = (const char *)sqlite3_column_text(st, 4);
    ev.entity = (const char *)sqlite3_column_text(st, 5);
    ev.body = sqlite3_column_blob(st, 6);
    ev.body_len = (size_t)sqlite3_column_bytes(st, 6);
    if (ev.partition == NULL || ev.type == NULL || ev.entity == NULL || ev.body == NULL)
        return CAIRN_ESTORE;
    rc = cairn_mp_decode(ev.body, ev.body_len, &cairn_mp_wire_limits, &doc);
    if (rc != 0)
        return rc;
    rc = cairn_projection_apply(s, &ev, &doc.root);
    cairn_mp_doc_free(&doc);
    return rc;
}

static int replay(cairn_store_t *s, uint64_t *count)
{
    sqlite3_stmt *st = NULL;
    int step = SQLITE_DONE,
        rc = cairn_store_stmt(s,
                              "SELECT origin, seq, hlc, partition, type, entity, body"
                              " FROM events ORDER BY hlc, origin, partition, seq",
                              &st);
    *count = 0;
    if (rc != 0)
        return rc;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = replay_row(s, st);
        *count += rc == 0;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = cairn_store_code(step);
    sqlite3_reset(st);
    return rc;
}

int cairn_store_rebuild(cairn_store_t *s, bool *equal, uint64_t *events_replayed)
{
    uint8_t before[32], after[32];
    uint64_t count = 0;
    int rc = cairn_store_begin(s);
    if (rc != 0)
        return rc;
    rc = cairn_store_projection_digest(s, before);
    if (rc == 0)
        rc = clear_projections(s);
    if (rc == 0)
        rc = replay(s, &count);
    if (rc == 0)
        rc = cairn_store_projection_digest(s, after);
    if (rc != 0) {
        cairn_store_rollback(s);
        return rc;
    }
    rc = cairn_store_commit(s);
    if (rc != 0)
        return rc;
    *equal = memcmp(before, after, sizeof before) == 0;
    if (events_replayed != NULL)
        *events_replayed = count;
    return 0;
}
