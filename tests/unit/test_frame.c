/*
 * test_frame.c: frame headers and the incremental reader: limits checked on the header alone,
 * frames split at every byte, many frames per feed, and memory that stays bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cairn/err.h"
#include "cairn/frame.h"

/* A stream of frames with payload sizes sizes[i]; payload byte j of frame i is (i * 31 + j). */
struct stream {
    uint8_t *bytes;
    size_t len;
};

static struct stream make_stream(const size_t *sizes, size_t n)
{
    struct stream s = {NULL, 0};
    for (size_t i = 0; i < n; i++)
        s.len += CAIRN_FRAME_HEADER + sizes[i];
    s.bytes = malloc(s.len ? s.len : 1);
    assert_non_null(s.bytes);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(cairn_frame_header(s.bytes + off, sizes[i]), 0);
        off += CAIRN_FRAME_HEADER;
        for (size_t j = 0; j < sizes[i]; j++)
            s.bytes[off + j] = (uint8_t)(i * 31 + j);
        off += sizes[i];
    }
    return s;
}

static void assert_frame(const uint8_t *p, size_t len, size_t index, size_t want_len)
{
    assert_int_equal(len, want_len);
    for (size_t j = 0; j < len; j++)
        assert_int_equal(p[j], (uint8_t)(index * 31 + j));
}

/* Takes every whole frame out of r, checking them against sizes from *index on. */
static void take_all(cairn_frame_reader_t *r, const size_t *sizes, size_t n, size_t *index)
{
    const uint8_t *p;
    size_t len;
    while (cairn_frame_reader_next(r, &p, &len) == 1) {
        assert_true(*index < n);
        assert_frame(p, len, *index, sizes[*index]);
        (*index)++;
    }
}

static void test_header(void **state)
{
    (void)state;
    uint8_t h[4] = {9, 9, 9, 9};
    assert_int_equal(cairn_frame_header(h, 0), CAIRN_EINVAL);
    assert_memory_equal(h, "\x09\x09\x09\x09", 4);
    assert_int_equal(cairn_frame_header(h, 1), 0);
    assert_memory_equal(h, "\x00\x00\x00\x01", 4);
    assert_int_equal(cairn_frame_header(h, 0x010203), 0);
    assert_memory_equal(h, "\x00\x01\x02\x03", 4);
    assert_int_equal(cairn_frame_header(h, CAIRN_FRAME_MAX), 0);
    assert_memory_equal(h, "\x00\x40\x00\x00", 4);
    assert_int_equal(cairn_frame_header(h, (size_t)CAIRN_FRAME_MAX + 1), CAIRN_ETOOBIG);
    assert_int_equal(cairn_frame_header(h, SIZE_MAX), CAIRN_ETOOBIG);
}

static void test_zero_length_refused(void **state)
{
    (void)state;
    cairn_frame_reader_t r;
    cairn_frame_reader_init(&r, 0);
    assert_int_equal(cairn_frame_reader_feed(&r, "\0\0\0", 3), 0);
    assert_int_equal(cairn_frame_reader_feed(&r, "\0", 1), CAIRN_EPROTO);
    cairn_frame_reader_free(&r);
    cairn_frame_reader_init(&r, 0);
    assert_int_equal(cairn_frame_reader_feed(&r, "\0\0\0\0", 4), CAIRN_EPROTO);
    cairn_frame_reader_free(&r);
}

static void test_over_max_refused_on_header_alone(void **state)
{
    (void)state;
    cairn_frame_reader_t r;
    /* the default max: 4 MiB + 1 refused with only the 4 header bytes in hand */
    cairn_frame_reader_init(&r, 0);
    assert_int_equal(r.max, CAIRN_FRAME_MAX);
    assert_int_equal(cairn_frame_reader_feed(&r, "\x00\x40\x00\x01", 4), CAIRN_ETOOBIG);
    assert_int_equal(r.len, 0);
    assert_null(r.buf); /* nothing allocated for a refused header */
    assert_int_equal(cairn_frame_reader_feed(&r, "\xff\xff\xff\xff", 4), CAIRN_ETOOBIG);
    /* exactly max is accepted, and announcing it allocates nothing near 4 MiB */
    assert_int_equal(cairn_frame_reader_feed(&r, "\x00\x40\x00\x00", 4), 0);
    assert_true(r.cap < 4096);
    assert_int_equal(cairn_frame_reader_want(&r), CAIRN_FRAME_MAX);
    cairn_frame_reader_free(&r);

    /* a smaller max, header split over two feeds */
    cairn_frame_reader_init(&r, 100);
    assert_int_equal(cairn_frame_reader_feed(&r, "\x00\x00", 2), 0);
    assert_int_equal(cairn_frame_reader_feed(&r, "\x00\x65", 2), CAIRN_ETOOBIG);
    assert_int_equal(cairn_frame_reader_feed(&r, "\x00\x64", 2), 0);
    assert_int_equal(cairn_frame_reader_want(&r), 100);
    cairn_frame_reader_free(&r);
}

