/*
 * channel_handshake.c: the secure channel's handshake (SIGMA-I), its key schedule, and the
 * channel's life cycle (init, wipe). The data streams are in channel_stream.c.
 *
 * Specification: PROTOCOL.md section 5. This file implements it and nothing more: it never reads
 * a socket, never allocates, and never lets bytes that failed to authenticate change anything but
 * the sticky error. It must never invent cryptography: every primitive is libsodium's, composed as
 * SIGMA-I composes them (Krawczyk 2003), with every derived value bound to the transcript hash.
 *
 * Invariants: c->err != 0 iff c->state == S_FAILED, and then every secret is zero. Each handshake
 * AEAD key encrypts exactly one message, so its all-zero nonce is never reused.
 */
#include <string.h>

#include "cairn/channel.h"
#include "cairn/err.h"
#include "channel_internal.h"

/* Wipes everything but the role, so no secret outlives a failure; the reason stays for the log
 * line. */
int cairn_channel_fail(cairn_channel_t *c, int rc, const char *reason)
{
    int is_initiator = c->is_initiator;
    sodium_memzero(c, sizeof *c);
    c->is_initiator = is_initiator;
    c->state = S_FAILED;
    c->err = rc;
    c->reason = reason;
    return rc;
}

#define PROTO_NAME "cairn-sigma-v1"
#define SIG_LABEL_R "cairn-sigma-r"
#define SIG_LABEL_I "cairn-sigma-i"
#define EPH_OFF 1
#define NONCE_OFF 33
#define SEALED_ID_LEN (32 + 64 + 32) /* identity, signature, MAC */

_Static_assert(CAIRN_CHANNEL_MSG1_LEN == 1 + 32 + 32, "msg1 size");
_Static_assert(CAIRN_CHANNEL_MSG2_LEN ==
                   64 + SEALED_ID_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "msg2 size");
_Static_assert(CAIRN_CHANNEL_MSG3_LEN == SEALED_ID_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "msg3 size");
_Static_assert(CAIRN_CHANNEL_MSG3_PSK_LEN == CAIRN_CHANNEL_MSG3_LEN + 32, "msg3 psk size");
_Static_assert(CAIRN_CHANNEL_OVERHEAD ==
                   crypto_secretstream_xchacha20poly1305_HEADERBYTES + CAIRN_CHANNEL_ABYTES,
               "overhead");
_Static_assert(CAIRN_CHANNEL_HEADER_LEN == crypto_secretstream_xchacha20poly1305_HEADERBYTES,
               "header");

/* KDF(key, label, data): BLAKE2b-256 keyed with a 32-byte key over label || data1 || data2. */
static void kdf(uint8_t out[32], const uint8_t key[32], const char *label, const uint8_t *data1,
                size_t len1, const uint8_t *data2, size_t len2)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, 32, 32);
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
    if (len1)
        crypto_generichash_update(&st, data1, len1);
    if (len2)
        crypto_generichash_update(&st, data2, len2);
    crypto_generichash_final(&st, out, 32);
    sodium_memzero(&st, sizeof st);
}

/* TH = BLAKE2b-256(PROTO_NAME || a || b || c): the transcript hash over handshake bytes so far. */
static void transcript(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b,
                       size_t blen, const uint8_t *d, size_t dlen)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)PROTO_NAME, strlen(PROTO_NAME));
    crypto_generichash_update(&st, a, alen);
    if (blen)
        crypto_generichash_update(&st, b, blen);
    if (dlen)
        crypto_generichash_update(&st, d, dlen);
    crypto_generichash_final(&st, out, 32);
}

/* Ed25519 over label || th: the labels keep an initiator's signature from passing as a
 * responder's (and from meaning anything outside this protocol). */
static void sign_th(uint8_t sig[64], const char *label, const uint8_t th[32], const uint8_t sk[64])
{
    uint8_t m[32 + 32];
    size_t llen = strlen(label);
    memcpy(m, label, llen);
    memcpy(m + llen, th, 32);
    crypto_sign_detached(sig, NULL, m, llen + 32, sk);
}

static int verify_th(const uint8_t sig[64], const char *label, const uint8_t th[32],
                     const uint8_t pk[32])
{
    uint8_t m[32 + 32];
    size_t llen = strlen(label);
    memcpy(m, label, llen);
    memcpy(m + llen, th, 32);
    return crypto_sign_verify_detached(sig, m, llen + 32, pk);
}

