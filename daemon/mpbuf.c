/*
 * mpbuf.c: a msgpack buffer that remembers a failed write (mpbuf.h).
 */
#include <errno.h>

#include "mpbuf.h"

static int mpbuf_write(void *data, const char *buf, size_t len)
{
    cairn_mpbuf_t *b = data;
    if (!b->failed && msgpack_sbuffer_write(&b->sb, buf, len) != 0)
        b->failed = true;
    return b->failed ? -1 : 0;
}

void cairn_mpbuf_init(cairn_mpbuf_t *b)
{
    msgpack_sbuffer_init(&b->sb);
    msgpack_packer_init(&b->pk, b, mpbuf_write);
    b->failed = false;
    b->count = 0;
}

void cairn_mpbuf_free(cairn_mpbuf_t *b)
{
    msgpack_sbuffer_destroy(&b->sb);
    msgpack_sbuffer_init(&b->sb);
}

int cairn_mpbuf_status(const cairn_mpbuf_t *b)
{
    return b->failed || (b->sb.size == 0 && b->count > 0) ? -ENOMEM : 0;
}

void cairn_mpbuf_raw(cairn_mpbuf_t *b, const void *data, size_t len)
{
    mpbuf_write(b, data, len);
}

int cairn_mpbuf_pack_array(const cairn_mpbuf_t *b, msgpack_packer *out)
{
    if (cairn_mpbuf_status(b) != 0)
        return -ENOMEM;
    msgpack_pack_array(out, b->count);
    if (b->sb.size > 0)
        out->callback(out->data, b->sb.data, b->sb.size);
    return 0;
}
