/*
 * seal.c: sealed bundles (PROTOCOL.md section 6).
 *
 * Writer and reader of the bundle format: an ECIES-style ephemeral-static X25519 key agreement to
 * the recipient's identity, a crypto_secretstream_xchacha20poly1305 stream of length-prefixed
 * records, and an Ed25519 signature of the sender over a BLAKE2b transcript hash of the header and
 * every plaintext record, carried encrypted in the final record.
 *
 * This file must never hand the reader's caller a record without first authenticating it as part
 * of this stream, never allocate for a length it has not checked against CAIRN_SEAL_RECORD_MAX,
 * never buffer more than one record, and never report success before the signature has verified
 * and the stream has ended exactly after the final record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn/err.h"
#include "cairn/seal.h"

#define SS_HEADER_LEN crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define TAG_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define TRANSCRIPT_LEN 64 /* BLAKE2b-512 */

/* Header field offsets (PROTOCOL.md 6.2). */
#define OFF_VERSION 8
#define OFF_RECIPIENT 9
#define OFF_EPHEMERAL 41
#define OFF_SS_HEADER 73
#define OFF_ID 97

static const char transcript_domain[] = "cairn-bundle-v1";
static const char key_domain[] = "cairn-bundle-v1 key";

_Static_assert(OFF_ID + CAIRN_SEAL_ID_LEN == CAIRN_SEAL_HEADER_LEN, "header layout");
_Static_assert(SS_HEADER_LEN == 24, "secretstream header");
_Static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == 32, "stream key");
_Static_assert(CAIRN_SEAL_ABYTES == 17, "secretstream overhead");

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* The stream key: BLAKE2b-256("cairn-bundle-v1 key" || X25519 shared || eph pk || recipient
 * Ed25519 pk). Binding both public keys (as crypto_kx and sealed boxes do) makes the key specific
 * to this recipient identity even though two Ed25519 keys map to one X25519 key. */
static void derive_key(uint8_t key[32], const uint8_t shared[32], const uint8_t eph_pk[32],
                       const uint8_t recipient_pk[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, (const uint8_t *)key_domain, sizeof key_domain - 1);
    crypto_generichash_update(&h, shared, 32);
    crypto_generichash_update(&h, eph_pk, 32);
    crypto_generichash_update(&h, recipient_pk, 32);
    crypto_generichash_final(&h, key, 32);
    sodium_memzero(&h, sizeof h);
}

/* Starts the transcript: domain || header || sender pk || created (u64 BE). */
static void transcript_start(crypto_generichash_state *t,
                             const uint8_t header[CAIRN_SEAL_HEADER_LEN])
{
    crypto_generichash_init(t, NULL, 0, TRANSCRIPT_LEN);
    crypto_generichash_update(t, (const uint8_t *)transcript_domain, sizeof transcript_domain - 1);
    crypto_generichash_update(t, header, CAIRN_SEAL_HEADER_LEN);
}

/* Adds one data record: u64 BE length || bytes. */
static void transcript_record(crypto_generichash_state *t, const uint8_t *data, size_t len)
{
    uint8_t l[8];
    put_be64(l, (uint64_t)len);
    crypto_generichash_update(t, l, sizeof l);
    if (len)
        crypto_generichash_update(t, data, len);
}

/* Ends the transcript with the count of data records (u64 BE). */
static void transcript_end(crypto_generichash_state *t, uint64_t records,
                           uint8_t out[TRANSCRIPT_LEN])
{
    uint8_t c[8];
    put_be64(c, records);
    crypto_generichash_update(t, c, sizeof c);
    crypto_generichash_final(t, out, TRANSCRIPT_LEN);
}

/* ---- writer ---- */

static int writer_fail(cairn_seal_writer_t *w, int rc)
{
    if (!w->err)
        w->err = rc;
    return rc;
}

