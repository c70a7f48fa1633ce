/*
 * review.c: the assessor's rules (review.h) as checks on the projections followed by appended
 * events in the submission's school partition. Never writes a projection itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include <cairn/chunk.h>
#include <cairn/err.h>
#include <cairn/mp.h>

#include "award.h"
#include "review.h"
#include "stack_complete.h"
#include "store_priv.h"

typedef struct {
    char state[16];
    char credential[65];
    uint64_t version;
    char educator[CAIRN_ID_TEXT_LEN + 1];
    uint8_t origin[CAIRN_NODE_ID_LEN];
} sub_row_t;

static int load(cairn_store_t *s, const char *id, sub_row_t *row, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT state, credential, version, educator, origin"
                              " FROM submissions WHERE id = ?1",
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
        snprintf(row->educator, sizeof row->educator, "%s",
                 (const char *)sqlite3_column_text(st, 3));
        if (sqlite3_column_bytes(st, 4) == CAIRN_NODE_ID_LEN)
            memcpy(row->origin, sqlite3_column_blob(st, 4), CAIRN_NODE_ID_LEN);
        else
            memset(row->origin, 0, CAIRN_NODE_ID_LEN);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
        snprintf(err, errlen, "no submission with id '%s'", id);
        return CAIRN_ENOTFOUND;
    }
    return rc == SQLITE_ROW ? 0 : cairn_store_code(rc);
}

int cairn_review_assessor(cairn_store_t *s, const char *who, size_t who_len, cairn_assessor_t *out,
                          char *err, size_t errlen)
{
    char id[CAIRN_ID_TEXT_LEN + 1] = "", ierr[512];
    sqlite3_stmt *st = NULL;
    int found = 0, step;
    /* An id or prefix first; a name when that finds nothing. */
    int rc = cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, who, who_len, id, ierr, sizeof ierr);
    if (rc == CAIRN_EAMBIGUOUS) {
        snprintf(err, errlen, "%s", ierr);
        return rc;
    }
    bool by_id = rc == 0;
    rc = cairn_store_stmt(s,
                          "SELECT id, name, role, scope, origin = ?3 FROM educators"
                          " WHERE id = ?1 OR name = ?2 LIMIT 3",
                          &st);
    if (rc != 0)
        return rc;
    if (by_id)
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, who, (int)who_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, cairn_store_origin(s), CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    char role[17] = "", name[201] = "";
    bool here = false, peer = false;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        found++;
        snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(name, sizeof name, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(role, sizeof role, "%s", (const char *)sqlite3_column_text(st, 2));
        peer = strcmp((const char *)sqlite3_column_text(st, 3), "peer") == 0;
        here = sqlite3_column_int(st, 4) != 0;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return cairn_store_code(step);
    if (found == 0) {
        snprintf(err, errlen, "no educator '%.*s' (give an id, a prefix or a unique name)",
                 (int)(who_len > 64 ? 64 : who_len), who);
        return CAIRN_ENOTFOUND;
    }
    if (found > 1) {
        snprintf(err, errlen, "educator name '%.*s' is not unique: give an id",
                 (int)(who_len > 64 ? 64 : who_len), who);
        return CAIRN_EAMBIGUOUS;
    }
    if (!here || strcmp(role, "assessor") != 0) {
        snprintf(err, errlen,
                 "%s (%s) is %s, not an assessor registered at this node: nothing recorded", name,
                 out->id, here ? role : "an educator of another node");
        return CAIRN_EDENIED;
    }
    snprintf(out->name, sizeof out->name, "%s", name);
    out->peer = peer;
    return 0;
}

/* Is word in the comma/space separated list? */
static bool in_list(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p != NULL && *p != '\0';) {
        p += strspn(p, ", \t");
        size_t len = strcspn(p, ", \t");
        if (len == n && len > 0 && memcmp(p, word, n) == 0)
            return true;
        p += len;
    }
    return false;
}

