/*
 * test_mp.c: the msgpack checker and decoder with limits, the typed accessors and pack helpers.
 *
 * Messages are built byte by byte where the exact encoding matters, so every format the checker
 * knows is exercised and every limit is crossed by exactly one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cairn/err.h"
#include "cairn/mp.h"

/* A growable byte buffer for hand-built messages. */
struct bytes {
    uint8_t *p;
    size_t len, cap;
};

static void put(struct bytes *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_u8(struct bytes *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_be(struct bytes *b, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        put_u8(b, (uint8_t)(v >> (8 * (width - 1 - i))));
}

static void put_fill(struct bytes *b, uint8_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_u8(b, v);
}

static void put_fixstr(struct bytes *b, const char *s)
{
    size_t n = strlen(s);
    assert_true(n < 32);
    put_u8(b, (uint8_t)(0xa0 | n));
    put(b, s, n);
}

static const cairn_mp_limits_t *wire = &cairn_mp_wire_limits;

/* One root map using every format the checker accepts. */
static struct bytes every_format(void)
{
    struct bytes b = {0};
    put_be(&b, 0xde, 1); /* map16 */
    put_be(&b, 30, 2);
    put_fixstr(&b, "nil"), put_u8(&b, 0xc0);
    put_fixstr(&b, "f"), put_u8(&b, 0xc2);
    put_fixstr(&b, "t"), put_u8(&b, 0xc3);
    put_fixstr(&b, "pfix"), put_u8(&b, 0x7f);
    put_fixstr(&b, "nfix"), put_u8(&b, 0xe0);
    put_fixstr(&b, "u8"), put_u8(&b, 0xcc), put_be(&b, 200, 1);
    put_fixstr(&b, "u16"), put_u8(&b, 0xcd), put_be(&b, 60000, 2);
    put_fixstr(&b, "u32"), put_u8(&b, 0xce), put_be(&b, 4000000000u, 4);
    put_fixstr(&b, "u64"), put_u8(&b, 0xcf), put_be(&b, UINT64_MAX, 8);
    put_fixstr(&b, "i8"), put_u8(&b, 0xd0), put_be(&b, (uint8_t)-100, 1);
    put_fixstr(&b, "i16"), put_u8(&b, 0xd1), put_be(&b, (uint16_t)-30000, 2);
    put_fixstr(&b, "i32"), put_u8(&b, 0xd2), put_be(&b, (uint32_t)-2000000000, 4);
    put_fixstr(&b, "i64"), put_u8(&b, 0xd3), put_be(&b, (uint64_t)INT64_MIN, 8);
    put_fixstr(&b, "f32"), put_u8(&b, 0xca), put_be(&b, 0x3f800000u, 4);
    put_fixstr(&b, "f64"), put_u8(&b, 0xcb), put_be(&b, UINT64_C(0x3ff0000000000000), 8);
    put_fixstr(&b, "fixstr"), put_fixstr(&b, "hello");
    put_fixstr(&b, "str8"), put_u8(&b, 0xd9), put_be(&b, 3, 1), put(&b, "abc", 3);
    put_fixstr(&b, "str16"), put_u8(&b, 0xda), put_be(&b, 2, 2), put(&b, "de", 2);
    put_fixstr(&b, "str32"), put_u8(&b, 0xdb), put_be(&b, 1, 4), put(&b, "f", 1);
    put_fixstr(&b, "bin8"), put_u8(&b, 0xc4), put_be(&b, 2, 1), put(&b, "\x00\x01", 2);
    put_fixstr(&b, "bin16"), put_u8(&b, 0xc5), put_be(&b, 1, 2), put(&b, "\xff", 1);
    put_fixstr(&b, "bin32"), put_u8(&b, 0xc6), put_be(&b, 0, 4);
    put_fixstr(&b, "fixarr"), put_u8(&b, 0x92), put_u8(&b, 0x01), put_u8(&b, 0x90);
    put_fixstr(&b, "arr16"), put_u8(&b, 0xdc), put_be(&b, 1, 2), put_u8(&b, 0xc0);
    put_fixstr(&b, "arr32"), put_u8(&b, 0xdd), put_be(&b, 2, 4), put_u8(&b, 0x80), put_u8(&b, 1);
    put_fixstr(&b, "fixmap"), put_u8(&b, 0x81), put_fixstr(&b, "k"), put_u8(&b, 0x02);
    put_fixstr(&b, "map16"), put_u8(&b, 0xde), put_be(&b, 0, 2);
    put_fixstr(&b, "map32"), put_u8(&b, 0xdf), put_be(&b, 1, 4), put_u8(&b, 0x03), put_u8(&b, 0x04);
    put_fixstr(&b, "fixarr0"), put_u8(&b, 0x90);
    put_fixstr(&b, "last"), put_u8(&b, 0x00);
    return b;
}

static void test_wire_limits(void **state)
{
    (void)state;
    assert_int_equal(wire->max_depth, 16);
    assert_int_equal(wire->max_container, 65536);
    assert_int_equal(wire->max_objects, 262144);
    assert_int_equal(wire->max_str, 2 * 1024 * 1024);
    assert_int_equal(wire->max_bin, 2 * 1024 * 1024);
}

static void test_every_format_accepted(void **state)
{
    (void)state;
    struct bytes b = every_format();
    assert_int_equal(cairn_mp_check(b.p, b.len, wire), 0);
    cairn_mp_doc_t doc;
    assert_int_equal(cairn_mp_decode(b.p, b.len, wire, &doc), 0);
    assert_int_equal(doc.root.via.map.size, 30);
    cairn_mp_doc_free(&doc);
    free(b.p);
}

static void test_scalar_roots(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } roots[] = {
        {"\xc0", 1}, {"\xc2", 1},     {"\xc3", 1},
        {"\x00", 1}, {"\x7f", 1},     {"\xe0", 1},
        {"\xff", 1}, {"\xcc\x01", 2}, {"\xd3\x00\x00\x00\x00\x00\x00\x00\x01", 9},
        {"\xa0", 1}, {"\xd9\x00", 2}, {"\xc4\x00", 2},
        {"\x90", 1}, {"\x80", 1},     {"\xca\x00\x00\x00\x00", 5},
    };
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        const uint8_t *p = (const uint8_t *)roots[i].bytes;
        assert_int_equal(cairn_mp_check(p, roots[i].len, wire), 0);
        cairn_mp_doc_t doc;
        int want = roots[i].bytes[0] == '\x80' ? 0 : CAIRN_EPROTO; /* decode wants a map */
        assert_int_equal(cairn_mp_decode(p, roots[i].len, wire, &doc), want);
        if (want != 0)
            assert_false(doc.zone_init);
        cairn_mp_doc_free(&doc);
    }
}

