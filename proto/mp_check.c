/*
 * mp_check.c: the limit checker that runs on untrusted msgpack before anything is decoded.
 *
 * It must never allocate, never recurse, and never trust a declared length: every length and
 * element count is compared with the bytes actually left before it is used or compared with a
 * limit. Nesting is tracked in one fixed array of "elements still owed" per open container, so
 * hostile input cannot make the stack deeper than CAIRN_MP_DEPTH_MAX.
 */
#include "cairn/err.h"
#include "cairn/mp.h"

const cairn_mp_limits_t cairn_mp_wire_limits = {
    .max_depth = 16,
    .max_container = 65536,
    .max_objects = 262144,
    .max_str = 2u * 1024 * 1024,
    .max_bin = 2u * 1024 * 1024,
};

/* What one object header says follows it. */
struct head {
    uint64_t skip;     /* bytes of body after the header (scalars, str, bin) */
    uint64_t elements; /* objects owed to a container (2 per map pair) */
    uint64_t declared; /* the declared length or count, for the limit */
    int kind;          /* KIND_* */
};

enum { KIND_SCALAR, KIND_STR, KIND_BIN, KIND_ARRAY, KIND_MAP };

/* Reads an n-byte big-endian length at buf[*pos]. */
static int read_length(const uint8_t *buf, size_t len, size_t *pos, unsigned n, uint64_t *out)
{
    uint64_t v = 0;
    if (len - *pos < n)
        return CAIRN_EMSGPACK;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | buf[*pos + i];
    *pos += n;
    *out = v;
    return 0;
}

/* Decodes the header of the object whose tag is at buf[*pos], leaving *pos after the header. */
static int read_head(const uint8_t *buf, size_t len, size_t *pos, struct head *h)
{
    uint8_t tag = buf[(*pos)++];
    unsigned width = 0; /* bytes of the length field, for str/bin/array/map */

    h->skip = h->elements = h->declared = 0;
    h->kind = KIND_SCALAR;

    if (tag <= 0x7f || tag >= 0xe0) /* positive and negative fixint */
        return 0;
    if (tag <= 0x8f) {
        h->kind = KIND_MAP;
        h->declared = tag & 0x0fu;
    } else if (tag <= 0x9f) {
        h->kind = KIND_ARRAY;
        h->declared = tag & 0x0fu;
    } else if (tag <= 0xbf) {
        h->kind = KIND_STR;
        h->declared = tag & 0x1fu;
    } else {
        switch (tag) {
        case 0xc0: /* nil */
        case 0xc2: /* false */
        case 0xc3: /* true */
            return 0;
        case 0xcc:
        case 0xd0:
            h->skip = 1;
            return 0;
        case 0xcd:
        case 0xd1:
            h->skip = 2;
            return 0;
        case 0xca:
        case 0xce:
        case 0xd2:
            h->skip = 4;
            return 0;
        case 0xcb:
        case 0xcf:
        case 0xd3:
            h->skip = 8;
            return 0;
        case 0xc4:
            h->kind = KIND_BIN;
            width = 1;
            break;
        case 0xc5:
            h->kind = KIND_BIN;
            width = 2;
            break;
        case 0xc6:
            h->kind = KIND_BIN;
            width = 4;
            break;
        case 0xd9:
            h->kind = KIND_STR;
            width = 1;
            break;
        case 0xda:
            h->kind = KIND_STR;
            width = 2;
            break;
        case 0xdb:
            h->kind = KIND_STR;
            width = 4;
            break;
        case 0xdc:
            h->kind = KIND_ARRAY;
            width = 2;
            break;
        case 0xdd:
            h->kind = KIND_ARRAY;
            width = 4;
            break;
        case 0xde:
            h->kind = KIND_MAP;
            width = 2;
            break;
        case 0xdf:
            h->kind = KIND_MAP;
            width = 4;
            break;
        default: /* 0xc1 (never used), ext 8/16/32 (0xc7-0xc9), fixext (0xd4-0xd8) */
            return CAIRN_EMSGPACK;
        }
        int rc = read_length(buf, len, pos, width, &h->declared);
        if (rc != 0)
            return rc;
    }
    if (h->kind == KIND_STR || h->kind == KIND_BIN)
        h->skip = h->declared;
    else
        h->elements = h->kind == KIND_MAP ? 2 * h->declared : h->declared;
    return 0;
}

int cairn_mp_check(const uint8_t *buf, size_t len, const cairn_mp_limits_t *lim)
{
    uint64_t owed[CAIRN_MP_DEPTH_MAX]; /* elements still owed by each open container */
    uint32_t max_depth = lim->max_depth < CAIRN_MP_DEPTH_MAX ? lim->max_depth : CAIRN_MP_DEPTH_MAX;
    uint32_t depth = 0;
    uint64_t objects = 0;
    size_t pos = 0;

    if (buf == NULL)
        return CAIRN_EMSGPACK;
    for (;;) {
        struct head h;
        int rc;

        if (pos >= len)
            return CAIRN_EMSGPACK; /* truncated (or empty) */
        if (++objects > lim->max_objects)
            return CAIRN_ETOOBIG;
        if ((rc = read_head(buf, len, &pos, &h)) != 0)
            return rc;

        /* Sizes against the bytes left first: each element needs at least one byte. */
        if (h.skip > len - pos || h.elements > len - pos)
            return CAIRN_EMSGPACK;
        if ((h.kind == KIND_STR && h.declared > lim->max_str) ||
            (h.kind == KIND_BIN && h.declared > lim->max_bin))
            return CAIRN_ETOOBIG;
        pos += (size_t)h.skip;

        if (h.kind == KIND_ARRAY || h.kind == KIND_MAP) {
            if (h.declared > lim->max_container || depth >= max_depth)
                return CAIRN_ETOOBIG;
            if (h.elements > 0) {
                owed[depth++] = h.elements;
                continue;
            }
        }

        /* One object is complete: it pays one element to its container, which may complete in
         * turn. When no container is open, the root is complete. */
        for (;;) {
            if (depth == 0)
                return pos == len ? 0 : CAIRN_EMSGPACK; /* trailing bytes */
            if (--owed[depth - 1] > 0)
                break;
            depth--;
        }
    }
}
