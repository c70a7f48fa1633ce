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
 *
 * The heads of our own chains (next seq, chain value, what is not yet checkpointed) are cached per
 * partition; any rollback forgets them all, and they are re-read from the log on next use.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

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
    bool readonly;
    bool has_signer;
    uint8_t sk[64];
    uint64_t rights_rejected;
    unsigned nheads;
    cairn_local_head_t heads[CAIRN_LOCAL_HEADS];
    cairn_store_ext_t search; /* search_stats.c's per-connection cache */
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

/* A read-only connection reads what is there: no journal mode change, no migration. */
static int configure_readonly(cairn_store_t *s, const char *path)
{
    char err[256] = "";
    sqlite3_stmt *st = NULL;
    long long v = 0;
    int rc;

    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    rc = cairn_store_schema_check(s->db, err, sizeof err);
    if (rc != 0) {
        cairn_log_error("store: %s: %s", path, err);
        return rc;
    }
    rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st,
                            NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (v != cairn_store_schema_version()) {
        cairn_log_error("store: %s: schema version %lld, this cairnd reads %d", path, v,
                        cairn_store_schema_version());
        return CAIRN_EUNSUPPORTED;
    }
    return 0;
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
    /* 8 KiB pages (SQLite's default is 4 KiB): fewer, fuller b-tree levels and WAL frames per
     * commit; measured ~25% faster appends in bench_events. Takes effect only on a new, empty
     * database (before WAL is set); an existing file keeps its page size. */
    if (pragma(s->db, "PRAGMA page_size = 8192", NULL, 0) != SQLITE_OK) {
        cairn_log_error("store: %s: %s", path, sqlite3_errmsg(s->db));
        return CAIRN_ESTORE;
    }
    if (pragma(s->db, "PRAGMA journal_mode = WAL", mode, sizeof mode) != SQLITE_OK ||
        (strcmp(mode, "wal") != 0 && !in_memory)) {
        cairn_log_error("store: %s: cannot use WAL (journal_mode %s): %s", path, mode,
                        sqlite3_errmsg(s->db));
        return CAIRN_ESTORE;
    }
    /* A 16 MiB page cache (SQLite's default is 2 MiB): with the default, appends spend most of
     * their time re-reading index pages through pread(2). Bounded, so the daemon stays small.
     * The WAL is checkpointed into the database every 4000 pages (32 MiB at 8 KiB pages) rather
     * than SQLite's 1000: fewer, larger checkpoints, each rewriting a hot page once rather than
     * four times. Durability is unchanged: a commit is durable once its WAL frames are synced. */
    if (pragma(s->db, "PRAGMA synchronous = FULL", NULL, 0) != SQLITE_OK ||
        pragma(s->db, "PRAGMA foreign_keys = ON", NULL, 0) != SQLITE_OK ||
        pragma(s->db, "PRAGMA cache_size = -16384", NULL, 0) != SQLITE_OK ||
        pragma(s->db, "PRAGMA wal_autocheckpoint = 4000", NULL, 0) != SQLITE_OK) {
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

static int open_store(const char *path, const uint8_t origin[CAIRN_NODE_ID_LEN], bool readonly,
                      cairn_store_t **out)
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
    s->readonly = readonly;
    rc = sqlite3_open_v2(
        path, &s->db,
        (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
            SQLITE_OPEN_NOMUTEX,
        NULL);
    if (rc != SQLITE_OK) {
        cairn_log_error("store: %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        rc = cairn_store_code(rc);
        goto fail;
    }
    rc = readonly ? configure_readonly(s, path) : configure(s, path);
    if (rc != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    cairn_store_close(s);
    return rc;
}

int cairn_store_open(const char *path, const uint8_t origin[CAIRN_NODE_ID_LEN], cairn_store_t **out)
{
    return open_store(path, origin, false, out);
}

int cairn_store_open_readonly(const char *path, cairn_store_t **out)
{
    static const uint8_t none[CAIRN_NODE_ID_LEN];
    return open_store(path, none, true, out);
}

void cairn_store_set_signer(cairn_store_t *s, const uint8_t sk[64])
{
    memcpy(s->sk, sk, sizeof s->sk);
    s->has_signer = true;
}

const uint8_t *cairn_store_signer(const cairn_store_t *s)
{
    return s->has_signer ? s->sk : NULL;
}

uint64_t *cairn_store_rights_counter(cairn_store_t *s)
{
    return &s->rights_rejected;
}

cairn_store_ext_t *cairn_store_search_ext(cairn_store_t *s)
{
    return &s->search;
}

void cairn_store_close(cairn_store_t *s)
{
    if (s == NULL)
        return;
    if (s->search.free_fn != NULL)
        s->search.free_fn(s->search.p);
    if (s->depth > 0 && s->db != NULL && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; i < STMT_SLOTS; i++)
        if (s->stmts[i].st != NULL)
            sqlite3_finalize(s->stmts[i].st);
    sqlite3_close(s->db);
    sodium_memzero(s->sk, sizeof s->sk);
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

/* Leaves one level. */
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
    cairn_store_heads_forget(s);
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
    cairn_store_heads_forget(s);
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
    /* One signature per partition appended to, for the whole transaction. */
    if (s->depth == 1 && (rc = cairn_store_checkpoint_all(s)) != 0) {
        cairn_store_rollback(s);
        return rc;
    }
    bool outermost = s->depth == 1;
    rc = exec_cached(s, outermost ? "COMMIT" : "RELEASE cairn");
    if (rc != 0) {
        cairn_store_rollback(s);
        return rc;
    }
    leave_level(s);
    if (outermost && s->search.after_commit != NULL)
        s->search.after_commit(s);
    return 0;
}

cairn_local_head_t *cairn_store_heads(cairn_store_t *s, unsigned *n)
{
    *n = s->nheads;
    return s->heads;
}

cairn_local_head_t *cairn_store_head_add(cairn_store_t *s)
{
    if (s->nheads == CAIRN_LOCAL_HEADS)
        return NULL;
    memset(&s->heads[s->nheads], 0, sizeof s->heads[0]);
    return &s->heads[s->nheads++];
}

void cairn_store_heads_reset(cairn_store_t *s)
{
    s->nheads = 0;
}

void cairn_store_heads_forget(cairn_store_t *s)
{
    for (unsigned i = 0; i < s->nheads; i++)
        s->heads[i].known = false;
}
