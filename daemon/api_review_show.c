/*
 * api_review_show.c: what an assessor sees of one submission (review.show: the rubric beside
 * each evidence part, whether the file's bytes are here, the current scores) and what the
 * teacher sees of its review (the "review" map of submission.show). Reads only.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include <cairn/chunk.h>
#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/mp.h>

#include "api_review.h"
#include "api_util.h"
#include "blobs.h"
#include "daemon.h"

/* Are the manifest and every chunk of file hash h stored here? */
static bool file_present(cairn_blobs_t *b, const uint8_t *h)
{
    cairn_manifest_t m;
    cairn_hash_t fh;
    if (b == NULL)
        return false;
    memcpy(fh.b, h, CAIRN_HASH_LEN);
    if (cairn_blobs_manifest_get(b, &fh, &m) != 0)
        return false;
    bool all = true;
    for (uint32_t i = 0; i < m.nchunks && all; i++)
        all = cairn_blobs_chunk_has(b, &m.chunks[i]);
    cairn_manifest_free(&m);
    return all;
}

/* Packs "rubric": the rubric rows of the credential JSON that name part. */
static void pack_rubric(msgpack_packer *pk, json_t *doc, const char *part)
{
    json_t *rubric = json_object_get(doc, "rubric"), *row;
    size_t i, n = 0;
    json_array_foreach(rubric, i, row)
    {
        n += json_is_string(json_object_get(row, "part")) &&
             strcmp(json_string_value(json_object_get(row, "part")), part) == 0;
    }
    cairn_mp_pack_cstr(pk, "rubric");
    msgpack_pack_array(pk, (uint32_t)n);
    json_array_foreach(rubric, i, row)
    {
        json_t *p = json_object_get(row, "part");
        if (!json_is_string(p) || strcmp(json_string_value(p), part) != 0)
            continue;
        const char *criterion = json_string_value(json_object_get(row, "criterion"));
        const char *meets = json_string_value(json_object_get(row, "meets"));
        msgpack_pack_map(pk, 2);
        cairn_mp_pack_kv_str(pk, "criterion", criterion != NULL ? criterion : "");
        cairn_mp_pack_kv_str(pk, "meets", meets != NULL ? meets : "");
    }
}

/* Columns: part, kind, required, description, type, size, name, media_type, hash, text. */
static const char parts_sql[] =
    "SELECT p.part, p.kind, p.required, p.description, e.type, e.size, e.name, e.media_type,"
    " e.hash, e.text FROM credential_parts p"
    " LEFT JOIN evidence e ON e.submission = ?1 AND e.part = p.part"
    " WHERE p.credential = ?2 AND p.version = ?3 ORDER BY p.pos";

static const char score_sql[] =
    "SELECT verdict, feedback, assessor FROM review_scores WHERE submission = ?1 AND part = ?2"
    " ORDER BY hlc DESC, origin DESC LIMIT 1";

static const char carried_sql[] = "SELECT " CAIRN_REVIEW_CARRIED_SQL(
    "e") " FROM evidence e WHERE e.submission = ?1 AND e.part = ?2";

/* Packs "score": the current score, or {"verdict": "meets", "carried": true} for a part carried
 * unchanged from a part that met in the previous attempt (review.h), or nil. */
static void pack_score(msgpack_packer *pk, cairn_store_t *s, const char *id, const char *part)
{
    sqlite3_stmt *st = NULL;
    cairn_mp_pack_cstr(pk, "score");
    if (cairn_store_stmt(s, score_sql, &st) != 0) {
        msgpack_pack_nil(pk);
        return;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, part, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        msgpack_pack_map(pk, 3);
        cairn_api_pack_kv_column(pk, "verdict", st, 0);
        cairn_api_pack_kv_column(pk, "feedback", st, 1);
        cairn_api_pack_kv_column(pk, "assessor", st, 2);
        sqlite3_reset(st);
        return;
    }
    sqlite3_reset(st);
    bool carried = false;
    if (cairn_store_stmt(s, carried_sql, &st) == 0) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, part, -1, SQLITE_STATIC);
        carried = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
        sqlite3_reset(st);
    }
    if (!carried) {
        msgpack_pack_nil(pk);
        return;
    }
    msgpack_pack_map(pk, 2);
    cairn_mp_pack_kv_str(pk, "verdict", "meets");
    cairn_mp_pack_kv_bool(pk, "carried", true);
}

