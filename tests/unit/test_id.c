/*
 * test_id.c: id text form vectors, strict parsing, and prefix normalisation.
 *
 * Vectors were computed independently (Python int.from_bytes + Crockford alphabet).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cairn/err.h"
#include "cairn/id.h"

struct vector {
    const char *hex;
    const char *text;
};

static const struct vector vectors[] = {
    {"00000000000000000000000000000000", "00000000000000000000000000"},
    {"ffffffffffffffffffffffffffffffff", "7zzzzzzzzzzzzzzzzzzzzzzzzz"},
    {"0123456789abcdeffedcba9876543210", "014d2pf2dbsqqzxq5tk1v58cgg"},
    /* 2026-11-25T17:11:37.123Z (1795626697123 ms) then random bytes 01..0a */
    {"01a213b101a30102030405060708090a", "01m89v20d3041061050r3gg28a"},
};

static void from_hex(const char *hex, cairn_id_t *id)
{
    for (size_t i = 0; i < CAIRN_ID_LEN; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        id->b[i] = (uint8_t)v;
    }
}

static void test_format_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        cairn_id_t id;
        char text[CAIRN_ID_TEXT_LEN + 1];
        from_hex(vectors[i].hex, &id);
        cairn_id_format(&id, text);
        assert_string_equal(text, vectors[i].text);
    }
}

static void test_parse_vectors_and_upper_case(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        cairn_id_t want, got;
        char upper[CAIRN_ID_TEXT_LEN + 1];
        from_hex(vectors[i].hex, &want);
        assert_int_equal(cairn_id_parse(vectors[i].text, CAIRN_ID_TEXT_LEN, &got), 0);
        assert_memory_equal(got.b, want.b, CAIRN_ID_LEN);
        for (size_t k = 0; k <= CAIRN_ID_TEXT_LEN; k++)
            upper[k] =
                (char)(vectors[i].text[k] >= 'a' ? vectors[i].text[k] - 32 : vectors[i].text[k]);
        memset(&got, 0, sizeof got);
        assert_int_equal(cairn_id_parse(upper, CAIRN_ID_TEXT_LEN, &got), 0);
        assert_memory_equal(got.b, want.b, CAIRN_ID_LEN);
    }
}

static void test_parse_confusables(void **state)
{
    (void)state;
    cairn_id_t a, b;
    assert_int_equal(cairn_id_parse("0ILOOOOOOOOOOOOOOOOOOOOOOO", 26, &a), 0);
    assert_int_equal(cairn_id_parse("01100000000000000000000000", 26, &b), 0);
    assert_memory_equal(a.b, b.b, CAIRN_ID_LEN);
    assert_int_equal(cairn_id_parse("0il00000000000000000000000", 26, &a), 0);
    assert_memory_equal(a.b, b.b, CAIRN_ID_LEN);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    cairn_id_t id;
    memset(&id, 0xaa, sizeof id);
    const char *good = "01m89v20d3041061050r3gg28a";
    assert_int_equal(cairn_id_parse(good, 25, &id), CAIRN_EINVAL);
    assert_int_equal(cairn_id_parse("01m89v20d3041061050r3gg28aa", 27, &id), CAIRN_EINVAL);
    assert_int_equal(cairn_id_parse("", 0, &id), CAIRN_EINVAL);
    assert_int_equal(cairn_id_parse(NULL, 26, &id), CAIRN_EINVAL);
    /* first character above 7 would need 131 bits */
    assert_int_equal(cairn_id_parse("81m89v20d3041061050r3gg28a", 26, &id), CAIRN_EINVAL);
    assert_int_equal(cairn_id_parse("z1m89v20d3041061050r3gg28a", 26, &id), CAIRN_EINVAL);
    /* characters outside the alphabet, at the start, middle and end */
    const char *bad = "u!-_ .\n\x80";
    for (const char *c = bad; *c != '\0'; c++) {
        char text[27];
        for (size_t pos = 0; pos < 26; pos += 12) {
            memcpy(text, good, 27);
            text[pos] = *c;
            assert_int_equal(cairn_id_parse(text, 26, &id), CAIRN_EINVAL);
        }
        memcpy(text, good, 27);
        text[25] = *c;
        assert_int_equal(cairn_id_parse(text, 26, &id), CAIRN_EINVAL);
    }
    char nul[26];
    memcpy(nul, good, 26);
    nul[10] = '\0';
    assert_int_equal(cairn_id_parse(nul, 26, &id), CAIRN_EINVAL);
    /* failures leave the output alone */
    for (size_t i = 0; i < CAIRN_ID_LEN; i++)
        assert_int_equal(id.b[i], 0xaa);
}

/* Ids made back to back must differ early in their text form, so short prefixes are unique. */
static void test_new_is_random_from_the_first_character(void **state)
{
    (void)state;
    int seen[32][32] = {{0}};
    int distinct = 0;
    for (int i = 0; i < 4096; i++) {
        cairn_id_t a, back;
        char ta[27];
        cairn_id_new(&a);
        cairn_id_format(&a, ta);
        assert_true(ta[0] >= '0' && ta[0] <= '7');
        const char *alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
        int c0 = (int)(strchr(alphabet, ta[0]) - alphabet);
        int c1 = (int)(strchr(alphabet, ta[1]) - alphabet);
        if (!seen[c0][c1]++)
            distinct++;
        assert_int_equal(cairn_id_parse(ta, 26, &back), 0);
        assert_memory_equal(back.b, a.b, CAIRN_ID_LEN);
    }
    /* 8 x 32 = 256 possible two-character prefixes; 4096 random ids hit nearly all of them. */
    assert_true(distinct > 240);
}

static void test_round_trip_random(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        cairn_id_t id, back;
        char text[27];
        cairn_id_new(&id);
        cairn_id_format(&id, text);
        assert_int_equal(strlen(text), 26);
        assert_true(text[0] >= '0' && text[0] <= '7');
        assert_int_equal(cairn_id_parse(text, 26, &back), 0);
        assert_memory_equal(back.b, id.b, CAIRN_ID_LEN);
    }
}

static void test_prefix_normalise(void **state)
{
    (void)state;
    char out[27];
    assert_int_equal(cairn_id_prefix_normalise("01M8", 4, out), 1);
    assert_string_equal(out, "01m8");
    assert_int_equal(cairn_id_prefix_normalise("OIL", 3, out), 1);
    assert_string_equal(out, "011");
    assert_int_equal(cairn_id_prefix_normalise("7", 1, out), 1);
    assert_string_equal(out, "7");
    assert_int_equal(cairn_id_prefix_normalise("01M89V20D3041061050R3GG28A", 26, out), 1);
    assert_string_equal(out, "01m89v20d3041061050r3gg28a");

    memset(out, 'x', sizeof out);
    assert_int_equal(cairn_id_prefix_normalise("", 0, out), 0);
    assert_int_equal(cairn_id_prefix_normalise("01m89v20d3041061050r3gg28aa", 27, out), 0);
    assert_int_equal(cairn_id_prefix_normalise("8", 1, out), 0);
    assert_int_equal(cairn_id_prefix_normalise("01u", 3, out), 0);
    assert_int_equal(cairn_id_prefix_normalise("01-", 3, out), 0);
    assert_int_equal(cairn_id_prefix_normalise(NULL, 3, out), 0);
    assert_int_equal(out[0], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_vectors),
        cmocka_unit_test(test_parse_vectors_and_upper_case),
        cmocka_unit_test(test_parse_confusables),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_new_is_random_from_the_first_character),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_prefix_normalise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
