/*
 * test_hlc.c: the hybrid logical clock: packing, monotonicity under a wall clock that stalls or
 * goes backwards, counter overflow, absorbing remote timestamps, and the drift limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cairn/err.h"
#include "cairn/hlc.h"

#define T0 UINT64_C(1795626697123) /* 2026-11-25T17:11:37.123Z */

static void test_packing(void **state)
{
    (void)state;
    uint64_t ts = cairn_hlc_make(T0, 5);
    assert_true(ts == UINT64_C(0x1a213b101a30005));
    assert_true(ts == UINT64_C(117678191222652933));
    assert_true(cairn_hlc_wall(ts) == T0);
    assert_int_equal(cairn_hlc_counter(ts), 5);
    /* ordering by integer = ordering by (wall, counter) */
    assert_true(cairn_hlc_make(T0, 0xffff) < cairn_hlc_make(T0 + 1, 0));
    assert_true(cairn_hlc_make(T0, 1) < cairn_hlc_make(T0, 2));
}

static void test_now_advances_with_wall(void **state)
{
    (void)state;
    cairn_hlc_t c;
    uint64_t a, b;
    cairn_hlc_init(&c, 0);
    assert_int_equal(cairn_hlc_now(&c, T0, &a), 0);
    assert_true(a == cairn_hlc_make(T0, 0));
    assert_int_equal(cairn_hlc_now(&c, T0, &b), 0); /* same millisecond: counter */
    assert_true(b == cairn_hlc_make(T0, 1));
    assert_int_equal(cairn_hlc_now(&c, T0 + 10, &b), 0); /* wall moved: counter resets */
    assert_true(b == cairn_hlc_make(T0 + 10, 0));
    assert_true(c.last == b);
}

static void test_monotonic_under_backwards_wall(void **state)
{
    (void)state;
    cairn_hlc_t c;
    uint64_t prev = 0, ts;
    cairn_hlc_init(&c, 0);
    /* the wall clock jumps back an hour and then creeps forward */
    const uint64_t walls[] = {T0, T0 + 5, T0 - 3600000, T0 - 3599999, T0, T0 + 1, T0 + 6, T0 + 6};
    for (size_t i = 0; i < sizeof walls / sizeof walls[0]; i++) {
        assert_int_equal(cairn_hlc_now(&c, walls[i], &ts), 0);
        assert_true(ts > prev);
        assert_true(cairn_hlc_wall(ts) >= T0);
        prev = ts;
    }
    assert_true(cairn_hlc_wall(prev) == T0 + 6);
    assert_int_equal(cairn_hlc_counter(prev), 1);
}

static void test_counter_overflow(void **state)
{
    (void)state;
    cairn_hlc_t c;
    uint64_t ts = 0;
    cairn_hlc_init(&c, cairn_hlc_make(T0, 0xfffe));
    assert_int_equal(cairn_hlc_now(&c, T0, &ts), 0);
    assert_int_equal(cairn_hlc_counter(ts), 0xffff);
    /* A full counter carries into the next millisecond instead of refusing. */
    assert_int_equal(cairn_hlc_now(&c, T0, &ts), 0);
    assert_true(ts == cairn_hlc_make(T0 + 1, 0));
    assert_int_equal(cairn_hlc_now(&c, T0 - 1000, &ts), 0);
    assert_true(ts == cairn_hlc_make(T0 + 1, 1));
    assert_int_equal(cairn_hlc_now(&c, T0 + 1, &ts), 0); /* the wall catches up: still ordered */
    assert_true(ts == cairn_hlc_make(T0 + 1, 2));
    assert_int_equal(cairn_hlc_now(&c, T0 + 5, &ts), 0);
    assert_true(ts == cairn_hlc_make(T0 + 5, 0));
    /* Only the end of the 48-bit wall range refuses. */
    cairn_hlc_init(&c, cairn_hlc_make((UINT64_C(1) << 48) - 1, 0xffff));
    ts = 42;
    assert_int_equal(cairn_hlc_now(&c, T0, &ts), CAIRN_ETOOBIG);
    assert_true(ts == 42);
}

