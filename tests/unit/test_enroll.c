/* test_enroll.c: enrolment token encode/decode with its limits, and the reconnect backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "enroll.h"
#include "sync.h"

static void make_token(cairn_enroll_token_t *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->address, sizeof t->address, "127.0.0.1:7421");
    memset(t->hub_pk, 0xab, 32);
    memset(t->id, 0x11, sizeof t->id);
    memset(t->secret, 0x5c, 32);
    t->expires_ms = 1800000000000ull;
    snprintf(t->school, sizeof t->school, "Hillside Primary");
}

static void test_roundtrip(void **state)
{
    (void)state;
    cairn_enroll_token_t t, u;
    char line[CAIRN_ENROLL_TOKEN_MAX + 1], err[200];
    make_token(&t);
    assert_int_equal(cairn_enroll_token_encode(&t, line, sizeof line), 0);
    assert_memory_equal(line, CAIRN_ENROLL_PREFIX, strlen(CAIRN_ENROLL_PREFIX));
    assert_null(strchr(line, '\n'));
    assert_int_equal(cairn_enroll_token_decode(line, &u, err, sizeof err), 0);
    assert_memory_equal(&t, &u, sizeof t);
    /* surrounding whitespace, as read from a file */
    char padded[sizeof line + 4];
    snprintf(padded, sizeof padded, "  %s\n", line);
    assert_int_equal(cairn_enroll_token_decode(padded, &u, err, sizeof err), 0);
}

static void test_refusals(void **state)
{
    (void)state;
    cairn_enroll_token_t t, u;
    char line[CAIRN_ENROLL_TOKEN_MAX + 1], err[200];
    make_token(&t);
    assert_int_equal(cairn_enroll_token_encode(&t, line, sizeof line), 0);
    assert_int_not_equal(cairn_enroll_token_decode("cairn-enrol-2:AAAA", &u, err, sizeof err), 0);
    assert_int_not_equal(cairn_enroll_token_decode("cairn-enrol-1:!!!", &u, err, sizeof err), 0);
    assert_int_not_equal(cairn_enroll_token_decode("cairn-enrol-1:gqFhAQ", &u, err, sizeof err), 0);
    size_t n = strlen(line);
    line[n - 3] = line[n - 3] == 'A' ? 'B' : 'A'; /* damage the tail: school name or parse */
    line[n - 20] = '-';
    (void)cairn_enroll_token_decode(line, &u, err, sizeof err); /* must not crash */
    /* over the length limit */
    char big[CAIRN_ENROLL_TOKEN_MAX + 64];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, CAIRN_ENROLL_PREFIX, strlen(CAIRN_ENROLL_PREFIX));
    assert_int_not_equal(cairn_enroll_token_decode(big, &u, err, sizeof err), 0);
    assert_non_null(strstr(err, "1024"));
    /* too small a buffer to encode into */
    assert_int_not_equal(cairn_enroll_token_encode(&t, line, 20), 0);
}

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(cairn_sync_backoff_ms(500, 60000, 0, 12345), 500);
    for (unsigned a = 1; a < 40; a++) {
        uint64_t cap = 500ull << (a > 20 ? 20 : a);
        if (cap > 60000)
            cap = 60000;
        for (uint32_t r = 0; r < 2000; r += 7) {
            uint32_t ms = cairn_sync_backoff_ms(500, 60000, a, r * 2654435761u);
            assert_true(ms >= 500 && ms <= cap);
        }
    }
    assert_int_equal(cairn_sync_backoff_ms(500, 60000, 1, 0), 500);
    assert_int_equal(cairn_sync_backoff_ms(500, 60000, 1, 500), 1000);
    assert_int_equal(cairn_sync_backoff_ms(500, 500, 9, 77), 500);
    assert_true(cairn_sync_backoff_ms(500, 60000, 30, UINT32_MAX) <= 60000);
}

/* `--expires`: 1 s .. 10 years, judged on the duration (a large count of days was once accepted
 * because only the number was bounded; found by fuzz_enroll). */
static void test_duration(void **state)
{
    (void)state;
    uint64_t ms = 0;
    assert_int_equal(cairn_parse_duration("30s", &ms), 0);
    assert_int_equal(ms, 30000);
    assert_int_equal(cairn_parse_duration("15m", &ms), 0);
    assert_int_equal(ms, 900000);
    assert_int_equal(cairn_parse_duration("3650d", &ms), 0);
    assert_int_equal(ms, 3650ull * 86400000);
    assert_int_equal(cairn_parse_duration("87600h", &ms), 0);
    assert_int_equal(cairn_parse_duration("315360000", &ms), 0);
    assert_int_not_equal(cairn_parse_duration("3651d", &ms), 0);
    assert_int_not_equal(cairn_parse_duration("87601h", &ms), 0);
    assert_int_not_equal(cairn_parse_duration("5256001m", &ms), 0);
    assert_int_not_equal(cairn_parse_duration("315360000d", &ms), 0);
    assert_int_not_equal(cairn_parse_duration("0s", &ms), 0);
    assert_int_not_equal(cairn_parse_duration("7dd", &ms), 0);
    assert_int_not_equal(cairn_parse_duration("", &ms), 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
