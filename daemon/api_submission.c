/*
 * api_submission.c: the submission ops and evidence.add (PROTOCOL.md 2.1). Arguments are read and
 * ids resolved here; the rules live in submission.c; show and list read the projections.
 */
#include <string.h>

#include <cairn/chunk.h>
#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_review.h"
#include "api_util.h"
#include "daemon.h"
#include "submission.h"

static int submission_start(cairn_req_t *req)
{
    char educator[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "";
    cairn_submission_started_t out;
    const char *credential;
    size_t credential_len;
    int rc = cairn_api_arg_id(req, "educator", CAIRN_ID_EDUCATOR, educator);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "credential", true, 1, 64, &credential, &credential_len);
    if (rc != 0)
        return rc;
    rc = cairn_submission_start(req->d->store, educator, credential, credential_len, &out, err,
                                sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, 4);
    cairn_mp_pack_kv_str(req->pk, "id", out.id);
    cairn_mp_pack_kv_u64(req->pk, "attempt", out.attempt);
    cairn_mp_pack_kv_strn(req->pk, "credential", credential, credential_len);
    cairn_mp_pack_kv_u64(req->pk, "version", out.version);
    return 0;
}

/* submit or withdraw: resolve the id, apply the rule, answer {"id", "state"}. */
static int transition(cairn_req_t *req, int (*rule)(cairn_store_t *, const char *, char *, size_t),
                      const char *state)
{
    char id[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "";
    int rc = cairn_api_arg_id(req, "id", CAIRN_ID_SUBMISSION, id);
    if (rc != 0)
        return rc;
    rc = rule(req->d->store, id, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, 2);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    cairn_mp_pack_kv_str(req->pk, "state", state);
    return 0;
}

static int submission_submit(cairn_req_t *req)
{
    return transition(req, cairn_submission_submit, "submitted");
}

static int submission_withdraw(cairn_req_t *req)
{
    return transition(req, cairn_submission_withdraw, "withdrawn");
}

/* Reads the `file` argument's fields; *file is NULL when no file was given. */
static int file_arg(cairn_req_t *req, const msgpack_object **file, cairn_evidence_t *ev,
                    cairn_hash_t *hash)
{
    const uint8_t *h;
    size_t len;
    int rc = cairn_mp_get_map(req->args, "file", file);
    if (rc == CAIRN_ENOTFOUND) {
        *file = NULL;
        return 0;
    }
    if (rc != 0)
        return cairn_req_fail(req, CAIRN_EINVAL, "'file': expected a map");
    if (cairn_mp_get_bin(*file, "hash", CAIRN_HASH_LEN, &h, &len) != 0 || len != CAIRN_HASH_LEN)
        return cairn_req_fail(req, CAIRN_EINVAL, "'file.hash': expected 32 bytes (bin)");
    memcpy(hash->b, h, CAIRN_HASH_LEN);
    rc = cairn_mp_get_str(*file, "name", CAIRN_FILE_NAME_MAX, &ev->name, &ev->name_len);
    if (rc == CAIRN_ENOTFOUND)
        ev->name = NULL;
    else if (rc != 0 || ev->name_len == 0 || memchr(ev->name, '\0', ev->name_len) != NULL)
        return cairn_req_fail(req, CAIRN_EINVAL, "'file.name': expected a string of 1 to %d bytes",
                              CAIRN_FILE_NAME_MAX);
    rc = cairn_mp_get_str(*file, "media_type", CAIRN_MEDIA_TYPE_MAX, &ev->media_type,
                          &ev->media_type_len);
    if (rc == CAIRN_ENOTFOUND)
        ev->media_type = NULL;
    else if (rc != 0 || ev->media_type_len == 0 ||
             memchr(ev->media_type, '\0', ev->media_type_len) != NULL)
        return cairn_req_fail(req, CAIRN_EINVAL,
                              "'file.media_type': expected a string of 1 to %d bytes",
                              CAIRN_MEDIA_TYPE_MAX);
    return 0;
}

/* Text, or a file whose manifest the blob store holds: checked against the rules before the
 * manifest is loaded, so a refused request costs no disk read. */
static int evidence_add(cairn_req_t *req)
{
    char id[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "";
    cairn_evidence_t ev = {0};
    const msgpack_object *file;
    cairn_manifest_t manifest;
    cairn_hash_t hash;
    uint64_t size;
    int rc = cairn_api_arg_id(req, "submission", CAIRN_ID_SUBMISSION, id);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "part", true, 1, CAIRN_PART_MAX, &ev.part, &ev.part_len);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "text", false, 0, CAIRN_TEXT_EVIDENCE_MAX, &ev.text,
                               &ev.text_len);
    if (rc == 0)
        rc = file_arg(req, &file, &ev, &hash);
    if (rc != 0)
        return rc;
    if ((file == NULL) == (ev.text == NULL))
        return cairn_req_fail(req, CAIRN_EINVAL, "give exactly one of 'file' and 'text'");
    rc = cairn_submission_evidence_check(req->d->store, id, ev.part, ev.part_len, file != NULL, err,
                                         sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    if (file != NULL) {
        char hex[CAIRN_HASH_HEX_LEN + 1];
        cairn_hash_hex(&hash, hex);
        rc = cairn_blobs_manifest_get(req->d->blobs, &hash, &manifest);
        if (rc == CAIRN_ENOTFOUND)
            return cairn_req_fail(req, rc, "no stored file %s: upload it first", hex);
        if (rc != 0)
            return cairn_req_fail(req, rc, "reading the manifest of %s: %s", hex,
                                  cairn_strerror(rc));
        ev.manifest = &manifest;
    }
    rc = cairn_submission_evidence_add(req->d->store, id, &ev, &size, err, sizeof err);
    if (file != NULL)
        cairn_manifest_free(&manifest);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, 3);
    cairn_mp_pack_kv_str(req->pk, "submission", id);
    cairn_mp_pack_kv_strn(req->pk, "part", ev.part, ev.part_len);
    cairn_mp_pack_kv_u64(req->pk, "size", size);
    return 0;
}

