/*
 * store.c: opening cairn.db, its transactions, and the cache of prepared statements.
 *
 * Durability settings are not negotiable: WAL with synchronous=FULL (a commit is on disk when it
 * returns), foreign keys on, and a busy timeout so a concurrent `cairnd rebuild` or sqlite3 shell
 * makes us wait rather than fail. Every statement is prepared once, on first use, and reused.
 *
 * Transactions nest: the outermost cairn_store_begin() is BEGIN IMMEDIATE, inner ones are
 * SAVEPOINTs, so an inner failure undoes only its own work. If SQLite rolls the whole transaction
 * back underneath us (disk full, I/O error), or cairn_store_abort() does, every enclosing level is
 * marked aborted and its commit fails: a caller can never commit half of what it meant to.
 * The connection is opened without SQLite's mutexes: only the loop thread uses a store.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "log.h"
#include "store_priv.h"
#include "store_schema.h"

#define STMT_SLOTS 256 /* power of two; at most 3/4 used */
#define BUSY_TIMEOUT_MS 10000

struct cairn_store {
    sqlite3 *db;
    uint8_t origin[CAIRN_NODE_ID_LEN];
    char partition[CAIRN_SCHOOL_PARTITION_LEN + 1];
    cairn_hlc_t clock;
    int depth;    /* open transaction levels */
    bool aborted; /* SQLite rolled the transaction back under an open level */
    bool next_seq_known;
    uint64_t next_seq;
    unsigned nstmts;
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } stmts[STMT_SLOTS];
};

int cairn_store_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return 0;
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_NOMEM:
        return -ENOMEM;
    default:
        return CAIRN_ESTORE;
    }
}

int cairn_store_stmt(cairn_store_t *s, const char *sql, sqlite3_stmt **out)
{
    size_t i = (((uintptr_t)sql >> 3) * 0x9e3779b97f4a7c15ull) >> 56;
    for (;; i = (i + 1) & (STMT_SLOTS - 1)) {
        if (s->stmts[i].sql == sql) {
            sqlite3_reset(s->stmts[i].st);
            sqlite3_clear_bindings(s->stmts[i].st);
            *out = s->stmts[i].st;
            return 0;
        }
        if (s->stmts[i].sql == NULL)
            break;
    }
    /* Statements are string literals in the store's modules: their number is fixed and small. */
    assert(s->nstmts < STMT_SLOTS * 3 / 4);
    if (s->nstmts >= STMT_SLOTS * 3 / 4)
        return CAIRN_ESTORE;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[i].st, NULL);
    if (rc != SQLITE_OK) {
        cairn_log_error("store: preparing \"%.60s\": %s", sql, sqlite3_errmsg(s->db));
        return cairn_store_code(rc);
    }
    s->stmts[i].sql = sql;
    s->nstmts++;
    *out = s->stmts[i].st;
    return 0;
}

int cairn_store_exec_stmt(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : cairn_store_code(rc);
}

static int exec_cached(cairn_store_t *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, sql, &st);
    return rc != 0 ? rc : cairn_store_exec_stmt(st);
}