static void pack_evidence(msgpack_packer *pk, cairn_blobs_t *blobs, sqlite3_stmt *st)
{
    cairn_mp_pack_cstr(pk, "evidence");
    if (sqlite3_column_type(st, 4) == SQLITE_NULL) {
        msgpack_pack_nil(pk);
        return;
    }
    bool is_file = sqlite3_column_bytes(st, 8) == CAIRN_HASH_LEN;
    msgpack_pack_map(pk, is_file ? 6 : 3);
    cairn_api_pack_kv_column(pk, "type", st, 4);
    cairn_mp_pack_kv_u64(pk, "size", (uint64_t)sqlite3_column_int64(st, 5));
    if (!is_file) {
        cairn_api_pack_kv_column(pk, "text", st, 9);
        return;
    }
    char hex[2 * CAIRN_HASH_LEN + 1];
    const uint8_t *h = sqlite3_column_blob(st, 8);
    sodium_bin2hex(hex, sizeof hex, h, CAIRN_HASH_LEN);
    cairn_api_pack_kv_column(pk, "name", st, 6);
    cairn_api_pack_kv_column(pk, "media_type", st, 7);
    cairn_mp_pack_kv_str(pk, "hash", hex);
    cairn_mp_pack_kv_bool(pk, "present", file_present(blobs, h));
}

static int pack_review_parts(cairn_req_t *req, const char *id, const char *credential,
                             int64_t version, json_t *doc)
{
    cairn_store_t *s = req->d->store;
    cairn_mpbuf_t items;
    sqlite3_stmt *st = NULL;
    int step, rc = cairn_store_stmt(s, parts_sql, &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the parts: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, credential, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, version);
    cairn_mpbuf_init(&items);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *part = (const char *)sqlite3_column_text(st, 0);
        msgpack_pack_map(&items.pk, 7);
        cairn_api_pack_kv_column(&items.pk, "part", st, 0);
        cairn_api_pack_kv_column(&items.pk, "kind", st, 1);
        cairn_mp_pack_kv_bool(&items.pk, "required", sqlite3_column_int(st, 2) != 0);
        cairn_api_pack_kv_column(&items.pk, "description", st, 3);
        pack_rubric(&items.pk, doc, part);
        pack_evidence(&items.pk, req->d->blobs, st);
        pack_score(&items.pk, s, id, part);
        items.count++;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        cairn_mpbuf_free(&items);
        return cairn_req_fail(req, cairn_store_code(step), "reading the parts");
    }
    cairn_mp_pack_cstr(req->pk, "parts");
    rc = cairn_mpbuf_pack_array(&items, req->pk);
    cairn_mpbuf_free(&items);
    return rc == 0 ? 0 : cairn_req_fail(req, rc, "out of memory packing the parts");
}

int cairn_api_review_show(cairn_req_t *req)
{
    cairn_review_cfg_t cfg;
    cairn_assessor_t a;
    char id[CAIRN_ID_TEXT_LEN + 1], credential[65];
    sqlite3_stmt *st = NULL;
    bool given;
    int rc = cairn_api_review_as(req, false, &a, &given);
    if (rc == 0)
        rc = cairn_api_arg_id(req, "id", CAIRN_ID_SUBMISSION, id);
    if (rc != 0)
        return rc;
    cairn_api_review_cfg(req, &cfg);
    rc = cairn_api_row_by_id(req,
                             "SELECT s.educator, e.name, p.name, s.credential, s.version, c.title,"
                             " s.attempt, s.state, s.submitted, c.json FROM submissions s"
                             " LEFT JOIN educators e ON e.id = s.educator"
                             " LEFT JOIN peers p ON p.node = s.origin"
                             " LEFT JOIN credentials c ON c.id = s.credential"
                             "  AND c.version = s.version WHERE s.id = ?1",
                             "submission", id, &st);
    if (rc != 0)
        return rc;
    snprintf(credential, sizeof credential, "%s", (const char *)sqlite3_column_text(st, 3));
    int64_t version = sqlite3_column_int64(st, 4);
    json_t *doc = sqlite3_column_type(st, 9) == SQLITE_NULL
                      ? NULL
                      : json_loadb((const char *)sqlite3_column_text(st, 9),
                                   (size_t)sqlite3_column_bytes(st, 9), 0, NULL);
    bool blind = cairn_review_flag(req->d->store, credential, (uint64_t)version, "double_blind",
                                   cfg.double_blind);
    /* A peer reviewer sees only what it may review (as in review.queue). */
    if (given && a.peer &&
        !cairn_review_flag(req->d->store, credential, (uint64_t)version, "peer_review",
                           cfg.peer_review)) {
        sqlite3_reset(st);
        json_decref(doc);
        return cairn_req_fail(req, CAIRN_EDENIED,
                              "%s is a peer reviewer and %s v%lld does not allow peer review",
                              a.name, credential, (long long)version);
    }
    msgpack_pack_map(req->pk, blind ? 10 : 12);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    cairn_api_pack_kv_column(req->pk, "credential", st, 3);
    cairn_mp_pack_kv_u64(req->pk, "version", (uint64_t)version);
    cairn_api_pack_kv_column(req->pk, "title", st, 5);
    cairn_mp_pack_kv_u64(req->pk, "attempt", (uint64_t)sqlite3_column_int64(st, 6));
    cairn_api_pack_kv_column(req->pk, "state", st, 7);
    cairn_mp_pack_kv_u64(req->pk, "submitted", (uint64_t)sqlite3_column_int64(st, 8));
    cairn_mp_pack_kv_bool(req->pk, "blind", blind);
    if (!blind) {
        cairn_mp_pack_cstr(req->pk, "educator");
        msgpack_pack_map(req->pk, 2);
        cairn_api_pack_kv_column(req->pk, "id", st, 0);
        cairn_api_pack_kv_column(req->pk, "name", st, 1);
        cairn_api_pack_kv_column(req->pk, "school", st, 2); /* a top-level key */
    }
    sqlite3_reset(st);
    cairn_api_pack_claim(req->pk, req->d->store, &cfg, id);
    rc = pack_review_parts(req, id, credential, version, doc);
    json_decref(doc);
    return rc;
}