static void test_full_counter_range_in_one_ms(void **state)
{
    (void)state;
    cairn_hlc_t c;
    uint64_t ts = 0, prev = 0;
    cairn_hlc_init(&c, 0);
    for (uint32_t i = 0; i <= CAIRN_HLC_MAX_COUNTER; i++) {
        assert_int_equal(cairn_hlc_now(&c, T0, &ts), 0);
        assert_true(ts > prev);
        prev = ts;
    }
    assert_int_equal(cairn_hlc_now(&c, T0, &ts), 0);
    assert_true(ts > prev && cairn_hlc_wall(ts) == T0 + 1);
}

static void test_wall_beyond_48_bits(void **state)
{
    (void)state;
    cairn_hlc_t c;
    uint64_t ts = 0;
    cairn_hlc_init(&c, 0);
    assert_int_equal(cairn_hlc_now(&c, UINT64_C(1) << 48, &ts), CAIRN_EINVAL);
    assert_int_equal(cairn_hlc_now(&c, (UINT64_C(1) << 48) - 1, &ts), 0);
}

static void test_observe(void **state)
{
    (void)state;
    cairn_hlc_t c;
    uint64_t ts;
    cairn_hlc_init(&c, 0);
    assert_int_equal(cairn_hlc_now(&c, T0, &ts), 0);
    /* a remote one minute ahead is absorbed: our next timestamp sorts after it */
    uint64_t remote = cairn_hlc_make(T0 + 60000, 7);
    assert_int_equal(cairn_hlc_observe(&c, T0, remote), 0);
    assert_int_equal(cairn_hlc_now(&c, T0 + 1, &ts), 0);
    assert_true(ts == remote + 1);
    /* a remote behind us changes nothing */
    uint64_t last = c.last;
    assert_int_equal(cairn_hlc_observe(&c, T0, cairn_hlc_make(T0 - 5, 0)), 0);
    assert_true(c.last == last);
}

static void test_drift_limit(void **state)
{
    (void)state;
    cairn_hlc_t c;
    cairn_hlc_init(&c, cairn_hlc_make(T0, 3));
    uint64_t at_limit = cairn_hlc_make(T0 + CAIRN_HLC_MAX_DRIFT_MS, 0xffff);
    uint64_t past_limit = cairn_hlc_make(T0 + CAIRN_HLC_MAX_DRIFT_MS + 1, 0);
    assert_int_equal(cairn_hlc_observe(&c, T0, past_limit), CAIRN_EINVAL);
    assert_true(c.last == cairn_hlc_make(T0, 3)); /* unchanged */
    assert_int_equal(cairn_hlc_observe(&c, T0, UINT64_MAX), CAIRN_EINVAL);
    assert_true(c.last == cairn_hlc_make(T0, 3));
    assert_int_equal(cairn_hlc_observe(&c, T0, at_limit), 0);
    assert_true(c.last == at_limit);
}

static void test_format(void **state)
{
    (void)state;
    char out[32];
    cairn_hlc_format(cairn_hlc_make(T0, 5), out, sizeof out);
    assert_string_equal(out, "2026-11-25T17:11:37.123Z+0005");
    cairn_hlc_format(cairn_hlc_make(0, 0xffff), out, sizeof out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z+ffff");
    cairn_hlc_format(UINT64_MAX, out, sizeof out); /* the largest wall time still fits */
    assert_true(out[0] != '\0' && out[31] == '\0');
    cairn_hlc_format(cairn_hlc_make(T0, 5), out, 11);
    assert_string_equal(out, "2026-11-25");
}

static void test_wall_now(void **state)
{
    (void)state;
    uint64_t a = cairn_hlc_wall_now();
    assert_true(a > UINT64_C(1700000000000)); /* after 2023 */
    assert_true(a < (UINT64_C(1) << 48));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packing),
        cmocka_unit_test(test_now_advances_with_wall),
        cmocka_unit_test(test_monotonic_under_backwards_wall),
        cmocka_unit_test(test_counter_overflow),
        cmocka_unit_test(test_full_counter_range_in_one_ms),
        cmocka_unit_test(test_wall_beyond_48_bits),
        cmocka_unit_test(test_observe),
        cmocka_unit_test(test_drift_limit),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_wall_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
