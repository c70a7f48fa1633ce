/*
 * test_changeset.c: the change set and version vector codecs (PROTOCOL.md section 7): round trips,
 * and every field rule and limit refused with nothing left allocated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cairn/changeset.h>
#include <cairn/err.h>

static const uint8_t body[] = {0x81, 0xa1, 'k', 0xa1, 'v'};

/* A change set of one segment of n events from seq first; hlc and type editable by the caller. */
static void make(cairn_changeset_t *cs, cairn_changeset_segment_t *seg, cairn_event_t *evs,
                 uint32_t n, uint64_t first)
{
    memset(cs, 0, sizeof *cs);
    snprintf(cs->partition, sizeof cs->partition, "catalog");
    memset(seg, 0, sizeof *seg);
    memset(seg->origin, 0x42, 32);
    memset(seg->sig, 0x5a, 64);
    seg->first = first;
    seg->last = first + n - 1;
    seg->n_events = n;
    seg->events = evs;
    for (uint32_t i = 0; i < n; i++)
        evs[i] = (cairn_event_t){.hlc = 1000 + i,
                                 .type = "catalog.note",
                                 .entity = "e",
                                 .body = body,
                                 .body_len = sizeof body};
    cs->n_segments = 1;
    cs->segments = seg;
}

static int decode_sb(const msgpack_sbuffer *sb, cairn_changeset_t *out)
{
    char err[256] = "";
    int rc = cairn_changeset_decode((const uint8_t *)sb->data, sb->size, out, err, sizeof err);
    if (rc != 0)
        assert_true(err[0] != '\0');
    return rc;
}

static void test_round_trip(void **state)
{
    (void)state;
    cairn_changeset_t cs, back;
    cairn_changeset_segment_t seg;
    cairn_event_t evs[3];
    msgpack_sbuffer sb, again;
    make(&cs, &seg, evs, 3, 7);
    msgpack_sbuffer_init(&sb);
    assert_int_equal(cairn_changeset_encode(&cs, &sb), 0);
    assert_int_equal(decode_sb(&sb, &back), 0);
    assert_string_equal(back.partition, "catalog");
    assert_int_equal(back.n_segments, 1);
    assert_int_equal(back.n_events, 3);
    assert_int_equal(back.segments[0].first, 7);
    assert_int_equal(back.segments[0].last, 9);
    assert_int_equal(back.segments[0].events[2].seq, 9);
    assert_int_equal(back.segments[0].events[2].hlc, 1002);
    assert_string_equal(back.segments[0].events[1].type, "catalog.note");
    assert_string_equal(back.segments[0].events[1].partition, "catalog");
    assert_memory_equal(back.segments[0].events[0].origin, seg.origin, 32);
    msgpack_sbuffer_init(&again);
    assert_int_equal(cairn_changeset_encode(&back, &again), 0);
    assert_int_equal(again.size, sb.size);
    assert_memory_equal(again.data, sb.data, sb.size);
    cairn_changeset_free(&back);
    msgpack_sbuffer_destroy(&again);
    msgpack_sbuffer_destroy(&sb);
}

/* Encodes cs and expects decoding to fail with code. */
static void expect(const cairn_changeset_t *cs, int code)
{
    msgpack_sbuffer sb;
    cairn_changeset_t back;
    msgpack_sbuffer_init(&sb);
    assert_int_equal(cairn_changeset_encode(cs, &sb), 0);
    assert_int_equal(decode_sb(&sb, &back), code);
    assert_null(back.segments);
    msgpack_sbuffer_destroy(&sb);
}

