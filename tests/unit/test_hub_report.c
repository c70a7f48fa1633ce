/*
 * test_hub_report.c: the hub's report (hub_report.c, api_report.c) on one store with the sample
 * catalog and rows put straight into the submissions, review_decisions and awards projections,
 * against hand-computed numbers per school and per credential: awards not revoked, submissions
 * submitted or in review, and the median turnaround from the submit's HLC to the FIRST decision's
 * (an odd and an even count); a school that is not a peer keeps no name; schools refused.
 */
#include "store_fixture.h"

#include "catalog.h"
#include "hub_report.h"

#define D0 1750000000000LL /* ms */
#define DAY 86400000LL
#define HLC(ms) ((long long)(ms) << 16)

static void put_sub(fixture_t *f, const char *id, char school, const char *cred, const char *state,
                    long long submitted_ms)
{
    char sql[600], sub[32] = "NULL", node[65];
    memset(node, school, 64); /* the school's node id: 32 bytes of 0xSS */
    node[64] = '\0';
    if (submitted_ms >= 0)
        snprintf(sub, sizeof sub, "%lld", HLC(submitted_ms));
    snprintf(sql, sizeof sql,
             "INSERT INTO submissions(id, educator, credential, version, attempt, state, created,"
             " updated, origin, submitted) VALUES('%s', 'ed', '%s', 1, 1, '%s', 1, 1, x'%s', %s)",
             id, cred, state, node, sub);
    fixture_sql(f, sql);
}

static void put_decision(fixture_t *f, const char *sub, long long ms)
{
    char sql[300];
    snprintf(sql, sizeof sql,
             "INSERT INTO review_decisions(submission, hlc, origin, assessor, outcome, parts)"
             " VALUES('%s', %lld, x'00', 'rita', 'meets', '[]')",
             sub, HLC(ms));
    fixture_sql(f, sql);
}

static void put_award(fixture_t *f, const char *id, const char *sub, bool revoked)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "INSERT INTO awards(id, submission, educator, achievement, issued, assessor,"
             " evidence, hlc, origin, revoked) VALUES('%s', '%s', 'ed', 'x@1', 1, 'x', '[]', 1,"
             " x'00', %s)",
             id, sub, revoked ? "1" : "NULL");
    fixture_sql(f, sql);
}

static int setup(void **state)
{
    fixture_t *f = fixture_open();
    cairn_catalog_result_t res;
    char err[CAIRN_ERRMSG_MAX];
    size_t len = 0;
    char *text = fixture_sample_catalog(&len);
    assert_int_equal(cairn_catalog_import(f->store, text, len, &res, err, sizeof err), 0);
    free(text);
    f->d.cfg.role = CAIRN_ROLE_HUB;
    fixture_sql(f, "INSERT INTO peers(node, role, name) VALUES(x'11111111111111111111111111111"
                   "11111111111111111111111111111111111', 'school', 'North School')");
    /* North: turnarounds 2, 4 (first decision; a later one at 10 ignored), 3 -> median 3 */
    put_sub(f, "n1", '1', "wait-time", "awarded", D0);
    put_decision(f, "n1", D0 + 2 * DAY);
    put_award(f, "a1", "n1", false);
    put_sub(f, "n2", '1', "wait-time", "not-yet", D0);
    put_decision(f, "n2", D0 + 4 * DAY);
    put_decision(f, "n2", D0 + 10 * DAY);
    put_sub(f, "n3", '1', "accountable-talk", "awarded", D0);
    put_decision(f, "n3", D0 + 3 * DAY);
    put_award(f, "a3", "n3", true); /* revoked: not counted */
    put_sub(f, "n4", '1', "accountable-talk", "submitted", D0);
    put_sub(f, "n5", '1', "wait-time", "in-review", D0);
    /* Far (not a peer): turnaround 1 */
    put_sub(f, "f1", '3', "wait-time", "awarded", D0 + 5 * DAY);
    put_decision(f, "f1", D0 + 6 * DAY);
    put_award(f, "a4", "f1", false);
    put_sub(f, "f2", '3', "wait-time", "draft", -1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static void check(const cairn_report_group_t *g, uint64_t awards, uint64_t in_review,
                  uint64_t decided, double median)
{
    assert_int_equal(g->awards, awards);
    assert_int_equal(g->in_review, in_review);
    assert_int_equal(g->decided, decided);
    assert_true(g->median_days == median);
}

static void test_by_school(void **state)
{
    fixture_t *f = *state;
    cairn_hub_report_t r;
    assert_int_equal(cairn_hub_report_build(f->store, true, &r), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(strlen(r.groups[0].key), 64);
    assert_int_equal(strspn(r.groups[0].key, "1"), 64);
    assert_string_equal(r.groups[0].name, "North School");
    check(&r.groups[0], 1, 2, 3, 3);
    assert_null(r.groups[1].name);
    check(&r.groups[1], 1, 0, 1, 1);
    check(&r.total, 2, 2, 4, 2.5);
    cairn_hub_report_free(&r);
}

static void test_by_credential(void **state)
{
    fixture_t *f = *state;
    cairn_hub_report_t r;
    /* by school first on the same store: each grouping keeps its own statements */
    assert_int_equal(cairn_hub_report_build(f->store, true, &r), 0);
    cairn_hub_report_free(&r);
    assert_int_equal(cairn_hub_report_build(f->store, false, &r), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.groups[0].key, "accountable-talk");
    assert_string_equal(r.groups[0].name, "Accountable Talk in Classroom Discussion");
    check(&r.groups[0], 0, 1, 1, 3);
    assert_string_equal(r.groups[1].key, "wait-time");
    check(&r.groups[1], 2, 1, 3, 2);
    cairn_hub_report_free(&r);
    double even[] = {1, 2, 3, 4}, odd[] = {1, 5, 9};
    assert_true(cairn_report_median(even, 4) == 2.5);
    assert_true(cairn_report_median(odd, 3) == 5);
}

static void test_op(void **state)
{
    fixture_t *f = *state;
    fixture_reply_t r;
    cairn_mpbuf_t args;
    const msgpack_object_array *g;
    fixture_body(&args, "by", "credential", NULL);
    fixture_call(f, "hub.report", &args, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(cairn_mp_get_array(r.result, "groups", 10, &g), 0);
    assert_int_equal(g->size, 2);
    fixture_reply_free(&r);
    fixture_body(&args, "by", "district", NULL);
    fixture_call(f, "hub.report", &args, &r);
    assert_int_equal(r.rc, CAIRN_EINVAL);
    assert_non_null(strstr(r.errmsg, "'district' is not school or credential"));
    f->d.cfg.role = CAIRN_ROLE_SCHOOL;
    fixture_body(&args, NULL);
    fixture_call(f, "hub.report", &args, &r);
    assert_int_equal(r.rc, CAIRN_EUNSUPPORTED);
}

/* A hub with nothing to report yet: no group, zero totals (no qsort on a NULL array: found by
 * fuzz_api under UBSan, tests/fuzz/corpus/api/crash-hub-report-empty). */
static void test_empty(void **state)
{
    (void)state;
    fixture_t *f = fixture_open();
    for (int by_school = 0; by_school < 2; by_school++) {
        cairn_hub_report_t r;
        assert_int_equal(cairn_hub_report_build(f->store, by_school, &r), 0);
        assert_int_equal(r.n, 0);
        check(&r.total, 0, 0, 0, 0);
        cairn_hub_report_free(&r);
    }
    fixture_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_by_school, setup, teardown),
        cmocka_unit_test_setup_teardown(test_by_credential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_op, setup, teardown),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
