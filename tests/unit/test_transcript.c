/*
 * test_transcript.c: the PD-hours transcript (transcript.c, api_transcript.c) on one store with
 * the sample catalog and award rows put straight into the awards projection: strict dates, the
 * award dates bounding a period to the ms (both days included), awards revoked or of another
 * educator left out, each award's hours from the catalog version it was awarded for, totals per
 * UTC year and in all (hand-computed below), and the op's errors.
 */
#include "store_fixture.h"

#include "catalog.h"
#include "timezone.h"
#include "transcript.h"

/* Ada's awards and their hand-computed totals:
 *   w1  wait-time@1                 8 h  2024-12-31 23:59:59.999  -> 2024
 *   h1  higher-order-questioning@1 10 h  2025-01-01 00:00:00.000  -> 2025
 *   a1  accountable-talk@1         10 h  2025-06-15 10:00         -> 2025
 *   f1  feedback-for-growth@1       8 h  2025-09-01 08:00 REVOKED -> left out
 *   w2  wait-time@2 (9 h, a later version) 2026-03-01 12:00      -> 2026
 *   g1  gone@1 (not in the catalog) 0 h  2026-04-01               -> 2026
 * and Ben's d1 design-thinking@1 (15 h) 2025-05-05, never on Ada's transcript.
 * All: 2024 1/8, 2025 2/20, 2026 2/9; 5 credentials, 37 hours. */
static const char ADA[] = "adaaaaaaaaaaaaaaaaaaaaaaaa", BEN[] = "benbbbbbbbbbbbbbbbbbbbbbbb";

static void put_award(fixture_t *f, const char *id, const char *educator, const char *ach,
                      long long issued, bool revoked)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO awards(id, submission, educator, achievement, issued, assessor,"
             " evidence, hlc, origin, revoked) VALUES('%s', 'sub-%s', '%s', '%s', %lld, 'x',"
             " '[]', 1, x'00', %s)",
             id, id, educator, ach, issued, revoked ? "1" : "NULL");
    fixture_sql(f, sql);
}