bool cairn_review_flag(cairn_store_t *s, const char *credential, uint64_t version,
                       const char *field, const char *list)
{
    sqlite3_stmt *st = NULL;
    int present = -1; /* -1 absent, 0 false, 1 true */
    if (cairn_store_stmt(s, "SELECT json FROM credentials WHERE id = ?1 AND version = ?2", &st) ==
        0) {
        sqlite3_bind_text(st, 1, credential, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
        if (sqlite3_step(st) == SQLITE_ROW) {
            json_t *doc = json_loadb((const char *)sqlite3_column_text(st, 0),
                                     (size_t)sqlite3_column_bytes(st, 0), 0, NULL);
            json_t *v = doc != NULL ? json_object_get(doc, field) : NULL;
            if (json_is_boolean(v))
                present = json_is_true(v);
            json_decref(doc);
        }
        sqlite3_reset(st);
    }
    return present >= 0 ? present == 1 : in_list(list, credential);
}

int cairn_review_claim_get(cairn_store_t *s, const cairn_review_cfg_t *cfg, const char *id,
                           cairn_review_claim_t *out)
{
    sqlite3_stmt *st = NULL;
    /* The current claim, and the claimant's last score on the submission (work keeps a claim). */
    int rc = cairn_store_stmt(
        s,
        "SELECT c.assessor, c.expires, (SELECT max(r.hlc) FROM review_scores r"
        "  WHERE r.submission = c.submission AND r.assessor = c.assessor AND r.hlc > c.hlc)"
        " FROM review_claims c WHERE c.submission = ?1 ORDER BY c.hlc DESC, c.origin DESC LIMIT 1",
        &st);
    if (rc != 0)
        return rc;
    memset(out, 0, sizeof *out);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(out->assessor, sizeof out->assessor, "%s",
                 (const char *)sqlite3_column_text(st, 0));
        out->expires = (uint64_t)sqlite3_column_int64(st, 1);
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            uint64_t worked = cairn_hlc_wall((uint64_t)sqlite3_column_int64(st, 2)) +
                              (uint64_t)cfg->claim_hours * 3600000u;
            if (worked > out->expires)
                out->expires = worked;
        }
        out->live = out->expires > cfg->now_ms;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
}

static void name_of(cairn_store_t *s, const char *educator, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    snprintf(out, outlen, "%s", educator);
    if (cairn_store_stmt(s, "SELECT name FROM educators WHERE id = ?1", &st) != 0)
        return;
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
}

/* What every review operation checks first: the submission is reviewable here, by a. With
 * need_claim, a must hold the live claim; otherwise nobody else may. */
static int reviewable(cairn_store_t *s, const cairn_review_cfg_t *cfg, const cairn_assessor_t *a,
                      const char *id, bool need_claim, sub_row_t *row, char *err, size_t errlen)
{
    cairn_review_claim_t claim;
    char when[40], who[201];
    int rc = load(s, id, row, err, errlen);
    if (rc != 0)
        return rc;
    if (strcmp(row->state, "withdrawn") == 0 || strcmp(row->state, "draft") == 0) {
        snprintf(err, errlen, "submission %s is %s: there is nothing to review", id,
                 strcmp(row->state, "draft") == 0 ? "a draft (not submitted)" : "withdrawn");
        return CAIRN_ESTATE;
    }
    if (strcmp(row->state, "submitted") != 0 && strcmp(row->state, "in-review") != 0) {
        snprintf(err, errlen, "submission %s is already decided (%s): nothing recorded", id,
                 row->state);
        return CAIRN_ESTATE;
    }
    if (memcmp(row->origin, cairn_store_origin(s), CAIRN_NODE_ID_LEN) == 0) {
        snprintf(err, errlen,
                 "submission %s was made at this node: reviews go into a school's partition"
                 " from its hub",
                 id);
        return CAIRN_EDENIED;
    }
    if (a->peer &&
        !cairn_review_flag(s, row->credential, row->version, "peer_review", cfg->peer_review)) {
        snprintf(err, errlen,
                 "%s is a peer reviewer and %s v%llu does not allow peer review: nothing recorded",
                 a->name, row->credential, (unsigned long long)row->version);
        return CAIRN_EDENIED;
    }
    rc = cairn_review_claim_get(s, cfg, id, &claim);
    if (rc != 0)
        return rc;
    bool mine = claim.live && strcmp(claim.assessor, a->id) == 0;
    if (claim.live && !mine) {
        name_of(s, claim.assessor, who, sizeof who);
        cairn_hlc_format(cairn_hlc_make(claim.expires, 0), when, sizeof when);
        snprintf(err, errlen, "submission %s is claimed by %s until %.23sZ: nothing recorded", id,
                 who, when);
        return CAIRN_ESTATE;
    }
    if (need_claim && !mine) {
        snprintf(err, errlen, "claim submission %s first (cairn review claim %s)", id, id);
        return CAIRN_ESTATE;
    }
    return 0;
}

