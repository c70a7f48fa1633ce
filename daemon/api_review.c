/*
 * api_review.c: the assessor's ops at the hub (review.queue, review.claim, review.score,
 * review.decide; review.show is in api_review_show.c) and the teacher's submission.resubmit
 * (PROTOCOL.md 2.1). Arguments are read and ids resolved here; the rules live in review.c and
 * resubmit.c.
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/mp.h>

#include "api_review.h"
#include "api_util.h"
#include "daemon.h"
#include "review.h"
#include "submission.h"

#define QUEUE_MAX 1000 /* rows in one queue answer; the rest are counted */

void cairn_api_review_cfg(cairn_req_t *req, cairn_review_cfg_t *cfg)
{
    cfg->now_ms = cairn_hlc_wall_now();
    cfg->claim_hours = req->d->cfg.review_claim_hours;
    cfg->peer_review = req->d->cfg.review_peer;
    cfg->double_blind = req->d->cfg.review_blind;
    cfg->datadir = req->d->datadir;
}

int cairn_api_review_as(cairn_req_t *req, bool required, cairn_assessor_t *a, bool *given)
{
    const char *who;
    size_t len;
    char err[CAIRN_ERRMSG_MAX] = "";
    if (req->d->cfg.role != CAIRN_ROLE_HUB)
        return cairn_req_fail(req, CAIRN_EUNSUPPORTED,
                              "this node is a school: reviews are made at the hub");
    int rc = cairn_api_arg_str(req, "as", required, 1, 200, &who, &len);
    if (rc != 0)
        return required && cairn_mp_get(req->args, "as") == NULL
                   ? cairn_req_fail(req, CAIRN_EINVAL,
                                    "who is acting? give --as ASSESSOR (or set CAIRN_AS)")
                   : rc;
    *given = who != NULL;
    if (who == NULL)
        return 0;
    rc = cairn_review_assessor(req->d->store, who, len, a, err, sizeof err);
    return rc != 0 ? cairn_api_fail(req, rc, err) : 0;
}