static void test_truncated_at_every_length(void **state)
{
    (void)state;
    struct bytes b = every_format();
    for (size_t n = 0; n < b.len; n++) {
        /* a fresh copy of exactly n bytes, so ASan sees any read past the end */
        uint8_t *cut = malloc(n ? n : 1);
        assert_non_null(cut);
        memcpy(cut, b.p, n);
        assert_int_equal(cairn_mp_check(cut, n, wire), CAIRN_EMSGPACK);
        cairn_mp_doc_t doc;
        assert_int_equal(cairn_mp_decode(cut, n, wire, &doc), CAIRN_EMSGPACK);
        assert_false(doc.zone_init);
        free(cut);
    }
    free(b.p);
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    struct bytes b = every_format();
    put_u8(&b, 0xc0);
    assert_int_equal(cairn_mp_check(b.p, b.len, wire), CAIRN_EMSGPACK);
    assert_int_equal(cairn_mp_check((const uint8_t *)"\x80\x80", 2, wire), CAIRN_EMSGPACK);
    assert_int_equal(cairn_mp_check((const uint8_t *)"\x01\x02", 2, wire), CAIRN_EMSGPACK);
    free(b.p);
}

static void test_empty_and_null(void **state)
{
    (void)state;
    assert_int_equal(cairn_mp_check((const uint8_t *)"", 0, wire), CAIRN_EMSGPACK);
    assert_int_equal(cairn_mp_check(NULL, 0, wire), CAIRN_EMSGPACK);
    cairn_mp_doc_t doc;
    assert_int_equal(cairn_mp_decode(NULL, 0, wire, &doc), CAIRN_EMSGPACK);
}