static void test_init_clamps_max(void **state)
{
    (void)state;
    cairn_frame_reader_t r;
    cairn_frame_reader_init(&r, (size_t)CAIRN_FRAME_MAX * 2);
    assert_int_equal(r.max, CAIRN_FRAME_MAX);
    cairn_frame_reader_free(&r);
    cairn_frame_reader_init(&r, 17);
    assert_int_equal(r.max, 17);
    cairn_frame_reader_free(&r);
}

static const size_t mixed_sizes[] = {1, 2, 3, 4, 5, 100, 1, 255, 256, 257, 1000, 1, 4096, 7};
#define MIXED_N (sizeof mixed_sizes / sizeof mixed_sizes[0])

static void test_one_byte_at_a_time(void **state)
{
    (void)state;
    struct stream s = make_stream(mixed_sizes, MIXED_N);
    cairn_frame_reader_t r;
    size_t index = 0;
    cairn_frame_reader_init(&r, 4096);
    for (size_t i = 0; i < s.len; i++) {
        assert_true(cairn_frame_reader_want(&r) >= 1);
        assert_int_equal(cairn_frame_reader_feed(&r, s.bytes + i, 1), 0);
        take_all(&r, mixed_sizes, MIXED_N, &index);
        assert_true(r.cap <= CAIRN_FRAME_HEADER + 4096);
    }
    assert_int_equal(index, MIXED_N);
    assert_int_equal(cairn_frame_reader_want(&r), CAIRN_FRAME_HEADER);
    cairn_frame_reader_free(&r);
    free(s.bytes);
}

static void test_split_at_every_point(void **state)
{
    (void)state;
    struct stream s = make_stream(mixed_sizes, MIXED_N);
    for (size_t cut = 0; cut <= s.len; cut++) {
        cairn_frame_reader_t r;
        size_t index = 0;
        cairn_frame_reader_init(&r, 4096);
        assert_int_equal(cairn_frame_reader_feed(&r, s.bytes, cut), 0);
        take_all(&r, mixed_sizes, MIXED_N, &index);
        assert_int_equal(cairn_frame_reader_feed(&r, s.bytes + cut, s.len - cut), 0);
        take_all(&r, mixed_sizes, MIXED_N, &index);
        assert_int_equal(index, MIXED_N);
        cairn_frame_reader_free(&r);
    }
    free(s.bytes);
}

static void test_many_frames_in_one_feed(void **state)
{
    (void)state;
    enum { N = 5000 };
    size_t *sizes = malloc(N * sizeof *sizes);
    assert_non_null(sizes);
    for (size_t i = 0; i < N; i++)
        sizes[i] = 1 + (i * 13) % 50;
    struct stream s = make_stream(sizes, N);
    cairn_frame_reader_t r;
    size_t index = 0;
    cairn_frame_reader_init(&r, 64);
    assert_int_equal(cairn_frame_reader_feed(&r, s.bytes, s.len), 0);
    take_all(&r, sizes, N, &index);
    assert_int_equal(index, N);
    /* the reader is empty again and reusable */
    assert_int_equal(cairn_frame_reader_want(&r), CAIRN_FRAME_HEADER);
    assert_int_equal(cairn_frame_reader_feed(&r, s.bytes, s.len), 0);
    index = 0;
    take_all(&r, sizes, N, &index);
    assert_int_equal(index, N);
    cairn_frame_reader_free(&r);
    free(s.bytes);
    free(sizes);
}

static void test_frames_held_until_taken(void **state)
{
    (void)state;
    /* the caller feeds twice before taking anything: nothing is lost or reordered */
    const size_t sizes[] = {10, 20, 30, 40};
    struct stream s = make_stream(sizes, 4);
    cairn_frame_reader_t r;
    size_t index = 0;
    cairn_frame_reader_init(&r, 100);
    size_t half = CAIRN_FRAME_HEADER + 10 + 5;
    assert_int_equal(cairn_frame_reader_feed(&r, s.bytes, half), 0);
    assert_int_equal(cairn_frame_reader_feed(&r, s.bytes + half, s.len - half), 0);
    take_all(&r, sizes, 4, &index);
    assert_int_equal(index, 4);
    cairn_frame_reader_free(&r);
    free(s.bytes);
}

static void test_memory_bounded_when_fed_by_want(void **state)
{
    (void)state;
    enum { MAX = 10000 };
    const size_t sizes[] = {MAX, 1, MAX, MAX - 1, 2, MAX};
    struct stream s = make_stream(sizes, 6);
    cairn_frame_reader_t r;
    size_t index = 0, off = 0;
    cairn_frame_reader_init(&r, MAX);
    while (off < s.len) {
        size_t n = cairn_frame_reader_want(&r);
        if (n > 997) /* odd-sized reads, never more than wanted */
            n = 997;
        if (n > s.len - off)
            n = s.len - off;
        assert_int_equal(cairn_frame_reader_feed(&r, s.bytes + off, n), 0);
        off += n;
        take_all(&r, sizes, 6, &index);
        assert_true(r.cap <= CAIRN_FRAME_HEADER + MAX);
    }
    assert_int_equal(index, 6);
    cairn_frame_reader_free(&r);
    free(s.bytes);
}