void cairn_api_pack_claim(msgpack_packer *pk, cairn_store_t *s, const cairn_review_cfg_t *cfg,
                          const char *id)
{
    cairn_review_claim_t c;
    sqlite3_stmt *st = NULL;
    cairn_mp_pack_cstr(pk, "claim");
    if (cairn_review_claim_get(s, cfg, id, &c) != 0 || c.assessor[0] == '\0') {
        msgpack_pack_nil(pk);
        return;
    }
    msgpack_pack_map(pk, 4);
    cairn_mp_pack_kv_str(pk, "assessor", c.assessor);
    cairn_mp_pack_cstr(pk, "name");
    if (cairn_store_stmt(s, "SELECT name FROM educators WHERE id = ?1", &st) == 0) {
        sqlite3_bind_text(st, 1, c.assessor, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            msgpack_pack_str_with_body(pk, sqlite3_column_text(st, 0),
                                       (size_t)sqlite3_column_bytes(st, 0));
        else
            msgpack_pack_nil(pk);
        sqlite3_reset(st);
    } else {
        msgpack_pack_nil(pk);
    }
    cairn_mp_pack_kv_u64(pk, "expires", c.expires);
    cairn_mp_pack_kv_bool(pk, "live", c.live);
}

/* Columns: id, credential, version, title, attempt, state, submitted, educator name, school. */
static const char queue_sql[] =
    "SELECT s.id, s.credential, s.version, c.title, s.attempt, s.state, s.submitted, e.name,"
    " p.name FROM submissions s"
    " LEFT JOIN credentials c ON c.id = s.credential AND c.version = s.version"
    " LEFT JOIN educators e ON e.id = s.educator LEFT JOIN peers p ON p.node = s.origin"
    " WHERE s.state IN ('submitted', 'in-review') AND s.origin <> ?1"
    " ORDER BY s.submitted, s.id";

static void pack_queue_row(msgpack_packer *pk, cairn_store_t *s, const cairn_review_cfg_t *cfg,
                           uint64_t target_ms, bool blind, sqlite3_stmt *st)
{
    const char *id = (const char *)sqlite3_column_text(st, 0);
    uint64_t submitted = (uint64_t)sqlite3_column_int64(st, 6);
    uint64_t wall = cairn_hlc_wall(submitted);
    uint64_t age = cfg->now_ms > wall ? cfg->now_ms - wall : 0;
    msgpack_pack_map(pk, blind ? 12 : 14);
    cairn_api_pack_kv_column(pk, "id", st, 0);
    cairn_api_pack_kv_column(pk, "credential", st, 1);
    cairn_mp_pack_kv_u64(pk, "version", (uint64_t)sqlite3_column_int64(st, 2));
    cairn_api_pack_kv_column(pk, "title", st, 3);
    cairn_mp_pack_kv_u64(pk, "attempt", (uint64_t)sqlite3_column_int64(st, 4));
    cairn_api_pack_kv_column(pk, "state", st, 5);
    cairn_mp_pack_kv_u64(pk, "submitted", submitted);
    cairn_mp_pack_kv_u64(pk, "age_ms", age);
    cairn_mp_pack_kv_u64(pk, "target_ms", target_ms);
    cairn_mp_pack_kv_bool(pk, "over", age > target_ms);
    cairn_mp_pack_kv_bool(pk, "blind", blind);
    if (!blind) {
        cairn_api_pack_kv_column(pk, "educator_name", st, 7);
        cairn_api_pack_kv_column(pk, "school", st, 8);
    }
    cairn_api_pack_claim(pk, s, cfg, id);
}

/* The catalog flags of the credential versions seen in one queue answer: most rows share a few
 * credentials, and each flag lookup parses the credential's JSON. */
typedef struct {
    char credential[65];
    uint64_t version;
    bool peer, blind;
} flags_t;

static const flags_t *flags_of(cairn_store_t *s, const cairn_review_cfg_t *cfg, flags_t *cache,
                               size_t *n, size_t max, const char *credential, uint64_t version)
{
    for (size_t i = 0; i < *n; i++)
        if (cache[i].version == version && strcmp(cache[i].credential, credential) == 0)
            return &cache[i];
    flags_t *f = &cache[*n < max ? (*n)++ : max - 1]; /* full: reuse the last slot */
    snprintf(f->credential, sizeof f->credential, "%s", credential);
    f->version = version;
    f->peer = cairn_review_flag(s, credential, version, "peer_review", cfg->peer_review);
    f->blind = cairn_review_flag(s, credential, version, "double_blind", cfg->double_blind);
    return f;
}

static int review_queue(cairn_req_t *req)
{
    flags_t cache[32];
    size_t cached = 0;
    cairn_review_cfg_t cfg;
    cairn_assessor_t a;
    cairn_store_t *s = req->d->store;
    cairn_mpbuf_t items;
    sqlite3_stmt *st = NULL;
    bool given = false;
    uint64_t more = 0, target_ms = (uint64_t)req->d->cfg.review_target_days * 86400000u;
    int step, rc = cairn_api_review_as(req, false, &a, &given);
    if (rc != 0)
        return rc;
    cairn_api_review_cfg(req, &cfg);
    rc = cairn_store_stmt(s, queue_sql, &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the queue: %s", cairn_strerror(rc));
    sqlite3_bind_blob(st, 1, cairn_store_origin(s), CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    cairn_mpbuf_init(&items);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const flags_t *f = flags_of(s, &cfg, cache, &cached, sizeof cache / sizeof cache[0],
                                    (const char *)sqlite3_column_text(st, 1),
                                    (uint64_t)sqlite3_column_int64(st, 2));
        if (given && a.peer && !f->peer)
            continue; /* a peer reviewer sees only what it may review */
        if (items.count >= QUEUE_MAX) {
            more++;
            continue;
        }
        pack_queue_row(&items.pk, s, &cfg, target_ms, f->blind, st);
        items.count++;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        cairn_mpbuf_free(&items);
        return cairn_req_fail(req, cairn_store_code(step), "reading the queue");
    }
    msgpack_pack_map(req->pk, 3);
    cairn_mp_pack_kv_u64(req->pk, "target_days", req->d->cfg.review_target_days);
    cairn_mp_pack_kv_u64(req->pk, "more", more);
    cairn_mp_pack_cstr(req->pk, "queue");
    rc = cairn_mpbuf_pack_array(&items, req->pk);
    cairn_mpbuf_free(&items);
    return rc == 0 ? 0 : cairn_req_fail(req, rc, "out of memory listing the queue");
}

/* The acting assessor and the submission id every writing review op starts with. */
static int writer_args(cairn_req_t *req, cairn_assessor_t *a, char id[CAIRN_ID_TEXT_LEN + 1],
                       cairn_review_cfg_t *cfg)
{
    bool given;
    int rc = cairn_api_review_as(req, true, a, &given);
    if (rc == 0)
        rc = cairn_api_arg_id(req, "id", CAIRN_ID_SUBMISSION, id);
    if (rc == 0)
        cairn_api_review_cfg(req, cfg);
    return rc;
}

static int review_claim(cairn_req_t *req)
{
    cairn_review_cfg_t cfg;
    cairn_assessor_t a;
    char id[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "";
    uint64_t expires;
    int rc = writer_args(req, &a, id, &cfg);
    if (rc != 0)
        return rc;
    rc = cairn_review_claim(req->d->store, &cfg, &a, id, &expires, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, 3);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    cairn_mp_pack_kv_str(req->pk, "assessor", a.id);
    cairn_mp_pack_kv_u64(req->pk, "expires", expires);
    return 0;
}

static int review_score(cairn_req_t *req)
{
    cairn_review_cfg_t cfg;
    cairn_assessor_t a;
    char id[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "";
    const char *part, *verdict, *feedback;
    size_t part_len, verdict_len, feedback_len;
    int rc = writer_args(req, &a, id, &cfg);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "part", true, 1, CAIRN_REVIEW_PART_MAX, &part, &part_len);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "verdict", true, 1, 16, &verdict, &verdict_len);
    /* Up to 8x the limit is read, so that review.c can say by how much it is over. */
    if (rc == 0)
        rc = cairn_api_arg_str(req, "feedback", false, 0, 8 * CAIRN_REVIEW_FEEDBACK_MAX, &feedback,
                               &feedback_len);
    if (rc != 0)
        return rc;
    bool meets = verdict_len == 5 && memcmp(verdict, "meets", 5) == 0;
    if (!meets && !(verdict_len == 7 && memcmp(verdict, "not-yet", 7) == 0))
        return cairn_req_fail(req, CAIRN_EINVAL, "'verdict': expected meets or not-yet, not '%.*s'",
                              (int)verdict_len, verdict);
    rc = cairn_review_score(req->d->store, &cfg, &a, id, part, part_len, meets,
                            feedback != NULL ? feedback : "", feedback_len, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, 3);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    cairn_mp_pack_kv_strn(req->pk, "part", part, part_len);
    cairn_mp_pack_kv_str(req->pk, "verdict", meets ? "meets" : "not-yet");
    return 0;
}

static int review_decide(cairn_req_t *req)
{
    cairn_review_cfg_t cfg;
    cairn_assessor_t a;
    cairn_review_decided_t out;
    char id[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "";
    int rc = writer_args(req, &a, id, &cfg);
    if (rc != 0)
        return rc;
    rc = cairn_review_decide(req->d->store, &cfg, &a, id, &out, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, out.meets ? 3 : 2);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    cairn_mp_pack_kv_str(req->pk, "outcome", out.meets ? "meets" : "not-yet");
    if (out.meets)
        cairn_mp_pack_kv_str(req->pk, "award", out.award);
    return 0;
}

static int submission_resubmit(cairn_req_t *req)
{
    char id[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "", kept[512];
    cairn_submission_started_t out;
    bool keep_met = true;
    int rc = cairn_api_arg_id(req, "id", CAIRN_ID_SUBMISSION, id);
    if (rc != 0)
        return rc;
    if (cairn_mp_get(req->args, "keep_met") != NULL &&
        cairn_mp_get_bool(req->args, "keep_met", &keep_met) != 0)
        return cairn_req_fail(req, CAIRN_EINVAL, "'keep_met': expected true or false");
    rc = cairn_submission_resubmit(req->d->store, id, keep_met, &out, kept, sizeof kept, err,
                                   sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, 4);
    cairn_mp_pack_kv_str(req->pk, "id", out.id);
    cairn_mp_pack_kv_u64(req->pk, "attempt", out.attempt);
    cairn_mp_pack_kv_str(req->pk, "previous", id);
    cairn_mp_pack_kv_str(req->pk, "kept", kept);
    return 0;
}

const cairn_api_route_t cairn_api_routes_review[] = {
    {"review.queue", review_queue},
    {"review.claim", review_claim},
    {"review.show", cairn_api_review_show},
    {"review.score", review_score},
    {"review.decide", review_decide},
    {"submission.resubmit", submission_resubmit},
    {NULL, NULL},
};
