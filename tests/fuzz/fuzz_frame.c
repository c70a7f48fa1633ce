/*
 * fuzz_frame.c: libFuzzer target for the incremental frame reader, feeding what it yields to the
 * msgpack decoder as the daemon does.
 *
 * The first byte picks the reader's max and how the rest is cut into feeds; the rest is the
 * stream. The reader's frames are compared with a plain one-pass parse of the same stream: they
 * must be the same frames, in order, and the reader must fail exactly where the parse does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/err.h"
#include "cairn/frame.h"
#include "cairn/mp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void decode(const uint8_t *payload, size_t len)
{
    cairn_mp_doc_t doc;
    uint64_t rid;
    if (cairn_mp_decode(payload, len, &cairn_mp_wire_limits, &doc) == 0) {
        (void)cairn_mp_get_u64(&doc.root, "rid", &rid);
        cairn_mp_doc_free(&doc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t maxes[4] = {1, 16, 300, CAIRN_FRAME_MAX};
    cairn_frame_reader_t r;
    size_t max, off, ref = 0; /* ref: where the one-pass parse expects the next frame */
    size_t most_held = 0;
    uint32_t seed;
    int failed = 0;

    if (size < 1)
        return 0;
    max = maxes[data[0] & 3];
    seed = data[0];
    data++, size--;

    cairn_frame_reader_init(&r, max);
    for (off = 0; off < size && !failed;) {
        /* feed sizes from a tiny LCG: mostly small, sometimes the whole rest */
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % 8 == 0 ? size - off : 1 + (seed >> 16) % 37;
        if (n > size - off)
            n = size - off;
        int rc = cairn_frame_reader_feed(&r, data + off, n);
        off += n;
        if (rc != 0) {
            if (rc != CAIRN_EPROTO && rc != CAIRN_ETOOBIG)
                abort();
            failed = rc;
        }
        if (r.len > most_held)
            most_held = r.len;
        if (r.cap > CAIRN_FRAME_HEADER + max && r.cap > most_held)
            abort(); /* grown past the bound, and past what it ever had to hold */
        const uint8_t *p;
        size_t len;
        while (cairn_frame_reader_next(&r, &p, &len) == 1) {
            /* the same frame as the one-pass parse */
            if (size - ref < CAIRN_FRAME_HEADER || be32(data + ref) != len || len == 0 ||
                len > max || size - ref - CAIRN_FRAME_HEADER < len ||
                memcmp(data + ref + CAIRN_FRAME_HEADER, p, len) != 0)
                abort();
            ref += CAIRN_FRAME_HEADER + len;
            decode(p, len);
        }
        if (failed) {
            /* the parse must find a bad header at or after ref within the bytes fed so far */
            size_t at = ref;
            while (off - at >= CAIRN_FRAME_HEADER) {
                uint32_t l = be32(data + at);
                if (l == 0 || l > max)
                    break;
                at += CAIRN_FRAME_HEADER + l;
            }
            if (off - at < CAIRN_FRAME_HEADER)
                abort();
            uint32_t l = be32(data + at);
            if ((l == 0 && failed != CAIRN_EPROTO) || (l > max && failed != CAIRN_ETOOBIG))
                abort();
        }
    }
    if (!failed) {
        /* every whole frame was taken; what is left is one partial frame, and want() says so */
        size_t left = size - ref;
        if (left >= CAIRN_FRAME_HEADER && CAIRN_FRAME_HEADER + be32(data + ref) <= left)
            abort();
        if (cairn_frame_reader_want(&r) == 0)
            abort();
    }
    cairn_frame_reader_free(&r);
    return 0;
}
