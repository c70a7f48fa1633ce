/*
 * test_review.c: the assessor's rules (review.c) and the resubmission (resubmit.c) between a
 * school store and a hub store whose events are copied both ways as sync would: who may act,
 * claim / score / decide with the states they lead to, every bad input refused with nothing
 * recorded, claim expiry, peer reviewers, double-blind, carried parts, the award, and rebuilds
 * equal on both sides.
 */
#include "store_fixture.h"

#include <cairn/chunk.h>
#include <cairn/hlc.h>

#include "catalog.h"
#include "review.h"
#include "submission.h"

typedef struct {
    fixture_t *school, *hub;
    char ada[CAIRN_ID_TEXT_LEN + 1], sub[CAIRN_ID_TEXT_LEN + 1];
    cairn_assessor_t rita, sam, pete;
    cairn_review_cfg_t cfg;
    char err[CAIRN_ERRMSG_MAX];
} world_t;

/* Applies every event of from that to lacks, in (partition, origin, seq) order: what sync does,
 * without the signatures. */
static void copy_events(fixture_t *from, fixture_t *to)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(cairn_store_db(from->store),
                                        "SELECT origin, partition, seq, hlc, type, entity, body"
                                        " FROM events ORDER BY partition, origin, seq",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        cairn_event_t ev = {.seq = (uint64_t)sqlite3_column_int64(st, 2),
                            .hlc = (uint64_t)sqlite3_column_int64(st, 3),
                            .partition = (const char *)sqlite3_column_text(st, 1),
                            .type = (const char *)sqlite3_column_text(st, 4),
                            .entity = (const char *)sqlite3_column_text(st, 5),
                            .body = sqlite3_column_blob(st, 6),
                            .body_len = (size_t)sqlite3_column_bytes(st, 6)};
        memcpy(ev.origin, sqlite3_column_blob(st, 0), CAIRN_NODE_ID_LEN);
        assert_int_equal(cairn_store_apply(to->store, &ev), 0);
    }
    sqlite3_finalize(st);
}

static void add_educator(fixture_t *f, const char *name, const char *role, const char *scope,
                         char *id)
{
    fixture_reply_t r;
    cairn_mpbuf_t args;
    if (scope != NULL)
        fixture_body(&args, "name", name, "role", role, "scope", scope, NULL);
    else
        fixture_body(&args, "name", name, "role", role, NULL);
    fixture_call(f, "educator.add", &args, &r);
    assert_int_equal(r.rc, 0);
    fixture_get_str(r.result, "id", id, CAIRN_ID_TEXT_LEN + 1);
    fixture_reply_free(&r);
}

static void add_file(fixture_t *f, const char *sub, const char *part)
{
    cairn_manifest_t m = {.size = 1000, .chunk_size = CAIRN_CHUNK_SIZE, .nchunks = 1};
    char err[CAIRN_ERRMSG_MAX];
    uint64_t size;
    m.chunks = calloc(1, sizeof *m.chunks);
    cairn_hash_buf(part, strlen(part), &m.chunks[0]);
    cairn_file_hash(m.size, m.chunk_size, m.chunks, m.nchunks, &m.file_hash);
    cairn_evidence_t ev = {
        .part = part, .part_len = strlen(part), .manifest = &m, .name = "f.bin", .name_len = 5};
    assert_int_equal(cairn_submission_evidence_add(f->store, sub, &ev, &size, err, sizeof err), 0);
    free(m.chunks);
}

static void add_text(fixture_t *f, const char *sub, const char *part, const char *text)
{
    char err[CAIRN_ERRMSG_MAX];
    uint64_t size;
    cairn_evidence_t ev = {
        .part = part, .part_len = strlen(part), .text = text, .text_len = strlen(text)};
    assert_int_equal(cairn_submission_evidence_add(f->store, sub, &ev, &size, err, sizeof err), 0);
}