/* "school:<hex of the submission's origin>": where its review events go. */
static void partition_of(const sub_row_t *row, char out[CAIRN_SCHOOL_PARTITION_LEN + 1])
{
    memcpy(out, "school:", 7);
    sodium_bin2hex(out + 7, 2 * CAIRN_NODE_ID_LEN + 1, row->origin, CAIRN_NODE_ID_LEN);
}

static int append(cairn_store_t *s, const sub_row_t *row, const char *type, const char *entity,
                  cairn_mpbuf_t *body, char *err, size_t errlen)
{
    char partition[CAIRN_SCHOOL_PARTITION_LEN + 1];
    partition_of(row, partition);
    int rc = cairn_store_append_body(s, partition, type, entity, body);
    if (rc != 0)
        snprintf(err, errlen, "storing %s for %s: %s", type, entity, cairn_strerror(rc));
    return rc;
}

int cairn_review_claim(cairn_store_t *s, const cairn_review_cfg_t *cfg, const cairn_assessor_t *a,
                       const char *id, uint64_t *expires, char *err, size_t errlen)
{
    sub_row_t row;
    cairn_mpbuf_t body;
    int rc = reviewable(s, cfg, a, id, false, &row, err, errlen);
    if (rc != 0)
        return rc;
    *expires = cfg->now_ms + (uint64_t)cfg->claim_hours * 3600000u;
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, 2);
    cairn_mp_pack_kv_str(&body.pk, "assessor", a->id);
    cairn_mp_pack_kv_u64(&body.pk, "expires", *expires);
    return append(s, &row, "review.claim", id, &body, err, errlen);
}

/* Checks part is in the credential version and has evidence in submission id. */
static int part_has_evidence(cairn_store_t *s, const sub_row_t *row, const char *id,
                             const char *part, size_t part_len, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc =
        cairn_store_stmt(s,
                         "SELECT (SELECT count(*) FROM credential_parts WHERE credential = ?1"
                         "  AND version = ?2 AND part = ?3),"
                         " (SELECT count(*) FROM evidence WHERE submission = ?4 AND part = ?3),"
                         " (SELECT group_concat(part, ', ') FROM (SELECT part FROM evidence"
                         "  WHERE submission = ?4 ORDER BY part))",
                         &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, row->credential, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)row->version);
    sqlite3_bind_text(st, 3, part, (int)part_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return cairn_store_code(rc);
    }
    bool in_credential = sqlite3_column_int(st, 0) > 0, has = sqlite3_column_int(st, 1) > 0;
    const char *parts = (const char *)sqlite3_column_text(st, 2);
    if (!in_credential || !has)
        snprintf(err, errlen, "part '%.*s' %s %s (parts with evidence: %s)", (int)part_len, part,
                 in_credential ? "has no evidence in submission" : "does not exist in submission",
                 id, parts != NULL ? parts : "none");
    sqlite3_reset(st);
    return in_credential && has ? 0 : CAIRN_EINVAL;
}

int cairn_review_score(cairn_store_t *s, const cairn_review_cfg_t *cfg, const cairn_assessor_t *a,
                       const char *id, const char *part, size_t part_len, bool meets,
                       const char *feedback, size_t feedback_len, char *err, size_t errlen)
{
    sub_row_t row;
    cairn_mpbuf_t body;
    if (feedback_len > CAIRN_REVIEW_FEEDBACK_MAX) {
        snprintf(err, errlen, "feedback is %zu bytes, over the limit of %u: nothing recorded",
                 feedback_len, CAIRN_REVIEW_FEEDBACK_MAX);
        return CAIRN_ETOOBIG;
    }
    size_t words = 0; /* non-blank bytes: feedback of spaces says nothing */
    for (size_t i = 0; i < feedback_len; i++)
        words +=
            feedback[i] != ' ' && feedback[i] != '\t' && feedback[i] != '\n' && feedback[i] != '\r';
    if (!meets && words == 0) {
        snprintf(err, errlen, "a not-yet score needs feedback saying what to change");
        return CAIRN_EINVAL;
    }
    int rc = reviewable(s, cfg, a, id, true, &row, err, errlen);
    if (rc == 0)
        rc = part_has_evidence(s, &row, id, part, part_len, err, errlen);
    if (rc != 0)
        return rc;
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, 4);
    cairn_mp_pack_kv_str(&body.pk, "assessor", a->id);
    cairn_mp_pack_kv_strn(&body.pk, "part", part, part_len);
    cairn_mp_pack_kv_str(&body.pk, "verdict", meets ? "meets" : "not-yet");
    cairn_mp_pack_kv_strn(&body.pk, "feedback", feedback, feedback_len);
    return append(s, &row, "review.score", id, &body, err, errlen);
}

