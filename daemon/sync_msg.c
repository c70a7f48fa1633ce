/*
 * sync_msg.c: decoding of the sealed sync messages' common fields and of the evidence chunk
 * messages (see sync_msg.h). No session, no store, no allocation.
 */
#include "sync_msg.h"

#include <string.h>

#include <cairn/changeset.h>
#include <cairn/err.h>

#include "sync_chunks.h"

const cairn_mp_limits_t cairn_sync_msg_limits = {.max_depth = 2,
                                                 .max_container = 16,
                                                 .max_objects = 64,
                                                 .max_str = 1024,
                                                 .max_bin = CAIRN_CHANGESET_MAX};

static bool is(const char *t, size_t tlen, const char *name)
{
    return tlen == strlen(name) && memcmp(t, name, tlen) == 0;
}

int cairn_sync_msg_head(const msgpack_object *m, cairn_sync_msg_head_t *h, const char **why)
{
    memset(h, 0, sizeof *h);
    if (cairn_mp_get_str(m, "t", 16, &h->t, &h->tlen) != 0) {
        *why = "a message without a type";
        return CAIRN_EPROTO;
    }
    if (is(h->t, h->tlen, "err")) {
        h->type = CAIRN_SYNC_MSG_ERR;
        if (cairn_mp_get_str(m, "error", 1024, &h->error, &h->elen) != 0)
            h->error = "?", h->elen = 1;
        return 0;
    }
    if (is(h->t, h->tlen, "vec"))
        h->type = CAIRN_SYNC_MSG_VEC;
    else if (is(h->t, h->tlen, "vreq"))
        h->type = CAIRN_SYNC_MSG_VREQ;
    else if (is(h->t, h->tlen, "cs"))
        h->type = CAIRN_SYNC_MSG_CS;
    else if (is(h->t, h->tlen, "ack"))
        h->type = CAIRN_SYNC_MSG_ACK;
    else if (cairn_sync_chunks_is_message(h->t, h->tlen))
        h->type = CAIRN_SYNC_MSG_CHUNK;
    else
        h->type = CAIRN_SYNC_MSG_OTHER;
    if (h->type == CAIRN_SYNC_MSG_CHUNK || h->type == CAIRN_SYNC_MSG_OTHER)
        return 0;
    if (cairn_mp_get_u64(m, "p", &h->alias) == 0) {
        h->has_alias = true;
        return 0;
    }
    if (cairn_mp_get_str(m, "p", CAIRN_PARTITION_MAX, &h->pname, &h->plen) != 0) {
        *why = "a message without a partition";
        return CAIRN_EPROTO;
    }
    return 0;
}

static int get_hash(const msgpack_object *m, const char *key, cairn_hash_t *h)
{
    const uint8_t *b;
    size_t len;
    if (cairn_mp_get_bin(m, key, CAIRN_HASH_LEN, &b, &len) != 0 || len != CAIRN_HASH_LEN)
        return CAIRN_EPROTO;
    memcpy(h->b, b, CAIRN_HASH_LEN);
    return 0;
}

int cairn_sync_msg_chunk(const char *t, size_t tlen, const msgpack_object *m,
                         cairn_sync_chunk_msg_t *out)
{
    memset(out, 0, sizeof *out);
    if (is(t, tlen, "cwant")) {
        out->kind = 'w';
        if (get_hash(m, "f", &out->f) != 0 || get_hash(m, "h", &out->h) != 0 ||
            cairn_mp_get_u64(m, "o", &out->off) != 0 || cairn_mp_get_u64(m, "n", &out->len) != 0 ||
            out->len == 0 || out->len > CAIRN_CHUNK_WANT_MAX || out->off >= CAIRN_CHUNK_SIZE_MAX ||
            out->off + out->len > CAIRN_CHUNK_SIZE_MAX)
            return CAIRN_EPROTO;
        return 0;
    }
    if (is(t, tlen, "cstat")) {
        out->kind = 's';
        if (get_hash(m, "f", &out->f) != 0 || cairn_mp_get_u64(m, "held", &out->held) != 0 ||
            cairn_mp_get_u64(m, "size", &out->size) != 0 ||
            cairn_mp_get_bool(m, "done", &out->done) != 0 || out->held > out->size)
            return CAIRN_EPROTO;
        return 0;
    }
    if (is(t, tlen, "cdata")) {
        out->kind = 'd';
        if (get_hash(m, "h", &out->h) != 0 || cairn_mp_get_u64(m, "o", &out->off) != 0 ||
            cairn_mp_get_bin(m, "d", CAIRN_CHUNK_PIECE, &out->data, &out->dlen) != 0 ||
            out->dlen == 0)
            return CAIRN_EPROTO;
        return 0;
    }
    if (is(t, tlen, "cnone")) {
        out->kind = 'n';
        return get_hash(m, "h", &out->h);
    }
    return CAIRN_EPROTO;
}
