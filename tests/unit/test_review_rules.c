/*
 * test_review_rules.c: the review concurrency rules (PROTOCOL.md "Review concurrency") as
 * projections of hand-made event logs, each applied in several arrival orders (the hub's events
 * before the school's included, as a relay may deliver them) to fresh stores: the projections
 * must be identical whatever the order, equal to a rebuild, and follow the rule.
 *   (a) a withdrawal crossing a decision: the smaller (hlc, origin) wins; the loser is kept and
 *       shown in submission.show's notes
 *   (b) a late review of attempt 1 after attempt 2 started applies to attempt 1 only
 *   (c) two assessors scoring one part: the greater (hlc, origin) is current, both are kept
 */
#include "store_fixture.h"

#include <cairn/hlc.h>

#include "api_review.h"

#define SCHOOL 0x11
#define HUB 0x22
#define HUB2 0x33
#define MAXEV 32

static const char *const P =
    "school:1111111111111111111111111111111111111111111111111111111111111111";
static const char *const ED = "01jdx3q4c8m6a9v2k5r7t0w1yz";
static const char *const S1 = "01jdx3q4c8m6a9v2k5r7t0w1y0";
static const char *const S2 = "01jdx3q4c8m6a9v2k5r7t0w1y1";
static const char *const AW = "01jdx3q4c8m6a9v2k5r7t0w1y2";
static const char *const AS = "01jdx3q4c8m6a9v2k5r7t0w1y3";
static const char *const AS2 = "01jdx3q4c8m6a9v2k5r7t0w1y4";

typedef struct {
    uint8_t origin;
    uint64_t hlc;
    const char *type, *entity;
    cairn_mpbuf_t body;
} logged_t;

typedef struct {
    logged_t ev[MAXEV];
    size_t n;
    uint64_t t0;
} log_t;

static msgpack_packer *add(log_t *l, uint8_t origin, uint64_t dt, const char *type,
                           const char *entity, uint32_t keys)
{
    assert_true(l->n < MAXEV);
    logged_t *e = &l->ev[l->n++];
    e->origin = origin;
    e->hlc = l->t0 + dt;
    e->type = type;
    e->entity = entity;
    cairn_mpbuf_init(&e->body);
    msgpack_pack_map(&e->body.pk, keys);
    return &e->body.pk;
}

/* A school attempt with one text part, submitted at dt + 3. */
static void attempt(log_t *l, const char *id, uint64_t dt, uint64_t n, const char *previous)
{
    msgpack_packer *pk = add(l, SCHOOL, dt, "submission.start", id, previous ? 5 : 4);
    cairn_mp_pack_kv_str(pk, "educator", ED);
    cairn_mp_pack_kv_str(pk, "credential", "wait-time");
    cairn_mp_pack_kv_u64(pk, "version", 1);
    cairn_mp_pack_kv_u64(pk, "attempt", n);
    if (previous)
        cairn_mp_pack_kv_str(pk, "previous", previous);
    pk = add(l, SCHOOL, dt + 1, "evidence.add", id, 3);
    cairn_mp_pack_kv_str(pk, "part", "reflection");
    cairn_mp_pack_kv_str(pk, "type", "text");
    cairn_mp_pack_kv_str(pk, "text", "I waited.");
    add(l, SCHOOL, dt + 3, "submission.submit", id, 0);
}

static void score(log_t *l, uint8_t origin, uint64_t dt, const char *id, const char *assessor,
                  const char *verdict)
{
    msgpack_packer *pk = add(l, origin, dt, "review.score", id, 4);
    cairn_mp_pack_kv_str(pk, "assessor", assessor);
    cairn_mp_pack_kv_str(pk, "part", "reflection");
    cairn_mp_pack_kv_str(pk, "verdict", verdict);
    cairn_mp_pack_kv_str(pk, "feedback", verdict[0] == 'n' ? "Name a next step." : "");
}