/* Columns: part, kind, required, description, type, size, name, media_type, hash. */
static void pack_part(msgpack_packer *pk, sqlite3_stmt *st)
{
    msgpack_pack_map(pk, 5);
    cairn_api_pack_kv_column(pk, "part", st, 0);
    cairn_api_pack_kv_column(pk, "kind", st, 1);
    cairn_mp_pack_kv_bool(pk, "required", sqlite3_column_int(st, 2) != 0);
    cairn_api_pack_kv_column(pk, "description", st, 3);
    cairn_mp_pack_cstr(pk, "evidence");
    if (sqlite3_column_type(st, 4) == SQLITE_NULL) {
        msgpack_pack_nil(pk);
        return;
    }
    bool has_name = sqlite3_column_type(st, 6) != SQLITE_NULL;
    bool has_media = sqlite3_column_type(st, 7) != SQLITE_NULL;
    bool has_hash = sqlite3_column_bytes(st, 8) == CAIRN_HASH_LEN;
    msgpack_pack_map(pk, 2u + has_name + has_media + has_hash);
    cairn_api_pack_kv_column(pk, "type", st, 4);
    cairn_mp_pack_kv_u64(pk, "size", (uint64_t)sqlite3_column_int64(st, 5));
    if (has_name)
        cairn_api_pack_kv_column(pk, "name", st, 6);
    if (has_media)
        cairn_api_pack_kv_column(pk, "media_type", st, 7);
    if (has_hash) {
        cairn_hash_t h;
        char hex[CAIRN_HASH_HEX_LEN + 1];
        memcpy(h.b, sqlite3_column_blob(st, 8), CAIRN_HASH_LEN);
        cairn_hash_hex(&h, hex);
        cairn_mp_pack_kv_str(pk, "hash", hex);
    }
}

static int pack_parts(cairn_req_t *req, const char *id, const char *credential, int64_t version)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(req->d->store,
                              "SELECT p.part, p.kind, p.required, p.description, e.type, e.size,"
                              " e.name, e.media_type, e.hash FROM credential_parts p"
                              " LEFT JOIN evidence e ON e.submission = ?1 AND e.part = p.part"
                              " WHERE p.credential = ?2 AND p.version = ?3 ORDER BY p.pos",
                              &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the parts: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, credential, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, version);
    return cairn_api_pack_rows(req, "parts", st, pack_part);
}

