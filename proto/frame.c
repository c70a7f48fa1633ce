/*
 * frame.c: length-prefixed frames and the incremental reader.
 *
 * The reader must never trust a length before checking it: every header is checked against the
 * reader's max as soon as its 4 bytes are present, and before a single byte of that frame's payload
 * is stored. It never allocates on the strength of a header, only for bytes that have arrived.
 *
 * Buffer layout: [0, consumed) taken, [consumed, frame_start) whole checked frames not yet taken,
 * [frame_start, len) the frame in progress (fewer than 4 bytes, or a checked header and part of
 * its payload).
 */
#include "cairn/frame.h"
#include "cairn/err.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CAP 256u

static uint32_t read_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int cairn_frame_header(uint8_t hdr[CAIRN_FRAME_HEADER], size_t len)
{
    if (len == 0)
        return CAIRN_EINVAL;
    if (len > CAIRN_FRAME_MAX)
        return CAIRN_ETOOBIG;
    hdr[0] = (uint8_t)(len >> 24);
    hdr[1] = (uint8_t)(len >> 16);
    hdr[2] = (uint8_t)(len >> 8);
    hdr[3] = (uint8_t)len;
    return 0;
}

void cairn_frame_reader_init(cairn_frame_reader_t *r, size_t max)
{
    memset(r, 0, sizeof *r);
    r->max = (max == 0 || max > CAIRN_FRAME_MAX) ? CAIRN_FRAME_MAX : max;
}

void cairn_frame_reader_free(cairn_frame_reader_t *r)
{
    size_t max = r->max;
    free(r->buf);
    memset(r, 0, sizeof *r);
    r->max = max;
}

/* Checks every header in (the frame in progress + data) without changing anything. On success
 * *partial_at is where, in that joined stream, the new frame in progress begins. */
static int check_headers(const cairn_frame_reader_t *r, const uint8_t *data, size_t len,
                         size_t *partial_at)
{
    size_t have = r->len - r->frame_start; /* buf may be NULL when have is 0: index, never add */
    size_t total = have + len;
    size_t pos = 0;

    while (total - pos >= CAIRN_FRAME_HEADER) {
        uint8_t hdr[CAIRN_FRAME_HEADER];
        for (size_t i = 0; i < CAIRN_FRAME_HEADER; i++) {
            size_t at = pos + i;
            hdr[i] = at < have ? r->buf[r->frame_start + at] : data[at - have];
        }
        uint32_t payload = read_be32(hdr);
        if (payload == 0)
            return CAIRN_EPROTO;
        if (payload > r->max)
            return CAIRN_ETOOBIG;
        if (total - pos - CAIRN_FRAME_HEADER < payload)
            break;
        pos += CAIRN_FRAME_HEADER + payload;
    }
    *partial_at = pos;
    return 0;
}

/* Drops the bytes already taken, so the buffer only ever holds what is still owed to the caller. */
static void compact(cairn_frame_reader_t *r)
{
    if (r->consumed == 0)
        return;
    memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
    r->len -= r->consumed;
    r->frame_start -= r->consumed;
    r->consumed = 0;
}

/* Makes room for need bytes: doubles, but never rounds past CAIRN_FRAME_HEADER + max. */
static int reserve(cairn_frame_reader_t *r, size_t need)
{
    size_t bound = CAIRN_FRAME_HEADER + r->max;
    size_t cap;
    uint8_t *p;

    if (need <= r->cap)
        return 0;
    cap = r->cap < MIN_CAP ? MIN_CAP : r->cap;
    while (cap < need && cap <= SIZE_MAX / 2)
        cap *= 2;
    if (cap < need)
        cap = need;
    if (cap > bound)
        cap = need > bound ? need : bound;
    p = realloc(r->buf, cap);
    if (p == NULL)
        return -ENOMEM;
    r->buf = p;
    r->cap = cap;
    return 0;
}

int cairn_frame_reader_feed(cairn_frame_reader_t *r, const void *data, size_t len)
{
    size_t partial_at = 0;
    size_t base;
    int rc;

    if (len == 0)
        return 0;
    if (len > SIZE_MAX - r->len)
        return -ENOMEM;
    if ((rc = check_headers(r, data, len, &partial_at)) != 0)
        return rc;
    compact(r);
    if ((rc = reserve(r, r->len + len)) != 0)
        return rc;
    base = r->frame_start;
    memcpy(r->buf + r->len, data, len);
    r->len += len;
    r->frame_start = base + partial_at;
    assert(r->frame_start <= r->len);
    return 0;
}

int cairn_frame_reader_next(cairn_frame_reader_t *r, const uint8_t **payload, size_t *len)
{
    if (r->consumed < r->frame_start) {
        uint32_t n = read_be32(r->buf + r->consumed);
        assert(n > 0 && n <= r->max && r->consumed + CAIRN_FRAME_HEADER + n <= r->frame_start);
        *payload = r->buf + r->consumed + CAIRN_FRAME_HEADER;
        *len = n;
        r->consumed += CAIRN_FRAME_HEADER + n;
        return 1;
    }
    if (r->consumed == r->len) /* everything taken: start again at the front, no copy needed */
        r->consumed = r->len = r->frame_start = 0;
    return 0;
}

size_t cairn_frame_reader_want(const cairn_frame_reader_t *r)
{
    size_t have = r->len - r->frame_start;
    if (have < CAIRN_FRAME_HEADER)
        return CAIRN_FRAME_HEADER - have;
    return CAIRN_FRAME_HEADER + read_be32(r->buf + r->frame_start) - have;
}