/* ---- the teacher's view (submission.show "review") ---- */

static void pack_time(msgpack_packer *pk, const char *key, uint64_t hlc)
{
    cairn_mp_pack_kv_u64(pk, key, hlc);
}

/* Packs "scores": every score, oldest first, the current one per part marked. */
static int pack_scores(cairn_req_t *req, const char *id)
{
    cairn_mpbuf_t items;
    sqlite3_stmt *st = NULL;
    int step,
        rc = cairn_store_stmt(
            req->d->store,
            "SELECT r.part, r.verdict, r.feedback, r.hlc, NOT EXISTS (SELECT 1 FROM review_scores q"
            "  WHERE q.submission = r.submission AND q.part = r.part"
            "  AND (q.hlc, q.origin) > (r.hlc, r.origin))"
            " FROM review_scores r WHERE r.submission = ?1 ORDER BY r.hlc, r.origin",
            &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the scores: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    cairn_mpbuf_init(&items);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        msgpack_pack_map(&items.pk, 5);
        cairn_api_pack_kv_column(&items.pk, "part", st, 0);
        cairn_api_pack_kv_column(&items.pk, "verdict", st, 1);
        cairn_api_pack_kv_column(&items.pk, "feedback", st, 2);
        pack_time(&items.pk, "at", (uint64_t)sqlite3_column_int64(st, 3));
        cairn_mp_pack_kv_bool(&items.pk, "current", sqlite3_column_int(st, 4) != 0);
        items.count++;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        cairn_mpbuf_free(&items);
        return cairn_req_fail(req, cairn_store_code(step), "reading the scores");
    }
    cairn_mp_pack_cstr(req->pk, "scores");
    rc = cairn_mpbuf_pack_array(&items, req->pk);
    cairn_mpbuf_free(&items);
    return rc == 0 ? 0 : cairn_req_fail(req, rc, "out of memory packing the scores");
}

/* Packs "decisions" (every one, oldest first: outcome, at, and whether it counts) and "notes"
 * (one line per event that lost a concurrency rule, PROTOCOL.md "Review concurrency"). */