static void decide(log_t *l, uint64_t dt, const char *id, const char *outcome)
{
    msgpack_packer *pk = add(l, HUB, dt, "review.decide", id, 3);
    cairn_mp_pack_kv_str(pk, "assessor", AS);
    cairn_mp_pack_kv_str(pk, "outcome", outcome);
    cairn_mp_pack_cstr(pk, "parts");
    msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 2);
    cairn_mp_pack_kv_str(pk, "part", "reflection");
    cairn_mp_pack_kv_str(pk, "verdict", outcome);
}

static void award(log_t *l, uint64_t dt, const char *id)
{
    msgpack_packer *pk = add(l, HUB, dt, "award.issue", AW, 6);
    cairn_mp_pack_kv_str(pk, "submission", id);
    cairn_mp_pack_kv_str(pk, "educator", ED);
    cairn_mp_pack_kv_str(pk, "achievement", "wait-time@1");
    cairn_mp_pack_kv_u64(pk, "issued", cairn_hlc_wall(l->t0 + dt));
    cairn_mp_pack_kv_str(pk, "assessor", AS);
    cairn_mp_pack_cstr(pk, "evidence");
    msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 2);
    cairn_mp_pack_kv_str(pk, "part", "reflection");
    cairn_mp_pack_kv_str(pk, "hash", "00");
}

static void claim(log_t *l, uint64_t dt, const char *id)
{
    msgpack_packer *pk = add(l, HUB, dt, "review.claim", id, 2);
    cairn_mp_pack_kv_str(pk, "assessor", AS);
    cairn_mp_pack_kv_u64(pk, "expires", cairn_hlc_wall(l->t0) + 3600000);
}

static void log_init(log_t *l)
{
    memset(l, 0, sizeof *l);
    l->t0 = cairn_hlc_make(cairn_hlc_wall_now() - 60000, 0);
    msgpack_packer *pk = add(l, SCHOOL, 0, "educator.add", ED, 3);
    cairn_mp_pack_kv_str(pk, "name", "Ada");
    cairn_mp_pack_kv_str(pk, "email", "");
    cairn_mp_pack_kv_str(pk, "role", "teacher");
}

static void log_free(log_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        cairn_mpbuf_free(&l->ev[i].body);
}

/* Applies the log to a fresh store: first the events of origin `first` (in log order), then the
 * others (in log order); seq numbers follow each origin's log order either way. */
static fixture_t *replay(const log_t *l, uint8_t first)
{
    fixture_t *f = fixture_open();
    uint64_t seq[256] = {0}, seq_of[MAXEV];
    for (size_t i = 0; i < l->n; i++)
        seq_of[i] = ++seq[l->ev[i].origin];
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < l->n; i++) {
            const logged_t *e = &l->ev[i];
            if ((e->origin == first) != (pass == 0))
                continue;
            cairn_event_t ev = {.seq = seq_of[i],
                                .hlc = e->hlc,
                                .partition = P,
                                .type = e->type,
                                .entity = e->entity,
                                .body = (const uint8_t *)e->body.sb.data,
                                .body_len = e->body.sb.size};
            fixture_origin(ev.origin, e->origin);
            assert_int_equal(cairn_store_apply(f->store, &ev), 0);
        }
    }
    return f;
}

static void state_is(fixture_t *f, const char *id, const char *want)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM submissions WHERE id = '%s' AND state = '%s'",
             id, want);
    if (fixture_int(f, sql) != 1)
        fail_msg("submission %s is not %s", id, want);
}

/* Replays in three orders (school first, hub first, second hub first); the projections must
 * be identical and survive a rebuild. Returns the school-first store; closes the others. */
static fixture_t *same_whatever_the_order(const log_t *l)
{
    fixture_t *a = replay(l, SCHOOL), *b = replay(l, HUB), *c = replay(l, HUB2);
    uint8_t da[32], db[32], dc[32];
    bool equal = false;
    assert_int_equal(cairn_store_projection_digest(a->store, da), 0);
    assert_int_equal(cairn_store_projection_digest(b->store, db), 0);
    assert_int_equal(cairn_store_projection_digest(c->store, dc), 0);
    assert_memory_equal(da, db, 32);
    assert_memory_equal(da, dc, 32);
    assert_int_equal(cairn_store_rebuild(b->store, &equal, NULL), 0);
    assert_true(equal);
    fixture_close(b);
    fixture_close(c);
    return a;
}

