/*
 * projection_review.c: the review projections (review_claims, review_scores, review_decisions,
 * awards) and the submission state that depends on them (PROTOCOL.md 4 and "Review
 * concurrency").
 *
 * Every review table is insert-only, keyed by (submission[, part], hlc, origin): all claims,
 * scores and decisions are kept, and the current one is the greatest (hlc, origin). A projector
 * never needs the submission to exist (a relayed change set may bring the hub's events before
 * the school's), and never touches submissions.updated, so the tables are the same whatever
 * order events arrive in. submissions.state is then recomputed from the tables by one rule:
 *
 *   withdrawn   a withdrawal exists and no decision has a smaller (hlc, origin)
 *   awarded     else an award names the submission
 *   meets /     else the current decision's outcome
 *   not-yet
 *   draft       else never submitted
 *   in-review   else a claim or a score exists
 *   submitted   else
 *
 * A pure function of the tables, so live projection and `cairnd rebuild` agree. Must never check
 * who may do what (review.c does, before appending).
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/id.h>
#include <cairn/mp.h>

#include "award.h"
#include "projection.h"
#include "review.h"
#include "store_priv.h"

static const char state_sql[] =
    "UPDATE submissions SET state = CASE"
    " WHEN withdrawn IS NOT NULL AND NOT EXISTS (SELECT 1 FROM review_decisions d"
    "  WHERE d.submission = submissions.id"
    "  AND (d.hlc, d.origin) < (submissions.withdrawn, submissions.withdrawn_origin))"
    "  THEN 'withdrawn'"
    " WHEN EXISTS (SELECT 1 FROM awards a WHERE a.submission = submissions.id) THEN 'awarded'"
    " WHEN EXISTS (SELECT 1 FROM review_decisions d WHERE d.submission = submissions.id)"
    "  THEN (SELECT outcome FROM review_decisions d WHERE d.submission = submissions.id"
    "   ORDER BY d.hlc DESC, d.origin DESC LIMIT 1)"
    " WHEN submitted IS NULL THEN 'draft'"
    " WHEN EXISTS (SELECT 1 FROM review_claims c WHERE c.submission = submissions.id)"
    "  OR EXISTS (SELECT 1 FROM review_scores r WHERE r.submission = submissions.id)"
    "  THEN 'in-review'"
    " ELSE 'submitted' END WHERE id = ?1";

int cairn_projection_submission_state(cairn_store_t *s, const char *id)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, state_sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}

static bool is_verdict(const char *v, size_t len)
{
    return (len == 5 && memcmp(v, "meets", 5) == 0) || (len == 7 && memcmp(v, "not-yet", 7) == 0);
}

/* The entity must be an id (a submission's, or an award's). */
static bool entity_is_id(const cairn_event_t *ev)
{
    cairn_id_t id;
    return cairn_id_parse(ev->entity, strlen(ev->entity), &id) == 0;
}

static int assessor_of(const msgpack_object *body, const char **a, size_t *len)
{
    return cairn_projection_body_str(body, "assessor", CAIRN_ID_TEXT_LEN, CAIRN_ID_TEXT_LEN, a,
                                     len);
}