static void test_ext_and_c1_refused(void **state)
{
    (void)state;
    /* each ext form well-formed, as a root and as a map value */
    static const struct {
        const char *bytes;
        size_t len;
    } exts[] = {
        {"\xd4\x01\x00", 3},
        {"\xd5\x01\x00\x00", 4},
        {"\xd6\x01\x00\x00\x00\x00", 6},
        {"\xd7\x01\x00\x00\x00\x00\x00\x00\x00\x00", 10},
        {"\xd8\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 18},
        {"\xc7\x01\x01\x00", 4},
        {"\xc8\x00\x01\x01\x00", 5},
        {"\xc9\x00\x00\x00\x01\x01\x00", 7},
        {"\xd6\xff\x00\x00\x00\x01", 6}, /* the timestamp extension (-1) too */
        {"\xc1", 1},
    };
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        struct bytes b = {0};
        put(&b, exts[i].bytes, exts[i].len);
        assert_int_equal(cairn_mp_check(b.p, b.len, wire), CAIRN_EMSGPACK);
        b.len = 0;
        put_u8(&b, 0x81);
        put_fixstr(&b, "x");
        put(&b, exts[i].bytes, exts[i].len);
        assert_int_equal(cairn_mp_check(b.p, b.len, wire), CAIRN_EMSGPACK);
        cairn_mp_doc_t doc;
        assert_int_equal(cairn_mp_decode(b.p, b.len, wire, &doc), CAIRN_EMSGPACK);
        free(b.p);
    }
    /* refused for the tag itself, whatever follows: no length of body makes it acceptable */
    const uint8_t tags[] = {0xc1, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8};
    for (size_t t = 0; t < sizeof tags; t++) {
        uint8_t msg[24] = {0};
        msg[0] = tags[t];
        for (size_t len = 1; len <= sizeof msg; len++)
            assert_int_equal(cairn_mp_check(msg, len, wire), CAIRN_EMSGPACK);
    }
}

/* depth nested arrays; the innermost holds inner (0: empty, 1: one int). */
static struct bytes nested(unsigned depth, int inner, uint8_t open)
{
    struct bytes b = {0};
    for (unsigned i = 0; i < depth; i++) {
        int empty = i + 1 == depth && !inner;
        put_u8(&b, empty ? (uint8_t)(open & 0xf0) : open);
        if (open == 0x81 && !empty)
            put_fixstr(&b, "a");
    }
    if (inner)
        put_u8(&b, 0x05);
    return b;
}

static void test_depth_limit(void **state)
{
    (void)state;
    for (int inner = 0; inner <= 1; inner++) {
        struct bytes ok = nested(16, inner, 0x91);
        struct bytes deep = nested(17, inner, 0x91);
        assert_int_equal(cairn_mp_check(ok.p, ok.len, wire), 0);
        assert_int_equal(cairn_mp_check(deep.p, deep.len, wire), CAIRN_ETOOBIG);
        free(ok.p);
        free(deep.p);
    }
    /* maps count as well: 16 nested maps decode, 17 do not */
    struct bytes ok = nested(16, 1, 0x81);
    struct bytes deep = nested(17, 1, 0x81);
    cairn_mp_doc_t doc;
    assert_int_equal(cairn_mp_decode(ok.p, ok.len, wire, &doc), 0);
    cairn_mp_doc_free(&doc);
    assert_int_equal(cairn_mp_decode(deep.p, deep.len, wire, &doc), CAIRN_ETOOBIG);
    free(ok.p);
    free(deep.p);
    /* depth 0 allows scalars only */
    cairn_mp_limits_t flat = *wire;
    flat.max_depth = 0;
    assert_int_equal(cairn_mp_check((const uint8_t *)"\x01", 1, &flat), 0);
    assert_int_equal(cairn_mp_check((const uint8_t *)"\x90", 1, &flat), CAIRN_ETOOBIG);
}

