/*
 * test_evidence_at_hub.c: the record of files the hub holds complete (evidence_at_hub.h): a
 * record is kept once (a second report changes nothing, not even its time), survives reopening the
 * store, and is local state: `rebuild` leaves it alone and the projection digest ignores it.
 */
#include "evidence_at_hub.h"
#include "store_fixture.h"

static cairn_hash_t file(uint8_t fill)
{
    cairn_hash_t h;
    memset(h.b, fill, sizeof h.b);
    return h;
}

static void test_record_once_and_keep(void **state)
{
    (void)state;
    fixture_t *f = fixture_open();
    cairn_hash_t a = file(0x11), b = file(0x22);
    assert_false(cairn_evidence_at_hub_has(f->store, &a));
    assert_int_equal(cairn_evidence_at_hub_count(f->store), 0);
    assert_int_equal(cairn_evidence_at_hub_record(f->store, &a, 1000), 0);
    assert_int_equal(cairn_evidence_at_hub_record(f->store, &a, 2000), 0);
    assert_true(cairn_evidence_at_hub_has(f->store, &a));
    assert_false(cairn_evidence_at_hub_has(f->store, &b));
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM evidence_at_hub"), 1);
    assert_int_equal(cairn_evidence_at_hub_count(f->store), 1);
    assert_int_equal(fixture_int(f, "SELECT at FROM evidence_at_hub"), 1000);
    fixture_reopen(f);
    assert_true(cairn_evidence_at_hub_has(f->store, &a));
    fixture_close(f);
}

static void test_local_state_not_a_projection(void **state)
{
    (void)state;
    fixture_t *f = fixture_open();
    uint8_t before[32], after[32];
    bool equal = false;
    assert_int_equal(cairn_store_projection_digest(f->store, before), 0);
    cairn_hash_t a = file(0x33);
    assert_int_equal(cairn_evidence_at_hub_record(f->store, &a, 5), 0);
    assert_int_equal(cairn_store_projection_digest(f->store, after), 0);
    assert_memory_equal(before, after, 32);
    assert_int_equal(cairn_store_rebuild(f->store, &equal, NULL), 0);
    assert_true(equal);
    assert_true(cairn_evidence_at_hub_has(f->store, &a));
    fixture_close(f);
}

static void test_length_checked(void **state)
{
    (void)state;
    fixture_t *f = fixture_open();
    assert_int_not_equal(sqlite3_exec(cairn_store_db(f->store),
                                      "INSERT INTO evidence_at_hub(hash, at) VALUES(x'00', 1)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    fixture_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_record_once_and_keep),
                                       cmocka_unit_test(test_local_state_not_a_projection),
                                       cmocka_unit_test(test_length_checked)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