static int setup(void **state)
{
    cairn_timezone_apply("UTC"); /* the hand-computed dates below are UTC's */
    fixture_t *f = fixture_open();
    cairn_catalog_result_t res;
    char err[CAIRN_ERRMSG_MAX];
    size_t len = 0;
    char *text = fixture_sample_catalog(&len);
    assert_int_equal(cairn_catalog_import(f->store, text, len, &res, err, sizeof err), 0);
    free(text);
    fixture_sql(f, "INSERT INTO educators(id, name, email, role, hlc, origin) VALUES"
                   " ('adaaaaaaaaaaaaaaaaaaaaaaaa', 'Ada Okafor', '', 'teacher', 1, x'00'),"
                   " ('benbbbbbbbbbbbbbbbbbbbbbbb', 'Ben Idle', '', 'teacher', 1, x'00');"
                   "INSERT INTO credentials(id, version, title, pd_hours, digest, json, hlc,"
                   " origin) VALUES ('wait-time', 2, 'Wait Time v2', 9, 'd', '{}', 1, x'00')");
    put_award(f, "w1", ADA, "wait-time@1", 1735689599999LL, false);
    put_award(f, "h1", ADA, "higher-order-questioning@1", 1735689600000LL, false);
    put_award(f, "a1", ADA, "accountable-talk@1", 1749981600000LL, false);
    put_award(f, "f1", ADA, "feedback-for-growth@1", 1756713600000LL, true);
    put_award(f, "w2", ADA, "wait-time@2", 1772366400000LL, false);
    put_award(f, "g1", ADA, "gone@1", 1775001600000LL, false);
    put_award(f, "d1", BEN, "design-thinking@1", 1746403200000LL, false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static int64_t day(const char *s, bool end)
{
    int64_t ms = -1;
    char err[CAIRN_ERRMSG_MAX];
    assert_int_equal(cairn_transcript_date(s, strlen(s), end, &ms, err, sizeof err), 0);
    return ms;
}

static void test_dates(void **state)
{
    (void)state;
    cairn_timezone_apply("UTC");
    char err[CAIRN_ERRMSG_MAX];
    int64_t ms = 7;
    assert_int_equal(day("1970-01-01", false), 0);
    assert_int_equal(day("2024-02-29", false), 1709164800000LL);
    assert_int_equal(day("2000-02-29", false), 951782400000LL);
    assert_int_equal(day("2024-12-31", true), 1735689599999LL);
    assert_int_equal(day("2025-01-01", false), 1735689600000LL);
    static const char *const bad[] = {"2026-02-30", "2025-02-29", "1900-02-28", "2026-13-01",
                                      "2026-00-10", "2026-04-31", "2026-01-00", "2026/01/01",
                                      "2026-1-01",  "20260101",   "",           "2026-01-011",
                                      "garbage!!!", "2026-01-0a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(cairn_transcript_date(bad[i], strlen(bad[i]), false, &ms, err, sizeof err),
                         CAIRN_EINVAL);
        assert_non_null(strstr(err, "bad date"));
        assert_int_equal(ms, 7); /* nothing written */
    }
    assert_int_equal(cairn_transcript_year_of(0), 1970);
    assert_int_equal(cairn_transcript_year_of(1735689599999LL), 2024);
    assert_int_equal(cairn_transcript_year_of(1735689600000LL), 2025);
    assert_int_equal(cairn_transcript_year_of(951782400000LL), 2000);
}

static void test_totals(void **state)
{
    fixture_t *f = *state;
    cairn_transcript_t t;
    assert_int_equal(cairn_transcript_build(f->store, ADA, CAIRN_TRANSCRIPT_ALL_FROM,
                                            CAIRN_TRANSCRIPT_ALL_TO, &t),
                     0);
    static const char *const order[] = {"w1", "h1", "a1", "w2", "g1"};
    static const double hours[] = {8, 10, 10, 9, 0};
    assert_int_equal(t.n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(t.awards[i].award, order[i]);
        assert_true(t.awards[i].pd_hours == hours[i]);
    }
    assert_string_equal(t.awards[3].credential, "wait-time");
    assert_int_equal(t.awards[3].version, 2);
    assert_string_equal(t.awards[3].title, "Wait Time v2");
    assert_string_equal(t.awards[0].title, "Wait Time for Deeper Thinking");
    assert_null(t.awards[4].title);
    assert_string_equal(t.awards[4].credential, "gone");
    assert_int_equal(t.nyears, 3);
    assert_int_equal(t.years[0].year, 2024);
    assert_int_equal(t.years[0].awards, 1);
    assert_true(t.years[0].pd_hours == 8);
    assert_int_equal(t.years[1].year, 2025);
    assert_int_equal(t.years[1].awards, 2);
    assert_true(t.years[1].pd_hours == 20);
    assert_int_equal(t.years[2].year, 2026);
    assert_int_equal(t.years[2].awards, 2);
    assert_true(t.years[2].pd_hours == 9);
    assert_true(t.total_pd_hours == 37);
    cairn_transcript_free(&t);

    /* 2025 only: the award at 23:59:59.999 on 2024-12-31 stays out, the revoked one too */
    assert_int_equal(cairn_transcript_build(f->store, ADA, day("2025-01-01", false),
                                            day("2025-12-31", true), &t),
                     0);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.awards[0].award, "h1");
    assert_string_equal(t.awards[1].award, "a1");
    assert_int_equal(t.nyears, 1);
    assert_true(t.total_pd_hours == 20);
    cairn_transcript_free(&t);

    /* a period ending on 2024-12-31 takes its last ms */
    assert_int_equal(cairn_transcript_build(f->store, ADA, CAIRN_TRANSCRIPT_ALL_FROM,
                                            day("2024-12-31", true), &t),
                     0);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.awards[0].award, "w1");
    cairn_transcript_free(&t);

    /* the revocation is all that keeps f1 out */
    fixture_sql(f, "UPDATE awards SET revoked = NULL WHERE id = 'f1'");
    assert_int_equal(cairn_transcript_build(f->store, ADA, day("2025-01-01", false),
                                            day("2025-12-31", true), &t),
                     0);
    assert_int_equal(t.n, 3);
    assert_true(t.total_pd_hours == 28);
    cairn_transcript_free(&t);

    assert_int_equal(cairn_transcript_build(f->store, BEN, CAIRN_TRANSCRIPT_ALL_FROM,
                                            CAIRN_TRANSCRIPT_ALL_TO, &t),
                     0);
    assert_int_equal(t.n, 1);
    assert_true(t.total_pd_hours == 15);
    cairn_transcript_free(&t);
}