static void test_depth_beyond_msgpack_c(void **state)
{
    (void)state;
    /* a limit above what msgpack-c can unpack counts as CAIRN_MP_DEPTH_MAX */
    cairn_mp_limits_t lim = *wire;
    lim.max_depth = 1000;
    struct bytes ok = nested(CAIRN_MP_DEPTH_MAX, 1, 0x81);
    struct bytes deep = nested(CAIRN_MP_DEPTH_MAX + 1, 1, 0x81);
    cairn_mp_doc_t doc;
    assert_int_equal(cairn_mp_decode(ok.p, ok.len, &lim, &doc), 0);
    cairn_mp_doc_free(&doc);
    assert_int_equal(cairn_mp_check(deep.p, deep.len, &lim), CAIRN_ETOOBIG);
    free(ok.p);
    free(deep.p);
}

static void test_container_limit(void **state)
{
    (void)state;
    struct bytes b = {0};
    /* array of exactly 65536 nils (array32 so the length field can say 65537 too) */
    put_u8(&b, 0xdd), put_be(&b, 65536, 4), put_fill(&b, 0xc0, 65536);
    assert_int_equal(cairn_mp_check(b.p, b.len, wire), 0);
    b.len = 0;
    put_u8(&b, 0xdd), put_be(&b, 65537, 4), put_fill(&b, 0xc0, 65537);
    assert_int_equal(cairn_mp_check(b.p, b.len, wire), CAIRN_ETOOBIG);
    /* map of exactly 65536 pairs, then 65537 */
    b.len = 0;
    put_u8(&b, 0xdf), put_be(&b, 65536, 4), put_fill(&b, 0x01, 2 * 65536);
    assert_int_equal(cairn_mp_check(b.p, b.len, wire), 0);
    b.len = 0;
    put_u8(&b, 0xdf), put_be(&b, 65537, 4), put_fill(&b, 0x01, 2 * 65537);
    assert_int_equal(cairn_mp_check(b.p, b.len, wire), CAIRN_ETOOBIG);
    /* array16 at its largest (65535) is within the limit */
    b.len = 0;
    put_u8(&b, 0xdc), put_be(&b, 65535, 2), put_fill(&b, 0xc0, 65535);
    assert_int_equal(cairn_mp_check(b.p, b.len, wire), 0);
    free(b.p);
}

static void test_object_limit(void **state)
{
    (void)state;
    /* root array of 4 arrays: 1 + 4 + 65535 * 3 + last = 262144 objects exactly, then one more */
    for (int extra = 0; extra <= 1; extra++) {
        struct bytes b = {0};
        put_u8(&b, 0x94);
        for (int i = 0; i < 4; i++) {
            size_t n = i < 3 ? 65535 : (size_t)(65534 + extra);
            put_u8(&b, 0xdd), put_be(&b, n, 4), put_fill(&b, 0xc0, n);
        }
        assert_int_equal(cairn_mp_check(b.p, b.len, wire), extra ? CAIRN_ETOOBIG : 0);
        free(b.p);
    }
}

