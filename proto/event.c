/*
 * event.c: the canonical encoding of an event, its hash chain step, and checkpoint signatures
 * (PROTOCOL.md section 7).
 *
 * The canonical encoding is written by hand, not by msgpack-c's packer, so that the bytes that are
 * hashed depend only on this file and the spec (the shortest form of every length and integer),
 * never on a library version. The chain step feeds the hash in pieces: the body, up to 3 MiB, is
 * never copied.
 */
#include <string.h>

#include <sodium.h>

#include <cairn/err.h>
#include <cairn/event.h>

static const char chain_tag[] = "cairn-chain-v1";           /* 14 bytes, no NUL */
static const char checkpoint_tag[] = "cairn-checkpoint-v1"; /* 19 bytes, no NUL */

int cairn_event_check(const cairn_event_t *ev)
{
    size_t n;
    if (ev->seq == 0 || ev->seq > INT64_MAX || ev->hlc > INT64_MAX)
        return CAIRN_EINVAL;
    if (ev->partition == NULL || ev->type == NULL || ev->entity == NULL || ev->body == NULL)
        return CAIRN_EINVAL;
    n = strnlen(ev->partition, CAIRN_PARTITION_MAX + 1);
    if (n == 0 || n > CAIRN_PARTITION_MAX)
        return CAIRN_EINVAL;
    n = strnlen(ev->type, CAIRN_TYPE_MAX + 1);
    if (n == 0 || n > CAIRN_TYPE_MAX)
        return CAIRN_EINVAL;
    n = strnlen(ev->entity, CAIRN_ENTITY_MAX + 1);
    if (n == 0 || n > CAIRN_ENTITY_MAX)
        return CAIRN_EINVAL;
    if (ev->body_len == 0 || ev->body_len > CAIRN_EVENT_BODY_MAX)
        return ev->body_len == 0 ? CAIRN_EINVAL : CAIRN_ETOOBIG;
    return 0;
}

