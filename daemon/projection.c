/*
 * projection.c: the school's projections (educators, submissions, evidence), the dispatch of
 * every event type to its projector, and rebuilding all projections from the log.
 *
 * Merge rules (PROTOCOL.md "Events"; each is independent of the order events arrive in):
 *   educator.add, evidence.add      last writer wins by (hlc, origin) per educator / per part
 *   submission.start                last writer wins by (created hlc, origin); state untouched
 *   submission.submit               marks it submitted (the earliest submit's hlc)
 *   submission.withdraw             marks it withdrawn (the smallest (hlc, origin) withdrawal)
 *   every submission event          updated = max(updated, hlc)
 * The state column is then recomputed from those marks and the review tables
 * (projection_review.c): a withdrawal wins unless a decision has a smaller (hlc, origin).
 * Nothing here checks who may do what (the API does, before it appends): a projector only keeps
 * the tables a pure function of the log.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/id.h>
#include <cairn/mp.h>

#include "blobs.h"
#include "mpbuf.h"
#include "projection.h"
#include "recommendation.h"
#include "store_priv.h"

#define TEXT_EVIDENCE_MAX (64u * 1024)

int cairn_projection_body_str(const msgpack_object *body, const char *key, size_t min, size_t max,
                              const char **s, size_t *len)
{
    int rc = cairn_mp_get_str(body, key, max, s, len);
    if (rc != 0 || *len < min || memchr(*s, '\0', *len) != NULL)
        return CAIRN_EINVAL;
    return 0;
}

static int project_educator(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body)
{
    const char *name, *email, *role, *scope = "";
    size_t name_len, email_len, role_len, scope_len = 0;
    sqlite3_stmt *st = NULL;
    int rc;

    if (cairn_projection_body_str(body, "name", 1, 200, &name, &name_len) != 0 ||
        cairn_projection_body_str(body, "email", 0, 254, &email, &email_len) != 0 ||
        cairn_projection_body_str(body, "role", 1, 16, &role, &role_len) != 0)
        return CAIRN_EINVAL;
    /* scope (optional): "peer" marks a trained peer reviewer (review.c). */
    if (cairn_mp_get(body, "scope") != NULL &&
        (cairn_projection_body_str(body, "scope", 4, 4, &scope, &scope_len) != 0 ||
         memcmp(scope, "peer", 4) != 0))
        return CAIRN_EINVAL;
    if (!(role_len == 7 && memcmp(role, "teacher", 7) == 0) &&
        !(role_len == 6 && memcmp(role, "leader", 6) == 0) &&
        !(role_len == 8 && memcmp(role, "assessor", 8) == 0))
        return CAIRN_EINVAL;
    rc = cairn_store_stmt(
        s,
        "INSERT INTO educators(id, name, email, role, hlc, origin, scope)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
        " email = excluded.email, role = excluded.role, hlc = excluded.hlc,"
        " origin = excluded.origin, scope = excluded.scope"
        " WHERE (excluded.hlc, excluded.origin) > (educators.hlc, educators.origin)",
        &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, (int)name_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, email, (int)email_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, role, (int)role_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 6, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, scope, (int)scope_len, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}