static void test_str_and_bin_limits(void **state)
{
    (void)state;
    const size_t max = wire->max_str;
    const uint8_t kinds[] = {0xdb, 0xc6}; /* str32, bin32 */
    for (size_t k = 0; k < 2; k++) {
        struct bytes b = {0};
        put_u8(&b, kinds[k]), put_be(&b, max, 4), put_fill(&b, 'x', max);
        assert_int_equal(cairn_mp_check(b.p, b.len, wire), 0);
        b.len = 0;
        put_u8(&b, kinds[k]), put_be(&b, max + 1, 4), put_fill(&b, 'x', max + 1);
        assert_int_equal(cairn_mp_check(b.p, b.len, wire), CAIRN_ETOOBIG);
        free(b.p);
    }
    /* the two limits are separate */
    cairn_mp_limits_t lim = *wire;
    lim.max_str = 3;
    lim.max_bin = 5;
    assert_int_equal(cairn_mp_check((const uint8_t *)"\xa3"
                                                     "abc",
                                    4, &lim),
                     0);
    assert_int_equal(cairn_mp_check((const uint8_t *)"\xa4"
                                                     "abcd",
                                    5, &lim),
                     CAIRN_ETOOBIG);
    assert_int_equal(cairn_mp_check((const uint8_t *)"\xc4\x04"
                                                     "abcd",
                                    6, &lim),
                     0);
    assert_int_equal(cairn_mp_check((const uint8_t *)"\xc4\x06"
                                                     "abcdef",
                                    8, &lim),
                     CAIRN_ETOOBIG);
    /* keys are strs too */
    assert_int_equal(cairn_mp_check((const uint8_t *)"\x81\xa4"
                                                     "abcd\x01",
                                    7, &lim),
                     CAIRN_ETOOBIG);
}

static void test_declared_size_beyond_buffer(void **state)
{
    (void)state;
    /* a 4 GiB str32 in 10 bytes: malformed at once, whatever the limits say */
    const uint8_t str32[10] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd', 'e'};
    assert_int_equal(cairn_mp_check(str32, sizeof str32, wire), CAIRN_EMSGPACK);
    const uint8_t bin32[10] = {0xc6, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5};
    assert_int_equal(cairn_mp_check(bin32, sizeof bin32, wire), CAIRN_EMSGPACK);
    /* element counts beyond the bytes left (each element needs a byte) */
    const uint8_t arr32[10] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0};
    assert_int_equal(cairn_mp_check(arr32, sizeof arr32, wire), CAIRN_EMSGPACK);
    const uint8_t map32[10] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0, 0xc0, 0xc0, 0xc0, 0xc0};
    assert_int_equal(cairn_mp_check(map32, sizeof map32, wire), CAIRN_EMSGPACK);
    /* a map of 3 pairs needs 6 objects: 5 bytes left is malformed, not just truncated later */
    const uint8_t map3[6] = {0x83, 1, 2, 3, 4, 5};
    assert_int_equal(cairn_mp_check(map3, sizeof map3, wire), CAIRN_EMSGPACK);
    /* a header cut inside its length field */
    assert_int_equal(cairn_mp_check((const uint8_t *)"\xdb\x00\x00", 3, wire), CAIRN_EMSGPACK);
    assert_int_equal(cairn_mp_check((const uint8_t *)"\xcf\x00", 2, wire), CAIRN_EMSGPACK);
}