static void call(fixture_t *f, fixture_reply_t *r, const char *ed, const char *from, const char *to)
{
    cairn_mpbuf_t args;
    if (from != NULL && to != NULL)
        fixture_body(&args, "educator", ed, "from", from, "to", to, NULL);
    else if (from != NULL)
        fixture_body(&args, "educator", ed, "from", from, NULL);
    else
        fixture_body(&args, "educator", ed, NULL);
    fixture_call(f, "educator.transcript", &args, r);
}

static double hours(const msgpack_object *o, const char *key)
{
    const msgpack_object *v = cairn_mp_get(o, key);
    assert_non_null(v);
    return v->type == MSGPACK_OBJECT_FLOAT64 ? v->via.f64 : -1;
}

static void test_op(void **state)
{
    fixture_t *f = *state;
    fixture_reply_t r;
    const msgpack_object_array *a;
    call(f, &r, "Ada Okafor", "2025-01-01", "2026-12-31");
    assert_int_equal(r.rc, 0);
    assert_int_equal(cairn_mp_get_array(r.result, "awards", 100, &a), 0);
    assert_int_equal(a->size, 4);
    assert_true(hours(r.result, "total_pd_hours") == 29);
    assert_int_equal(cairn_mp_get_array(r.result, "years", 100, &a), 0);
    assert_int_equal(a->size, 2);
    assert_true(hours(&a->ptr[0], "pd_hours") == 20);
    assert_true(hours(&a->ptr[1], "pd_hours") == 9);
    char s[64];
    fixture_get_str(r.result, "educator", s, sizeof s);
    assert_string_equal(s, ADA);
    fixture_get_str(r.result, "from", s, sizeof s);
    assert_string_equal(s, "2025-01-01");
    fixture_reply_free(&r);

    call(f, &r, "Nobody", NULL, NULL);
    assert_int_equal(r.rc, CAIRN_ENOTFOUND);
    call(f, &r, "Ada Okafor", "2026-02-30", NULL);
    assert_int_equal(r.rc, CAIRN_EINVAL);
    assert_non_null(strstr(r.errmsg, "'from': bad date '2026-02-30'"));
    call(f, &r, "Ada Okafor", "2026-03-02", "2026-03-01");
    assert_int_equal(r.rc, CAIRN_EINVAL);
    assert_non_null(strstr(r.errmsg, "is after"));
}

/* The same awards in two other zones around the new year: w1 (2024-12-31 23:59:59.999 UTC) is
 * 2025-01-01 02:59 in Nairobi (UTC+3), h1 (2025-01-01 00:00 UTC) is 2024-12-31 16:00 in Los
 * Angeles (UTC-8). Periods and yearly totals follow the zone; so does the op's "date". */