/* A submitted wait-time attempt by Ada at the school (video and tally files, a reflection). */
static void submit_one(world_t *w, char *id)
{
    cairn_submission_started_t out;
    assert_int_equal(cairn_submission_start(w->school->store, w->ada, "wait-time", 9, &out, w->err,
                                            sizeof w->err),
                     0);
    strcpy(id, out.id);
    add_file(w->school, id, "video");
    add_file(w->school, id, "tally");
    add_text(w->school, id, "reflection", "I waited.");
    assert_int_equal(cairn_submission_submit(w->school->store, id, w->err, sizeof w->err), 0);
}

static void assessor(world_t *w, const char *name, cairn_assessor_t *a)
{
    assert_int_equal(
        cairn_review_assessor(w->hub->store, name, strlen(name), a, w->err, sizeof w->err), 0);
}

static int setup(void **state)
{
    world_t *w = calloc(1, sizeof *w);
    cairn_catalog_result_t res;
    char id[CAIRN_ID_TEXT_LEN + 1];
    size_t len = 0;
    w->school = fixture_open();
    w->hub = fixture_open();
    fixture_origin(w->hub->origin, 0xcd);
    fixture_reopen(w->hub);
    w->hub->d.cfg.role = CAIRN_ROLE_HUB;
    w->hub->d.cfg.review_target_days = 14;
    w->hub->d.cfg.review_claim_hours = 48;
    char *text = fixture_sample_catalog(&len);
    /* wait-time (the first credential) reviewed double-blind, from its catalog entry */
    char *tags = strstr(text, "\"tags\"");
    assert_non_null(tags);
    size_t at = (size_t)(tags - text);
    char *blind = malloc(len + 32);
    memcpy(blind, text, at);
    memcpy(blind + at, "\"double_blind\": true, ", 22);
    memcpy(blind + at + 22, text + at, len - at + 1);
    assert_int_equal(
        cairn_catalog_import(w->school->store, blind, len + 22, &res, w->err, sizeof w->err), 0);
    free(text);
    free(blind);
    add_educator(w->school, "Ada Teacher", "teacher", NULL, w->ada);
    add_educator(w->school, "Sly Assessor", "assessor", NULL, id); /* the school's own */
    submit_one(w, w->sub);
    copy_events(w->school, w->hub);
    add_educator(w->hub, "Rita Assessor", "assessor", NULL, id);
    add_educator(w->hub, "Sam Assessor", "assessor", NULL, id);
    add_educator(w->hub, "Pete Peer", "assessor", "peer", id);
    add_educator(w->hub, "Tom Teacher", "teacher", NULL, id);
    assessor(w, "Rita Assessor", &w->rita);
    assessor(w, "Sam Assessor", &w->sam);
    assessor(w, "Pete Peer", &w->pete);
    w->cfg.now_ms = cairn_hlc_wall_now();
    w->cfg.claim_hours = 48;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world_t *w = *state;
    fixture_close(w->school);
    fixture_close(w->hub);
    free(w);
    return 0;
}

