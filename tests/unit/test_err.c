/*
 * test_err.c: every error code has a message and a name; errno and libuv codes pass through.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "cairn/err.h"

static void test_every_cairn_code_has_message_and_name(void **state)
{
    (void)state;
    for (int code = CAIRN_E__BASE - 1; code > CAIRN_E__LAST; code--) {
        const char *msg = cairn_strerror(code);
        const char *name = cairn_errname(code);
        assert_non_null(msg);
        assert_non_null(name);
        assert_string_not_equal(msg, "unknown error");
        assert_string_not_equal(name, "EUNKNOWN");
        assert_int_equal(name[0], 'E');
        /* names are unique among Cairn's own codes */
        for (int other = code - 1; other > CAIRN_E__LAST; other--)
            assert_string_not_equal(name, cairn_errname(other));
    }
}

static void test_known_names(void **state)
{
    (void)state;
    assert_string_equal(cairn_errname(CAIRN_EINVAL), "EINVAL");
    assert_string_equal(cairn_errname(CAIRN_ENOTFOUND), "ENOTFOUND");
    assert_string_equal(cairn_errname(CAIRN_EMSGPACK), "EMSGPACK");
    assert_string_equal(cairn_errname(CAIRN_ECRYPTO), "ECRYPTO");
    assert_string_equal(cairn_errname(0), "OK");
    assert_string_equal(cairn_strerror(0), "success");
}

static void test_errno_passes_through(void **state)
{
    (void)state;
    assert_string_equal(cairn_errname(-ENOENT), "ENOENT");
    assert_string_equal(cairn_strerror(-ENOENT), "no such file or directory");
    assert_string_equal(cairn_errname(-ENOMEM), "ENOMEM");
    assert_string_equal(cairn_errname(-ECONNRESET), "ECONNRESET");
    assert_string_equal(cairn_errname(-ENOSPC), "ENOSPC");
    assert_string_equal(cairn_errname(-EPIPE), "EPIPE");
    assert_string_equal(cairn_errname(-ETIMEDOUT), "ETIMEDOUT");
    assert_string_equal(cairn_errname(-EACCES), "EACCES");
}

static void test_libuv_codes(void **state)
{
    (void)state;
    assert_string_equal(cairn_errname(-4095), "EOF"); /* UV_EOF */
    assert_string_equal(cairn_strerror(-4095), "end of file");
    assert_string_equal(cairn_errname(-3008), "EAI_NONAME"); /* UV_EAI_NONAME */
}

static void test_unknown_codes(void **state)
{
    (void)state;
    const int unknown[] = {CAIRN_E__BASE, CAIRN_E__LAST, -9999, -20000, -100000, 1, 42, -4000};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_string_equal(cairn_strerror(unknown[i]), "unknown error");
        assert_string_equal(cairn_errname(unknown[i]), "EUNKNOWN");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_cairn_code_has_message_and_name),
        cmocka_unit_test(test_known_names),
        cmocka_unit_test(test_errno_passes_through),
        cmocka_unit_test(test_libuv_codes),
        cmocka_unit_test(test_unknown_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