static void test_decode_owns_its_bytes(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    cairn_mp_pack_kv_str(&pk, "name", "Aroha");
    cairn_mp_pack_kv_bin(&pk, "data", "\x01\x02\x03", 3);
    cairn_mp_doc_t doc;
    assert_int_equal(cairn_mp_decode((const uint8_t *)sb.data, sb.size, wire, &doc), 0);
    memset(sb.data, 0, sb.size); /* the frame buffer is reused */
    msgpack_sbuffer_destroy(&sb);
    const char *s;
    const uint8_t *b;
    size_t len;
    assert_int_equal(cairn_mp_get_str(&doc.root, "name", 100, &s, &len), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(s, "Aroha", 5);
    assert_int_equal(cairn_mp_get_bin(&doc.root, "data", 3, &b, &len), 0);
    assert_memory_equal(b, "\x01\x02\x03", 3);
    cairn_mp_doc_free(&doc);
    assert_false(doc.zone_init);
    cairn_mp_doc_free(&doc); /* a second free is harmless */
}

/* A map packed with every helper, decoded. */
static void packed_doc(cairn_mp_doc_t *doc)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 17);
    cairn_mp_pack_kv_str(&pk, "s", "hello");
    cairn_mp_pack_kv_strn(&pk, "sn", "a\0b", 3);
    cairn_mp_pack_kv_str(&pk, "null", NULL);
    cairn_mp_pack_kv_bin(&pk, "b", "\xde\xad", 2);
    cairn_mp_pack_kv_u64(&pk, "u", UINT64_MAX);
    cairn_mp_pack_kv_u64(&pk, "u0", 0);
    cairn_mp_pack_kv_i64(&pk, "imin", INT64_MIN);
    cairn_mp_pack_kv_i64(&pk, "imax", INT64_MAX);
    cairn_mp_pack_kv_i64(&pk, "ineg", -1);
    cairn_mp_pack_kv_bool(&pk, "yes", true);
    cairn_mp_pack_kv_bool(&pk, "no", false);
    cairn_mp_pack_cstr(&pk, "arr");
    msgpack_pack_array(&pk, 3);
    msgpack_pack_int(&pk, 1), msgpack_pack_int(&pk, 2), msgpack_pack_int(&pk, 3);
    cairn_mp_pack_cstr(&pk, "map");
    msgpack_pack_map(&pk, 1);
    cairn_mp_pack_kv_u64(&pk, "inner", 9);
    cairn_mp_pack_cstr(&pk, "dup");
    msgpack_pack_int(&pk, 1);
    cairn_mp_pack_cstr(&pk, "dup");
    msgpack_pack_int(&pk, 2);
    msgpack_pack_int(&pk, 42); /* a non-str key is ignored by lookups */
    cairn_mp_pack_cstr(&pk, "int key");
    cairn_mp_pack_cstr(&pk, "f");
    msgpack_pack_double(&pk, 1.0);
    assert_int_equal(cairn_mp_decode((const uint8_t *)sb.data, sb.size, wire, doc), 0);
    msgpack_sbuffer_destroy(&sb);
}