static void test_field_rules(void **state)
{
    (void)state;
    cairn_changeset_t cs;
    cairn_changeset_segment_t seg;
    cairn_event_t evs[2];
    make(&cs, &seg, evs, 2, 1);
    seg.last = 3; /* checkpoint does not end the run */
    expect(&cs, CAIRN_EPROTO);
    make(&cs, &seg, evs, 2, 0); /* seq 0 */
    expect(&cs, CAIRN_EPROTO);
    make(&cs, &seg, evs, 2, 1);
    evs[1].type = "";
    expect(&cs, CAIRN_EPROTO);
    make(&cs, &seg, evs, 2, 1);
    evs[0].hlc = (uint64_t)INT64_MAX + 1;
    expect(&cs, CAIRN_EPROTO);
    make(&cs, &seg, evs, 2, 1);
    evs[0].entity = "an entity id that is far too long to be any entity we know of, longer than "
                    "ninety-six bytes in all";
    expect(&cs, CAIRN_ETOOBIG); /* over the str limit: refused by the checker */
    /* Wrong version. */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    cairn_changeset_t back;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    cairn_mp_pack_kv_u64(&pk, "v", 2);
    cairn_mp_pack_kv_str(&pk, "partition", "catalog");
    cairn_mp_pack_cstr(&pk, "segments");
    msgpack_pack_array(&pk, 0);
    assert_int_equal(decode_sb(&sb, &back), CAIRN_EUNSUPPORTED);
    msgpack_sbuffer_destroy(&sb);
    /* Over the size limit, on the length alone. */
    assert_int_equal(
        cairn_changeset_decode((const uint8_t *)"", CAIRN_CHANGESET_MAX + 1, &back, NULL, 0),
        CAIRN_ETOOBIG);
}

static void test_too_many_segments(void **state)
{
    (void)state;
    cairn_changeset_t cs;
    cairn_changeset_segment_t seg, *segs = calloc(CAIRN_CHANGESET_SEGMENTS_MAX + 1, sizeof *segs);
    cairn_event_t evs[1];
    assert_non_null(segs);
    make(&cs, &seg, evs, 1, 1);
    for (uint32_t i = 0; i <= CAIRN_CHANGESET_SEGMENTS_MAX; i++)
        segs[i] = seg;
    cs.segments = segs;
    cs.n_segments = CAIRN_CHANGESET_SEGMENTS_MAX;
    msgpack_sbuffer sb;
    cairn_changeset_t back;
    msgpack_sbuffer_init(&sb);
    assert_int_equal(cairn_changeset_encode(&cs, &sb), 0);
    assert_int_equal(decode_sb(&sb, &back), 0);
    cairn_changeset_free(&back);
    msgpack_sbuffer_destroy(&sb);
    cs.n_segments = CAIRN_CHANGESET_SEGMENTS_MAX + 1;
    expect(&cs, CAIRN_EPROTO);
    free(segs);
}

static void test_vector(void **state)
{
    (void)state;
    cairn_vector_t v, back;
    uint8_t o[32];
    msgpack_sbuffer sb;
    char err[200];
    cairn_vector_init(&v, "school:ab");
    for (int i = 5; i >= 1; i--) {
        memset(o, i, 32);
        assert_int_equal(cairn_vector_set(&v, o, (uint64_t)i * 10), 0);
    }
    memset(o, 3, 32);
    assert_int_equal(cairn_vector_get(&v, o), 30);
    assert_int_equal(cairn_vector_set(&v, o, 0), 0);
    assert_int_equal(cairn_vector_get(&v, o), 0);
    assert_int_equal(v.n, 4);
    msgpack_sbuffer_init(&sb);
    assert_int_equal(cairn_vector_encode(&v, &sb), 0);
    assert_int_equal(cairn_vector_decode((const uint8_t *)sb.data, sb.size, &back, err, sizeof err),
                     0);
    assert_string_equal(back.partition, "school:ab");
    assert_int_equal(back.n, 4);
    memset(o, 5, 32);
    assert_int_equal(cairn_vector_get(&back, o), 50);
    cairn_vector_free(&back);
    msgpack_sbuffer_destroy(&sb);
    /* Out of order (or repeated) origins are refused. */
    v.e[0].origin[0] = 9;
    msgpack_sbuffer_init(&sb);
    assert_int_equal(cairn_vector_encode(&v, &sb), 0);
    assert_int_equal(cairn_vector_decode((const uint8_t *)sb.data, sb.size, &back, err, sizeof err),
                     CAIRN_EPROTO);
    assert_null(back.e);
    msgpack_sbuffer_destroy(&sb);
    cairn_vector_free(&v);
}

/* The heads-only form of sync messages: ~90 bytes shorter, same checks, partition from the
 * message. */