static int submission_show(cairn_req_t *req)
{
    char id[CAIRN_ID_TEXT_LEN + 1], credential[65];
    sqlite3_stmt *st = NULL;
    int64_t version;
    int rc = cairn_api_arg_id(req, "id", CAIRN_ID_SUBMISSION, id);
    if (rc != 0)
        return rc;
    rc = cairn_api_row_by_id(req,
                             "SELECT s.educator, e.name, s.credential, s.version, c.title,"
                             " s.attempt, s.state, s.created, s.updated FROM submissions s"
                             " LEFT JOIN educators e ON e.id = s.educator"
                             " LEFT JOIN credentials c ON c.id = s.credential"
                             "  AND c.version = s.version WHERE s.id = ?1",
                             "submission", id, &st);
    if (rc != 0)
        return rc;
    /* The parts are packed last, as the value of the last key, by their own query. */
    msgpack_pack_map(req->pk, 11);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    cairn_mp_pack_cstr(req->pk, "educator");
    msgpack_pack_map(req->pk, 2);
    cairn_api_pack_kv_column(req->pk, "id", st, 0);
    cairn_api_pack_kv_column(req->pk, "name", st, 1);
    cairn_api_pack_kv_column(req->pk, "credential", st, 2);
    cairn_mp_pack_kv_u64(req->pk, "version", (uint64_t)sqlite3_column_int64(st, 3));
    cairn_api_pack_kv_column(req->pk, "title", st, 4);
    cairn_mp_pack_kv_u64(req->pk, "attempt", (uint64_t)sqlite3_column_int64(st, 5));
    cairn_api_pack_kv_column(req->pk, "state", st, 6);
    cairn_mp_pack_kv_u64(req->pk, "created", (uint64_t)sqlite3_column_int64(st, 7));
    cairn_mp_pack_kv_u64(req->pk, "updated", (uint64_t)sqlite3_column_int64(st, 8));
    snprintf(credential, sizeof credential, "%s", (const char *)sqlite3_column_text(st, 2));
    version = sqlite3_column_int64(st, 3);
    sqlite3_reset(st);
    rc = cairn_api_pack_submission_review(req, id);
    return rc != 0 ? rc : pack_parts(req, id, credential, version);
}

static void pack_summary(msgpack_packer *pk, sqlite3_stmt *st)
{
    msgpack_pack_map(pk, 8);
    cairn_api_pack_kv_column(pk, "id", st, 0);
    cairn_api_pack_kv_column(pk, "educator", st, 1);
    cairn_api_pack_kv_column(pk, "educator_name", st, 2);
    cairn_api_pack_kv_column(pk, "credential", st, 3);
    cairn_mp_pack_kv_u64(pk, "version", (uint64_t)sqlite3_column_int64(st, 4));
    cairn_mp_pack_kv_u64(pk, "attempt", (uint64_t)sqlite3_column_int64(st, 5));
    cairn_api_pack_kv_column(pk, "state", st, 6);
    cairn_mp_pack_kv_u64(pk, "updated", (uint64_t)sqlite3_column_int64(st, 7));
}

static int submission_list(cairn_req_t *req)
{
    char educator[CAIRN_ID_TEXT_LEN + 1];
    const char *state;
    size_t state_len;
    sqlite3_stmt *st = NULL;
    bool by_educator = cairn_mp_get(req->args, "educator") != NULL;
    int rc = by_educator ? cairn_api_arg_id(req, "educator", CAIRN_ID_EDUCATOR, educator) : 0;
    if (rc == 0)
        rc = cairn_api_arg_str(req, "state", false, 1, 16, &state, &state_len);
    if (rc != 0)
        return rc;
    static const char *const states[] = {"draft",   "submitted", "withdrawn", "in-review",
                                         "not-yet", "meets",     "awarded"};
    size_t k = 0;
    while (state != NULL && k < sizeof states / sizeof states[0] &&
           !(strlen(states[k]) == state_len && memcmp(states[k], state, state_len) == 0))
        k++;
    if (state != NULL && k == sizeof states / sizeof states[0])
        return cairn_req_fail(req, CAIRN_EINVAL,
                              "'state': expected draft, submitted, withdrawn, in-review, not-yet,"
                              " meets or awarded, not '%.*s'",
                              (int)state_len, state);
    rc = cairn_store_stmt(req->d->store,
                          "SELECT s.id, s.educator, e.name, s.credential, s.version, s.attempt,"
                          " s.state, s.updated FROM submissions s"
                          " LEFT JOIN educators e ON e.id = s.educator"
                          " WHERE (?1 IS NULL OR s.educator = ?1)"
                          " AND (?2 IS NULL OR s.state = ?2) ORDER BY s.id",
                          &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the submissions: %s", cairn_strerror(rc));
    if (by_educator)
        sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    if (state != NULL)
        sqlite3_bind_text(st, 2, state, (int)state_len, SQLITE_STATIC);
    msgpack_pack_map(req->pk, 1);
    return cairn_api_pack_rows(req, "submissions", st, pack_summary);
}

const cairn_api_route_t cairn_api_routes_submission[] = {
    {"submission.start", submission_start},
    {"submission.submit", submission_submit},
    {"submission.withdraw", submission_withdraw},
    {"submission.show", submission_show},
    {"submission.list", submission_list},
    {"evidence.add", evidence_add},
    {NULL, NULL},
};
