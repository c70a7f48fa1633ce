/*
 * store_devices.c: the `devices` table (see store_devices.h). Never stores anything secret: a
 * device's key is public, its name is what it chose to show.
 */
#include "store_devices.h"

#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "store_priv.h"

int cairn_store_device_put(cairn_store_t *s, const uint8_t pk[32], const char *name, int64_t now_ms)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "INSERT INTO devices(pk, name, paired_at, revoked_at)"
                              " VALUES(?1, ?2, ?3, NULL) ON CONFLICT(pk) DO UPDATE SET"
                              " name = excluded.name, paired_at = excluded.paired_at,"
                              " revoked_at = NULL",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now_ms);
    return cairn_store_exec_stmt(st);
}

/* Copies the current row of a "SELECT pk, name, paired_at, revoked_at" statement. */
static bool row_to_device(sqlite3_stmt *st, cairn_device_t *d)
{
    const void *pk = sqlite3_column_blob(st, 0);
    const char *name = (const char *)sqlite3_column_text(st, 1);
    if (pk == NULL || sqlite3_column_bytes(st, 0) != 32)
        return false;
    memset(d, 0, sizeof *d);
    memcpy(d->pk, pk, 32);
    snprintf(d->name, sizeof d->name, "%s", name != NULL ? name : "");
    d->paired_ms = sqlite3_column_int64(st, 2);
    d->revoked_ms = sqlite3_column_type(st, 3) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 3);
    return true;
}

int cairn_store_device_get(cairn_store_t *s, const uint8_t pk[32], cairn_device_t *d)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(
        s, "SELECT pk, name, paired_at, revoked_at FROM devices WHERE pk = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = row_to_device(st, d) ? 0 : CAIRN_ESTORE;
    else
        rc = rc == SQLITE_DONE ? CAIRN_ENOTFOUND : cairn_store_code(rc);
    sqlite3_reset(st);
    return rc;
}

typedef struct {
    const char *text;
    unsigned found;
    cairn_device_t *first;
} match_t;

static void match_fn(void *arg, const cairn_device_t *d)
{
    match_t *m = arg;
    if (cairn_store_key_matches(m->text, d->pk, d->name) && m->found++ == 0)
        *m->first = *d;
}

int cairn_store_device_revoke(cairn_store_t *s, const char *text, int64_t now_ms,
                              cairn_device_t *out, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    match_t m = {text, 0, out};
    int rc = cairn_store_device_list(s, match_fn, &m);
    unsigned found = m.found;
    if (rc != 0) {
        snprintf(err, errlen, "cannot read the devices table");
        return rc;
    }
    if (found == 0) {
        snprintf(err, errlen, "no paired device is named '%s' or has a key starting with it", text);
        return CAIRN_ENOTFOUND;
    }
    if (found > 1) {
        snprintf(err, errlen, "'%s' names %u devices: give more of the key", text, found);
        return CAIRN_EAMBIGUOUS;
    }
    if (out->revoked_ms != 0)
        return 0;
    rc = cairn_store_stmt(s, "UPDATE devices SET revoked_at = ?2 WHERE pk = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_blob(st, 1, out->pk, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_ms);
    rc = cairn_store_exec_stmt(st);
    if (rc == 0)
        out->revoked_ms = now_ms;
    else
        snprintf(err, errlen, "cannot record the revocation: %s", cairn_strerror(rc));
    return rc;
}

int cairn_store_device_list(cairn_store_t *s, void (*fn)(void *arg, const cairn_device_t *d),
                            void *arg)
{
    sqlite3_stmt *st = NULL;
    int rc =
        cairn_store_stmt(s, "SELECT pk, name, paired_at, revoked_at FROM devices ORDER BY pk", &st);
    if (rc != 0)
        return rc;
    cairn_device_t d;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (row_to_device(st, &d))
            fn(arg, &d);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
}