/* The notes of submission.show, joined. */
static void notes_of(fixture_t *f, const char *id, char *out, size_t outlen)
{
    fixture_reply_t r;
    cairn_mpbuf_t args;
    const msgpack_object *review;
    const msgpack_object_array *notes;
    fixture_body(&args, "id", id, NULL);
    fixture_call(f, "submission.show", &args, &r);
    assert_int_equal(r.rc, 0);
    review = cairn_mp_get(r.result, "review");
    assert_non_null(review);
    assert_int_equal(cairn_mp_get_array(review, "notes", 16, &notes), 0);
    out[0] = '\0';
    for (uint32_t i = 0; i < notes->size; i++)
        snprintf(out + strlen(out), outlen - strlen(out), "%.*s|", (int)notes->ptr[i].via.str.size,
                 notes->ptr[i].via.str.ptr);
    fixture_reply_free(&r);
}

/* (a) The withdrawal is earlier than the decision: withdrawn, the decision (and its award) void
 * but kept. */
static void test_withdrawal_before_decision_wins(void **state)
{
    (void)state;
    log_t l;
    char notes[1024];
    log_init(&l);
    attempt(&l, S1, 10, 1, NULL);
    claim(&l, 20, S1);
    score(&l, HUB, 21, S1, AS, "meets");
    add(&l, SCHOOL, 25, "submission.withdraw", S1, 0); /* crosses the decision below */
    decide(&l, 30, S1, "meets");
    award(&l, 31, S1);
    fixture_t *f = same_whatever_the_order(&l);
    state_is(f, S1, "withdrawn");
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM review_decisions"), 1);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM awards"), 1);
    notes_of(f, S1, notes, sizeof notes);
    assert_non_null(strstr(notes, "came after the withdrawal"));
    assert_non_null(strstr(notes, "void"));
    fixture_close(f);
    log_free(&l);
}

/* (a) The decision is earlier: it stands (awarded); the withdrawal is ignored but kept. */
static void test_decision_before_withdrawal_wins(void **state)
{
    (void)state;
    log_t l;
    char notes[1024];
    log_init(&l);
    attempt(&l, S1, 10, 1, NULL);
    claim(&l, 20, S1);
    score(&l, HUB, 21, S1, AS, "meets");
    decide(&l, 30, S1, "meets");
    award(&l, 31, S1);
    add(&l, SCHOOL, 35, "submission.withdraw", S1, 0);
    fixture_t *f = same_whatever_the_order(&l);
    state_is(f, S1, "awarded");
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM submissions WHERE withdrawn IS NOT NULL"),
                     1);
    notes_of(f, S1, notes, sizeof notes);
    assert_non_null(strstr(notes, "withdrawal at"));
    assert_non_null(strstr(notes, "ignored"));
    fixture_close(f);
    log_free(&l);
}

/* (a) Equal hlc: the smaller origin is the earlier; the school (0x11) beats the hub (0x22). */
static void test_same_hlc_tie_broken_by_origin(void **state)
{
    (void)state;
    log_t l;
    log_init(&l);
    attempt(&l, S1, 10, 1, NULL);
    score(&l, HUB, 21, S1, AS, "not-yet");
    add(&l, SCHOOL, 30, "submission.withdraw", S1, 0);
    decide(&l, 30, S1, "not-yet");
    fixture_t *f = same_whatever_the_order(&l);
    state_is(f, S1, "withdrawn");
    fixture_close(f);
    log_free(&l);
}

/* (b) Attempt 2 starts after attempt 1's not-yet; a late score and a late decision on attempt 1
 * (made after attempt 2 began) apply to attempt 1 only. */