/* Per part with evidence: its current verdict (NULL when unscored; meets when carried, review.h)
 * and evidence hash. */
static const char verdicts_sql[] =
    "SELECT e.part, coalesce((SELECT r.verdict FROM review_scores r WHERE r.submission ="
    "  e.submission AND r.part = e.part ORDER BY r.hlc DESC, r.origin DESC LIMIT 1),"
    "  CASE WHEN " CAIRN_REVIEW_CARRIED_SQL(
        "e") " THEN 'meets' END), e.type, e.hash, e.text"
             " FROM evidence e WHERE e.submission = ?1 ORDER BY e.part";

/* Packs the decision's "parts" (or, with award, the award's "evidence") from verdicts_sql. */
static int pack_parts(cairn_store_t *s, const char *id, cairn_mpbuf_t *b, bool award, uint32_t *n,
                      bool *meets, char *missing, size_t missing_len)
{
    sqlite3_stmt *st = NULL;
    int step, rc = cairn_store_stmt(s, verdicts_sql, &st);
    if (rc != 0)
        return rc;
    size_t used = 0;
    *n = 0;
    *meets = true;
    missing[0] = '\0';
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        (*n)++;
    sqlite3_reset(st);
    if (step != SQLITE_DONE || *n > CAIRN_REVIEW_PARTS_MAX)
        return step != SQLITE_DONE ? cairn_store_code(step) : CAIRN_ETOOBIG;
    if (b != NULL)
        msgpack_pack_array(&b->pk, *n);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *part = (const char *)sqlite3_column_text(st, 0);
        const char *verdict = (const char *)sqlite3_column_text(st, 1);
        if (verdict == NULL) {
            int w = snprintf(missing + used, missing_len - used, "%s%s", used ? ", " : "", part);
            if (w > 0 && (size_t)w < missing_len - used)
                used += (size_t)w;
            *meets = false;
            continue;
        }
        *meets = *meets && strcmp(verdict, "meets") == 0;
        if (b == NULL)
            continue;
        msgpack_pack_map(&b->pk, 2);
        cairn_mp_pack_kv_str(&b->pk, "part", part);
        if (!award) {
            cairn_mp_pack_kv_str(&b->pk, "verdict", verdict);
            continue;
        }
        /* A file part is named by its file hash; a text part by BLAKE2b-256 of its bytes. */
        uint8_t h[CAIRN_HASH_LEN];
        char hex[2 * CAIRN_HASH_LEN + 1];
        if (sqlite3_column_bytes(st, 3) == CAIRN_HASH_LEN)
            memcpy(h, sqlite3_column_blob(st, 3), CAIRN_HASH_LEN);
        else
            crypto_generichash(h, sizeof h, sqlite3_column_text(st, 4),
                               (unsigned long long)sqlite3_column_bytes(st, 4), NULL, 0);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        cairn_mp_pack_kv_str(&b->pk, "hash", hex);
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : cairn_store_code(step);
}

