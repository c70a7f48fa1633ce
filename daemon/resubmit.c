/*
 * resubmit.c: opening attempt n+1 after a not-yet decision (submission.h,
 * cairn_submission_resubmit). The new attempt is an ordinary submission.start with a
 * "previous" link, plus one ordinary evidence.add per kept part: the file's manifest (so the
 * same stored chunks, nothing uploaded again) or the same text. The manifest is taken from the
 * evidence.add event that wrote the kept row (found by its hlc and origin), the log being the
 * source of truth. Never writes a projection.
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "store_priv.h"
#include "submission.h"

typedef struct {
    char state[16];
    char educator[CAIRN_ID_TEXT_LEN + 1];
    char credential[65];
    uint64_t version;
    char next[CAIRN_ID_TEXT_LEN + 1];
} prev_row_t;

static int load_prev(cairn_store_t *s, const char *id, prev_row_t *row, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT state, educator, credential, version,"
                              " (SELECT n.id FROM submissions n WHERE n.previous = ?1 LIMIT 1)"
                              " FROM submissions WHERE id = ?1",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *next = (const char *)sqlite3_column_text(st, 4);
        snprintf(row->state, sizeof row->state, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(row->educator, sizeof row->educator, "%s",
                 (const char *)sqlite3_column_text(st, 1));
        snprintf(row->credential, sizeof row->credential, "%s",
                 (const char *)sqlite3_column_text(st, 2));
        row->version = (uint64_t)sqlite3_column_int64(st, 3);
        snprintf(row->next, sizeof row->next, "%s", next != NULL ? next : "");
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
        snprintf(err, errlen, "no submission with id '%s'", id);
        return CAIRN_ENOTFOUND;
    }
    return rc == SQLITE_ROW ? 0 : cairn_store_code(rc);
}

/* The manifest embedded in the evidence.add event at (hlc, origin) about prev. */
static int logged_manifest(cairn_store_t *s, const char *prev, sqlite3_stmt *row,
                           cairn_manifest_t *m)
{
    sqlite3_stmt *st = NULL;
    cairn_mp_doc_t doc;
    const msgpack_object *obj;
    int rc = cairn_store_stmt(s,
                              "SELECT body FROM events WHERE hlc = ?1 AND origin = ?2"
                              " AND type = 'evidence.add' AND entity = ?3",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, sqlite3_column_int64(row, 5));
    sqlite3_bind_blob(st, 2, sqlite3_column_blob(row, 6), sqlite3_column_bytes(row, 6),
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 3, prev, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_ROW
             ? cairn_mp_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                               &cairn_mp_wire_limits, &doc)
             : CAIRN_ENOTFOUND;
    sqlite3_reset(st);
    if (rc != 0)
        return rc;
    rc = cairn_mp_get_map(&doc.root, "manifest", &obj);
    if (rc == 0) {
        cairn_mpbuf_t enc;
        cairn_mpbuf_init(&enc);
        msgpack_pack_object(&enc.pk, *obj);
        rc = cairn_mpbuf_status(&enc);
        if (rc == 0)
            rc = cairn_manifest_decode((const uint8_t *)enc.sb.data, enc.sb.size, m);
        cairn_mpbuf_free(&enc);
    }
    cairn_mp_doc_free(&doc);
    return rc;
}