static int pragma(sqlite3 *db, const char *sql, char *result, size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && result != NULL)
        snprintf(result, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The clock starts above every timestamp in the log, so a restart never reissues one. */
static int init_clock(cairn_store_t *s)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT max(hlc) FROM events", &st);
    if (rc != 0)
        return rc;
    rc = sqlite3_step(st);
    cairn_hlc_init(&s->clock, rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : cairn_store_code(rc);
}

static int configure(cairn_store_t *s, const char *path)
{
    char mode[16] = "";
    char err[256] = "";
    bool in_memory = strcmp(path, ":memory:") == 0 || path[0] == '\0';
    int rc;

    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    rc = cairn_store_schema_check(s->db, err, sizeof err);
    if (rc != 0) {
        cairn_log_error("store: %s: %s", path, err);
        return rc;
    }
    if (pragma(s->db, "PRAGMA journal_mode = WAL", mode, sizeof mode) != SQLITE_OK ||
        (strcmp(mode, "wal") != 0 && !in_memory)) {
        cairn_log_error("store: %s: cannot use WAL (journal_mode %s): %s", path, mode,
                        sqlite3_errmsg(s->db));
        return CAIRN_ESTORE;
    }
    if (pragma(s->db, "PRAGMA synchronous = FULL", NULL, 0) != SQLITE_OK ||
        pragma(s->db, "PRAGMA foreign_keys = ON", NULL, 0) != SQLITE_OK) {
        cairn_log_error("store: %s: %s", path, sqlite3_errmsg(s->db));
        return CAIRN_ESTORE;
    }
    rc = cairn_store_schema_migrate(s->db, err, sizeof err);
    if (rc != 0) {
        cairn_log_error("store: %s: %s", path, err);
        return rc;
    }
    return init_clock(s);
}

int cairn_store_open(const char *path, const uint8_t origin[CAIRN_NODE_ID_LEN], cairn_store_t **out)
{
    static const char hex[] = "0123456789abcdef";
    cairn_store_t *s = calloc(1, sizeof *s);
    int rc;

    if (s == NULL)
        return -ENOMEM;
    memcpy(s->origin, origin, CAIRN_NODE_ID_LEN);
    memcpy(s->partition, "school:", 7);
    for (size_t i = 0; i < CAIRN_NODE_ID_LEN; i++) {
        s->partition[7 + 2 * i] = hex[origin[i] >> 4];
        s->partition[8 + 2 * i] = hex[origin[i] & 15];
    }
    rc = sqlite3_open_v2(path, &s->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        cairn_log_error("store: %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        rc = cairn_store_code(rc);
        goto fail;
    }
    rc = configure(s, path);
    if (rc != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    cairn_store_close(s);
    return rc;
}

void cairn_store_close(cairn_store_t *s)
{
    if (s == NULL)
        return;
    if (s->depth > 0 && s->db != NULL && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; i < STMT_SLOTS; i++)
        if (s->stmts[i].st != NULL)
            sqlite3_finalize(s->stmts[i].st);
    sqlite3_close(s->db);
    free(s);
}

struct sqlite3 *cairn_store_db(cairn_store_t *s)
{
    return s->db;
}

const uint8_t *cairn_store_origin(const cairn_store_t *s)
{
    return s->origin;
}

const char *cairn_store_school_partition(const cairn_store_t *s)
{
    return s->partition;
}

cairn_hlc_t *cairn_store_clock(cairn_store_t *s)
{
    return &s->clock;
}

/* SQLite ended the transaction on its own (it does so on disk full, I/O errors, ...). */
static bool lost_transaction(cairn_store_t *s)
{
    if (s->depth > 0 && sqlite3_get_autocommit(s->db))
        s->aborted = true;
    return s->aborted;
}

/* Leaves one level; the cached seq may describe undone work, so it is forgotten. */
static void leave_level(cairn_store_t *s)
{
    assert(s->depth > 0);
    s->depth--;
    if (s->depth == 0)
        s->aborted = false;
}

int cairn_store_depth(cairn_store_t *s)
{
    return lost_transaction(s) ? CAIRN_ESTORE : s->depth;
}

void cairn_store_abort(cairn_store_t *s)
{
    if (s->depth == 0)
        return;
    if (!lost_transaction(s))
        exec_cached(s, "ROLLBACK");
    s->aborted = true;
    s->next_seq_known = false;
}

int cairn_store_begin(cairn_store_t *s)
{
    int rc;
    if (s->depth > 0 && lost_transaction(s))
        return CAIRN_ESTORE;
    rc = exec_cached(s, s->depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT cairn");
    if (rc != 0)
        return rc;
    s->depth++;
    return 0;
}

void cairn_store_rollback(cairn_store_t *s)
{
    if (s->depth == 0)
        return;
    s->next_seq_known = false;
    if (!lost_transaction(s)) {
        if (s->depth == 1) {
            exec_cached(s, "ROLLBACK");
        } else {
            exec_cached(s, "ROLLBACK TO cairn");
            exec_cached(s, "RELEASE cairn");
        }
    }
    leave_level(s);
}

int cairn_store_commit(cairn_store_t *s)
{
    int rc;
    assert(s->depth > 0);
    if (lost_transaction(s)) {
        cairn_store_rollback(s);
        return CAIRN_ESTORE;
    }
    rc = exec_cached(s, s->depth == 1 ? "COMMIT" : "RELEASE cairn");
    if (rc != 0) {
        cairn_store_rollback(s);
        return rc;
    }
    leave_level(s);
    return 0;
}

int cairn_store_last_seq(cairn_store_t *s, const uint8_t origin[CAIRN_NODE_ID_LEN], uint64_t *seq)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT max(seq) FROM events WHERE origin = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *seq = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : cairn_store_code(rc);
}

int cairn_store_next_seq(cairn_store_t *s, uint64_t *seq)
{
    if (!s->next_seq_known) {
        uint64_t last;
        int rc = cairn_store_last_seq(s, s->origin, &last);
        if (rc != 0)
            return rc;
        s->next_seq = last + 1;
        s->next_seq_known = true;
    }
    *seq = s->next_seq;
    return 0;
}

void cairn_store_seq_used(cairn_store_t *s, uint64_t seq)
{
    s->next_seq = seq + 1;
    s->next_seq_known = true;
}

void cairn_store_seq_forget(cairn_store_t *s)
{
    s->next_seq_known = false;
}