static int project_start(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body)
{
    const char *educator, *credential, *previous = NULL;
    size_t educator_len, credential_len, previous_len = 0;
    uint64_t version, attempt;
    sqlite3_stmt *st = NULL;
    int rc;

    if (cairn_projection_body_str(body, "educator", CAIRN_ID_TEXT_LEN, CAIRN_ID_TEXT_LEN, &educator,
                                  &educator_len) != 0 ||
        cairn_projection_body_str(body, "credential", 1, 64, &credential, &credential_len) != 0 ||
        cairn_mp_get_u64(body, "version", &version) != 0 ||
        cairn_mp_get_u64(body, "attempt", &attempt) != 0 || version == 0 || version > INT64_MAX ||
        attempt == 0 || attempt > INT64_MAX)
        return CAIRN_EINVAL;
    /* previous (optional): the attempt this one resubmits (submission.resubmit). */
    if (cairn_mp_get(body, "previous") != NULL &&
        cairn_projection_body_str(body, "previous", CAIRN_ID_TEXT_LEN, CAIRN_ID_TEXT_LEN, &previous,
                                  &previous_len) != 0)
        return CAIRN_EINVAL;
    rc = cairn_store_stmt(
        s,
        "INSERT INTO submissions(id, educator, credential, version, attempt, state, created,"
        " updated, origin, previous) VALUES(?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?6, ?7, ?8)"
        " ON CONFLICT(id) DO UPDATE SET educator = excluded.educator,"
        " credential = excluded.credential, version = excluded.version,"
        " attempt = excluded.attempt, created = excluded.created, origin = excluded.origin,"
        " previous = excluded.previous,"
        " updated = max(submissions.updated, excluded.updated)"
        " WHERE (excluded.created, excluded.origin) > (submissions.created, submissions.origin)",
        &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, educator, (int)educator_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, credential, (int)credential_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)version);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)attempt);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 7, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    if (previous != NULL)
        sqlite3_bind_text(st, 8, previous, (int)previous_len, SQLITE_STATIC);
    rc = cairn_store_exec_stmt(st);
    return rc == 0 ? cairn_projection_submission_state(s, ev->entity) : rc;
}

/* Runs one of the submission state updates; the submission must exist. */
static int update_submission(cairn_store_t *s, const char *sql, const cairn_event_t *ev)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->hlc);
    if (sqlite3_bind_parameter_count(st) >= 3)
        sqlite3_bind_blob(st, 3, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    rc = cairn_store_exec_stmt(st);
    if (rc == 0 && sqlite3_changes(cairn_store_db(s)) == 0)
        return CAIRN_ENOTFOUND;
    return rc;
}

static const char touch_sql[] = "UPDATE submissions SET updated = max(updated, ?2) WHERE id = ?1";
static const char submit_sql[] =
    "UPDATE submissions SET submitted = min(coalesce(submitted, ?2), ?2),"
    " updated = max(updated, ?2) WHERE id = ?1";
/* The withdrawal that counts is the one with the smallest (hlc, origin): order-independent. */
static const char withdraw_sql[] =
    "UPDATE submissions SET withdrawn = CASE WHEN withdrawn IS NULL"
    "  OR (?2, ?3) < (withdrawn, withdrawn_origin) THEN ?2 ELSE withdrawn END,"
    " withdrawn_origin = CASE WHEN withdrawn IS NULL"
    "  OR (?2, ?3) < (withdrawn, withdrawn_origin) THEN ?3 ELSE withdrawn_origin END,"
    " updated = max(updated, ?2) WHERE id = ?1";

static int project_submit(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body)
{
    int rc = update_submission(s, submit_sql, ev);
    return rc == 0 ? cairn_projection_submission_state(s, ev->entity) : rc;
}

static int project_withdraw(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body)
{
    int rc = update_submission(s, withdraw_sql, ev);
    return rc == 0 ? cairn_projection_submission_state(s, ev->entity) : rc;
}

/* The file hash and size of an embedded manifest, after checking it the way blobs.c does. */
static int manifest_of(const msgpack_object *body, cairn_hash_t *hash, uint64_t *size)
{
    const msgpack_object *obj;
    cairn_manifest_t m;
    cairn_mpbuf_t enc;
    int rc;

    if (cairn_mp_get_map(body, "manifest", &obj) != 0)
        return CAIRN_EINVAL;
    cairn_mpbuf_init(&enc);
    msgpack_pack_object(&enc.pk, *obj);
    rc = cairn_mpbuf_status(&enc);
    if (rc == 0)
        rc = cairn_manifest_decode((const uint8_t *)enc.sb.data, enc.sb.size, &m) == 0
                 ? 0
                 : CAIRN_EINVAL;
    cairn_mpbuf_free(&enc);
    if (rc != 0)
        return rc;
    *hash = m.file_hash;
    *size = m.size;
    cairn_manifest_free(&m);
    return 0;
}

