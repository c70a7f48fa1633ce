/*
 * test_stack_complete.c: completing a stack (stack_complete.c, projection_stack.c). The rule on
 * award rows put straight into the awards projection: nothing, one of two, both, a revoked one,
 * another version, an empty stack. Issuing at a hub: one signed stack.complete for the stack
 * the award completes (none for the others), never a second while the first stands, projected
 * as an award "stack:<id>" listing its constituents (found again by cairn_stack_badges_using);
 * a malformed stack.complete is refused whole.
 */
#include "store_fixture.h"

#include <cairn/badge.h>

#include <jansson.h>

#include "catalog.h"
#include "stack_complete.h"
#include "transcript.h"

static const char ADA[] = "adaaaaaaaaaaaaaaaaaaaaaaaa";

static void put_award(fixture_t *f, const char *id, const char *ach, long long issued, bool revoked)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO awards(id, submission, educator, achievement, issued, assessor,"
             " evidence, hlc, origin, revoked) VALUES('%s', 'sub-%s', '%s', '%s', %lld, 'x',"
             " '[]', 1, x'00', %s)",
             id, id, ADA, ach, issued, revoked ? "1" : "NULL");
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
    fixture_sql(f, "INSERT INTO educators(id, name, email, role, hlc, origin) VALUES"
                   " ('adaaaaaaaaaaaaaaaaaaaaaaaa', 'Ada Okafor', 'ada@example.org', 'teacher',"
                   " 1, x'00')");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    char p[128];
    snprintf(p, sizeof p, "%s/issuer.key", f->dir);
    unlink(p);
    fixture_close(f);
    return 0;
}

static bool complete(fixture_t *f, const char *stack, cairn_stack_members_t *m)
{
    assert_int_equal(cairn_stack_complete_rule(f->store, ADA, stack, m), 0);
    return m->complete;
}

static void test_rule(void **state)
{
    fixture_t *f = *state;
    cairn_stack_members_t *m = malloc(sizeof *m);
    assert_non_null(m);
    assert_false(complete(f, "leadership-community", m));
    assert_int_equal(m->n, 2);
    assert_string_equal(m->credential[0], "family-partnership");
    assert_string_equal(m->credential[1], "district-communication-plan");
    put_award(f, "fp1", "family-partnership@1", 1000, false);
    assert_false(complete(f, "leadership-community", m)); /* one of two */
    assert_string_equal(m->award[0], "fp1");
    assert_string_equal(m->award[1], "");
    put_award(f, "dc1", "district-communication-plan@1", 2000, true);
    assert_false(complete(f, "leadership-community", m)); /* the second is revoked */
    put_award(f, "dc2", "district-communication-plan@7", 3000, false);
    assert_true(complete(f, "leadership-community", m)); /* any version counts */
    assert_string_equal(m->award[1], "dc2");
    put_award(f, "fp0", "family-partnership@1", 500, false);
    assert_true(complete(f, "leadership-community", m));
    assert_string_equal(m->award[0], "fp0"); /* the earliest live award */
    assert_string_equal(m->title[0], "Two-Way Family Communication");
    /* a credential id that only begins like a member's does not count */
    put_award(f, "x1", "family-partnership-extra@1", 100, false);
    assert_string_equal(m->award[0], "fp0");
    assert_false(complete(f, "learning-by-making", m));
    assert_false(complete(f, "no-such-stack", m)); /* lists nothing: never complete */
    assert_int_equal(m->n, 0);
    free(m);
}

static int64_t count(fixture_t *f, const char *sql)
{
    return fixture_int(f, sql);
}

