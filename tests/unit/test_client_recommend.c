/*
 * test_client_recommend.c: the client's side of recommendations: the strict date parser behind
 * "cairn recommendations --since YYYY-MM-DD" (a date that does not parse, or does not exist, is
 * refused rather than normalised).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cairn/err.h>

#include "cmd.h"

static void test_parse_date(void **state)
{
    uint64_t ms = 0;
    assert_int_equal(cairn_cmd_parse_date("2026-11-25", &ms), 0);
    assert_true(ms == UINT64_C(1795564800000));
    assert_int_equal(cairn_cmd_parse_date("1970-01-01", &ms), 0);
    assert_true(ms == 0);
    static const char *const bad[] = {"2026-13-01",  "2026-02-30", "2026-2-3",   "yesterday",
                                      "2026-11-25x", "",           "1969-12-31", "2026/11/25",
                                      "+026-11-25",  "2026-00-10", "2026-11-00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (cairn_cmd_parse_date(bad[i], &ms) != CAIRN_EINVAL)
            fail_msg("'%s' parsed", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
