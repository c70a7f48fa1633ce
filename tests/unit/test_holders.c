/*
 * test_holders.c: credential.holders (api_holders.c) on one store with the sample catalog and
 * award rows put straight into the awards projection: holders of every version, oldest first;
 * revoked awards and a credential whose id merely starts with the same letters left out; the
 * school named as this node for its own educators, by the enrolled peer's name, or by node id
 * prefix when the school is not a peer (a tree); an unknown credential refused.
 */
#include "store_fixture.h"

#include "catalog.h"

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
    fixture_t *f = fixture_open();
    cairn_catalog_result_t res;
    char err[CAIRN_ERRMSG_MAX];
    size_t len = 0;
    char *text = fixture_sample_catalog(&len);
    assert_int_equal(cairn_catalog_import(f->store, text, len, &res, err, sizeof err), 0);
    free(text);
    snprintf(f->d.cfg.name, sizeof f->d.cfg.name, "Pine School");
    memset(f->d.node_pk, 0x22, sizeof f->d.node_pk);
    fixture_sql(f, "INSERT INTO educators(id, name, email, role, hlc, origin) VALUES"
                   " ('ada', 'Ada Okafor', '', 'teacher', 1, zeroblob(32)),"
                   " ('ben', 'Ben North', '', 'teacher', 1, zeroblob(32)),"
                   " ('cy', 'Cy Far', '', 'leader', 1, zeroblob(32)),"
                   " ('dee', 'Dee Revoked', '', 'teacher', 1, zeroblob(32));"
                   "UPDATE educators SET origin = x'2222222222222222222222222222222222222222"
                   "222222222222222222222222' WHERE id IN ('ada', 'dee');"
                   "UPDATE educators SET origin = x'1111111111111111111111111111111111111111"
                   "111111111111111111111111' WHERE id = 'ben';"
                   "UPDATE educators SET origin = x'3333333333333333333333333333333333333333"
                   "333333333333333333333333' WHERE id = 'cy';"
                   "INSERT INTO peers(node, role, name) VALUES(x'11111111111111111111111111111"
                   "11111111111111111111111111111111111', 'school', 'North School');"
                   "INSERT INTO credentials(id, version, title, pd_hours, digest, json, hlc,"
                   " origin) VALUES ('wait-time', 2, 'Wait Time v2', 9, 'd', '{}', 1, x'00')");
    put_award(f, "a1", "ada", "wait-time@1", 3000, false);
    put_award(f, "b2", "ben", "wait-time@2", 2000, false);
    put_award(f, "c1", "cy", "wait-time@1", 1000, false);
    put_award(f, "d1", "dee", "wait-time@1", 500, true);
    put_award(f, "b9", "ben", "wait-timely@1", 100, false);
    put_award(f, "b8", "ben", "accountable-talk@1", 100, false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static void holders(fixture_t *f, const char *cred, fixture_reply_t *r)
{
    cairn_mpbuf_t args;
    fixture_body(&args, "credential", cred, NULL);
    fixture_call(f, "credential.holders", &args, r);
}

static void test_holders(void **state)
{
    fixture_t *f = *state;
    fixture_reply_t r;
    const msgpack_object_array *a;
    char s[128];
    holders(f, "wait-time", &r);
    assert_int_equal(r.rc, 0);
    fixture_get_str(r.result, "title", s, sizeof s);
    assert_string_equal(s, "Wait Time v2"); /* the latest version's title */
    assert_int_equal(cairn_mp_get_array(r.result, "holders", 100, &a), 0);
    static const char *const want[][4] = {{"Cy Far", "school 333333333333", "c1", "1"},
                                          {"Ben North", "North School", "b2", "2"},
                                          {"Ada Okafor", "Pine School", "a1", "1"}};
    assert_int_equal(a->size, 3);
    for (uint32_t i = 0; i < 3; i++) {
        fixture_get_str(&a->ptr[i], "name", s, sizeof s);
        assert_string_equal(s, want[i][0]);
        fixture_get_str(&a->ptr[i], "school", s, sizeof s);
        assert_string_equal(s, want[i][1]);
        fixture_get_str(&a->ptr[i], "award", s, sizeof s);
        assert_string_equal(s, want[i][2]);
        uint64_t v = 0;
        assert_int_equal(cairn_mp_get_u64(&a->ptr[i], "version", &v), 0);
        assert_int_equal(v, (uint64_t)(want[i][3][0] - '0'));
    }
    fixture_reply_free(&r);

    holders(f, "design-thinking", &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(cairn_mp_get_array(r.result, "holders", 100, &a), 0);
    assert_int_equal(a->size, 0);
    fixture_reply_free(&r);

    holders(f, "nope", &r);
    assert_int_equal(r.rc, CAIRN_ENOTFOUND);
    assert_non_null(strstr(r.errmsg, "no credential 'nope'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_holders, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
