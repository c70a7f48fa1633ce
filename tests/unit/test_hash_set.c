/*
 * test_hash_set.c: the sorted hash set of hash_set.c (retention's live chunks, the partial
 * sweep's wanted chunks): membership after sorting, growth past the first allocation, empty set;
 * and insertion that keeps the set sorted without duplicates (chunk_tell.c's told files).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hash_set.h"

static cairn_hash_t hash_of(uint32_t i)
{
    cairn_hash_t h;
    memset(h.b, 0, sizeof h.b);
    /* High bytes vary first, so insertion order is far from sorted order. */
    h.b[0] = (uint8_t)(i * 37);
    h.b[1] = (uint8_t)(i >> 8);
    h.b[31] = (uint8_t)i;
    return h;
}

static void test_membership(void **state)
{
    (void)state;
    cairn_hash_set_t s = {0};
    cairn_hash_t h = hash_of(1);
    assert_false(cairn_hash_set_has(&s, &h)); /* empty: no lookup in a NULL array */
    for (uint32_t i = 0; i < 1000; i += 2) {  /* even ones only; past the first 256 */
        cairn_hash_t e = hash_of(i);
        assert_int_equal(cairn_hash_set_add(&s, &e), 0);
    }
    assert_int_equal(s.n, 500);
    cairn_hash_set_sort(&s);
    for (uint32_t i = 0; i < 1000; i++) {
        cairn_hash_t q = hash_of(i);
        if (i % 2 == 0)
            assert_true(cairn_hash_set_has(&s, &q));
        else
            assert_false(cairn_hash_set_has(&s, &q));
    }
    cairn_hash_set_free(&s);
    assert_null(s.v);
    assert_int_equal(s.n, 0);
}

static void test_insert_sorted(void **state)
{
    (void)state;
    cairn_hash_set_t s = {0};
    for (uint32_t i = 0; i < 600; i++) { /* every hash twice, out of order, past 256 */
        cairn_hash_t e = hash_of((i * 7) % 300);
        assert_int_equal(cairn_hash_set_insert(&s, &e), 0);
    }
    assert_int_equal(s.n, 300); /* no duplicates */
    for (size_t i = 1; i < s.n; i++)
        assert_true(memcmp(s.v[i - 1].b, s.v[i].b, sizeof s.v[i].b) < 0); /* strictly sorted */
    for (uint32_t i = 0; i < 400; i++) {
        cairn_hash_t q = hash_of(i);
        assert_int_equal(cairn_hash_set_has(&s, &q), i < 300);
    }
    cairn_hash_set_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_membership),
                                       cmocka_unit_test(test_insert_sorted)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