/* Encrypts one record and hands its wire form (length prefix, ciphertext) to out. */
static int writer_emit(cairn_seal_writer_t *w, const uint8_t *m, size_t mlen, const uint8_t *ad,
                       size_t adlen, uint8_t tag)
{
    size_t need = CAIRN_SEAL_LEN_PREFIX + mlen + CAIRN_SEAL_ABYTES;
    if (need > w->cap) {
        uint8_t *n = realloc(w->buf, need);
        if (!n)
            return writer_fail(w, -ENOMEM);
        w->buf = n;
        w->cap = need;
    }
    put_be32(w->buf, (uint32_t)(mlen + CAIRN_SEAL_ABYTES));
    crypto_secretstream_xchacha20poly1305_push(&w->st, w->buf + CAIRN_SEAL_LEN_PREFIX, NULL, m,
                                               mlen, ad, adlen, tag);
    int rc = w->out(w->arg, w->buf, need);
    return rc ? writer_fail(w, rc) : 0;
}

static int writer_start(cairn_seal_writer_t *w, const uint8_t *sender_pk, const uint8_t *sender_sk,
                        const uint8_t *recipient_pk, const cairn_seal_fixed_t *fixed,
                        cairn_seal_out_cb out, void *arg)
{
    uint8_t check_pk[CAIRN_SEAL_PK_LEN], recipient_curve[32], eph_sk[32], eph_pk[32];
    uint8_t shared[32], key[32], header[CAIRN_SEAL_HEADER_LEN], opening[CAIRN_SEAL_OPENING_LEN];
    uint64_t created;
    int rc = 0;

    memset(w, 0, sizeof *w);
    if (!sender_pk || !sender_sk || !recipient_pk || !out)
        return CAIRN_EINVAL;
    crypto_sign_ed25519_sk_to_pk(check_pk, sender_sk);
    if (sodium_memcmp(check_pk, sender_pk, CAIRN_SEAL_PK_LEN) != 0)
        return CAIRN_EINVAL;
    if (crypto_sign_ed25519_pk_to_curve25519(recipient_curve, recipient_pk) != 0)
        return CAIRN_ECRYPTO;

    if (fixed) {
        memcpy(eph_sk, fixed->ephemeral_sk, sizeof eph_sk);
        created = fixed->created_ms;
        memcpy(w->bundle_id, fixed->bundle_id, CAIRN_SEAL_ID_LEN);
    } else {
        struct timespec ts = {0, 0};
        randombytes_buf(eph_sk, sizeof eph_sk);
        randombytes_buf(w->bundle_id, CAIRN_SEAL_ID_LEN);
        clock_gettime(CLOCK_REALTIME, &ts);
        created = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    }
    crypto_scalarmult_base(eph_pk, eph_sk);
    /* crypto_scalarmult refuses an all-zero result (a low-order recipient key) */
    if (crypto_scalarmult(shared, eph_sk, recipient_curve) != 0) {
        rc = CAIRN_ECRYPTO;
        goto out;
    }
    derive_key(key, shared, eph_pk, recipient_pk);

    memcpy(header, CAIRN_SEAL_MAGIC, CAIRN_SEAL_MAGIC_LEN);
    header[OFF_VERSION] = CAIRN_SEAL_VERSION;
    memcpy(header + OFF_RECIPIENT, recipient_pk, 32);
    memcpy(header + OFF_EPHEMERAL, eph_pk, 32);
    if (fixed) {
        /* Push and pull states are the same function of (key, header) in secretstream, so a
         * chosen header is set up with init_pull; only test vectors do this. */
        memcpy(header + OFF_SS_HEADER, fixed->stream_header, SS_HEADER_LEN);
        crypto_secretstream_xchacha20poly1305_init_pull(&w->st, header + OFF_SS_HEADER, key);
    } else {
        crypto_secretstream_xchacha20poly1305_init_push(&w->st, header + OFF_SS_HEADER, key);
    }
    memcpy(header + OFF_ID, w->bundle_id, CAIRN_SEAL_ID_LEN);

    w->out = out;
    w->arg = arg;
    memcpy(w->sender_sk, sender_sk, CAIRN_SEAL_SK_LEN);
    memcpy(opening, sender_pk, CAIRN_SEAL_PK_LEN);
    put_be64(opening + CAIRN_SEAL_PK_LEN, created);
    transcript_start(&w->transcript, header);
    crypto_generichash_update(&w->transcript, opening, sizeof opening);

    rc = out(arg, header, sizeof header);
    if (rc == 0)
        rc = writer_emit(w, opening, sizeof opening, header, sizeof header, TAG_MESSAGE);
    if (rc != 0)
        cairn_seal_writer_free(w);
out:
    sodium_memzero(eph_sk, sizeof eph_sk);
    sodium_memzero(shared, sizeof shared);
    sodium_memzero(key, sizeof key);
    return rc;
}

