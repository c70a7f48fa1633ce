/*
 * submission.c: the submission state machine and evidence rules (submission.h), as checks on
 * the projections followed by one appended event. Never writes a projection itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/mp.h>

#include "store_priv.h"
#include "submission.h"

typedef struct {
    char state[16];
    char credential[65];
    uint64_t version;
} submission_row_t;

static int load_submission(cairn_store_t *s, const char *id, submission_row_t *row, char *err,
                           size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "SELECT state, credential, version FROM submissions WHERE id = ?1",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(row->state, sizeof row->state, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(row->credential, sizeof row->credential, "%s",
                 (const char *)sqlite3_column_text(st, 1));
        row->version = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
        snprintf(err, errlen, "no submission with id '%s'", id);
        return CAIRN_ENOTFOUND;
    }
    return rc == SQLITE_ROW ? 0 : cairn_store_code(rc);
}

/* Appends body as an event about entity in our school's partition, and frees body. */
static int append(cairn_store_t *s, const char *type, const char *entity, cairn_mpbuf_t *body,
                  char *err, size_t errlen)
{
    int rc = cairn_store_append_body(s, cairn_store_school_partition(s), type, entity, body);
    if (rc != 0)
        snprintf(err, errlen, "storing %s for %s: %s", type, entity, cairn_strerror(rc));
    return rc;
}

/* Joins the rows of a cached one-column query into out as "a, b, c"; *n counts them. */
static int join_column(sqlite3_stmt *st, char *out, size_t outlen, int *n)
{
    int step;
    size_t used = 0;
    out[0] = '\0';
    *n = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int w = snprintf(out + used, outlen - used, "%s%s", *n ? ", " : "",
                         (const char *)sqlite3_column_text(st, 0));
        if (w > 0)
            used += (size_t)w < outlen - used ? (size_t)w : outlen - used - 1;
        (*n)++;
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : cairn_store_code(step);
}

int cairn_submission_start(cairn_store_t *s, const char *educator, const char *credential,
                           size_t credential_len, cairn_submission_started_t *out, char *err,
                           size_t errlen)
{
    return cairn_submission_start_attempt(s, educator, credential, credential_len, 0, NULL, out,
                                          err, errlen);
}

int cairn_submission_start_attempt(cairn_store_t *s, const char *educator, const char *credential,
                                   size_t credential_len, uint64_t version, const char *previous,
                                   cairn_submission_started_t *out, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    cairn_mpbuf_t body;
    cairn_id_t id;
    int rc, step;

    rc = cairn_store_stmt(s,
                          "SELECT (SELECT count(*) FROM educators WHERE id = ?1),"
                          " (SELECT max(version) FROM credentials WHERE id = ?2),"
                          " (SELECT count(*) FROM submissions WHERE educator = ?1"
                          "  AND credential = ?2)",
                          &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, credential, (int)credential_len, SQLITE_STATIC);
    step = sqlite3_step(st);
    bool has_educator = step == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0;
    out->version = step == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 1) : 0;
    out->attempt = step == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 2) + 1 : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return cairn_store_code(step);
    if (!has_educator) {
        snprintf(err, errlen, "no educator with id '%s'", educator);
        return CAIRN_ENOTFOUND;
    }
    if (out->version == 0) {
        snprintf(err, errlen, "no credential '%.*s' in the catalog", (int)credential_len,
                 credential);
        return CAIRN_ENOTFOUND;
    }
    if (version != 0)
        out->version = version; /* a resubmission stays on its first attempt's version */
    cairn_id_new(&id);
    cairn_id_format(&id, out->id);

    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, previous != NULL ? 5 : 4);
    cairn_mp_pack_kv_str(&body.pk, "educator", educator);
    cairn_mp_pack_kv_strn(&body.pk, "credential", credential, credential_len);
    cairn_mp_pack_kv_u64(&body.pk, "version", out->version);
    cairn_mp_pack_kv_u64(&body.pk, "attempt", out->attempt);
    if (previous != NULL)
        cairn_mp_pack_kv_str(&body.pk, "previous", previous);
    return append(s, "submission.start", out->id, &body, err, errlen);
}

/* The kind of part in the submission's credential version; ENOTFOUND listing the parts. */
static int part_kind(cairn_store_t *s, const submission_row_t *row, const char *part,
                     size_t part_len, char kind[16], char *err, size_t errlen)
{
    char parts[512];
    sqlite3_stmt *st = NULL;
    int n, rc = cairn_store_stmt(s,
                                 "SELECT kind FROM credential_parts WHERE credential = ?1"
                                 " AND version = ?2 AND part = ?3",
                                 &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, row->credential, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)row->version);
    sqlite3_bind_text(st, 3, part, (int)part_len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(kind, 16, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        return cairn_store_code(rc);
    rc = cairn_store_stmt(s,
                          "SELECT part FROM credential_parts WHERE credential = ?1"
                          " AND version = ?2 ORDER BY pos",
                          &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, row->credential, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)row->version);
    rc = join_column(st, parts, sizeof parts, &n);
    if (rc != 0)
        return rc;
    snprintf(err, errlen, "part '%.*s' is not in %s v%llu (parts: %s)", (int)part_len, part,
             row->credential, (unsigned long long)row->version, parts);
    return CAIRN_EINVAL;
}