static void test_get_str_bin(void **state)
{
    (void)state;
    cairn_mp_doc_t doc;
    packed_doc(&doc);
    const msgpack_object *m = &doc.root;
    const char *s = NULL;
    const uint8_t *b = NULL;
    size_t len = 77;
    assert_int_equal(cairn_mp_get_str(m, "s", 5, &s, &len), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(s, "hello", 5);
    assert_int_equal(cairn_mp_get_str(m, "s", 4, &s, &len), CAIRN_EINVAL);   /* over max */
    assert_int_equal(cairn_mp_get_str(m, "b", 100, &s, &len), CAIRN_EINVAL); /* bin, not str */
    assert_int_equal(cairn_mp_get_str(m, "null", 100, &s, &len), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_str(m, "absent", 100, &s, &len), CAIRN_ENOTFOUND);
    assert_int_equal(len, 5); /* untouched on failure */
    assert_int_equal(cairn_mp_get_bin(m, "b", 2, &b, &len), 0);
    assert_int_equal(len, 2);
    assert_memory_equal(b, "\xde\xad", 2);
    assert_int_equal(cairn_mp_get_bin(m, "b", 1, &b, &len), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_bin(m, "s", 100, &b, &len), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_bin(m, "nope", 100, &b, &len), CAIRN_ENOTFOUND);
    cairn_mp_doc_free(&doc);
}

static void test_get_integers(void **state)
{
    (void)state;
    cairn_mp_doc_t doc;
    packed_doc(&doc);
    const msgpack_object *m = &doc.root;
    uint64_t u = 5;
    int64_t i = 5;
    assert_int_equal(cairn_mp_get_u64(m, "u", &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(cairn_mp_get_u64(m, "u0", &u), 0);
    assert_true(u == 0);
    assert_int_equal(cairn_mp_get_u64(m, "imax", &u), 0);
    assert_true(u == (uint64_t)INT64_MAX);
    u = 5;
    assert_int_equal(cairn_mp_get_u64(m, "ineg", &u), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_u64(m, "imin", &u), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_u64(m, "f", &u), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_u64(m, "s", &u), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_u64(m, "yes", &u), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_u64(m, "absent", &u), CAIRN_ENOTFOUND);
    assert_true(u == 5);
    assert_int_equal(cairn_mp_get_i64(m, "imin", &i), 0);
    assert_true(i == INT64_MIN);
    assert_int_equal(cairn_mp_get_i64(m, "imax", &i), 0);
    assert_true(i == INT64_MAX);
    assert_int_equal(cairn_mp_get_i64(m, "ineg", &i), 0);
    assert_true(i == -1);
    assert_int_equal(cairn_mp_get_i64(m, "u0", &i), 0);
    assert_true(i == 0);
    i = 5;
    assert_int_equal(cairn_mp_get_i64(m, "u", &i), CAIRN_EINVAL); /* above INT64_MAX */
    assert_int_equal(cairn_mp_get_i64(m, "f", &i), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_i64(m, "absent", &i), CAIRN_ENOTFOUND);
    assert_true(i == 5);
    cairn_mp_doc_free(&doc);
}

static void test_integers_in_signed_formats(void **state)
{
    (void)state;
    /* {"a": int8 5, "b": int64 7, "c": uint8 -> 200, "d": int16 -2}: the signed formats carrying
     * non-negative values are still counts */
    const uint8_t raw[] = {0x84, 0xa1, 'a',  0xd0, 0x05, 0xa1, 'b', 0xd3, 0,   0,    0,    0,   0,
                           0,    0,    0x07, 0xa1, 'c',  0xcc, 200, 0xa1, 'd', 0xd1, 0xff, 0xfe};
    cairn_mp_doc_t doc;
    assert_int_equal(cairn_mp_decode(raw, sizeof raw, wire, &doc), 0);
    uint64_t u;
    int64_t i;
    assert_int_equal(cairn_mp_get_u64(&doc.root, "a", &u), 0);
    assert_true(u == 5);
    assert_int_equal(cairn_mp_get_u64(&doc.root, "b", &u), 0);
    assert_true(u == 7);
    assert_int_equal(cairn_mp_get_i64(&doc.root, "c", &i), 0);
    assert_true(i == 200);
    assert_int_equal(cairn_mp_get_i64(&doc.root, "d", &i), 0);
    assert_true(i == -2);
    assert_int_equal(cairn_mp_get_u64(&doc.root, "d", &u), CAIRN_EINVAL);
    cairn_mp_doc_free(&doc);
}

static void test_get_bool_array_map(void **state)
{
    (void)state;
    cairn_mp_doc_t doc;
    packed_doc(&doc);
    const msgpack_object *m = &doc.root;
    bool v = false;
    assert_int_equal(cairn_mp_get_bool(m, "yes", &v), 0);
    assert_true(v);
    assert_int_equal(cairn_mp_get_bool(m, "no", &v), 0);
    assert_false(v);
    assert_int_equal(cairn_mp_get_bool(m, "u0", &v), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_bool(m, "absent", &v), CAIRN_ENOTFOUND);

    const msgpack_object_array *a = NULL;
    assert_int_equal(cairn_mp_get_array(m, "arr", 3, &a), 0);
    assert_int_equal(a->size, 3);
    assert_true(a->ptr[2].via.u64 == 3);
    assert_int_equal(cairn_mp_get_array(m, "arr", 2, &a), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_array(m, "map", 10, &a), CAIRN_EINVAL);

    const msgpack_object *inner = NULL;
    uint64_t u = 0;
    assert_int_equal(cairn_mp_get_map(m, "map", &inner), 0);
    assert_int_equal(cairn_mp_get_u64(inner, "inner", &u), 0);
    assert_true(u == 9);
    assert_int_equal(cairn_mp_get_map(m, "arr", &inner), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_map(m, "absent", &inner), CAIRN_ENOTFOUND);

    /* not a map at all */
    const msgpack_object *arr = cairn_mp_get(m, "arr");
    assert_non_null(arr);
    assert_null(cairn_mp_get(arr, "x"));
    assert_int_equal(cairn_mp_get_u64(arr, "x", &u), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_get_u64(NULL, "x", &u), CAIRN_EINVAL);
    cairn_mp_doc_free(&doc);
}

static void test_repeated_key_refused(void **state)
{
    (void)state;
    cairn_mp_doc_t doc;
    packed_doc(&doc);
    uint64_t u = 0;
    assert_null(cairn_mp_get(&doc.root, "dup"));
    assert_int_equal(cairn_mp_get_u64(&doc.root, "dup", &u), CAIRN_EINVAL);
    /* lookups skip non-str keys, and a str key equal to another's value is no match */
    assert_null(cairn_mp_get(&doc.root, "int key"));
    assert_non_null(cairn_mp_get(&doc.root, "s"));
    cairn_mp_doc_free(&doc);
}

static void test_dup_str(void **state)
{
    (void)state;
    cairn_mp_doc_t doc;
    packed_doc(&doc);
    char *s = NULL;
    assert_int_equal(cairn_mp_dup_str(&doc.root, "s", 5, &s), 0);
    assert_string_equal(s, "hello");
    free(s);
    s = NULL;
    assert_int_equal(cairn_mp_dup_str(&doc.root, "sn", 10, &s), CAIRN_EINVAL); /* NUL inside */
    assert_int_equal(cairn_mp_dup_str(&doc.root, "s", 4, &s), CAIRN_EINVAL);
    assert_int_equal(cairn_mp_dup_str(&doc.root, "absent", 4, &s), CAIRN_ENOTFOUND);
    assert_null(s);
    const char *raw;
    size_t len;
    assert_int_equal(cairn_mp_get_str(&doc.root, "sn", 3, &raw, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(raw, "a\0b", 3);
    cairn_mp_doc_free(&doc);
}

static void test_nan_float_passes_through(void **state)
{
    (void)state;
    /* found by fuzz_mp: {"f": float64 NaN} is valid msgpack; the checker and decoder accept it
     * (floats are opaque here) and it re-packs to the same bytes */
    const uint8_t raw[] = {0x81, 0xa1, 'f', 0xcb, 0xff, 0xf8, 0, 0, 0, 0, 0, 0};
    cairn_mp_doc_t doc;
    assert_int_equal(cairn_mp_decode(raw, sizeof raw, wire, &doc), 0);
    const msgpack_object *f = cairn_mp_get(&doc.root, "f");
    assert_non_null(f);
    assert_int_equal(f->type, MSGPACK_OBJECT_FLOAT64);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assert_int_equal(msgpack_pack_object(&pk, doc.root), 0);
    assert_int_equal(sb.size, sizeof raw);
    assert_memory_equal(sb.data, raw, sizeof raw);
    msgpack_sbuffer_destroy(&sb);
    uint64_t u;
    assert_int_equal(cairn_mp_get_u64(&doc.root, "f", &u), CAIRN_EINVAL);
    cairn_mp_doc_free(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_limits),
        cmocka_unit_test(test_every_format_accepted),
        cmocka_unit_test(test_scalar_roots),
        cmocka_unit_test(test_truncated_at_every_length),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_ext_and_c1_refused),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_depth_beyond_msgpack_c),
        cmocka_unit_test(test_container_limit),
        cmocka_unit_test(test_object_limit),
        cmocka_unit_test(test_str_and_bin_limits),
        cmocka_unit_test(test_declared_size_beyond_buffer),
        cmocka_unit_test(test_decode_owns_its_bytes),
        cmocka_unit_test(test_get_str_bin),
        cmocka_unit_test(test_get_integers),
        cmocka_unit_test(test_integers_in_signed_formats),
        cmocka_unit_test(test_get_bool_array_map),
        cmocka_unit_test(test_repeated_key_refused),
        cmocka_unit_test(test_dup_str),
        cmocka_unit_test(test_nan_float_passes_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