static void test_memory_bounded_by_frame_plus_feed(void **state)
{
    (void)state;
    /* a max-size frame followed in the same reads by small ones: the buffer holds the frame in
     * progress plus at most one read's worth of what follows */
    enum { MAX = 50000, READ = 4096 };
    const size_t sizes[] = {MAX, 3, 3, 3, MAX - 2, 3, 3};
    struct stream s = make_stream(sizes, 7);
    cairn_frame_reader_t r;
    size_t index = 0;
    cairn_frame_reader_init(&r, MAX);
    for (size_t off = 0; off < s.len; off += READ) {
        size_t n = s.len - off < READ ? s.len - off : READ;
        assert_int_equal(cairn_frame_reader_feed(&r, s.bytes + off, n), 0);
        assert_true(r.cap <= CAIRN_FRAME_HEADER + MAX + READ);
        take_all(&r, sizes, 7, &index);
    }
    assert_int_equal(index, 7);
    cairn_frame_reader_free(&r);
    free(s.bytes);
}

static void test_bad_header_later_in_feed(void **state)
{
    (void)state;
    /* [frame 0] fed; then [frame 1][header of 0] in one feed: refused whole, frame 0 still there */
    const size_t sizes[] = {5, 6};
    struct stream s = make_stream(sizes, 2);
    cairn_frame_reader_t r;
    const uint8_t *p;
    size_t len;
    cairn_frame_reader_init(&r, 100);
    size_t first = CAIRN_FRAME_HEADER + 5;
    assert_int_equal(cairn_frame_reader_feed(&r, s.bytes, first), 0);
    uint8_t more[CAIRN_FRAME_HEADER + 6 + 4];
    memcpy(more, s.bytes + first, CAIRN_FRAME_HEADER + 6);
    memset(more + CAIRN_FRAME_HEADER + 6, 0, 4);
    assert_int_equal(cairn_frame_reader_feed(&r, more, sizeof more), CAIRN_EPROTO);
    assert_int_equal(cairn_frame_reader_next(&r, &p, &len), 1);
    assert_frame(p, len, 0, 5);
    assert_int_equal(cairn_frame_reader_next(&r, &p, &len), 0);
    /* an over-max header behind a good frame */
    memcpy(more + CAIRN_FRAME_HEADER + 6, "\x00\x00\x00\x65", 4);
    assert_int_equal(cairn_frame_reader_feed(&r, more, sizeof more), CAIRN_ETOOBIG);
    assert_int_equal(cairn_frame_reader_next(&r, &p, &len), 0);
    cairn_frame_reader_free(&r);
    free(s.bytes);
}

static void test_want(void **state)
{
    (void)state;
    cairn_frame_reader_t r;
    cairn_frame_reader_init(&r, 100);
    assert_int_equal(cairn_frame_reader_want(&r), 4);
    assert_int_equal(cairn_frame_reader_feed(&r, "\x00\x00", 2), 0);
    assert_int_equal(cairn_frame_reader_want(&r), 2);
    assert_int_equal(cairn_frame_reader_feed(&r,
                                             "\x00\x03"
                                             "a",
                                             3),
                     0);
    assert_int_equal(cairn_frame_reader_want(&r), 2);
    assert_int_equal(cairn_frame_reader_feed(&r, "bc", 2), 0);
    assert_int_equal(cairn_frame_reader_want(&r), 4);
    const uint8_t *p;
    size_t len;
    assert_int_equal(cairn_frame_reader_next(&r, &p, &len), 1);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "abc", 3);
    assert_int_equal(cairn_frame_reader_next(&r, &p, &len), 0);
    assert_int_equal(cairn_frame_reader_feed(&r, "", 0), 0);
    cairn_frame_reader_free(&r);
    cairn_frame_reader_free(&r); /* a second free is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_zero_length_refused),
        cmocka_unit_test(test_over_max_refused_on_header_alone),
        cmocka_unit_test(test_init_clamps_max),
        cmocka_unit_test(test_one_byte_at_a_time),
        cmocka_unit_test(test_split_at_every_point),
        cmocka_unit_test(test_many_frames_in_one_feed),
        cmocka_unit_test(test_frames_held_until_taken),
        cmocka_unit_test(test_memory_bounded_when_fed_by_want),
        cmocka_unit_test(test_memory_bounded_by_frame_plus_feed),
        cmocka_unit_test(test_bad_header_later_in_feed),
        cmocka_unit_test(test_want),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