/* Writes the shortest msgpack header of a uint; returns its length (1..9). */
static size_t put_uint(uint8_t *p, uint64_t v)
{
    size_t n;
    if (v <= 0x7f) {
        p[0] = (uint8_t)v;
        return 1;
    }
    if (v <= 0xff) {
        p[0] = 0xcc, n = 1;
    } else if (v <= 0xffff) {
        p[0] = 0xcd, n = 2;
    } else if (v <= 0xffffffffu) {
        p[0] = 0xce, n = 4;
    } else {
        p[0] = 0xcf, n = 8;
    }
    for (size_t i = 0; i < n; i++)
        p[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return 1 + n;
}

/* The shortest str (is_bin false) or bin header for len bytes; returns its length (1..5). */
static size_t put_len(uint8_t *p, size_t len, int is_bin)
{
    size_t n;
    if (!is_bin && len <= 31) {
        p[0] = (uint8_t)(0xa0 | len);
        return 1;
    }
    if (len <= 0xff) {
        p[0] = is_bin ? 0xc4 : 0xd9, n = 1;
    } else if (len <= 0xffff) {
        p[0] = is_bin ? 0xc5 : 0xda, n = 2;
    } else {
        p[0] = is_bin ? 0xc6 : 0xdb, n = 4;
    }
    for (size_t i = 0; i < n; i++)
        p[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return 1 + n;
}

/* The canonical encoding without the body bytes (everything up to and including the body's bin
 * header): at most 1 + 34 + 2 + 80 + 9 + 9 + 2 + 48 + 2 + 96 + 5 bytes. */
#define HEAD_MAX 300
static size_t canonical_head(const cairn_event_t *ev, uint8_t *p)
{
    size_t n = 0, len;
    p[n++] = 0x97; /* fixarray of 7 */
    n += put_len(p + n, CAIRN_NODE_ID_LEN, 1);
    memcpy(p + n, ev->origin, CAIRN_NODE_ID_LEN);
    n += CAIRN_NODE_ID_LEN;
    len = strlen(ev->partition);
    n += put_len(p + n, len, 0);
    memcpy(p + n, ev->partition, len);
    n += len;
    n += put_uint(p + n, ev->seq);
    n += put_uint(p + n, ev->hlc);
    len = strlen(ev->type);
    n += put_len(p + n, len, 0);
    memcpy(p + n, ev->type, len);
    n += len;
    len = strlen(ev->entity);
    n += put_len(p + n, len, 0);
    memcpy(p + n, ev->entity, len);
    n += len;
    n += put_len(p + n, ev->body_len, 1);
    return n;
}

int cairn_event_canonical(const cairn_event_t *ev, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t head[HEAD_MAX];
    if (cairn_event_check(ev) != 0)
        return CAIRN_EINVAL;
    size_t n = canonical_head(ev, head);
    *len = n + ev->body_len;
    if (*len > cap)
        return CAIRN_ETOOBIG;
    memcpy(out, head, n);
    memcpy(out + n, ev->body, ev->body_len);
    return 0;
}

void cairn_chain_step(const uint8_t prev[CAIRN_CHAIN_LEN], const cairn_event_t *ev,
                      uint8_t out[CAIRN_CHAIN_LEN])
{
    crypto_generichash_state h;
    uint8_t head[HEAD_MAX];
    size_t n = canonical_head(ev, head);
    crypto_generichash_init(&h, NULL, 0, CAIRN_CHAIN_LEN);
    crypto_generichash_update(&h, (const uint8_t *)chain_tag, sizeof chain_tag - 1);
    crypto_generichash_update(&h, prev, CAIRN_CHAIN_LEN);
    crypto_generichash_update(&h, head, n);
    crypto_generichash_update(&h, ev->body, ev->body_len);
    crypto_generichash_final(&h, out, CAIRN_CHAIN_LEN);
}

size_t cairn_checkpoint_message(const uint8_t origin[CAIRN_NODE_ID_LEN], const char *partition,
                                uint64_t seq, const uint8_t chain[CAIRN_CHAIN_LEN], uint8_t *out)
{
    size_t plen = strnlen(partition, CAIRN_PARTITION_MAX + 1), n = 0;
    if (plen == 0 || plen > CAIRN_PARTITION_MAX)
        return 0;
    memcpy(out, checkpoint_tag, sizeof checkpoint_tag - 1);
    n += sizeof checkpoint_tag - 1;
    memcpy(out + n, origin, CAIRN_NODE_ID_LEN);
    n += CAIRN_NODE_ID_LEN;
    memcpy(out + n, partition, plen);
    n += plen;
    for (int i = 0; i < 8; i++)
        out[n++] = (uint8_t)(seq >> (56 - 8 * i));
    memcpy(out + n, chain, CAIRN_CHAIN_LEN);
    return n + CAIRN_CHAIN_LEN;
}

int cairn_checkpoint_sign(const uint8_t sk[64], const uint8_t origin[CAIRN_NODE_ID_LEN],
                          const char *partition, uint64_t seq, const uint8_t chain[CAIRN_CHAIN_LEN],
                          uint8_t sig[CAIRN_SIG_LEN])
{
    uint8_t msg[CAIRN_CHECKPOINT_MSG_MAX];
    size_t n = cairn_checkpoint_message(origin, partition, seq, chain, msg);
    if (n == 0 || crypto_sign_detached(sig, NULL, msg, n, sk) != 0)
        return CAIRN_EINVAL;
    return 0;
}

int cairn_checkpoint_verify(const uint8_t origin[CAIRN_NODE_ID_LEN], const char *partition,
                            uint64_t seq, const uint8_t chain[CAIRN_CHAIN_LEN],
                            const uint8_t sig[CAIRN_SIG_LEN])
{
    uint8_t msg[CAIRN_CHECKPOINT_MSG_MAX];
    size_t n = cairn_checkpoint_message(origin, partition, seq, chain, msg);
    if (n == 0 || crypto_sign_verify_detached(sig, msg, n, origin) != 0)
        return CAIRN_ECRYPTO;
    return 0;
}