static void test_local_days(void **state)
{
    fixture_t *f = *state;
    fixture_reply_t r;
    cairn_transcript_t t;
    const msgpack_object_array *a;
    char s[64], err[CAIRN_ERRMSG_MAX];

    cairn_timezone_apply("Africa/Nairobi");
    assert_string_equal(cairn_timezone_name(), "Africa/Nairobi");
    assert_int_equal(day("2025-01-01", false), 1735689600000LL - 3 * 3600000LL);
    assert_int_equal(cairn_transcript_build(f->store, ADA, CAIRN_TRANSCRIPT_ALL_FROM,
                                            CAIRN_TRANSCRIPT_ALL_TO, &t),
                     0);
    assert_string_equal(t.awards[0].award, "w1");
    assert_string_equal(t.awards[0].date, "2025-01-01");
    assert_int_equal(t.nyears, 2); /* 2025: w1, h1, a1 (28 h); 2026: w2, g1 (9 h) */
    assert_int_equal(t.years[0].year, 2025);
    assert_int_equal(t.years[0].awards, 3);
    assert_true(t.years[0].pd_hours == 28);
    cairn_transcript_free(&t);
    /* --from 2025-01-01 --to 2025-12-31 in Nairobi takes w1 */
    assert_int_equal(cairn_transcript_build(f->store, ADA, day("2025-01-01", false),
                                            day("2025-12-31", true), &t),
                     0);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.awards[0].award, "w1");
    cairn_transcript_free(&t);
    call(f, &r, "Ada Okafor", "2025-01-01", "2025-01-01");
    assert_int_equal(r.rc, 0);
    fixture_get_str(r.result, "timezone", s, sizeof s);
    assert_string_equal(s, "Africa/Nairobi");
    assert_int_equal(cairn_mp_get_array(r.result, "awards", 100, &a), 0);
    assert_int_equal(a->size, 2); /* w1 and h1: both on 1 January in Nairobi */
    fixture_get_str(&a->ptr[0], "date", s, sizeof s);
    assert_string_equal(s, "2025-01-01");
    fixture_reply_free(&r);

    cairn_timezone_apply("America/Los_Angeles");
    assert_int_equal(cairn_transcript_build(f->store, ADA, CAIRN_TRANSCRIPT_ALL_FROM,
                                            CAIRN_TRANSCRIPT_ALL_TO, &t),
                     0);
    assert_string_equal(t.awards[1].award, "h1");
    assert_string_equal(t.awards[1].date, "2024-12-31");
    assert_int_equal(t.years[0].year, 2024); /* w1 and h1: 18 h */
    assert_int_equal(t.years[0].awards, 2);
    assert_true(t.years[0].pd_hours == 18);
    cairn_transcript_free(&t);
    assert_int_equal(cairn_transcript_build(f->store, ADA, day("2025-01-01", false),
                                            day("2025-12-31", true), &t),
                     0);
    assert_int_equal(t.n, 1); /* a1 only */
    assert_string_equal(t.awards[0].award, "a1");
    cairn_transcript_free(&t);
    /* a day of 23 hours (DST starts on 2025-03-09) and one of 25 (ends 2025-11-02) */
    assert_int_equal(day("2025-03-09", true) - day("2025-03-09", false) + 1, 23 * 3600000LL);
    assert_int_equal(day("2025-11-02", true) - day("2025-11-02", false) + 1, 25 * 3600000LL);

    /* names the zone database lacks, rule strings and paths are refused by name */
    static const char *const bad[] = {
        "Mars/Olympus", "EST5EDT,M3.2.0,M11.1.0", "../etc/passwd", "/etc/localtime", "Africa/", "",
        "Africa/../UTC"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(cairn_timezone_check(bad[i], err, sizeof err), CAIRN_EINVAL);
        assert_true(strstr(err, "time zone") != NULL);
    }
    assert_int_equal(cairn_timezone_check("UTC", err, sizeof err), 0);
    assert_int_equal(cairn_timezone_check("America/Argentina/Buenos_Aires", err, sizeof err), 0);
    cairn_timezone_apply("UTC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test_setup_teardown(test_totals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_op, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_days, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