int cairn_projection_review_claim(cairn_store_t *s, const cairn_event_t *ev,
                                  const msgpack_object *body)
{
    const char *assessor;
    size_t assessor_len;
    uint64_t expires;
    sqlite3_stmt *st = NULL;
    if (!entity_is_id(ev) || assessor_of(body, &assessor, &assessor_len) != 0 ||
        cairn_mp_get_u64(body, "expires", &expires) != 0 || expires > INT64_MAX)
        return CAIRN_EINVAL;
    int rc = cairn_store_stmt(s,
                              "INSERT OR IGNORE INTO review_claims(submission, hlc, origin,"
                              " assessor, expires) VALUES(?1, ?2, ?3, ?4, ?5)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 3, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, assessor, (int)assessor_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)expires);
    rc = cairn_store_exec_stmt(st);
    return rc == 0 ? cairn_projection_submission_state(s, ev->entity) : rc;
}

int cairn_projection_review_score(cairn_store_t *s, const cairn_event_t *ev,
                                  const msgpack_object *body)
{
    const char *assessor, *part, *verdict, *feedback;
    size_t assessor_len, part_len, verdict_len, feedback_len;
    sqlite3_stmt *st = NULL;
    if (!entity_is_id(ev) || assessor_of(body, &assessor, &assessor_len) != 0 ||
        cairn_projection_body_str(body, "part", 1, CAIRN_REVIEW_PART_MAX, &part, &part_len) != 0 ||
        cairn_projection_body_str(body, "verdict", 5, 7, &verdict, &verdict_len) != 0 ||
        !is_verdict(verdict, verdict_len) ||
        cairn_projection_body_str(body, "feedback", 0, CAIRN_REVIEW_FEEDBACK_MAX, &feedback,
                                  &feedback_len) != 0)
        return CAIRN_EINVAL;
    int rc = cairn_store_stmt(s,
                              "INSERT OR IGNORE INTO review_scores(submission, part, hlc, origin,"
                              " assessor, verdict, feedback) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, part, (int)part_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 4, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, assessor, (int)assessor_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, verdict, (int)verdict_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, feedback, (int)feedback_len, SQLITE_STATIC);
    rc = cairn_store_exec_stmt(st);
    return rc == 0 ? cairn_projection_submission_state(s, ev->entity) : rc;
}

/* Flattens an array of {key1: str, key2: str} maps into "a=b a=b" (each str 1..max, no space or
 * '='); EINVAL when malformed or longer than outlen. */
static int flatten_pairs(const msgpack_object_array *a, const char *k1, size_t max1, const char *k2,
                         size_t max2, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < a->size; i++) {
        const char *v1, *v2;
        size_t l1, l2;
        if (cairn_projection_body_str(&a->ptr[i], k1, 1, max1, &v1, &l1) != 0 ||
            cairn_projection_body_str(&a->ptr[i], k2, 1, max2, &v2, &l2) != 0 ||
            memchr(v1, ' ', l1) != NULL || memchr(v1, '=', l1) != NULL ||
            memchr(v2, ' ', l2) != NULL || used + l1 + l2 + 3 > outlen)
            return CAIRN_EINVAL;
        if (i > 0)
            out[used++] = ' ';
        memcpy(out + used, v1, l1);
        used += l1;
        out[used++] = '=';
        memcpy(out + used, v2, l2);
        used += l2;
        out[used] = '\0';
    }
    return 0;
}

int cairn_projection_review_decide(cairn_store_t *s, const cairn_event_t *ev,
                                   const msgpack_object *body)
{
    const char *assessor, *outcome;
    size_t assessor_len, outcome_len;
    const msgpack_object_array *parts;
    char summary[CAIRN_REVIEW_PARTS_MAX * (CAIRN_REVIEW_PART_MAX + 10)];
    sqlite3_stmt *st = NULL;
    if (!entity_is_id(ev) || assessor_of(body, &assessor, &assessor_len) != 0 ||
        cairn_projection_body_str(body, "outcome", 5, 7, &outcome, &outcome_len) != 0 ||
        !is_verdict(outcome, outcome_len) ||
        cairn_mp_get_array(body, "parts", CAIRN_REVIEW_PARTS_MAX, &parts) != 0 ||
        flatten_pairs(parts, "part", CAIRN_REVIEW_PART_MAX, "verdict", 7, summary,
                      sizeof summary) != 0)
        return CAIRN_EINVAL;
    for (uint32_t i = 0; i < parts->size; i++) {
        const char *v;
        size_t l;
        cairn_projection_body_str(&parts->ptr[i], "verdict", 1, 7, &v, &l);
        if (!is_verdict(v, l))
            return CAIRN_EINVAL;
    }
    int rc = cairn_store_stmt(s,
                              "INSERT OR IGNORE INTO review_decisions(submission, hlc, origin,"
                              " assessor, outcome, parts) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 3, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, assessor, (int)assessor_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, outcome, (int)outcome_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, summary, -1, SQLITE_STATIC);
    rc = cairn_store_exec_stmt(st);
    return rc == 0 ? cairn_projection_submission_state(s, ev->entity) : rc;
}

int cairn_projection_award_issue(cairn_store_t *s, const cairn_event_t *ev,
                                 const msgpack_object *body)
{
    const char *submission, *educator, *achievement, *assessor, *credential = NULL;
    size_t submission_len, educator_len, achievement_len, assessor_len, credential_len = 0;
    const msgpack_object_array *evidence;
    char summary[CAIRN_REVIEW_PARTS_MAX * (CAIRN_REVIEW_PART_MAX + 68)];
    uint64_t issued;
    sqlite3_stmt *st = NULL;
    if (!entity_is_id(ev) ||
        cairn_projection_body_str(body, "submission", CAIRN_ID_TEXT_LEN, CAIRN_ID_TEXT_LEN,
                                  &submission, &submission_len) != 0 ||
        cairn_projection_body_str(body, "educator", CAIRN_ID_TEXT_LEN, CAIRN_ID_TEXT_LEN, &educator,
                                  &educator_len) != 0 ||
        cairn_projection_body_str(body, "achievement", 3, 80, &achievement, &achievement_len) !=
            0 ||
        assessor_of(body, &assessor, &assessor_len) != 0 ||
        cairn_mp_get_u64(body, "issued", &issued) != 0 || issued > INT64_MAX ||
        cairn_mp_get_array(body, "evidence", CAIRN_REVIEW_PARTS_MAX, &evidence) != 0 ||
        flatten_pairs(evidence, "part", CAIRN_REVIEW_PART_MAX, "hash", 64, summary,
                      sizeof summary) != 0)
        return CAIRN_EINVAL;
    /* credential: the signed Open Badges 3.0 document (PROTOCOL.md 10.6). */
    if (cairn_mp_get(body, "credential") != NULL &&
        cairn_projection_body_str(body, "credential", 1, CAIRN_AWARD_CREDENTIAL_MAX, &credential,
                                  &credential_len) != 0)
        return CAIRN_EINVAL;
    /* status_list, status_index: the award's entry in its issuer's status list (PROTOCOL.md 10.6).
     */
    const char *list = NULL;
    size_t list_len = 0;
    uint64_t index = 0;
    if (credential != NULL &&
        (cairn_projection_body_str(body, "status_list", 8, CAIRN_AWARD_URL_MAX - 1, &list,
                                   &list_len) != 0 ||
         cairn_mp_get_u64(body, "status_index", &index) != 0 || index > UINT32_MAX))
        return CAIRN_EINVAL;
    int rc = cairn_store_stmt(s,
                              "INSERT OR IGNORE INTO awards(id, submission, educator, achievement,"
                              " issued, assessor, evidence, credential, hlc, origin, status_list,"
                              " status_index) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                              " ?12)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, submission, (int)submission_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, educator, (int)educator_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, achievement, (int)achievement_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)issued);
    sqlite3_bind_text(st, 6, assessor, (int)assessor_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, summary, -1, SQLITE_STATIC);
    if (credential != NULL)
        sqlite3_bind_text(st, 8, credential, (int)credential_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 10, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    if (list != NULL) {
        sqlite3_bind_text(st, 11, list, (int)list_len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 12, (sqlite3_int64)index);
    }
    rc = cairn_store_exec_stmt(st);
    if (rc != 0)
        return rc;
    char sub[CAIRN_ID_TEXT_LEN + 1];
    memcpy(sub, submission, CAIRN_ID_TEXT_LEN);
    sub[CAIRN_ID_TEXT_LEN] = '\0';
    return cairn_projection_submission_state(s, sub);
}
