/*
 * store_resolve.c: turning an id or a unique prefix of one (at least 4 characters, PROTOCOL.md
 * 2.1) into the full id of an educator or a submission. Read-only.
 *
 * Ids are lower-case Crockford base32, so every id starting with prefix P lies in the index range
 * [P, P + "{") ('{' sorts right after 'z'): one bounded index scan, at most 6 rows read.
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "store_priv.h"

#define PREFIX_MIN 4
#define CANDIDATES_SHOWN 5

static const char *const kind_name[] = {"educator", "submission", "award", "recommendation"};
static const char *const range_sql[] = {
    "SELECT id FROM educators WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 6",
    "SELECT id FROM submissions WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 6",
    "SELECT id FROM awards WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 6",
    "SELECT id FROM recommendations WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 6",
};

int cairn_store_resolve_id(cairn_store_t *s, cairn_id_kind_t kind, const char *text, size_t len,
                           char out[CAIRN_ID_TEXT_LEN + 1], char *err, size_t errlen)
{
    char prefix[CAIRN_ID_TEXT_LEN + 1], upper[CAIRN_ID_TEXT_LEN + 2];
    char list[CANDIDATES_SHOWN * (CAIRN_ID_TEXT_LEN + 2) + 16] = "";
    const char *what = kind_name[kind];
    sqlite3_stmt *st = NULL;
    int found = 0, step, rc;

    if (len < PREFIX_MIN || len > CAIRN_ID_TEXT_LEN) {
        snprintf(err, errlen, "%s id '%.*s': give the full id or at least %d characters of it",
                 what, len > CAIRN_ID_TEXT_LEN ? CAIRN_ID_TEXT_LEN : (int)len, text, PREFIX_MIN);
        return CAIRN_EINVAL;
    }
    if (!cairn_id_prefix_normalise(text, len, prefix)) {
        snprintf(err, errlen, "%s id '%.*s' is not an id (Crockford base32 characters)", what,
                 (int)len, text);
        return CAIRN_EINVAL;
    }
    memcpy(upper, prefix, len);
    memcpy(upper + len, "{", 2);
    rc = cairn_store_stmt(s, range_sql[kind], &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, prefix, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, upper, (int)len + 1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (found == 0)
            snprintf(out, CAIRN_ID_TEXT_LEN + 1, "%s", id);
        if (found < CANDIDATES_SHOWN) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof list - used, "%s%s", found ? ", " : "", id);
        }
        found++;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return cairn_store_code(step);
    if (found == 0) {
        snprintf(err, errlen, "no %s with id '%s'", what, prefix);
        return CAIRN_ENOTFOUND;
    }
    if (found > 1) {
        snprintf(err, errlen, "%s id prefix '%s' is ambiguous: %s%s", what, prefix, list,
                 found > CANDIDATES_SHOWN ? ", ..." : "");
        return CAIRN_EAMBIGUOUS;
    }
    return 0;
}

int cairn_store_resolve_educator(cairn_store_t *s, const char *text, size_t len,
                                 char out[CAIRN_ID_TEXT_LEN + 1], char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int found = 0, step;
    int rc = cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, text, len, out, err, errlen);
    if (rc != CAIRN_ENOTFOUND && rc != CAIRN_EINVAL)
        return rc;
    /* Not an id: a name. Names are at most 200 bytes (educator.add). */
    if (len == 0 || len > 200) {
        snprintf(err, errlen, "no educator named or with id '%.*s'", len > 64 ? 64 : (int)len,
                 text);
        return CAIRN_ENOTFOUND;
    }
    rc = cairn_store_stmt(s,
                          "SELECT id FROM educators WHERE name = ?1 COLLATE NOCASE ORDER BY id"
                          " LIMIT 2",
                          &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, text, (int)len, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (found++ == 0)
            snprintf(out, CAIRN_ID_TEXT_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return cairn_store_code(step);
    if (found == 0) {
        snprintf(err, errlen, "no educator named or with id '%.*s'", len > 64 ? 64 : (int)len,
                 text);
        return CAIRN_ENOTFOUND;
    }
    if (found > 1) {
        snprintf(err, errlen, "two or more educators are named '%.*s': give the id instead",
                 (int)len, text);
        return CAIRN_EAMBIGUOUS;
    }
    return 0;
}