static int append_award(cairn_store_t *s, const cairn_review_cfg_t *cfg, const cairn_assessor_t *a,
                        const char *id, const sub_row_t *row, char award[CAIRN_ID_TEXT_LEN + 1],
                        char *err, size_t errlen)
{
    cairn_mpbuf_t body;
    cairn_id_t aid;
    char achievement[96], missing[8];
    uint32_t n;
    bool meets;
    cairn_id_new(&aid);
    cairn_id_format(&aid, award);
    snprintf(achievement, sizeof achievement, "%s@%llu", row->credential,
             (unsigned long long)row->version);
    cairn_award_signed_t sig = {0};
    if (cfg->datadir != NULL) {
        const cairn_award_req_t r = {award,           id,           row->educator,
                                     row->credential, row->version, cfg->now_ms};
        int rc = cairn_award_sign(s, cfg->datadir, &r, &sig, err, errlen);
        if (rc != 0)
            return rc;
    }
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, sig.json != NULL ? 9 : 6);
    if (sig.json != NULL) {
        cairn_mp_pack_kv_strn(&body.pk, "credential", sig.json, sig.len);
        cairn_mp_pack_kv_str(&body.pk, "status_list", sig.status_list);
        cairn_mp_pack_kv_u64(&body.pk, "status_index", sig.status_index);
        free(sig.json);
    }
    cairn_mp_pack_kv_str(&body.pk, "submission", id);
    cairn_mp_pack_kv_str(&body.pk, "educator", row->educator);
    cairn_mp_pack_kv_str(&body.pk, "achievement", achievement);
    cairn_mp_pack_kv_u64(&body.pk, "issued", cfg->now_ms);
    cairn_mp_pack_kv_str(&body.pk, "assessor", a->id);
    cairn_mp_pack_cstr(&body.pk, "evidence");
    int rc = pack_parts(s, id, &body, true, &n, &meets, missing, sizeof missing);
    if (rc != 0) {
        cairn_mpbuf_free(&body);
        snprintf(err, errlen, "reading the evidence of %s: %s", id, cairn_strerror(rc));
        return rc;
    }
    rc = append(s, row, "award.issue", award, &body, err, errlen);
    /* The first award in a status list publishes the (empty) list, so schools can check. */
    if (rc == 0 && sig.status_list[0] != '\0' && sig.status_index == 0)
        rc = cairn_award_publish_list(s, cfg->datadir, sig.status_list, cfg->now_ms, err, errlen);
    return rc;
}

int cairn_review_decide(cairn_store_t *s, const cairn_review_cfg_t *cfg, const cairn_assessor_t *a,
                        const char *id, cairn_review_decided_t *out, char *err, size_t errlen)
{
    sub_row_t row;
    cairn_mpbuf_t body;
    char missing[512];
    uint32_t n;
    int rc = reviewable(s, cfg, a, id, true, &row, err, errlen);
    if (rc == 0)
        rc = pack_parts(s, id, NULL, false, &n, &out->meets, missing, sizeof missing);
    if (rc != 0)
        return rc;
    if (missing[0] != '\0' || n == 0) {
        snprintf(err, errlen, "score every part before deciding: not scored yet: %s",
                 n == 0 ? "(no evidence)" : missing);
        return CAIRN_EMISSING;
    }
    out->award[0] = '\0';
    if ((rc = cairn_store_begin(s)) != 0)
        return rc;
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, 3);
    cairn_mp_pack_kv_str(&body.pk, "assessor", a->id);
    cairn_mp_pack_kv_str(&body.pk, "outcome", out->meets ? "meets" : "not-yet");
    cairn_mp_pack_cstr(&body.pk, "parts");
    rc = pack_parts(s, id, &body, false, &n, &out->meets, missing, sizeof missing);
    if (rc != 0)
        cairn_mpbuf_free(&body);
    else
        rc = append(s, &row, "review.decide", id, &body, err, errlen);
    if (rc == 0 && out->meets)
        rc = append_award(s, cfg, a, id, &row, out->award, err, errlen);
    if (rc == 0 && out->meets) { /* the award may complete stacks: their badges, same commit */
        char partition[CAIRN_SCHOOL_PARTITION_LEN + 1];
        partition_of(&row, partition);
        rc = cairn_stack_complete_after_award(s, cfg->datadir, row.educator, row.credential,
                                              partition, cfg->now_ms, err, errlen);
    }
    if (rc != 0) {
        cairn_store_rollback(s);
        return rc;
    }
    rc = cairn_store_commit(s);
    if (rc != 0)
        snprintf(err, errlen, "committing the decision on %s: %s", id, cairn_strerror(rc));
    return rc;
}