int cairn_seal_writer_init(cairn_seal_writer_t *w, const uint8_t sender_pk[CAIRN_SEAL_PK_LEN],
                           const uint8_t sender_sk[CAIRN_SEAL_SK_LEN],
                           const uint8_t recipient_pk[CAIRN_SEAL_PK_LEN], cairn_seal_out_cb out,
                           void *arg)
{
    return writer_start(w, sender_pk, sender_sk, recipient_pk, NULL, out, arg);
}

int cairn_seal_writer_init_fixed(cairn_seal_writer_t *w, const uint8_t sender_pk[CAIRN_SEAL_PK_LEN],
                                 const uint8_t sender_sk[CAIRN_SEAL_SK_LEN],
                                 const uint8_t recipient_pk[CAIRN_SEAL_PK_LEN],
                                 const cairn_seal_fixed_t *fixed, cairn_seal_out_cb out, void *arg)
{
    if (!fixed) {
        memset(w, 0, sizeof *w);
        return CAIRN_EINVAL;
    }
    return writer_start(w, sender_pk, sender_sk, recipient_pk, fixed, out, arg);
}

int cairn_seal_writer_record(cairn_seal_writer_t *w, const uint8_t *data, size_t len)
{
    if (w->done || w->err || !w->out)
        return CAIRN_ESTATE;
    if (len > CAIRN_SEAL_RECORD_MAX)
        return CAIRN_ETOOBIG; /* the caller's mistake, not the bundle's: it stays usable */
    if (len && !data)
        return CAIRN_EINVAL;
    transcript_record(&w->transcript, data, len);
    w->records++;
    return writer_emit(w, data, len, NULL, 0, TAG_MESSAGE);
}

int cairn_seal_writer_finish(cairn_seal_writer_t *w)
{
    uint8_t hash[TRANSCRIPT_LEN], sig[CAIRN_SEAL_SIG_LEN];
    int rc;

    if (w->done || w->err || !w->out)
        return CAIRN_ESTATE;
    transcript_end(&w->transcript, w->records, hash);
    crypto_sign_detached(sig, NULL, hash, sizeof hash, w->sender_sk);
    rc = writer_emit(w, sig, sizeof sig, NULL, 0, TAG_FINAL);
    w->done = true;
    cairn_seal_writer_free(w);
    return rc;
}

void cairn_seal_writer_free(cairn_seal_writer_t *w)
{
    sodium_memzero(w->sender_sk, sizeof w->sender_sk);
    sodium_memzero(&w->st, sizeof w->st);
    sodium_memzero(&w->transcript, sizeof w->transcript);
    free(w->buf);
    w->buf = NULL;
    w->cap = 0;
    w->out = NULL;
}

const uint8_t *cairn_seal_writer_id(const cairn_seal_writer_t *w)
{
    return w->bundle_id;
}

/* ---- reader ---- */

/* Records a refusal of the bundle (the first failure wins) and returns it. */
static int reader_fail(cairn_seal_reader_t *r, int rc, const char *reason)
{
    if (r->state != CAIRN_SEAL_R_FAILED) {
        r->state = CAIRN_SEAL_R_FAILED;
        r->err = rc;
        r->reason = reason;
    }
    return r->err;
}

/* Records a failure that is not the bundle's fault (memory, the caller's handler). */
static int reader_fail_local(cairn_seal_reader_t *r, int rc, const char *reason)
{
    if (r->state != CAIRN_SEAL_R_FAILED)
        r->local_failure = true;
    return reader_fail(r, rc, reason);
}