static int pack_decisions(cairn_req_t *req, const char *id)
{
    cairn_mpbuf_t items, notes;
    sqlite3_stmt *st = NULL;
    char when[40], wwhen[40], line[200];
    int step, rc = cairn_store_stmt(
                  req->d->store,
                  "SELECT d.outcome, d.hlc, s.withdrawn, s.withdrawn IS NOT NULL AND"
                  "  (s.withdrawn, s.withdrawn_origin) < (d.hlc, d.origin),"
                  " NOT EXISTS (SELECT 1 FROM review_decisions q WHERE q.submission = d.submission"
                  "  AND (q.hlc, q.origin) > (d.hlc, d.origin)), d.parts"
                  " FROM review_decisions d LEFT JOIN submissions s ON s.id = d.submission"
                  " WHERE d.submission = ?1 ORDER BY d.hlc, d.origin",
                  &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the decisions: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    cairn_mpbuf_init(&items);
    cairn_mpbuf_init(&notes);
    bool decided_before_withdrawal = false;
    uint64_t withdrawn = 0, first_decision = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *outcome = (const char *)sqlite3_column_text(st, 0);
        uint64_t at = (uint64_t)sqlite3_column_int64(st, 1);
        bool void_ = sqlite3_column_int(st, 3) != 0, latest = sqlite3_column_int(st, 4) != 0;
        withdrawn = (uint64_t)sqlite3_column_int64(st, 2);
        cairn_hlc_format(at, when, sizeof when);
        if (void_) {
            cairn_hlc_format(withdrawn, wwhen, sizeof wwhen);
            snprintf(line, sizeof line,
                     "decision %s at %s came after the withdrawal at %s: void (kept in the log)",
                     outcome, when, wwhen);
        } else if (!latest) {
            snprintf(line, sizeof line, "decision %s at %s was superseded by a later decision",
                     outcome, when);
        } else {
            line[0] = '\0';
        }
        if (!void_ && first_decision == 0) {
            first_decision = at;
            decided_before_withdrawal = withdrawn != 0;
        }
        if (line[0] != '\0') {
            cairn_mp_pack_cstr(&notes.pk, line);
            notes.count++;
        }
        msgpack_pack_map(&items.pk, 4);
        cairn_mp_pack_kv_str(&items.pk, "outcome", outcome);
        pack_time(&items.pk, "at", at);
        cairn_mp_pack_kv_bool(&items.pk, "counts", !void_ && latest);
        cairn_api_pack_kv_column(&items.pk, "parts", st, 5); /* "video=meets tally=not-yet" */
        items.count++;
    }
    sqlite3_reset(st);
    if (step == SQLITE_DONE && decided_before_withdrawal) {
        cairn_hlc_format(withdrawn, wwhen, sizeof wwhen);
        cairn_hlc_format(first_decision, when, sizeof when);
        snprintf(line, sizeof line,
                 "withdrawal at %s came after the decision at %s: ignored (kept in the log)", wwhen,
                 when);
        cairn_mp_pack_cstr(&notes.pk, line);
        notes.count++;
    }
    rc = step == SQLITE_DONE ? 0 : cairn_store_code(step);
    if (rc == 0) {
        cairn_mp_pack_cstr(req->pk, "decisions");
        rc = cairn_mpbuf_pack_array(&items, req->pk);
    }
    if (rc == 0) {
        cairn_mp_pack_cstr(req->pk, "notes");
        rc = cairn_mpbuf_pack_array(&notes, req->pk);
    }
    cairn_mpbuf_free(&items);
    cairn_mpbuf_free(&notes);
    return rc == 0 ? 0 : cairn_req_fail(req, rc, "packing the decisions: %s", cairn_strerror(rc));
}

/* Packs "award": nil or {"id", "achievement", "issued", "evidence", "void"} (the first by id;
 * void when a withdrawal won over the decision that made it). */
static int pack_award(cairn_req_t *req, const char *id)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(req->d->store,
                              "SELECT a.id, a.achievement, a.issued, a.evidence,"
                              " s.state = 'withdrawn' FROM awards a"
                              " LEFT JOIN submissions s ON s.id = a.submission"
                              " WHERE a.submission = ?1 ORDER BY a.id LIMIT 1",
                              &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the award: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    cairn_mp_pack_cstr(req->pk, "award");
    if (sqlite3_step(st) == SQLITE_ROW) {
        msgpack_pack_map(req->pk, 5);
        cairn_api_pack_kv_column(req->pk, "id", st, 0);
        cairn_api_pack_kv_column(req->pk, "achievement", st, 1);
        cairn_mp_pack_kv_u64(req->pk, "issued", (uint64_t)sqlite3_column_int64(st, 2));
        cairn_api_pack_kv_column(req->pk, "evidence", st, 3);
        cairn_mp_pack_kv_bool(req->pk, "void", sqlite3_column_int(st, 4) != 0);
    } else {
        msgpack_pack_nil(req->pk);
    }
    sqlite3_reset(st);
    return 0;
}

int cairn_api_pack_submission_review(cairn_req_t *req, const char *id)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(req->d->store,
                              "SELECT previous, (SELECT n.id FROM submissions n"
                              "  WHERE n.previous = ?1 LIMIT 1) FROM submissions WHERE id = ?1",
                              &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the attempts: %s", cairn_strerror(rc));
    cairn_mp_pack_cstr(req->pk, "review");
    msgpack_pack_map(req->pk, 6);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    bool row = sqlite3_step(st) == SQLITE_ROW;
    if (row) {
        cairn_api_pack_kv_column(req->pk, "previous", st, 0);
        cairn_api_pack_kv_column(req->pk, "next", st, 1);
    }
    sqlite3_reset(st);
    if (!row) {
        cairn_mp_pack_kv_str(req->pk, "previous", NULL);
        cairn_mp_pack_kv_str(req->pk, "next", NULL);
    }
    rc = pack_scores(req, id);
    if (rc == 0)
        rc = pack_decisions(req, id);
    if (rc == 0)
        rc = pack_award(req, id);
    return rc;
}