/* hs = KDF(X25519(own ephemeral, peer ephemeral), "hs", TH_r). Refuses an all-zero shared secret
 * (a low-order peer point), which would make every key predictable. */
static int derive_hs(cairn_channel_t *c, const uint8_t th_r[32])
{
    uint8_t dh[32];
    if (crypto_scalarmult(dh, c->eph_sk, c->peer_eph) != 0 || sodium_is_zero(dh, sizeof dh)) {
        sodium_memzero(dh, sizeof dh);
        return -1;
    }
    kdf(c->hs, dh, PROTO_NAME " hs", th_r, 32, NULL, 0);
    sodium_memzero(dh, sizeof dh);
    return 0;
}

/* The plaintext of msg2 or msg3: identity || signature over th || MAC of the identity. */
static void seal_identity(const cairn_channel_t *c, uint8_t pt[SEALED_ID_LEN],
                          const char *sig_label, const char *mac_label, const uint8_t th[32])
{
    uint8_t km[32];
    memcpy(pt, c->id_pk, 32);
    sign_th(pt + 32, sig_label, th, c->id_sk);
    kdf(km, c->hs, mac_label, NULL, 0, NULL, 0);
    kdf(pt + 96, km, "", c->id_pk, 32, NULL, 0);
    sodium_memzero(km, sizeof km);
}

/* Checks a decrypted identity block; returns NULL or the reason it fails. */
static const char *check_identity(const cairn_channel_t *c, const uint8_t pt[SEALED_ID_LEN],
                                  const char *sig_label, const char *mac_label,
                                  const uint8_t th[32])
{
    uint8_t km[32], mac[32];
    int bad;
    kdf(km, c->hs, mac_label, NULL, 0, NULL, 0);
    kdf(mac, km, "", pt, 32, NULL, 0);
    bad = crypto_verify_32(mac, pt + 96);
    sodium_memzero(km, sizeof km);
    if (bad)
        return "the MAC does not bind the peer identity to this session's keys";
    if (verify_th(pt + 32, sig_label, th, pt) != 0)
        return "the peer's signature over the transcript is invalid";
    if (c->has_expect && sodium_memcmp(pt, c->expect_pk, 32) != 0)
        return "the peer identity is not the pinned (expected) key";
    return NULL;
}

/* After the handshake: ss = KDF(hs, "ss", TH_f || PSK?), one key per direction, and this side's
 * sending stream (its header goes out with the first data message). */
static int derive_session(cairn_channel_t *c, const uint8_t th_f[32])
{
    uint8_t ss[32], i2r[32], r2i[32];
    kdf(ss, c->hs, PROTO_NAME " ss", th_f, 32, c->psk, c->has_psk ? 32 : 0);
    kdf(i2r, ss, PROTO_NAME " i2r", NULL, 0, NULL, 0);
    kdf(r2i, ss, PROTO_NAME " r2i", NULL, 0, NULL, 0);
    memcpy(c->tx_key, c->is_initiator ? i2r : r2i, 32);
    memcpy(c->rx_key, c->is_initiator ? r2i : i2r, 32);
    sodium_memzero(ss, sizeof ss);
    sodium_memzero(i2r, sizeof i2r);
    sodium_memzero(r2i, sizeof r2i);
    sodium_memzero(c->hs, sizeof c->hs);
    sodium_memzero(c->eph_sk, sizeof c->eph_sk);
    if (c->deterministic) {
        /* The push state is a function of key and header only, and init_pull computes exactly
         * that function; this lets test vectors fix the header. */
        crypto_secretstream_xchacha20poly1305_init_pull(&c->tx, c->tx_header, c->tx_key);
    } else if (crypto_secretstream_xchacha20poly1305_init_push(&c->tx, c->tx_header, c->tx_key) !=
               0) {
        return cairn_channel_fail(c, CAIRN_ECRYPTO, "the sending stream could not be started");
    }
    c->state = S_ESTABLISHED;
    return 0;
}

