/*
 * test_staff_view.c: the staff view (staff_view.c, api_staff.c) on one store with the sample
 * catalog and rows put straight into the submissions, awards and recommendations projections,
 * against a hand-computed matrix: the latest attempt decides (not-yet then resubmitted reads in
 * review), an award not revoked reads earned, a revoked one and a withdrawn attempt read -, an
 * open recommendation reads recommended only where nothing else applies, a dismissed one never;
 * assessors are not rows; stack order and the whole catalog; an unknown stack refused.
 */
#include "store_fixture.h"

#include "catalog.h"
#include "staff_view.h"

static void put_sub(fixture_t *f, const char *id, const char *ed, const char *cred, int attempt,
                    const char *state)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO submissions(id, educator, credential, version, attempt, state, created,"
             " updated, origin) VALUES('%s', '%s', '%s', 1, %d, '%s', %d, %d, x'00')",
             id, ed, cred, attempt, state, attempt, attempt);
    fixture_sql(f, sql);
}

static void put_award(fixture_t *f, const char *id, const char *sub, const char *ed,
                      const char *ach, bool revoked)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO awards(id, submission, educator, achievement, issued, assessor,"
             " evidence, hlc, origin, revoked) VALUES('%s', '%s', '%s', '%s', 1, 'x', '[]', 1,"
             " x'00', %s)",
             id, sub, ed, ach, revoked ? "1" : "NULL");
    fixture_sql(f, sql);
}

static void put_rec(fixture_t *f, const char *id, const char *to, const char *cred,
                    const char *state)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO recommendations(id, from_educator, to_educator, credential, note,"
             " state, created, origin, state_hlc, state_origin) VALUES('%s', 'cy', '%s', '%s',"
             " '', '%s', 1, x'00', 0, x'')",
             id, to, cred, state);
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
                   " ('ada', 'Ada Okafor', '', 'teacher', 1, x'00'),"
                   " ('ben', 'Ben North', '', 'teacher', 1, x'00'),"
                   " ('cy', 'Cy Lead', '', 'leader', 1, x'00'),"
                   " ('rita', 'Rita Assessor', '', 'assessor', 1, x'00')");
    /* Ada: wait-time not-yet then resubmitted; higher-order awarded; accountable-talk an open
     * recommendation */
    put_sub(f, "s1", "ada", "wait-time", 1, "not-yet");
    put_sub(f, "s2", "ada", "wait-time", 2, "submitted");
    put_sub(f, "s3", "ada", "higher-order-questioning", 1, "awarded");
    put_award(f, "a3", "s3", "ada", "higher-order-questioning@1", false);
    put_rec(f, "r1", "ada", "accountable-talk", "open");
    put_rec(f, "r2", "ada", "higher-order-questioning", "open"); /* earned wins */
    /* Ben: a draft; an award revoked; a withdrawn attempt and a dismissed recommendation */
    put_sub(f, "s4", "ben", "wait-time", 1, "draft");
    put_sub(f, "s5", "ben", "higher-order-questioning", 1, "awarded");
    put_award(f, "a5", "s5", "ben", "higher-order-questioning@1", true);
    put_sub(f, "s6", "ben", "accountable-talk", 1, "withdrawn");
    put_rec(f, "r3", "ben", "accountable-talk", "dismissed");
    /* Cy: not-yet; a draft beside an open recommendation; in-review */
    put_sub(f, "s7", "cy", "wait-time", 1, "not-yet");
    put_sub(f, "s8", "cy", "higher-order-questioning", 1, "draft");
    put_rec(f, "r4", "cy", "higher-order-questioning", "open");
    put_sub(f, "s9", "cy", "accountable-talk", 1, "in-review");
    /* Rita (an assessor) is not a row even with a submission */
    put_sub(f, "s10", "rita", "wait-time", 1, "draft");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static void test_matrix(void **state)
{
    fixture_t *f = *state;
    cairn_staff_view_t v;
    static const char *const names[] = {"Ada Okafor", "Ben North", "Cy Lead"};
    static const char *const want[3][3] = {{"in review", "earned", "recommended"},
                                           {"in progress", "-", "-"},
                                           {"not yet", "in progress", "in review"}};
    assert_int_equal(cairn_staff_view_build(f->store, "questioning-discourse", &v), 0);
    assert_int_equal(v.ne, 3);
    assert_int_equal(v.nc, 3);
    assert_string_equal(v.creds[0].id, "wait-time");
    assert_string_equal(v.creds[1].id, "higher-order-questioning");
    assert_string_equal(v.creds[2].id, "accountable-talk");
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(v.educators[i].name, names[i]);
        for (size_t k = 0; k < 3; k++)
            assert_string_equal(cairn_staff_cell_name(v.cells[i * 3 + k]), want[i][k]);
    }
    assert_string_equal(v.educators[2].role, "leader");
    cairn_staff_view_free(&v);

    /* the whole catalog: every credential once, by id; the same cells where they overlap */
    assert_int_equal(cairn_staff_view_build(f->store, NULL, &v), 0);
    assert_int_equal(v.nc, (size_t)fixture_int(f, "SELECT count(DISTINCT id) FROM credentials"));
    assert_true(v.nc >= 12);
    size_t earned = 0, none = 0;
    for (size_t k = 0; k < v.nc; k++) {
        if (k > 0)
            assert_true(strcmp(v.creds[k - 1].id, v.creds[k].id) < 0);
        if (strcmp(v.creds[k].id, "higher-order-questioning") == 0)
            assert_int_equal(v.cells[0 * v.nc + k], CAIRN_CELL_EARNED);
    }
    for (size_t c = 0; c < v.ne * v.nc; c++) {
        earned += v.cells[c] == CAIRN_CELL_EARNED;
        none += v.cells[c] == CAIRN_CELL_NONE;
    }
    assert_int_equal(earned, 1);
    assert_int_equal(none, v.ne * v.nc - 7); /* 9 cells above, 2 of them - */
    cairn_staff_view_free(&v);

    assert_int_equal(cairn_staff_view_build(f->store, "nope", &v), CAIRN_ENOTFOUND);
}

static void test_op(void **state)
{
    fixture_t *f = *state;
    fixture_reply_t r;
    cairn_mpbuf_t args;
    const msgpack_object_array *eds, *cells;
    fixture_body(&args, "stack", "questioning-discourse", NULL);
    fixture_call(f, "staff.view", &args, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(cairn_mp_get_array(r.result, "educators", 10, &eds), 0);
    assert_int_equal(eds->size, 3);
    assert_int_equal(cairn_mp_get_array(&eds->ptr[0], "cells", 10, &cells), 0);
    assert_int_equal(cells->size, 3);
    assert_int_equal(cells->ptr[2].type, MSGPACK_OBJECT_STR);
    assert_memory_equal(cells->ptr[2].via.str.ptr, "recommended", 11);
    fixture_reply_free(&r);
    fixture_body(&args, "stack", "nope", NULL);
    fixture_call(f, "staff.view", &args, &r);
    assert_int_equal(r.rc, CAIRN_ENOTFOUND);
    assert_non_null(strstr(r.errmsg, "no stack 'nope'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_matrix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_op, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