/* Copies one part's evidence (columns of kept_sql) of prev into submission id. */
static int carry(cairn_store_t *s, const char *prev, const char *id, sqlite3_stmt *st, char *err,
                 size_t errlen)
{
    cairn_evidence_t ev = {0};
    cairn_manifest_t manifest;
    uint64_t size;
    ev.part = (const char *)sqlite3_column_text(st, 0);
    ev.part_len = strlen(ev.part);
    bool is_file = sqlite3_column_bytes(st, 1) == CAIRN_HASH_LEN;
    if (is_file) {
        int rc = logged_manifest(s, prev, st, &manifest);
        bool have = rc == 0;
        if (have && memcmp(manifest.file_hash.b, sqlite3_column_blob(st, 1), CAIRN_HASH_LEN))
            rc = CAIRN_EHASH; /* not the event that wrote the row: never expected */
        if (rc != 0) {
            if (have)
                cairn_manifest_free(&manifest);
            snprintf(err, errlen, "part '%s': reading its manifest from the log: %s", ev.part,
                     cairn_strerror(rc));
            return rc;
        }
        ev.manifest = &manifest;
        ev.name = (const char *)sqlite3_column_text(st, 2);
        ev.name_len = ev.name != NULL ? strlen(ev.name) : 0;
        ev.media_type = (const char *)sqlite3_column_text(st, 3);
        ev.media_type_len = ev.media_type != NULL ? strlen(ev.media_type) : 0;
    } else {
        ev.text = (const char *)sqlite3_column_text(st, 4);
        ev.text_len = (size_t)sqlite3_column_bytes(st, 4);
        if (ev.text == NULL)
            ev.text = "";
    }
    int rc = cairn_submission_evidence_add(s, id, &ev, &size, err, errlen);
    if (is_file)
        cairn_manifest_free(&manifest);
    return rc;
}

/* The parts of ?1 that met in its current decision, with their evidence. */
static const char kept_sql[] =
    "SELECT e.part, e.hash, e.name, e.media_type, e.text, e.hlc, e.origin FROM evidence e"
    " WHERE e.submission = ?1 AND instr(' ' || (SELECT d.parts FROM review_decisions d"
    "  WHERE d.submission = e.submission ORDER BY d.hlc DESC, d.origin DESC LIMIT 1) || ' ',"
    "  ' ' || e.part || '=meets ') > 0 ORDER BY e.part";

int cairn_submission_resubmit(cairn_store_t *s, const char *prev, bool keep_met,
                              cairn_submission_started_t *out, char *kept, size_t kept_len,
                              char *err, size_t errlen)
{
    prev_row_t row;
    sqlite3_stmt *st = NULL;
    int step, rc = load_prev(s, prev, &row, err, errlen);
    if (rc != 0)
        return rc;
    if (strcmp(row.state, "not-yet") != 0) {
        snprintf(err, errlen,
                 "submission %s is %s: only a submission decided not-yet can be resubmitted", prev,
                 row.state);
        return CAIRN_ESTATE;
    }
    if (row.next[0] != '\0') {
        snprintf(err, errlen, "submission %s was already resubmitted as %s", prev, row.next);
        return CAIRN_ESTATE;
    }
    kept[0] = '\0';
    if ((rc = cairn_store_begin(s)) != 0)
        return rc;
    rc = cairn_submission_start_attempt(s, row.educator, row.credential, strlen(row.credential),
                                        row.version, prev, out, err, errlen);
    if (rc == 0 && keep_met)
        rc = cairn_store_stmt(s, kept_sql, &st);
    if (rc == 0 && keep_met) {
        size_t used = 0;
        sqlite3_bind_text(st, 1, prev, -1, SQLITE_STATIC);
        while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
            rc = carry(s, prev, out->id, st, err, errlen);
            int w = snprintf(kept + used, kept_len - used, "%s%s", used ? ", " : "",
                             (const char *)sqlite3_column_text(st, 0));
            if (w > 0 && (size_t)w < kept_len - used)
                used += (size_t)w;
        }
        if (rc == 0 && step != SQLITE_DONE)
            rc = cairn_store_code(step);
        sqlite3_reset(st);
    }
    if (rc != 0) {
        cairn_store_rollback(s);
        return rc;
    }
    rc = cairn_store_commit(s);
    if (rc != 0)
        snprintf(err, errlen, "committing attempt %llu: %s", (unsigned long long)out->attempt,
                 cairn_strerror(rc));
    return rc;
}
