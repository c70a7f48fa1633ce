/*
 * sync_vec.c: vector digests instead of whole vectors when a session opens a partition
 * (sync_vec.h). A digest that matches a stale or wrong stored vector is impossible short of a
 * BLAKE2b collision; one that does not match only costs the round trip of a `vreq`, so the
 * stored vector is a cache and never decides what is sent on its own.
 */
#include "sync_vec.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "store.h"
#include "store_peervec.h"
#include "store_sync.h"

static int send_small(cairn_sync_session_t *s, const char *t, const char *partition,
                      const uint8_t *digest)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, digest != NULL ? 3 : 2);
    cairn_mp_pack_kv_str(&pk, "t", t);
    cairn_mp_pack_kv_str(&pk, "p", partition);
    if (digest != NULL)
        cairn_mp_pack_kv_bin(&pk, "d", digest, CAIRN_VECTOR_DIGEST_LEN);
    int rc = sb.data != NULL ? cairn_sync_session_send(s, sb.data, sb.size) : -ENOMEM;
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

int cairn_sync_vec_request(cairn_sync_session_t *s, cairn_sync_part_t *p)
{
    int rc = send_small(s, "vreq", p->name, NULL);
    if (rc == 0)
        p->have_peer = false; /* until the answer: what we hold of its vector may be old */
    return rc;
}

int cairn_sync_vec_send_digest(cairn_sync_session_t *s, cairn_sync_part_t *p)
{
    cairn_vector_t v;
    uint8_t d[CAIRN_VECTOR_DIGEST_LEN];
    cairn_vector_init(&v, p->name);
    int rc = cairn_store_vector(s->d->store, p->name, &v);
    if (rc == 0)
        rc = cairn_vector_digest(&v, d);
    cairn_vector_free(&v);
    if (rc == 0)
        rc = send_small(s, "vec", p->name, d);
    if (rc == 0 && p->alias < 0)
        p->alias = s->aliases_sent++; /* this vec named it: the peer counts it too */
    return rc;
}

void cairn_sync_vec_pack_part(msgpack_packer *pk, const cairn_sync_part_t *p)
{
    if (p->alias >= 0)
        cairn_mp_pack_kv_u64(pk, "p", (uint64_t)p->alias);
    else
        cairn_mp_pack_kv_str(pk, "p", p->name);
}

void cairn_sync_vec_note_opening(cairn_sync_session_t *s, cairn_sync_part_t *p)
{
    if (p->peer_alias < 0)
        p->peer_alias = s->aliases_seen++;
}

cairn_sync_part_t *cairn_sync_vec_part_by_alias(cairn_sync_session_t *s, uint64_t alias)
{
    for (int i = 0; i < s->nparts; i++) {
        if (s->parts[i].peer_alias >= 0 && (uint64_t)s->parts[i].peer_alias == alias)
            return &s->parts[i];
    }
    return NULL;
}

int cairn_sync_vec_take_digest(cairn_sync_session_t *s, cairn_sync_part_t *p,
                               const msgpack_object *m)
{
    const uint8_t *d;
    size_t len;
    if (cairn_mp_get_bin(m, "d", CAIRN_VECTOR_DIGEST_LEN, &d, &len) != 0 ||
        len != CAIRN_VECTOR_DIGEST_LEN) {
        snprintf(s->reason, sizeof s->reason, "%s sent a malformed vector digest", s->peer);
        return CAIRN_EPROTO;
    }
    cairn_vector_t known;
    uint8_t mine[CAIRN_VECTOR_DIGEST_LEN];
    cairn_vector_init(&known, p->name);
    bool match = cairn_store_peervec_get(s->d->store, s->peer_pk, &known) == 0 &&
                 cairn_vector_digest(&known, mine) == 0 &&
                 sodium_memcmp(mine, d, CAIRN_VECTOR_DIGEST_LEN) == 0;
    if (!match) {
        cairn_vector_free(&known);
        return send_small(s, "vreq", p->name, NULL) == 0 ? 1 : CAIRN_ESTATE;
    }
    cairn_vector_free(&p->peer);
    p->peer = known;
    p->have_peer = true;
    p->idle_at = -1;
    return 0;
}

int cairn_sync_vec_from_msg(const msgpack_object *m, const char *partition, cairn_vector_t *v,
                            char *err, size_t errlen)
{
    const uint8_t *b;
    size_t len;
    if (cairn_mp_get_bin(m, "h", CAIRN_CHANGESET_MAX, &b, &len) == 0)
        return cairn_vector_decode_heads(b, len, partition, v, err, errlen);
    if (cairn_mp_get_bin(m, "v", CAIRN_CHANGESET_MAX, &b, &len) != 0) {
        snprintf(err, errlen, "no vector");
        return CAIRN_ENOTFOUND;
    }
    int rc = cairn_vector_decode(b, len, v, err, errlen);
    if (rc == 0 && strcmp(v->partition, partition) != 0) {
        cairn_vector_free(v);
        snprintf(err, errlen, "a vector for another partition");
        return CAIRN_EPROTO;
    }
    return rc;
}