int cairn_submission_evidence_check(cairn_store_t *s, const char *id, const char *part,
                                    size_t part_len, bool is_file, char *err, size_t errlen)
{
    submission_row_t row;
    char kind[16];
    int rc = load_submission(s, id, &row, err, errlen);
    if (rc != 0)
        return rc;
    if (strcmp(row.state, "draft") != 0) {
        snprintf(err, errlen, "submission %s is %s: evidence can be added only to a draft", id,
                 row.state);
        return CAIRN_ESTATE;
    }
    rc = part_kind(s, &row, part, part_len, kind, err, errlen);
    if (rc != 0)
        return rc;
    bool wants_text = strcmp(kind, "text") == 0;
    if (wants_text && is_file) {
        snprintf(err, errlen, "part '%.*s' is text: give text, not a file", (int)part_len, part);
        return CAIRN_EINVAL;
    }
    if (!wants_text && !is_file) {
        snprintf(err, errlen, "part '%.*s' is a %s: give a file, not text", (int)part_len, part,
                 kind);
        return CAIRN_EINVAL;
    }
    return 0;
}

/* Packs the manifest's own msgpack encoding as the value of "manifest". */
static int pack_manifest(cairn_mpbuf_t *body, const cairn_manifest_t *m)
{
    msgpack_sbuffer enc;
    int rc;
    msgpack_sbuffer_init(&enc);
    rc = cairn_manifest_encode(m, &enc);
    if (rc == 0) {
        cairn_mp_pack_cstr(&body->pk, "manifest");
        cairn_mpbuf_raw(body, enc.data, enc.size);
    }
    msgpack_sbuffer_destroy(&enc);
    return rc;
}

int cairn_submission_evidence_add(cairn_store_t *s, const char *id, const cairn_evidence_t *ev,
                                  uint64_t *size, char *err, size_t errlen)
{
    bool is_file = ev->manifest != NULL;
    cairn_mpbuf_t body;
    int rc = cairn_submission_evidence_check(s, id, ev->part, ev->part_len, is_file, err, errlen);
    if (rc != 0)
        return rc;
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, is_file ? 3u + (ev->name != NULL) + (ev->media_type != NULL) : 3u);
    cairn_mp_pack_kv_strn(&body.pk, "part", ev->part, ev->part_len);
    cairn_mp_pack_kv_str(&body.pk, "type", is_file ? "file" : "text");
    if (is_file) {
        rc = pack_manifest(&body, ev->manifest);
        if (ev->name != NULL)
            cairn_mp_pack_kv_strn(&body.pk, "name", ev->name, ev->name_len);
        if (ev->media_type != NULL)
            cairn_mp_pack_kv_strn(&body.pk, "media_type", ev->media_type, ev->media_type_len);
        *size = ev->manifest->size;
    } else {
        cairn_mp_pack_kv_strn(&body.pk, "text", ev->text, ev->text_len);
        *size = ev->text_len;
    }
    if (rc != 0) {
        cairn_mpbuf_free(&body);
        snprintf(err, errlen, "encoding the manifest: %s", cairn_strerror(rc));
        return rc;
    }
    return append(s, "evidence.add", id, &body, err, errlen);
}

/* Appends a body-less state event. */
static int transition(cairn_store_t *s, const char *type, const char *id, char *err, size_t errlen)
{
    cairn_mpbuf_t body;
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, 0);
    return append(s, type, id, &body, err, errlen);
}

int cairn_submission_submit(cairn_store_t *s, const char *id, char *err, size_t errlen)
{
    submission_row_t row;
    char missing[512];
    sqlite3_stmt *st = NULL;
    int n, rc = load_submission(s, id, &row, err, errlen);
    if (rc != 0)
        return rc;
    if (strcmp(row.state, "draft") != 0) {
        snprintf(err, errlen, "submission %s is %s: only a draft can be submitted", id, row.state);
        return CAIRN_ESTATE;
    }
    rc = cairn_store_stmt(s,
                          "SELECT p.part FROM credential_parts p"
                          " WHERE p.credential = ?2 AND p.version = ?3 AND p.required"
                          " AND NOT EXISTS (SELECT 1 FROM evidence e"
                          "  WHERE e.submission = ?1 AND e.part = p.part)"
                          " ORDER BY p.pos",
                          &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, row.credential, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)row.version);
    rc = join_column(st, missing, sizeof missing, &n);
    if (rc != 0)
        return rc;
    if (n > 0) {
        snprintf(err, errlen, "missing required parts: %s", missing);
        return CAIRN_EMISSING;
    }
    return transition(s, "submission.submit", id, err, errlen);
}

int cairn_submission_withdraw(cairn_store_t *s, const char *id, char *err, size_t errlen)
{
    submission_row_t row;
    int rc = load_submission(s, id, &row, err, errlen);
    if (rc != 0)
        return rc;
    if (strcmp(row.state, "draft") != 0 && strcmp(row.state, "submitted") != 0 &&
        strcmp(row.state, "in-review") != 0) {
        snprintf(err, errlen,
                 "submission %s is %s: only a draft, submitted or in-review one can be"
                 " withdrawn",
                 id, row.state);
        return CAIRN_ESTATE;
    }
    return transition(s, "submission.withdraw", id, err, errlen);
}