static void test_issue_once(void **state)
{
    fixture_t *f = *state;
    char err[CAIRN_ERRMSG_MAX] = "", badge[CAIRN_ID_TEXT_LEN + 1], using[4][CAIRN_ID_TEXT_LEN + 1];
    int64_t issued = 0;
    size_t n = 0;
    char partition[CAIRN_SCHOOL_PARTITION_LEN + 1];
    memcpy(partition, "school:", 7);
    memset(partition + 7, 'c', 64);
    partition[71] = '\0';
    put_award(f, "01jdx3q4c8m6a9v2k5r7t0w1y1", "family-partnership@1", 1000, false);
    /* not complete yet: nothing appended */
    assert_int_equal(cairn_stack_complete_after_award(f->store, f->dir, ADA, "family-partnership",
                                                      partition, 5000, err, sizeof err),
                     0);
    assert_int_equal(count(f, "SELECT count(*) FROM events WHERE type = 'stack.complete'"), 0);
    put_award(f, "01jdx3q4c8m6a9v2k5r7t0w1y2", "district-communication-plan@1", 2000, false);
    assert_int_equal(cairn_stack_complete_after_award(f->store, f->dir, ADA,
                                                      "district-communication-plan", partition,
                                                      5000, err, sizeof err),
                     0);
    assert_int_equal(count(f, "SELECT count(*) FROM events WHERE type = 'stack.complete'"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM events WHERE type = 'stack.complete' AND"
                              " partition LIKE 'school:ccc%'"),
                     1);
    assert_int_equal(cairn_stack_badge(f->store, ADA, "leadership-community", badge, &issued), 0);
    assert_int_equal(strlen(badge), CAIRN_ID_TEXT_LEN);
    assert_int_equal(issued, 5000);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM awards WHERE id = '%s' AND achievement ="
             " 'stack:leadership-community' AND submission = '' AND evidence ="
             " '01jdx3q4c8m6a9v2k5r7t0w1y1 01jdx3q4c8m6a9v2k5r7t0w1y2' AND credential LIKE"
             " '%%https://resa.example.org/stacks/leadership-community%%'",
             badge);
    assert_int_equal(count(f, sql), 1);
    /* the first entry of a status list publishes it */
    assert_int_equal(count(f, "SELECT count(*) FROM events WHERE type = 'catalog.status'"), 1);
    /* again (another award of a member, a re-run): the badge stands, nothing new */
    assert_int_equal(cairn_stack_complete_after_award(f->store, f->dir, ADA, "family-partnership",
                                                      partition, 6000, err, sizeof err),
                     0);
    assert_int_equal(count(f, "SELECT count(*) FROM events WHERE type = 'stack.complete'"), 1);
    /* the badge lists both constituents; revoking either must find it */
    assert_int_equal(cairn_stack_badges_using(f->store, "01jdx3q4c8m6a9v2k5r7t0w1y2", using, 4, &n),
                     0);
    assert_int_equal(n, 1);
    assert_string_equal(using[0], badge);
    assert_int_equal(cairn_stack_badges_using(f->store, "01jdx3q4c8m6a9v2k5r7t0w1y3", using, 4, &n),
                     0);
    assert_int_equal(n, 0);
    /* once it is revoked, the next award that completes the stack issues a new one */
    snprintf(sql, sizeof sql, "UPDATE awards SET revoked = 1 WHERE id = '%s'", badge);
    fixture_sql(f, sql);
    assert_int_equal(cairn_stack_complete_after_award(f->store, f->dir, ADA, "family-partnership",
                                                      partition, 7000, err, sizeof err),
                     0);
    assert_int_equal(count(f, "SELECT count(*) FROM events WHERE type = 'stack.complete'"), 2);
    /* no issuer key configured (datadir NULL): nothing */
    assert_int_equal(cairn_stack_complete_after_award(f->store, NULL, ADA, "family-partnership",
                                                      partition, 8000, err, sizeof err),
                     0);
    assert_int_equal(count(f, "SELECT count(*) FROM events WHERE type = 'stack.complete'"), 2);
}

/* A stack the catalog gives pd_hours (optional): its badge carries them as creditsAvailable and
 * the transcript counts them; without it, 0 (test_issue_once's credential has none). */