static int project_evidence(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body)
{
    const char *part, *type, *text = NULL, *name = NULL, *media = NULL;
    size_t part_len, type_len, text_len = 0, name_len = 0, media_len = 0;
    cairn_hash_t hash;
    uint64_t size = 0;
    bool is_file;
    sqlite3_stmt *st = NULL;
    int rc;

    if (cairn_projection_body_str(body, "part", 1, 64, &part, &part_len) != 0 ||
        cairn_projection_body_str(body, "type", 4, 4, &type, &type_len) != 0)
        return CAIRN_EINVAL;
    is_file = memcmp(type, "file", 4) == 0;
    if (is_file) {
        if (manifest_of(body, &hash, &size) != 0)
            return CAIRN_EINVAL;
        if ((cairn_mp_get(body, "name") != NULL &&
             cairn_projection_body_str(body, "name", 1, 255, &name, &name_len) != 0) ||
            (cairn_mp_get(body, "media_type") != NULL &&
             cairn_projection_body_str(body, "media_type", 1, 127, &media, &media_len) != 0))
            return CAIRN_EINVAL;
    } else if (memcmp(type, "text", 4) == 0) {
        if (cairn_projection_body_str(body, "text", 0, TEXT_EVIDENCE_MAX, &text, &text_len) != 0)
            return CAIRN_EINVAL;
        size = text_len;
    } else {
        return CAIRN_EINVAL;
    }
    rc = update_submission(s, touch_sql, ev);
    if (rc != 0)
        return rc;
    rc = cairn_store_stmt(
        s,
        "INSERT INTO evidence(submission, part, type, size, name, media_type, hash, text, hlc,"
        " origin) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT(submission, part) DO UPDATE SET type = excluded.type,"
        " size = excluded.size, name = excluded.name, media_type = excluded.media_type,"
        " hash = excluded.hash, text = excluded.text, hlc = excluded.hlc,"
        " origin = excluded.origin"
        " WHERE (excluded.hlc, excluded.origin) > (evidence.hlc, evidence.origin)",
        &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, part, (int)part_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, type, (int)type_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)size);
    if (name != NULL)
        sqlite3_bind_text(st, 5, name, (int)name_len, SQLITE_STATIC);
    if (media != NULL)
        sqlite3_bind_text(st, 6, media, (int)media_len, SQLITE_STATIC);
    if (is_file)
        sqlite3_bind_blob(st, 7, hash.b, CAIRN_HASH_LEN, SQLITE_STATIC);
    if (text != NULL)
        sqlite3_bind_text(st, 8, text, (int)text_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 10, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}

typedef int (*projector_fn)(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body);

static const struct {
    const char *type;
    projector_fn fn;
} projectors[] = {
    {"catalog.issuer", cairn_projection_issuer},
    {"catalog.stack", cairn_projection_stack},
    {"catalog.credential", cairn_projection_credential},
    {"educator.add", project_educator},
    {"submission.start", project_start},
    {"evidence.add", project_evidence},
    {"submission.submit", project_submit},
    {"submission.withdraw", project_withdraw},
    {"review.claim", cairn_projection_review_claim},
    {"review.score", cairn_projection_review_score},
    {"review.decide", cairn_projection_review_decide},
    {"award.issue", cairn_projection_award_issue},
    {"award.revoke", cairn_projection_award_revoke},
    {"stack.complete", cairn_projection_stack_complete},
    {"catalog.status", cairn_projection_status_list},
    {"recommendation.add", cairn_projection_recommendation_add},
    {"recommendation.accept", cairn_projection_recommendation_accept},
    {"recommendation.dismiss", cairn_projection_recommendation_dismiss},
};

int cairn_projection_apply(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body)
{
    for (size_t i = 0; i < sizeof projectors / sizeof projectors[0]; i++)
        if (strcmp(ev->type, projectors[i].type) == 0)
            return projectors[i].fn(s, ev, body);
    return 0; /* a type from a newer version: kept in the log, projected by that version */
}
