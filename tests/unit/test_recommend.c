/*
 * test_recommend.c: recommendations. The rules (who may recommend, to whom, which credential, the
 * note's limit, who may answer and when), the merge rule of an accept crossing a dismiss (the
 * later one wins, in whatever order they are applied), the projection rebuilt equal, and
 * educators found by name. The client's side: test_client_recommend.c.
 */
#include <jansson.h>

#include "projection.h"
#include "recommendation.h"
#include "store_fixture.h"

#include "catalog.h"

static int setup(void **state)
{
    fixture_t *f = fixture_open();
    size_t len = 0;
    char err[CAIRN_ERRMSG_MAX] = "";
    cairn_catalog_result_t res;
    char *text = fixture_sample_catalog(&len);
    assert_int_equal(cairn_catalog_import(f->store, text, len, &res, err, sizeof err), 0);
    free(text);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static void add_educator(fixture_t *f, const char *name, const char *role, char id[27])
{
    cairn_mpbuf_t args;
    fixture_reply_t r;
    cairn_mpbuf_init(&args);
    msgpack_pack_map(&args.pk, 2);
    cairn_mp_pack_kv_str(&args.pk, "name", name);
    cairn_mp_pack_kv_str(&args.pk, "role", role);
    fixture_call(f, "educator.add", &args, &r);
    assert_int_equal(r.rc, 0);
    fixture_get_str(r.result, "id", id, 27);
    fixture_reply_free(&r);
}

static void test_rules(void **state)
{
    fixture_t *f = *state;
    char ada[27], ben[27], asa[27], rec[27], other[27], err[CAIRN_ERRMSG_MAX];
    add_educator(f, "Ada Okafor", "teacher", ada);
    add_educator(f, "Ben Leader", "leader", ben);
    add_educator(f, "Asa Assessor", "assessor", asa);
    uint64_t events = fixture_events(f);
    assert_int_equal(
        cairn_recommendation_add(f->store, ada, ada, "wait-time", 9, "", 0, rec, err, sizeof err),
        CAIRN_EINVAL);
    assert_non_null(strstr(err, "themself"));
    assert_int_equal(
        cairn_recommendation_add(f->store, asa, ada, "wait-time", 9, "", 0, rec, err, sizeof err),
        CAIRN_EDENIED);
    assert_non_null(strstr(err, "Asa Assessor is an assessor"));
    assert_int_equal(
        cairn_recommendation_add(f->store, ben, ada, "nope", 4, "", 0, rec, err, sizeof err),
        CAIRN_ENOTFOUND);
    assert_non_null(strstr(err, "no credential 'nope'"));
    char note[CAIRN_RECOMMENDATION_NOTE_MAX + 1];
    memset(note, 'n', sizeof note);
    assert_int_equal(cairn_recommendation_add(f->store, ben, ada, "wait-time", 9, note, sizeof note,
                                              rec, err, sizeof err),
                     CAIRN_EINVAL);
    assert_int_equal(fixture_events(f), events);

    assert_int_equal(cairn_recommendation_add(f->store, ben, ada, "wait-time", 9, note,
                                              sizeof note - 1, rec, err, sizeof err),
                     0);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM recommendations WHERE state = 'open'"),
                     1);
    /* only the recipient answers, and only once */
    assert_int_equal(cairn_recommendation_close(f->store, rec, ben, true, err, sizeof err),
                     CAIRN_EDENIED);
    assert_int_equal(cairn_recommendation_close(f->store, rec, ada, true, err, sizeof err), 0);
    assert_int_equal(cairn_recommendation_close(f->store, rec, NULL, false, err, sizeof err),
                     CAIRN_ESTATE);
    assert_non_null(strstr(err, "already accepted"));

    /* by name, ignoring case; unknown and ambiguous names */
    assert_int_equal(
        cairn_store_resolve_educator(f->store, "ben leader", 10, other, err, sizeof err), 0);
    assert_string_equal(other, ben);
    assert_int_equal(cairn_store_resolve_educator(f->store, ada, 6, other, err, sizeof err), 0);
    assert_string_equal(other, ada);
    assert_int_equal(cairn_store_resolve_educator(f->store, "Nobody", 6, other, err, sizeof err),
                     CAIRN_ENOTFOUND);
    assert_non_null(strstr(err, "no educator named or with id 'Nobody'"));
    add_educator(f, "Ben Leader", "teacher", other);
    assert_int_equal(
        cairn_store_resolve_educator(f->store, "Ben Leader", 10, other, err, sizeof err),
        CAIRN_EAMBIGUOUS);

    bool equal = false;
    assert_int_equal(cairn_store_rebuild(f->store, &equal, NULL), 0);
    assert_true(equal);
}

/* Applies accept (hlc ha) and dismiss (hlc hd) of rec in the given order; returns the state. */
static int64_t crossing(fixture_t *f, const char *rec, uint64_t ha, uint64_t hd, bool accept_first)
{
    cairn_mp_doc_t doc;
    static const uint8_t empty_map = 0x80;
    assert_int_equal(cairn_mp_decode(&empty_map, 1, &cairn_mp_wire_limits, &doc), 0);
    cairn_event_t a = {.hlc = ha, .entity = rec}, d = {.hlc = hd, .entity = rec};
    memset(a.origin, 0xab, sizeof a.origin);
    memset(d.origin, 0xab, sizeof d.origin);
    for (int i = 0; i < 2; i++) {
        bool acc = (i == 0) == accept_first;
        int rc = acc ? cairn_projection_recommendation_accept(f->store, &a, &doc.root)
                     : cairn_projection_recommendation_dismiss(f->store, &d, &doc.root);
        assert_int_equal(rc, 0);
    }
    cairn_mp_doc_free(&doc);
    return fixture_int(f, "SELECT state = 'accepted' FROM recommendations");
}

static void test_accept_crossing_dismiss(void **state)
{
    fixture_t *f = *state;
    char ada[27], ben[27], rec[27], err[CAIRN_ERRMSG_MAX];
    add_educator(f, "Ada Okafor", "teacher", ada);
    add_educator(f, "Ben Leader", "leader", ben);
    assert_int_equal(
        cairn_recommendation_add(f->store, ben, ada, "wait-time", 9, "", 0, rec, err, sizeof err),
        0);
    uint64_t base = (uint64_t)fixture_int(f, "SELECT created FROM recommendations") + 10;
    /* the later event wins, whichever is applied first */
    assert_int_equal(crossing(f, rec, base + 2, base + 1, true), 1);
    fixture_sql(f, "UPDATE recommendations SET state = 'open', state_hlc = 0, state_origin = x''");
    assert_int_equal(crossing(f, rec, base + 2, base + 1, false), 1);
    fixture_sql(f, "UPDATE recommendations SET state = 'open', state_hlc = 0, state_origin = x''");
    assert_int_equal(crossing(f, rec, base + 1, base + 2, true), 0);
    fixture_sql(f, "UPDATE recommendations SET state = 'open', state_hlc = 0, state_origin = x''");
    assert_int_equal(crossing(f, rec, base + 1, base + 2, false), 0);
    /* a close for a recommendation never added is refused, writing nothing */
    cairn_mp_doc_t doc;
    static const uint8_t empty_map = 0x80;
    assert_int_equal(cairn_mp_decode(&empty_map, 1, &cairn_mp_wire_limits, &doc), 0);
    cairn_event_t ghost = {.hlc = base, .entity = "00000000000000000000000000"};
    assert_int_equal(cairn_projection_recommendation_accept(f->store, &ghost, &doc.root),
                     CAIRN_ENOTFOUND);
    cairn_mp_doc_free(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_crossing_dismiss, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