static int init_common(cairn_channel_t *c, int is_initiator, const uint8_t *id_pk,
                       const uint8_t *id_sk, const uint8_t *expect_peer_pk, const uint8_t *psk,
                       const cairn_channel_seed_t *seed)
{
    if (c == NULL)
        return CAIRN_EINVAL;
    memset(c, 0, sizeof *c);
    if (id_pk == NULL || id_sk == NULL)
        return CAIRN_EINVAL;
    if (sodium_init() < 0)
        return CAIRN_ECRYPTO;
    /* libsodium's 64-byte secret key ends with the public key: a mismatch is a caller bug that
     * would make every peer refuse us. */
    if (memcmp(id_sk + 32, id_pk, 32) != 0)
        return CAIRN_EINVAL;
    c->is_initiator = is_initiator ? 1 : 0;
    memcpy(c->id_pk, id_pk, 32);
    memcpy(c->id_sk, id_sk, 64);
    if (expect_peer_pk) {
        c->has_expect = 1;
        memcpy(c->expect_pk, expect_peer_pk, 32);
    }
    if (psk) {
        c->has_psk = 1;
        memcpy(c->psk, psk, 32);
    }
    if (seed) {
        c->deterministic = 1;
        memcpy(c->eph_sk, seed->ephemeral_sk, 32);
        memcpy(c->nonce, seed->nonce, 32);
        memcpy(c->tx_header, seed->stream_header, sizeof c->tx_header);
    } else {
        randombytes_buf(c->eph_sk, sizeof c->eph_sk);
        randombytes_buf(c->nonce, sizeof c->nonce);
    }
    if (crypto_scalarmult_base(c->eph_pk, c->eph_sk) != 0) {
        cairn_channel_wipe(c);
        return CAIRN_ECRYPTO;
    }
    c->rekey_msgs = CAIRN_CHANNEL_REKEY_MSGS;
    c->rekey_bytes = CAIRN_CHANNEL_REKEY_BYTES;
    c->state = S_START;
    return 0;
}

int cairn_channel_init(cairn_channel_t *c, int is_initiator, const uint8_t id_pk[32],
                       const uint8_t id_sk[64], const uint8_t *expect_peer_pk, const uint8_t *psk)
{
    return init_common(c, is_initiator, id_pk, id_sk, expect_peer_pk, psk, NULL);
}

int cairn_channel_init_deterministic(cairn_channel_t *c, int is_initiator, const uint8_t id_pk[32],
                                     const uint8_t id_sk[64], const uint8_t *expect_peer_pk,
                                     const uint8_t *psk, const cairn_channel_seed_t *seed)
{
    if (seed == NULL)
        return CAIRN_EINVAL;
    return init_common(c, is_initiator, id_pk, id_sk, expect_peer_pk, psk, seed);
}

int cairn_channel_handshake_wants_out(const cairn_channel_t *c)
{
    return c->err == 0 && ((c->is_initiator && (c->state == S_START || c->state == S_I_SEND3)) ||
                           (!c->is_initiator && c->state == S_R_SEND2));
}

/* msg1 = version || e_I || n_I */
static int write_msg1(cairn_channel_t *c, uint8_t *out)
{
    c->msg1[0] = CAIRN_CHANNEL_VERSION;
    memcpy(c->msg1 + EPH_OFF, c->eph_pk, 32);
    memcpy(c->msg1 + NONCE_OFF, c->nonce, 32);
    memcpy(out, c->msg1, sizeof c->msg1);
    c->state = S_I_WAIT2;
    return 0;
}

/* msg2 = e_R || n_R || AEAD(k2, nonce 0, ad TH_r, id_R || sig_R(TH_r) || MAC(km_r, id_R)) */
static int write_msg2(cairn_channel_t *c, uint8_t *out)
{
    uint8_t th_r[32], k2[32], pt[SEALED_ID_LEN];
    static const uint8_t zero_nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];

    memcpy(c->msg2, c->eph_pk, 32);
    memcpy(c->msg2 + 32, c->nonce, 32);
    memcpy(th_r, c->th, 32);
    seal_identity(c, pt, SIG_LABEL_R, PROTO_NAME " mac-r", th_r);
    kdf(k2, c->hs, PROTO_NAME " k2", NULL, 0, NULL, 0);
    crypto_aead_xchacha20poly1305_ietf_encrypt(c->msg2 + 64, NULL, pt, sizeof pt, th_r, 32, NULL,
                                               zero_nonce, k2);
    sodium_memzero(k2, sizeof k2);
    sodium_memzero(pt, sizeof pt);
    memcpy(out, c->msg2, sizeof c->msg2);
    transcript(c->th, c->msg1, sizeof c->msg1, c->msg2, sizeof c->msg2, NULL, 0); /* TH_i */
    c->state = S_R_WAIT3;
    return 0;
}