static void test_late_review_applies_to_the_attempt_it_names(void **state)
{
    (void)state;
    log_t l;
    log_init(&l);
    attempt(&l, S1, 10, 1, NULL);
    claim(&l, 20, S1);
    score(&l, HUB, 21, S1, AS, "not-yet");
    decide(&l, 22, S1, "not-yet");
    attempt(&l, S2, 40, 2, S1);
    score(&l, HUB, 50, S1, AS, "meets"); /* late: names attempt 1 */
    decide(&l, 51, S1, "meets");
    fixture_t *f = same_whatever_the_order(&l);
    state_is(f, S1, "meets"); /* the latest decision on attempt 1 */
    state_is(f, S2, "submitted");
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM review_scores WHERE submission ="
                                    " '01jdx3q4c8m6a9v2k5r7t0w1y1'"),
                     0);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM submissions WHERE previous ="
                                    " '01jdx3q4c8m6a9v2k5r7t0w1y0'"),
                     1);
    fixture_close(f);
    log_free(&l);
}

/* (c) Two assessors (at two hubs) score the same part: the greater (hlc, origin) is current,
 * both are kept; with equal hlc the greater origin wins. */
static void test_two_scores_last_wins_both_kept(void **state)
{
    (void)state;
    log_t l;
    log_init(&l);
    attempt(&l, S1, 10, 1, NULL);
    score(&l, HUB, 30, S1, AS, "meets");
    score(&l, HUB2, 30, S1, AS2, "not-yet"); /* same hlc, greater origin */
    fixture_t *f = same_whatever_the_order(&l);
    state_is(f, S1, "in-review");
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM review_scores"), 2);
    assert_int_equal(fixture_int(f, "SELECT verdict = 'not-yet' FROM review_scores"
                                    " ORDER BY hlc DESC, origin DESC LIMIT 1"),
                     1);
    fixture_close(f);
    log_free(&l);
    log_init(&l);
    attempt(&l, S1, 10, 1, NULL);
    score(&l, HUB2, 30, S1, AS2, "not-yet");
    score(&l, HUB, 31, S1, AS, "meets"); /* later hlc wins over the greater origin */
    f = same_whatever_the_order(&l);
    assert_int_equal(fixture_int(f, "SELECT verdict = 'meets' FROM review_scores"
                                    " ORDER BY hlc DESC, origin DESC LIMIT 1"),
                     1);
    fixture_close(f);
    log_free(&l);
}

/* A malformed review body is refused and leaves nothing (the projector checks first). */
static void test_malformed_review_refused(void **state)
{
    (void)state;
    log_t l;
    log_init(&l);
    attempt(&l, S1, 10, 1, NULL);
    msgpack_packer *pk = add(&l, HUB, 20, "review.score", S1, 4);
    cairn_mp_pack_kv_str(pk, "assessor", AS);
    cairn_mp_pack_kv_str(pk, "part", "reflection");
    cairn_mp_pack_kv_str(pk, "verdict", "maybe");
    cairn_mp_pack_kv_str(pk, "feedback", "");
    fixture_t *f = fixture_open();
    uint64_t seq = 0;
    for (size_t i = 0; i < l.n; i++) {
        const logged_t *e = &l.ev[i];
        cairn_event_t ev = {.seq = e->origin == SCHOOL ? ++seq : 1,
                            .hlc = e->hlc,
                            .partition = P,
                            .type = e->type,
                            .entity = e->entity,
                            .body = (const uint8_t *)e->body.sb.data,
                            .body_len = e->body.sb.size};
        fixture_origin(ev.origin, e->origin);
        assert_int_equal(cairn_store_apply(f->store, &ev), i + 1 < l.n ? 0 : CAIRN_EINVAL);
    }
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM review_scores"), 0);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM events WHERE type = 'review.score'"), 0);
    state_is(f, S1, "submitted");
    fixture_close(f);
    log_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_withdrawal_before_decision_wins),
        cmocka_unit_test(test_decision_before_withdrawal_wins),
        cmocka_unit_test(test_same_hlc_tie_broken_by_origin),
        cmocka_unit_test(test_late_review_applies_to_the_attempt_it_names),
        cmocka_unit_test(test_two_scores_last_wins_both_kept),
        cmocka_unit_test(test_malformed_review_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