static void test_vector_heads(void **state)
{
    (void)state;
    cairn_vector_t v, back;
    uint8_t o[32];
    msgpack_sbuffer sb, full;
    char err[200];
    cairn_vector_init(&v,
                      "school:0123456789012345678901234567890123456789012345678901234567890123");
    for (int i = 1; i <= 3; i++) {
        memset(o, i, 32);
        assert_int_equal(cairn_vector_set(&v, o, (uint64_t)i * 7), 0);
    }
    msgpack_sbuffer_init(&sb);
    msgpack_sbuffer_init(&full);
    assert_int_equal(cairn_vector_encode_heads(&v, &sb), 0);
    assert_int_equal(cairn_vector_encode(&v, &full), 0);
    assert_true(sb.size + 90 <= full.size);
    assert_int_equal(cairn_vector_decode_heads((const uint8_t *)sb.data, sb.size, v.partition,
                                               &back, err, sizeof err),
                     0);
    assert_string_equal(back.partition, v.partition);
    assert_int_equal(back.n, 3);
    memset(o, 2, 32);
    assert_int_equal(cairn_vector_get(&back, o), 14);
    cairn_vector_free(&back);
    /* each form is refused where the other is expected */
    assert_int_equal(cairn_vector_decode((const uint8_t *)sb.data, sb.size, &back, err, sizeof err),
                     CAIRN_EPROTO);
    assert_int_equal(cairn_vector_decode_heads((const uint8_t *)full.data, full.size, "catalog",
                                               &back, err, sizeof err),
                     CAIRN_EPROTO);
    assert_int_equal(
        cairn_vector_decode_heads((const uint8_t *)sb.data, sb.size, "", &back, err, sizeof err),
        CAIRN_EINVAL);
    msgpack_sbuffer_destroy(&sb);
    /* heads out of order are refused as in the whole form */
    v.e[0].origin[0] = 9;
    msgpack_sbuffer_init(&sb);
    assert_int_equal(cairn_vector_encode_heads(&v, &sb), 0);
    assert_int_equal(cairn_vector_decode_heads((const uint8_t *)sb.data, sb.size, "catalog", &back,
                                               err, sizeof err),
                     CAIRN_EPROTO);
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&full);
    cairn_vector_free(&v);
}

/* PROTOCOL.md 7.4 digest vectors, computed independently with Python's hashlib.blake2b. */
static void test_vector_digest(void **state)
{
    (void)state;
    cairn_vector_t v;
    uint8_t o[32], d[CAIRN_VECTOR_DIGEST_LEN], d2[CAIRN_VECTOR_DIGEST_LEN];
    static const uint8_t empty[16] = {0xb9, 0x0b, 0x4f, 0x94, 0x3d, 0x5f, 0x09, 0x9a,
                                      0xc5, 0x65, 0x3b, 0x40, 0xe9, 0x27, 0x50, 0x11};
    static const uint8_t one[16] = {0xb7, 0xc8, 0x16, 0x90, 0xf0, 0x07, 0xb5, 0x1e,
                                    0x40, 0x7a, 0x66, 0xd1, 0x3b, 0x3d, 0xa0, 0x65};
    cairn_vector_init(&v, "catalog");
    assert_int_equal(cairn_vector_digest(&v, d), 0);
    assert_memory_equal(d, empty, 16);
    memset(o, 0x11, 32);
    assert_int_equal(cairn_vector_set(&v, o, 2), 0);
    assert_int_equal(cairn_vector_digest(&v, d), 0);
    assert_memory_equal(d, one, 16);
    /* any change of a seq, an origin or the partition changes the digest */
    assert_int_equal(cairn_vector_set(&v, o, 3), 0);
    assert_int_equal(cairn_vector_digest(&v, d2), 0);
    assert_memory_not_equal(d, d2, 16);
    cairn_vector_free(&v);
    cairn_vector_init(&v, "catalo");
    assert_int_equal(cairn_vector_set(&v, o, 2), 0);
    assert_int_equal(cairn_vector_digest(&v, d2), 0);
    assert_memory_not_equal(d, d2, 16);
    cairn_vector_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),        cmocka_unit_test(test_field_rules),
        cmocka_unit_test(test_too_many_segments), cmocka_unit_test(test_vector),
        cmocka_unit_test(test_vector_digest),     cmocka_unit_test(test_vector_heads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