int cairn_seal_reader_init(cairn_seal_reader_t *r, const uint8_t my_pk[CAIRN_SEAL_PK_LEN],
                           const uint8_t my_sk[CAIRN_SEAL_SK_LEN], const uint8_t *expected_sender,
                           cairn_seal_record_cb on_record, void *arg)
{
    memset(r, 0, sizeof *r);
    r->reason = "ok";
    if (!my_pk || !my_sk || !on_record) {
        r->local_failure = true;
        r->state = CAIRN_SEAL_R_FAILED;
        r->err = CAIRN_EINVAL;
        r->reason = "bad arguments";
        return CAIRN_EINVAL;
    }
    /* an Ed25519 secret key is seed || pk: a mismatch is a caller's mix-up of identities */
    if (sodium_memcmp(my_sk + 32, my_pk, CAIRN_SEAL_PK_LEN) != 0) {
        r->local_failure = true;
        r->state = CAIRN_SEAL_R_FAILED;
        r->err = CAIRN_EINVAL;
        r->reason = "secret key does not match public key";
        return CAIRN_EINVAL;
    }
    if (crypto_sign_ed25519_sk_to_curve25519(r->my_curve_sk, my_sk) != 0) {
        r->local_failure = true;
        r->state = CAIRN_SEAL_R_FAILED;
        r->err = CAIRN_ECRYPTO;
        r->reason = "identity key cannot be converted to X25519";
        return CAIRN_ECRYPTO;
    }
    memcpy(r->my_pk, my_pk, CAIRN_SEAL_PK_LEN);
    if (expected_sender) {
        memcpy(r->expected_sender, expected_sender, CAIRN_SEAL_PK_LEN);
        r->has_expected_sender = true;
    }
    r->on_record = on_record;
    r->arg = arg;
    r->state = CAIRN_SEAL_R_HEADER;
    return 0;
}

int cairn_seal_peek(const uint8_t *data, size_t len, uint8_t recipient_pk[CAIRN_SEAL_PK_LEN],
                    uint8_t bundle_id[CAIRN_SEAL_ID_LEN])
{
    if (len < CAIRN_SEAL_HEADER_LEN || memcmp(data, CAIRN_SEAL_MAGIC, CAIRN_SEAL_MAGIC_LEN) != 0)
        return CAIRN_EPROTO;
    if (data[OFF_VERSION] != CAIRN_SEAL_VERSION)
        return CAIRN_EUNSUPPORTED;
    if (recipient_pk)
        memcpy(recipient_pk, data + OFF_RECIPIENT, CAIRN_SEAL_PK_LEN);
    if (bundle_id)
        memcpy(bundle_id, data + OFF_ID, CAIRN_SEAL_ID_LEN);
    return 0;
}

/* The header is complete: check it is ours and set up the stream. */
static int reader_header(cairn_seal_reader_t *r)
{
    uint8_t shared[32], key[32];
    int rc = cairn_seal_peek(r->header, CAIRN_SEAL_HEADER_LEN, NULL, r->bundle_id);

    if (rc == CAIRN_EPROTO)
        return reader_fail(r, rc, "not a Cairn bundle (bad magic)");
    if (rc != 0)
        return reader_fail(r, rc, "unsupported bundle format version");
    if (sodium_memcmp(r->header + OFF_RECIPIENT, r->my_pk, CAIRN_SEAL_PK_LEN) != 0)
        return reader_fail(r, CAIRN_ECRYPTO, "not addressed to this node");
    if (crypto_scalarmult(shared, r->my_curve_sk, r->header + OFF_EPHEMERAL) != 0) {
        sodium_memzero(shared, sizeof shared);
        return reader_fail(r, CAIRN_ECRYPTO, "bad ephemeral key (all-zero key agreement)");
    }
    derive_key(key, shared, r->header + OFF_EPHEMERAL, r->my_pk);
    crypto_secretstream_xchacha20poly1305_init_pull(&r->st, r->header + OFF_SS_HEADER, key);
    sodium_memzero(shared, sizeof shared);
    sodium_memzero(key, sizeof key);
    sodium_memzero(r->my_curve_sk, sizeof r->my_curve_sk); /* no longer needed */
    transcript_start(&r->transcript, r->header);
    r->state = CAIRN_SEAL_R_LEN;
    r->have = 0;
    return 0;
}