/* msg3 = AEAD(k3, nonce 0, ad TH_i, id_I || sig_I(TH_i) || MAC(km_i, id_I) [|| psk proof]) */
static int write_msg3(cairn_channel_t *c, uint8_t *out, size_t *len)
{
    uint8_t k3[32], pt[SEALED_ID_LEN + 32], th_f[32];
    size_t ptlen = SEALED_ID_LEN;
    static const uint8_t zero_nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];

    seal_identity(c, pt, SIG_LABEL_I, PROTO_NAME " mac-i", c->th);
    if (c->has_psk) {
        kdf(pt + SEALED_ID_LEN, c->psk, PROTO_NAME " psk", c->th, 32, NULL, 0);
        ptlen += 32;
    }
    kdf(k3, c->hs, PROTO_NAME " k3", c->th, 32, NULL, 0);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out, NULL, pt, ptlen, c->th, 32, NULL, zero_nonce,
                                               k3);
    sodium_memzero(k3, sizeof k3);
    sodium_memzero(pt, sizeof pt);
    *len = ptlen + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    transcript(th_f, c->msg1, sizeof c->msg1, c->msg2, sizeof c->msg2, out, *len);
    return derive_session(c, th_f);
}

int cairn_channel_handshake_out(cairn_channel_t *c, uint8_t *out, size_t cap, size_t *len)
{
    size_t need;
    if (c->err)
        return c->err;
    if (!cairn_channel_handshake_wants_out(c))
        return CAIRN_ESTATE;
    if (c->state == S_START)
        need = CAIRN_CHANNEL_MSG1_LEN;
    else if (c->state == S_R_SEND2)
        need = CAIRN_CHANNEL_MSG2_LEN;
    else
        need = c->has_psk ? CAIRN_CHANNEL_MSG3_PSK_LEN : CAIRN_CHANNEL_MSG3_LEN;
    if (out == NULL || len == NULL || cap < need)
        return CAIRN_EINVAL;
    *len = need;
    if (c->state == S_START)
        return write_msg1(c, out);
    if (c->state == S_R_SEND2)
        return write_msg2(c, out);
    return write_msg3(c, out, len);
}

static int read_msg1(cairn_channel_t *c, const uint8_t *in, size_t len)
{
    /* The version first, whatever the size: a later version may well have another msg1. */
    if (len >= 1 && in[0] != CAIRN_CHANNEL_VERSION)
        return cairn_channel_fail(c, CAIRN_EUNSUPPORTED,
                                  "msg1 asks for an unsupported channel version");
    if (len != CAIRN_CHANNEL_MSG1_LEN)
        return cairn_channel_fail(c, CAIRN_ECRYPTO, "msg1 has the wrong size");
    memcpy(c->msg1, in, len);
    memcpy(c->peer_eph, in + EPH_OFF, 32);
    memcpy(c->peer_nonce, in + NONCE_OFF, 32);
    /* TH_r covers msg1 and the responder's own ephemeral and nonce, the clear part of msg2. */
    uint8_t head[64];
    memcpy(head, c->eph_pk, 32);
    memcpy(head + 32, c->nonce, 32);
    transcript(c->th, c->msg1, sizeof c->msg1, head, sizeof head, NULL, 0);
    if (derive_hs(c, c->th) != 0)
        return cairn_channel_fail(c, CAIRN_ECRYPTO,
                                  "the initiator's ephemeral key is a low-order point");
    c->state = S_R_SEND2;
    return 0;
}

static int read_msg2(cairn_channel_t *c, const uint8_t *in, size_t len)
{
    uint8_t th_r[32], k2[32], pt[SEALED_ID_LEN];
    static const uint8_t zero_nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    const char *why;
    int rc;

    if (len != CAIRN_CHANNEL_MSG2_LEN)
        return cairn_channel_fail(c, CAIRN_ECRYPTO, "msg2 has the wrong size");
    memcpy(c->peer_eph, in, 32);
    memcpy(c->peer_nonce, in + 32, 32);
    transcript(th_r, c->msg1, sizeof c->msg1, in, 64, NULL, 0);
    if (derive_hs(c, th_r) != 0)
        return cairn_channel_fail(c, CAIRN_ECRYPTO,
                                  "the responder's ephemeral key is a low-order point");
    kdf(k2, c->hs, PROTO_NAME " k2", NULL, 0, NULL, 0);
    rc = crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, in + 64, len - 64, th_r, 32,
                                                    zero_nonce, k2);
    sodium_memzero(k2, sizeof k2);
    if (rc != 0)
        return cairn_channel_fail(
            c, CAIRN_ECRYPTO,
            "msg2 does not authenticate (tampered, or not an answer to our msg1)");
    why = check_identity(c, pt, SIG_LABEL_R, PROTO_NAME " mac-r", th_r);
    if (why)
        return cairn_channel_fail(c, CAIRN_ECRYPTO, why);
    memcpy(c->peer_pk, pt, 32);
    memcpy(c->msg2, in, len);
    transcript(c->th, c->msg1, sizeof c->msg1, c->msg2, sizeof c->msg2, NULL, 0); /* TH_i */
    c->state = S_I_SEND3;
    return 0;
}

