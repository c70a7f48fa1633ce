/*
 * pin.c: the PIN table and the lockout rule (pin.h). Never sees a PIN, only hashes.
 */
#include "pin.h"

#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "store_priv.h"

int cairn_pin_check_format(const char *pin, size_t len)
{
    if (len < CAIRN_PIN_MIN || len > CAIRN_PIN_MAX)
        return CAIRN_EINVAL;
    for (size_t i = 0; i < len; i++)
        if (pin[i] < '0' || pin[i] > '9')
            return CAIRN_EINVAL;
    return 0;
}

uint64_t cairn_pin_lock_ms(uint64_t lockouts)
{
    uint64_t ms = CAIRN_PIN_LOCK_BASE_MS;
    for (uint64_t i = 0; i < lockouts && ms < CAIRN_PIN_LOCK_MAX_MS; i++)
        ms *= 2;
    return ms < CAIRN_PIN_LOCK_MAX_MS ? ms : CAIRN_PIN_LOCK_MAX_MS;
}

int cairn_pin_store(cairn_store_t *s, const char *educator, const char *hash)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "INSERT INTO educator_pins(educator, hash, failures, lockouts,"
                              " locked_until) VALUES(?1, ?2, 0, 0, 0)"
                              " ON CONFLICT(educator) DO UPDATE SET hash = excluded.hash,"
                              " failures = 0, lockouts = 0, locked_until = 0",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}

typedef struct {
    char hash[crypto_pwhash_STRBYTES];
    uint64_t failures, lockouts, locked_until;
} pin_row_t;

static int load(cairn_store_t *s, const char *educator, pin_row_t *row)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT hash, failures, lockouts, locked_until FROM educator_pins"
                              " WHERE educator = ?1",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(row->hash, sizeof row->hash, "%s", (const char *)sqlite3_column_text(st, 0));
        row->failures = (uint64_t)sqlite3_column_int64(st, 1);
        row->lockouts = (uint64_t)sqlite3_column_int64(st, 2);
        row->locked_until = (uint64_t)sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? CAIRN_ENOTFOUND : cairn_store_code(rc);
}

static int save_counts(cairn_store_t *s, const char *educator, const pin_row_t *row)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "UPDATE educator_pins SET failures = ?2, lockouts = ?3,"
                              " locked_until = ?4 WHERE educator = ?1",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)row->failures);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)row->lockouts);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)row->locked_until);
    return cairn_store_exec_stmt(st);
}

int cairn_pin_attempt_begin(cairn_store_t *s, const char *educator, uint64_t now_ms, char *hash,
                            uint64_t *locked_until)
{
    pin_row_t row;
    int rc = load(s, educator, &row);
    *locked_until = 0;
    if (rc != 0)
        return rc;
    if (row.locked_until > now_ms) {
        *locked_until = row.locked_until;
        return CAIRN_ESTATE;
    }
    row.failures++;
    if ((rc = save_counts(s, educator, &row)) != 0)
        return rc;
    memcpy(hash, row.hash, sizeof row.hash);
    return 0;
}

int cairn_pin_attempt_end(cairn_store_t *s, const char *educator, uint64_t now_ms, bool right,
                          unsigned *tries_left, uint64_t *locked_until)
{
    pin_row_t row;
    int rc = load(s, educator, &row);
    *locked_until = 0;
    *tries_left = 0;
    if (rc != 0)
        return rc;
    if (right) {
        row.failures = row.lockouts = row.locked_until = 0;
    } else if (row.failures >= CAIRN_PIN_TRIES) {
        row.locked_until = now_ms + cairn_pin_lock_ms(row.lockouts);
        row.lockouts++;
        row.failures = 0;
        *locked_until = row.locked_until;
    } else {
        *tries_left = (unsigned)(CAIRN_PIN_TRIES - row.failures);
    }
    return save_counts(s, educator, &row);
}