/* A length prefix is complete: check it before anything is allocated for the record. */
static int reader_length(cairn_seal_reader_t *r)
{
    uint32_t len = get_be32(r->lenbuf);
    if (len > CAIRN_SEAL_RECORD_MAX + CAIRN_SEAL_ABYTES)
        return reader_fail(r, CAIRN_ETOOBIG, "record too large");
    if (len < CAIRN_SEAL_ABYTES)
        return reader_fail(r, CAIRN_EPROTO, "record shorter than its authentication tag");
    if (!r->opened && len != CAIRN_SEAL_OPENING_LEN + CAIRN_SEAL_ABYTES)
        return reader_fail(r, CAIRN_EPROTO, "opening record has the wrong size");
    r->want = len;
    r->have = 0;
    r->state = CAIRN_SEAL_R_BODY;
    return 0;
}

/* A record's ciphertext is complete: decrypt it and act on its position and tag. */
static int reader_record(cairn_seal_reader_t *r)
{
    size_t mlen = r->want - CAIRN_SEAL_ABYTES;
    unsigned long long got = 0;
    unsigned char tag = 0;
    uint8_t hash[TRANSCRIPT_LEN];

    if (mlen > r->plain_cap || !r->plain) {
        uint8_t *n = realloc(r->plain, mlen ? mlen : 1);
        if (!n)
            return reader_fail_local(r, -ENOMEM, "out of memory");
        r->plain = n;
        r->plain_cap = mlen ? mlen : 1;
    }
    /* the opening record carries the cleartext header as associated data, so a changed header
     * is refused at the first record rather than only at the signature */
    if (crypto_secretstream_xchacha20poly1305_pull(&r->st, r->plain, &got, &tag, r->buf, r->want,
                                                   r->opened ? NULL : r->header,
                                                   r->opened ? 0 : CAIRN_SEAL_HEADER_LEN) != 0 ||
        got != mlen)
        return reader_fail(
            r, CAIRN_ECRYPTO,
            "record does not decrypt (tampered, reordered, or not from this stream)");
    r->state = CAIRN_SEAL_R_LEN;
    r->have = 0;

    if (!r->opened) {
        if (tag != TAG_MESSAGE)
            return reader_fail(r, CAIRN_EPROTO, "opening record has the wrong tag");
        memcpy(r->sender_pk, r->plain, CAIRN_SEAL_PK_LEN);
        r->created_ms = get_be64(r->plain + CAIRN_SEAL_PK_LEN);
        r->opened = true;
        crypto_generichash_update(&r->transcript, r->plain, CAIRN_SEAL_OPENING_LEN);
        if (r->has_expected_sender &&
            sodium_memcmp(r->sender_pk, r->expected_sender, CAIRN_SEAL_PK_LEN) != 0)
            return reader_fail(r, CAIRN_ECRYPTO, "sender is not the expected node");
        return 0;
    }
    if (tag == TAG_MESSAGE) {
        transcript_record(&r->transcript, r->plain, mlen);
        r->records++;
        int rc = r->on_record(r->arg, r->plain, mlen);
        return rc ? reader_fail_local(r, rc, "the record handler failed") : 0;
    }
    if (tag != TAG_FINAL)
        return reader_fail(r, CAIRN_EPROTO, "record has an unexpected tag");
    if (mlen != CAIRN_SEAL_SIG_LEN)
        return reader_fail(r, CAIRN_EPROTO, "final record has the wrong size");
    transcript_end(&r->transcript, r->records, hash);
    if (crypto_sign_verify_detached(r->plain, hash, sizeof hash, r->sender_pk) != 0)
        return reader_fail(r, CAIRN_ECRYPTO, "signature does not verify");
    r->state = CAIRN_SEAL_R_DONE;
    return 0;
}