static int read_msg3(cairn_channel_t *c, const uint8_t *in, size_t len)
{
    uint8_t k3[32], pt[SEALED_ID_LEN + 32], th_f[32], proof[32];
    static const uint8_t zero_nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    const char *why;
    int rc;

    if (len != CAIRN_CHANNEL_MSG3_LEN && len != CAIRN_CHANNEL_MSG3_PSK_LEN)
        return cairn_channel_fail(c, CAIRN_ECRYPTO, "msg3 has the wrong size");
    kdf(k3, c->hs, PROTO_NAME " k3", c->th, 32, NULL, 0);
    rc = crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, in, len, c->th, 32, zero_nonce,
                                                    k3);
    sodium_memzero(k3, sizeof k3);
    if (rc != 0)
        return cairn_channel_fail(
            c, CAIRN_ECRYPTO,
            "msg3 does not authenticate (tampered, replayed, or not for this session)");
    why = check_identity(c, pt, SIG_LABEL_I, PROTO_NAME " mac-i", c->th);
    if (why)
        return cairn_channel_fail(c, CAIRN_ECRYPTO, why);
    if (c->has_psk && len == CAIRN_CHANNEL_MSG3_LEN)
        return cairn_channel_fail(c, CAIRN_ECRYPTO,
                                  "this responder requires an enrolment PSK; none was proven");
    if (!c->has_psk && len == CAIRN_CHANNEL_MSG3_PSK_LEN)
        return cairn_channel_fail(c, CAIRN_ECRYPTO,
                                  "the initiator proves a PSK this responder does not have");
    if (c->has_psk) {
        kdf(proof, c->psk, PROTO_NAME " psk", c->th, 32, NULL, 0);
        if (crypto_verify_32(proof, pt + SEALED_ID_LEN) != 0)
            return cairn_channel_fail(c, CAIRN_ECRYPTO,
                                      "the initiator's PSK proof does not match our PSK");
    }
    memcpy(c->peer_pk, pt, 32);
    sodium_memzero(pt, sizeof pt);
    transcript(th_f, c->msg1, sizeof c->msg1, c->msg2, sizeof c->msg2, in, len);
    return derive_session(c, th_f);
}

int cairn_channel_handshake_in(cairn_channel_t *c, const uint8_t *in, size_t len)
{
    if (c->err)
        return c->err;
    if (in == NULL && len > 0)
        return CAIRN_EINVAL;
    if (c->is_initiator && c->state == S_I_WAIT2)
        return read_msg2(c, in, len);
    if (!c->is_initiator && c->state == S_START)
        return read_msg1(c, in, len);
    if (!c->is_initiator && c->state == S_R_WAIT3)
        return read_msg3(c, in, len);
    return CAIRN_ESTATE;
}

int cairn_channel_is_established(const cairn_channel_t *c)
{
    return c->err == 0 && c->state == S_ESTABLISHED;
}

int cairn_channel_peer(const cairn_channel_t *c, uint8_t pk[32])
{
    if (c->err || !(c->state == S_ESTABLISHED || c->state == S_I_SEND3))
        return CAIRN_ESTATE;
    memcpy(pk, c->peer_pk, 32);
    return 0;
}

const char *cairn_channel_reason(const cairn_channel_t *c)
{
    return c->err ? c->reason : NULL;
}

int cairn_channel_session_keys(const cairn_channel_t *c, uint8_t tx[32], uint8_t rx[32])
{
    if (!cairn_channel_is_established(c))
        return CAIRN_ESTATE;
    memcpy(tx, c->tx_key, 32);
    memcpy(rx, c->rx_key, 32);
    return 0;
}

void cairn_channel_wipe(cairn_channel_t *c)
{
    if (c)
        sodium_memzero(c, sizeof *c);
}
