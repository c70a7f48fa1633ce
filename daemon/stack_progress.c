/*
 * stack_progress.c: an educator's state on a credential (stack_progress.h), read from the
 * submissions projection (draft ... awarded, from the review rules of section 11) and, for an
 * award the hub revoked, the awards projection. Read-only.
 */
#include "stack_progress.h"

#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "store_priv.h"

int cairn_stack_progress(cairn_store_t *s, const char *educator, const char *credential,
                         cairn_stack_progress_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT id, state, (SELECT count(*) FROM submissions"
                              "  WHERE educator = ?1 AND credential = ?2)"
                              " FROM submissions WHERE educator = ?1 AND credential = ?2"
                              " ORDER BY attempt DESC, created DESC LIMIT 1",
                              &st);
    memset(out, 0, sizeof *out);
    snprintf(out->state, sizeof out->state, "not started");
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, credential, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(out->submission, sizeof out->submission, "%s",
                 (const char *)sqlite3_column_text(st, 0));
        snprintf(out->state, sizeof out->state, "%s", (const char *)sqlite3_column_text(st, 1));
        out->attempts = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
    /* An award the hub revoked (PROTOCOL.md 10.6) no longer counts as earned. */
    if (strcmp(out->state, "awarded") != 0)
        return 0;
    rc = cairn_store_stmt(s, "SELECT 1 FROM awards WHERE submission = ?1 AND revoked IS NOT NULL",
                          &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, out->submission, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        snprintf(out->state, sizeof out->state, "revoked");
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
}