/* Makes room for n more ciphertext bytes: doubling as bytes arrive, never past the record. */
static int reader_grow(cairn_seal_reader_t *r, size_t n)
{
    size_t need = r->have + n, cap = r->cap ? r->cap : 4096;
    if (need <= r->cap)
        return 0;
    while (cap < need)
        cap *= 2;
    if (cap > r->want)
        cap = r->want;
    uint8_t *p = realloc(r->buf, cap);
    if (!p)
        return reader_fail_local(r, -ENOMEM, "out of memory");
    r->buf = p;
    r->cap = cap;
    return 0;
}

int cairn_seal_reader_feed(cairn_seal_reader_t *r, const uint8_t *data, size_t len)
{
    while (len > 0 || r->state == CAIRN_SEAL_R_FAILED) {
        size_t n;
        int rc = 0;
        switch (r->state) {
        case CAIRN_SEAL_R_HEADER:
            n = CAIRN_SEAL_HEADER_LEN - r->have;
            n = n < len ? n : len;
            memcpy(r->header + r->have, data, n);
            r->have += n;
            if (r->have == CAIRN_SEAL_HEADER_LEN)
                rc = reader_header(r);
            break;
        case CAIRN_SEAL_R_LEN:
            n = CAIRN_SEAL_LEN_PREFIX - r->have;
            n = n < len ? n : len;
            memcpy(r->lenbuf + r->have, data, n);
            r->have += n;
            if (r->have == CAIRN_SEAL_LEN_PREFIX)
                rc = reader_length(r);
            break;
        case CAIRN_SEAL_R_BODY:
            n = r->want - r->have;
            n = n < len ? n : len;
            if ((rc = reader_grow(r, n)) != 0)
                break;
            memcpy(r->buf + r->have, data, n);
            r->have += n;
            if (r->have == r->want)
                rc = reader_record(r);
            break;
        case CAIRN_SEAL_R_DONE:
            return reader_fail(r, CAIRN_EPROTO, "bytes after the final record");
        case CAIRN_SEAL_R_FAILED:
        default:
            return r->err;
        }
        r->offset += n;
        if (rc != 0)
            return rc;
        data += n;
        len -= n;
    }
    return 0;
}

const char *cairn_seal_reader_reason(const cairn_seal_reader_t *r)
{
    return r->reason ? r->reason : "ok";
}

int cairn_seal_reader_finish(cairn_seal_reader_t *r, cairn_seal_verdict_t *verdict)
{
    int rc = 0;

    if (r->state == CAIRN_SEAL_R_HEADER && r->have == 0)
        reader_fail(r, CAIRN_EPROTO, "empty: no bundle");
    else if (r->state != CAIRN_SEAL_R_DONE)
        reader_fail(r, CAIRN_EPROTO, "truncated: no final record");
    if (r->state == CAIRN_SEAL_R_FAILED) {
        /* local failures pass through; every refusal of the bundle's bytes is ECRYPTO */
        rc = r->local_failure ? r->err : CAIRN_ECRYPTO;
    }
    if (verdict) {
        memset(verdict, 0, sizeof *verdict);
        verdict->code = r->state == CAIRN_SEAL_R_DONE ? 0 : r->err;
        verdict->reason = cairn_seal_reader_reason(r);
        if (r->opened)
            memcpy(verdict->sender_pk, r->sender_pk, CAIRN_SEAL_PK_LEN);
        memcpy(verdict->bundle_id, r->bundle_id, CAIRN_SEAL_ID_LEN);
        verdict->created_ms = r->created_ms;
        verdict->records = r->records;
    }
    cairn_seal_reader_free(r);
    return rc;
}

void cairn_seal_reader_free(cairn_seal_reader_t *r)
{
    sodium_memzero(r->my_curve_sk, sizeof r->my_curve_sk);
    sodium_memzero(&r->st, sizeof r->st);
    sodium_memzero(&r->transcript, sizeof r->transcript);
    if (r->plain)
        sodium_memzero(r->plain, r->plain_cap);
    free(r->plain);
    free(r->buf);
    r->plain = NULL;
    r->buf = NULL;
    r->plain_cap = r->cap = 0;
}