static void test_stack_pd_hours(void **state)
{
    fixture_t *f = *state;
    char err[CAIRN_ERRMSG_MAX] = "", partition[CAIRN_SCHOOL_PARTITION_LEN + 1];
    size_t len = 0;
    json_error_t jerr;
    cairn_catalog_result_t res;
    char *text = fixture_sample_catalog(&len);
    json_t *doc = json_loadb(text, len, 0, &jerr);
    free(text);
    assert_non_null(doc);
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(doc, "stacks"), i, st)
    {
        if (strcmp(json_string_value(json_object_get(st, "id")), "leadership-community") == 0)
            json_object_set_new(st, "pd_hours", json_real(2.5));
    }
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    assert_int_equal(cairn_catalog_import(f->store, text, strlen(text), &res, err, sizeof err), 0);
    free(text);
    memcpy(partition, "school:", 7);
    memset(partition + 7, 'c', 64);
    partition[71] = '\0';
    put_award(f, "01jdx3q4c8m6a9v2k5r7t0w1y1", "family-partnership@1", 1000, false);
    put_award(f, "01jdx3q4c8m6a9v2k5r7t0w1y2", "district-communication-plan@1", 2000, false);
    assert_int_equal(cairn_stack_complete_after_award(f->store, f->dir, ADA, "family-partnership",
                                                      partition, 5000, err, sizeof err),
                     0);
    assert_int_equal(count(f, "SELECT count(*) FROM awards WHERE achievement ="
                              " 'stack:leadership-community' AND credential LIKE"
                              " '%\"creditsAvailable\": 2.5%'"),
                     1);
    cairn_transcript_t t;
    assert_int_equal(cairn_transcript_build(f->store, ADA, CAIRN_TRANSCRIPT_ALL_FROM,
                                            CAIRN_TRANSCRIPT_ALL_TO, &t),
                     0);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.awards[2].credential, "stack:leadership-community");
    assert_int_equal(t.awards[2].version, 0);
    assert_string_equal(t.awards[2].title, "Leadership and Community");
    assert_true(t.awards[2].pd_hours == 2.5);
    assert_true(t.total_pd_hours == 6 + 6 + 2.5);
    cairn_transcript_free(&t);
}

static void test_malformed_refused(void **state)
{
    fixture_t *f = *state;
    char partition[CAIRN_SCHOOL_PARTITION_LEN + 1];
    memcpy(partition, "school:", 7);
    memset(partition + 7, 'c', 64);
    partition[71] = '\0';
    for (int bad = 0; bad < 3; bad++) {
        cairn_mpbuf_t b;
        cairn_mpbuf_init(&b);
        msgpack_pack_map(&b.pk, 8);
        cairn_mp_pack_kv_str(&b.pk, "credential", "{}");
        cairn_mp_pack_kv_str(&b.pk, "status_list", "https://x.example/status/1");
        cairn_mp_pack_kv_u64(&b.pk, "status_index", 0);
        cairn_mp_pack_kv_str(&b.pk, "educator", ADA);
        cairn_mp_pack_kv_str(&b.pk, "stack", "leadership-community");
        cairn_mp_pack_kv_str(&b.pk, "achievement",
                             bad == 0 ? "stack:learning-by-making" : "stack:leadership-community");
        cairn_mp_pack_kv_u64(&b.pk, "issued", 1);
        cairn_mp_pack_cstr(&b.pk, "awards");
        msgpack_pack_array(&b.pk, bad == 1 ? 0 : 1);
        if (bad != 1)
            cairn_mp_pack_cstr(&b.pk, bad == 2 ? "not-an-id" : "01jdx3q4c8m6a9v2k5r7t0w1y1");
        assert_int_equal(cairn_store_append(f->store, partition, "stack.complete",
                                            "01jdx3q4c8m6a9v2k5r7t0w1y9",
                                            (const uint8_t *)b.sb.data, b.sb.size, NULL, NULL),
                         CAIRN_EINVAL);
        cairn_mpbuf_free(&b);
    }
    assert_int_equal(count(f, "SELECT count(*) FROM events WHERE type = 'stack.complete'"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM awards"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_issue_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stack_pd_hours, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