static char state_of(fixture_t *f, const char *id, char *out)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(cairn_store_db(f->store),
                                        "SELECT state FROM submissions WHERE id = ?1", -1, &st,
                                        NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    strcpy(out, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out[0];
}

#define assert_state(f, id, want)                                                                  \
    do {                                                                                           \
        char got_[16];                                                                             \
        state_of(f, id, got_);                                                                     \
        assert_string_equal(got_, want);                                                           \
    } while (0)

static int score(world_t *w, const cairn_assessor_t *a, const char *id, const char *part,
                 bool meets, const char *feedback)
{
    w->err[0] = '\0';
    return cairn_review_score(w->hub->store, &w->cfg, a, id, part, strlen(part), meets, feedback,
                              strlen(feedback), w->err, sizeof w->err);
}

static void assert_rebuild_equal(fixture_t *f)
{
    bool equal = false;
    assert_int_equal(cairn_store_rebuild(f->store, &equal, NULL), 0);
    assert_true(equal);
}

/* The whole loop: not-yet with feedback, resubmission keeping what met, meets and the award. */
static void test_loop(void **state)
{
    world_t *w = *state;
    cairn_review_decided_t dec;
    cairn_submission_started_t next;
    uint64_t expires;
    char kept[128];
    assert_state(w->hub, w->sub, "submitted");
    assert_int_equal(cairn_review_claim(w->hub->store, &w->cfg, &w->rita, w->sub, &expires, w->err,
                                        sizeof w->err),
                     0);
    assert_true(expires == w->cfg.now_ms + 48ull * 3600000);
    assert_state(w->hub, w->sub, "in-review");
    assert_int_equal(score(w, &w->rita, w->sub, "video", true, ""), 0);
    assert_int_equal(score(w, &w->rita, w->sub, "tally", false, "Compare both lessons."), 0);
    assert_int_equal(score(w, &w->rita, w->sub, "tally", true, "Fine after all."), 0);
    assert_int_equal(score(w, &w->rita, w->sub, "reflection", false, "Name a next step."), 0);
    assert_int_equal(
        cairn_review_decide(w->hub->store, &w->cfg, &w->rita, w->sub, &dec, w->err, sizeof w->err),
        0);
    assert_false(dec.meets);
    assert_string_equal(dec.award, "");
    assert_state(w->hub, w->sub, "not-yet");
    assert_int_equal(fixture_int(w->hub, "SELECT count(*) FROM review_scores"), 4); /* all kept */

    /* Down to the school: the same state; resubmit keeps video and tally by reference. */
    copy_events(w->hub, w->school);
    assert_state(w->school, w->sub, "not-yet");
    assert_int_equal(cairn_submission_resubmit(w->school->store, w->sub, true, &next, kept,
                                               sizeof kept, w->err, sizeof w->err),
                     0);
    assert_string_equal(kept, "tally, video");
    assert_int_equal(next.attempt, 2);
    assert_int_equal(cairn_submission_resubmit(w->school->store, w->sub, true, &next, kept,
                                               sizeof kept, w->err, sizeof w->err),
                     CAIRN_ESTATE); /* once */
    assert_non_null(strstr(w->err, "already resubmitted"));
    assert_int_equal(fixture_int(w->school, "SELECT count(DISTINCT hash) FROM evidence"
                                            " WHERE part = 'video'"),
                     1);
    assert_int_equal(cairn_submission_submit(w->school->store, next.id, w->err, sizeof w->err),
                     CAIRN_EMISSING);
    add_text(w->school, next.id, "reflection", "Next I will track answer length.");
    assert_int_equal(cairn_submission_submit(w->school->store, next.id, w->err, sizeof w->err), 0);

    /* Up again: only the new part needs a score. */
    copy_events(w->school, w->hub);
    assert_int_equal(cairn_review_claim(w->hub->store, &w->cfg, &w->sam, next.id, &expires, w->err,
                                        sizeof w->err),
                     0);
    assert_int_equal(
        cairn_review_decide(w->hub->store, &w->cfg, &w->sam, next.id, &dec, w->err, sizeof w->err),
        CAIRN_EMISSING);
    assert_non_null(strstr(w->err, "reflection"));
    assert_null(strstr(w->err, "video"));
    assert_int_equal(score(w, &w->sam, next.id, "reflection", true, "Specific."), 0);
    assert_int_equal(
        cairn_review_decide(w->hub->store, &w->cfg, &w->sam, next.id, &dec, w->err, sizeof w->err),
        0);
    assert_true(dec.meets);
    assert_int_equal(strlen(dec.award), CAIRN_ID_TEXT_LEN);
    assert_state(w->hub, next.id, "awarded");
    assert_int_equal(fixture_int(w->hub, "SELECT count(*) FROM awards WHERE achievement ="
                                         " 'wait-time@1' AND evidence LIKE 'reflection=% tally=%"
                                         " video=%'"),
                     1);
    copy_events(w->hub, w->school);
    assert_state(w->school, next.id, "awarded");
    assert_state(w->school, w->sub, "not-yet");
    assert_rebuild_equal(w->school);
    assert_rebuild_equal(w->hub);
}

/* Each refusal says why and appends nothing. */
static void test_bad_input(void **state)
{
    world_t *w = *state;
    cairn_assessor_t a;
    cairn_review_decided_t dec;
    uint64_t expires, before = fixture_events(w->hub);
    char big[CAIRN_REVIEW_FEEDBACK_MAX + 2];
    assert_int_equal(
        cairn_review_assessor(w->hub->store, "Tom Teacher", 11, &a, w->err, sizeof w->err),
        CAIRN_EDENIED);
    assert_non_null(strstr(w->err, "not an assessor"));
    assert_int_equal(
        cairn_review_assessor(w->hub->store, "Sly Assessor", 12, &a, w->err, sizeof w->err),
        CAIRN_EDENIED); /* registered at the school, not here */
    assert_int_equal(cairn_review_assessor(w->hub->store, "Nobody", 6, &a, w->err, sizeof w->err),
                     CAIRN_ENOTFOUND);
    assert_int_equal(cairn_review_assessor(w->hub->store, w->rita.id, 6, &a, w->err, sizeof w->err),
                     0); /* an id prefix */
    assert_string_equal(a.id, w->rita.id);
    assert_int_equal(score(w, &w->rita, w->sub, "video", true, ""), CAIRN_ESTATE); /* no claim */
    assert_int_equal(cairn_review_claim(w->hub->store, &w->cfg, &w->rita, w->sub, &expires, w->err,
                                        sizeof w->err),
                     0);
    before = fixture_events(w->hub);
    assert_int_equal(cairn_review_claim(w->hub->store, &w->cfg, &w->sam, w->sub, &expires, w->err,
                                        sizeof w->err),
                     CAIRN_ESTATE);
    assert_non_null(strstr(w->err, "claimed by Rita Assessor"));
    assert_int_equal(
        cairn_review_decide(w->hub->store, &w->cfg, &w->rita, w->sub, &dec, w->err, sizeof w->err),
        CAIRN_EMISSING);
    assert_int_equal(score(w, &w->rita, w->sub, "essay", true, ""), CAIRN_EINVAL);
    assert_non_null(strstr(w->err, "does not exist"));
    assert_int_equal(score(w, &w->rita, w->sub, "reflection", false, ""), CAIRN_EINVAL);
    assert_int_equal(score(w, &w->rita, w->sub, "reflection", false, " \n\t "), CAIRN_EINVAL);
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(score(w, &w->rita, w->sub, "video", true, big), CAIRN_ETOOBIG);
    big[CAIRN_REVIEW_FEEDBACK_MAX] = '\0'; /* exactly the limit is fine */
    assert_int_equal(fixture_events(w->hub), before);
    assert_int_equal(score(w, &w->rita, w->sub, "video", true, big), 0);

    /* A withdrawn submission, and a decided one, cannot be reviewed. */
    char gone[CAIRN_ID_TEXT_LEN + 1];
    submit_one(w, gone);
    assert_int_equal(cairn_submission_withdraw(w->school->store, gone, w->err, sizeof w->err), 0);
    copy_events(w->school, w->hub);
    before = fixture_events(w->hub);
    assert_int_equal(
        cairn_review_claim(w->hub->store, &w->cfg, &w->sam, gone, &expires, w->err, sizeof w->err),
        CAIRN_ESTATE);
    assert_non_null(strstr(w->err, "withdrawn"));
    assert_int_equal(score(w, &w->rita, w->sub, "tally", true, ""), 0);
    assert_int_equal(score(w, &w->rita, w->sub, "reflection", true, ""), 0);
    assert_int_equal(
        cairn_review_decide(w->hub->store, &w->cfg, &w->rita, w->sub, &dec, w->err, sizeof w->err),
        0);
    before = fixture_events(w->hub);
    assert_int_equal(cairn_review_claim(w->hub->store, &w->cfg, &w->sam, w->sub, &expires, w->err,
                                        sizeof w->err),
                     CAIRN_ESTATE);
    assert_non_null(strstr(w->err, "already decided"));
    assert_int_equal(fixture_events(w->hub), before);
    /* A school cannot review: its own submissions are refused at the node that made them. */
    fixture_reply_t r;
    cairn_mpbuf_t args;
    fixture_body(&args, "id", w->sub, "as", "Sly Assessor", NULL);
    fixture_call(w->school, "review.claim", &args, &r);
    assert_int_equal(r.rc, CAIRN_EUNSUPPORTED);
    fixture_reply_free(&r);
}

/* A claim expires claim_hours after it was made (or after the claimant's last score); then
 * another assessor may take it, and the first may no longer score. */
static void test_claim_expiry(void **state)
{
    world_t *w = *state;
    uint64_t expires;
    cairn_review_claim_t c;
    assert_int_equal(cairn_review_claim(w->hub->store, &w->cfg, &w->rita, w->sub, &expires, w->err,
                                        sizeof w->err),
                     0);
    w->cfg.now_ms += 47ull * 3600000;
    assert_int_equal(cairn_review_claim_get(w->hub->store, &w->cfg, w->sub, &c), 0);
    assert_true(c.live);
    assert_int_equal(cairn_review_claim(w->hub->store, &w->cfg, &w->sam, w->sub, &expires, w->err,
                                        sizeof w->err),
                     CAIRN_ESTATE);
    w->cfg.now_ms += 2ull * 3600000; /* 49 h */
    assert_int_equal(cairn_review_claim_get(w->hub->store, &w->cfg, w->sub, &c), 0);
    assert_false(c.live);
    assert_int_equal(cairn_review_claim(w->hub->store, &w->cfg, &w->sam, w->sub, &expires, w->err,
                                        sizeof w->err),
                     0);
    assert_int_equal(score(w, &w->rita, w->sub, "video", true, ""), CAIRN_ESTATE);
    assert_non_null(strstr(w->err, "claimed by Sam Assessor"));
    assert_int_equal(score(w, &w->sam, w->sub, "video", true, ""), 0);
    assert_int_equal(fixture_int(w->hub, "SELECT count(*) FROM review_claims"), 2);
}

/* A peer reviewer only on credentials that allow peer review; double-blind hides the teacher
 * and school from review.show. */
static void test_peer_and_blind(void **state)
{
    world_t *w = *state;
    uint64_t expires;
    assert_true(w->pete.peer);
    assert_int_equal(cairn_review_claim(w->hub->store, &w->cfg, &w->pete, w->sub, &expires, w->err,
                                        sizeof w->err),
                     CAIRN_EDENIED);
    assert_non_null(strstr(w->err, "peer"));
    fixture_reply_t shown;
    cairn_mpbuf_t show_args;
    fixture_body(&show_args, "id", w->sub, "as", "Pete Peer", NULL);
    fixture_call(w->hub, "review.show", &show_args, &shown);
    assert_int_equal(shown.rc, CAIRN_EDENIED); /* nor may it look */
    fixture_reply_free(&shown);
    w->cfg.peer_review = "design-thinking, wait-time";
    assert_int_equal(cairn_review_claim(w->hub->store, &w->cfg, &w->pete, w->sub, &expires, w->err,
                                        sizeof w->err),
                     0);
    /* The catalog field wins over the list. */
    assert_true(cairn_review_flag(w->hub->store, "wait-time", 1, "double_blind", NULL));
    assert_false(cairn_review_flag(w->hub->store, "accountable-talk", 1, "double_blind", NULL));
    assert_true(cairn_review_flag(w->hub->store, "accountable-talk", 1, "double_blind",
                                  "accountable-talk"));
    fixture_reply_t r;
    cairn_mpbuf_t args;
    fixture_body(&args, "id", w->sub, NULL);
    fixture_call(w->hub, "review.show", &args, &r);
    assert_int_equal(r.rc, 0);
    bool blind = false;
    assert_int_equal(cairn_mp_get_bool(r.result, "blind", &blind), 0);
    assert_true(blind);
    assert_null(cairn_mp_get(r.result, "educator"));
    assert_null(cairn_mp_get(r.result, "school"));
    fixture_reply_free(&r);
    fixture_body(&args, NULL);
    fixture_call(w->hub, "review.queue", &args, &r);
    assert_int_equal(r.rc, 0);
    const msgpack_object_array *q;
    assert_int_equal(cairn_mp_get_array(r.result, "queue", 10, &q), 0);
    assert_int_equal(q->size, 1);
    assert_null(cairn_mp_get(&q->ptr[0], "educator_name"));
    fixture_reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_and_blind, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
