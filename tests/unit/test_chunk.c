/*
 * test_chunk.c: BLAKE2b-256 vectors, strict hex, streaming equals one-shot, chunk arithmetic.
 *
 * Vectors computed independently with Python's hashlib.blake2b(digest_size=32).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cairn/chunk.h"
#include "cairn/err.h"

#define EMPTY_HEX "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
#define ABC_HEX "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
/* bytes (i * 7 + 3) & 0xff for i in 0..99999 */
#define PATTERN_HEX "20b8634b7228973e5a49a5f6857b7fe2e879a928f797a682928c00eaa8fb7776"
#define PATTERN_LEN 100000

static uint8_t *pattern(void)
{
    uint8_t *p = malloc(PATTERN_LEN);
    assert_non_null(p);
    for (size_t i = 0; i < PATTERN_LEN; i++)
        p[i] = (uint8_t)((i * 7 + 3) & 0xff);
    return p;
}

static void assert_hash_hex(const cairn_hash_t *h, const char *want)
{
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(h, hex);
    assert_string_equal(hex, want);
}

static void test_vectors(void **state)
{
    (void)state;
    cairn_hash_t h;
    cairn_hash_buf("", 0, &h);
    assert_hash_hex(&h, EMPTY_HEX);
    cairn_hash_buf("abc", 3, &h);
    assert_hash_hex(&h, ABC_HEX);
    uint8_t *p = pattern();
    cairn_hash_buf(p, PATTERN_LEN, &h);
    assert_hash_hex(&h, PATTERN_HEX);
    free(p);
}

static void test_streaming_equals_one_shot(void **state)
{
    (void)state;
    const size_t pieces[] = {1, 7, 128, 129, 4096, PATTERN_LEN};
    uint8_t *p = pattern();
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        cairn_hasher_t hs;
        cairn_hash_t h;
        cairn_hasher_init(&hs);
        for (size_t off = 0; off < PATTERN_LEN; off += pieces[k]) {
            size_t n = PATTERN_LEN - off < pieces[k] ? PATTERN_LEN - off : pieces[k];
            cairn_hasher_update(&hs, p + off, n);
        }
        cairn_hasher_final(&hs, &h);
        assert_hash_hex(&h, PATTERN_HEX);
    }
    cairn_hasher_t hs;
    cairn_hash_t h;
    cairn_hasher_init(&hs);
    cairn_hasher_final(&hs, &h);
    assert_hash_hex(&h, EMPTY_HEX);
    free(p);
}

static void test_from_hex(void **state)
{
    (void)state;
    cairn_hash_t h, want;
    cairn_hash_buf("abc", 3, &want);
    assert_int_equal(cairn_hash_from_hex(ABC_HEX, 64, &h), 0);
    assert_memory_equal(h.b, want.b, CAIRN_HASH_LEN);

    char upper[65];
    for (size_t i = 0; i <= 64; i++)
        upper[i] = (char)(ABC_HEX[i] >= 'a' ? ABC_HEX[i] - 32 : ABC_HEX[i]);
    memset(&h, 0, sizeof h);
    assert_int_equal(cairn_hash_from_hex(upper, 64, &h), 0);
    assert_memory_equal(h.b, want.b, CAIRN_HASH_LEN);

    memset(&h, 0x55, sizeof h);
    assert_int_equal(cairn_hash_from_hex(ABC_HEX, 63, &h), CAIRN_EINVAL);
    assert_int_equal(cairn_hash_from_hex(ABC_HEX "0", 65, &h), CAIRN_EINVAL);
    assert_int_equal(cairn_hash_from_hex("", 0, &h), CAIRN_EINVAL);
    assert_int_equal(cairn_hash_from_hex(NULL, 64, &h), CAIRN_EINVAL);
    const char bad[] = {'g', 'G', ' ', 'x', '-', '\0', '\n', (char)0xc3};
    for (size_t b = 0; b < sizeof bad; b++) {
        for (size_t pos = 0; pos < 64; pos += 21) {
            char text[65];
            memcpy(text, ABC_HEX, 65);
            text[pos] = bad[b];
            assert_int_equal(cairn_hash_from_hex(text, 64, &h), CAIRN_EINVAL);
        }
    }
    for (size_t i = 0; i < CAIRN_HASH_LEN; i++)
        assert_int_equal(h.b[i], 0x55); /* untouched on failure */
}

/* Vectors computed independently (Python hashlib.blake2b over the documented layout). */
static void test_file_hash(void **state)
{
    (void)state;
    cairn_hash_t h, chunk, other;
    cairn_file_hash(0, CAIRN_CHUNK_SIZE, NULL, 0, &h);
    assert_hash_hex(&h, "ec6afcf74946547dede34b0d512924a8e61145ef3e337f15e29f883c06af1814");
    cairn_hash_buf("abc", 3, &chunk);
    cairn_file_hash(3, CAIRN_CHUNK_SIZE, &chunk, 1, &h);
    assert_hash_hex(&h, "3e64042be18762ca84d75e91dadd732a56114ec258a7b4934bba7f8fce0ed4c0");
    /* Size and chunk size are bound in: the same chunk list under another either differs. */
    cairn_file_hash(4, CAIRN_CHUNK_SIZE, &chunk, 1, &other);
    assert_memory_not_equal(h.b, other.b, CAIRN_HASH_LEN);
    cairn_file_hash(3, CAIRN_CHUNK_SIZE_MIN, &chunk, 1, &other);
    assert_memory_not_equal(h.b, other.b, CAIRN_HASH_LEN);
}

static void test_chunk_count(void **state)
{
    (void)state;
    uint32_t n = 99;
    const uint32_t cs = CAIRN_CHUNK_SIZE;
    assert_int_equal(cairn_chunk_count(0, cs, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(cairn_chunk_count(1, cs, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cairn_chunk_count(cs, cs, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cairn_chunk_count((uint64_t)cs + 1, cs, &n), 0);
    assert_int_equal(n, 2);
    uint64_t largest = (uint64_t)CAIRN_MANIFEST_MAX_CHUNKS * cs;
    assert_int_equal(cairn_chunk_count(largest, cs, &n), 0);
    assert_int_equal(n, CAIRN_MANIFEST_MAX_CHUNKS);
    n = 7;
    assert_int_equal(cairn_chunk_count(largest + 1, cs, &n), CAIRN_ETOOBIG);
    assert_int_equal(cairn_chunk_count(UINT64_MAX, cs, &n), CAIRN_ETOOBIG);
    assert_int_equal(n, 7);
}

static void test_chunk_size_range(void **state)
{
    (void)state;
    uint32_t n = 7;
    assert_int_equal(cairn_chunk_count(100, CAIRN_CHUNK_SIZE_MIN, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cairn_chunk_count(100, CAIRN_CHUNK_SIZE_MAX, &n), 0);
    n = 7;
    assert_int_equal(cairn_chunk_count(100, CAIRN_CHUNK_SIZE_MIN - 1, &n), CAIRN_EINVAL);
    assert_int_equal(cairn_chunk_count(100, CAIRN_CHUNK_SIZE_MAX + 1, &n), CAIRN_EINVAL);
    assert_int_equal(cairn_chunk_count(100, 0, &n), CAIRN_EINVAL);
    assert_int_equal(cairn_chunk_count(0, 0, &n), CAIRN_EINVAL);
    assert_int_equal(n, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),          cmocka_unit_test(test_streaming_equals_one_shot),
        cmocka_unit_test(test_from_hex),         cmocka_unit_test(test_chunk_count),
        cmocka_unit_test(test_chunk_size_range), cmocka_unit_test(test_file_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
