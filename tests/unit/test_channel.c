/*
 * test_channel.c: the secure channel. The published test vectors, handshakes and data both ways,
 * identity pinning and the enrolment PSK, and refusal of every tampered, truncated, replayed,
 * reordered or duplicated message, with the error sticky and the keys wiped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/channel.h"
#include "cairn/err.h"

struct node {
    uint8_t pk[32], sk[64];
};

static void seq(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(start + i);
}

static void unhex(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void assert_hex(const uint8_t *got, size_t len, const char *hex)
{
    uint8_t want[256];
    assert_true(len <= sizeof want);
    unhex(hex, want, len);
    assert_memory_equal(got, want, len);
}

static struct node node_random(void)
{
    struct node n;
    assert_int_equal(crypto_sign_keypair(n.pk, n.sk), 0);
    return n;
}

/* The identities and "random" inputs of the PROTOCOL.md vectors. */
static struct node vec_initiator, vec_responder;
static cairn_channel_seed_t vec_iseed, vec_rseed;
static uint8_t vec_psk[32];

static int setup(void **state)
{
    uint8_t seed[32];
    assert_true(sodium_init() >= 0);
    seq(seed, 32, 0x00);
    crypto_sign_seed_keypair(vec_initiator.pk, vec_initiator.sk, seed);
    seq(seed, 32, 0x20);
    crypto_sign_seed_keypair(vec_responder.pk, vec_responder.sk, seed);
    seq(vec_iseed.ephemeral_sk, 32, 0x40);
    seq(vec_iseed.nonce, 32, 0x60);
    seq(vec_iseed.stream_header, 24, 0x80);
    seq(vec_rseed.ephemeral_sk, 32, 0xa0);
    seq(vec_rseed.nonce, 32, 0xc0);
    seq(vec_rseed.stream_header, 24, 0xe0);
    seq(vec_psk, 32, 0xd0);
    return 0;
}

static void init_vec_pair(cairn_channel_t *ini, cairn_channel_t *res, const uint8_t *ipsk,
                          const uint8_t *rpsk)
{
    assert_int_equal(cairn_channel_init_deterministic(ini, 1, vec_initiator.pk, vec_initiator.sk,
                                                      vec_responder.pk, ipsk, &vec_iseed),
                     0);
    assert_int_equal(cairn_channel_init_deterministic(res, 0, vec_responder.pk, vec_responder.sk,
                                                      vec_initiator.pk, rpsk, &vec_rseed),
                     0);
}

/* The three handshake messages of one session, as they crossed the wire. */
struct transcript {
    uint8_t m1[CAIRN_CHANNEL_HANDSHAKE_MAX], m2[CAIRN_CHANNEL_HANDSHAKE_MAX],
        m3[CAIRN_CHANNEL_HANDSHAKE_MAX];
    size_t l1, l2, l3;
};

/* Runs the whole handshake; returns the first failure (0 when both sides are established). */
static int handshake(cairn_channel_t *ini, cairn_channel_t *res, struct transcript *t)
{
    struct transcript local;
    int rc;
    if (t == NULL)
        t = &local;
    assert_true(cairn_channel_handshake_wants_out(ini));
    assert_false(cairn_channel_handshake_wants_out(res));
    if ((rc = cairn_channel_handshake_out(ini, t->m1, sizeof t->m1, &t->l1)) != 0)
        return rc;
    if ((rc = cairn_channel_handshake_in(res, t->m1, t->l1)) != 0)
        return rc;
    if ((rc = cairn_channel_handshake_out(res, t->m2, sizeof t->m2, &t->l2)) != 0)
        return rc;
    if ((rc = cairn_channel_handshake_in(ini, t->m2, t->l2)) != 0)
        return rc;
    if ((rc = cairn_channel_handshake_out(ini, t->m3, sizeof t->m3, &t->l3)) != 0)
        return rc;
    assert_true(cairn_channel_is_established(ini));
    assert_false(cairn_channel_is_established(res));
    return cairn_channel_handshake_in(res, t->m3, t->l3);
}

static void random_pair(cairn_channel_t *ini, cairn_channel_t *res, struct node *a, struct node *b)
{
    *a = node_random();
    *b = node_random();
    assert_int_equal(cairn_channel_init(ini, 1, a->pk, a->sk, b->pk, NULL), 0);
    assert_int_equal(cairn_channel_init(res, 0, b->pk, b->sk, NULL, NULL), 0);
    assert_int_equal(handshake(ini, res, NULL), 0);
}

/* A sticky failure: every call returns it, nothing secret is left. */
static void assert_failed(cairn_channel_t *c, int rc)
{
    uint8_t buf[64], pk[32];
    size_t len;
    assert_int_equal(c->err, rc);
    assert_non_null(cairn_channel_reason(c));
    assert_false(cairn_channel_is_established(c));
    assert_int_equal(cairn_channel_handshake_out(c, buf, sizeof buf, &len), rc);
    assert_int_equal(cairn_channel_handshake_in(c, buf, sizeof buf), rc);
    assert_int_equal(cairn_channel_seal(c, buf, 1, buf, sizeof buf, &len), rc);
    assert_int_equal(cairn_channel_open(c, buf, sizeof buf, buf, sizeof buf, &len), rc);
    assert_int_equal(cairn_channel_close_msg(c, buf, sizeof buf, &len), rc);
    assert_int_equal(cairn_channel_peer(c, pk), CAIRN_ESTATE);
    assert_true(sodium_is_zero(c->id_sk, sizeof c->id_sk));
    assert_true(sodium_is_zero(c->eph_sk, sizeof c->eph_sk));
    assert_true(sodium_is_zero(c->hs, sizeof c->hs));
    assert_true(sodium_is_zero(c->psk, sizeof c->psk));
    assert_true(sodium_is_zero(c->tx_key, sizeof c->tx_key));
    assert_true(sodium_is_zero(c->rx_key, sizeof c->rx_key));
    assert_true(sodium_is_zero((const unsigned char *)&c->tx, sizeof c->tx));
    assert_true(sodium_is_zero((const unsigned char *)&c->rx, sizeof c->rx));
}

/* Sends pt from a to b and checks it arrives intact. */
static void transfer(cairn_channel_t *a, cairn_channel_t *b, const uint8_t *pt, size_t len,
                     uint8_t *wire, uint8_t *back)
{
    size_t wlen = 0, blen = 0;
    assert_int_equal(cairn_channel_seal(a, pt, len, wire, len + CAIRN_CHANNEL_OVERHEAD, &wlen), 0);
    assert_true(wlen <= len + CAIRN_CHANNEL_OVERHEAD);
    assert_int_equal(cairn_channel_open(b, wire, wlen, back, len, &blen), 0);
    assert_int_equal(blen, len);
    if (len)
        assert_memory_equal(back, pt, len);
}

/* ---- vectors ---- */

#define VEC_MSG1                                                                                   \
    "0179a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a606162636465666768696a6b6c" \
    "6d6e6f707172737475767778797a7b7c7d7e7f"
#define VEC_MSG2                                                                                   \
    "605a725d2a4adfeeb1a29e17edd621c1b7593ee8cdbc44ac6c4ab6e2f805d23cc0c1c2c3c4c5c6c7c8c9cacbcccd" \
    "cecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf9e71d7ff8e5b6640c6b884dfff0ad79c042c8ad5a8a308953201aa89" \
    "64d77f4fbfaa1bd363cabc40db21451accc5cea6daa1c54b542de29865519652ae4e3e3489cd0b1ce5a27a249314" \
    "ad524ff8046046e1d41dec25b6252dbf4a74088a9c92a09f2968201d558ef3d199a3af13bcb72c3c749e3ff909cb" \
    "8360e55b0439732d84fade4b89973405ab4dbe5c6cea222f"
#define VEC_MSG3_HEAD                                                                              \
    "3c674fb9db99db59f40e1fe3daa21b80bf4bd5619efc57a8ed8cc78e38a025a65a5111b0319c28115df101b8a3b8" \
    "e584f665a4d694068246aa81bc2cf1f7ef237b7ae8d74517f71a1c3a22df790e9b3b762f292b2a1b12d7d0cba20c" \
    "bc5714cddd9a46d7f35bc2dd8d33e2272f116b317bd117afd1760f43540284872f34ccc1"

static void check_vector(const uint8_t *psk, const char *msg3, const char *k_i2r, const char *k_r2i,
                         const char *data_i2r, const char *data_r2i)
{
    cairn_channel_t ini, res;
    struct transcript t;
    uint8_t tx[32], rx[32], wire[64], back[64];
    size_t wlen, blen;

    init_vec_pair(&ini, &res, psk, psk);
    assert_int_equal(handshake(&ini, &res, &t), 0);
    assert_int_equal(t.l1, CAIRN_CHANNEL_MSG1_LEN);
    assert_int_equal(t.l2, CAIRN_CHANNEL_MSG2_LEN);
    assert_int_equal(t.l3, psk ? CAIRN_CHANNEL_MSG3_PSK_LEN : CAIRN_CHANNEL_MSG3_LEN);
    assert_hex(t.m1, t.l1, VEC_MSG1);
    assert_hex(t.m2, t.l2, VEC_MSG2);
    assert_hex(t.m3, t.l3, msg3);
    assert_int_equal(cairn_channel_session_keys(&ini, tx, rx), 0);
    assert_hex(tx, 32, k_i2r);
    assert_hex(rx, 32, k_r2i);
    assert_int_equal(cairn_channel_session_keys(&res, tx, rx), 0);
    assert_hex(tx, 32, k_r2i);
    assert_hex(rx, 32, k_i2r);

    assert_int_equal(
        cairn_channel_seal(&ini, (const uint8_t *)"hello hub", 9, wire, sizeof wire, &wlen), 0);
    assert_hex(wire, wlen, data_i2r);
    assert_int_equal(cairn_channel_open(&res, wire, wlen, back, sizeof back, &blen), 0);
    assert_int_equal(blen, 9);
    assert_memory_equal(back, "hello hub", 9);
    assert_int_equal(
        cairn_channel_seal(&res, (const uint8_t *)"hello school", 12, wire, sizeof wire, &wlen), 0);
    assert_hex(wire, wlen, data_r2i);
    assert_int_equal(cairn_channel_open(&ini, wire, wlen, back, sizeof back, &blen), 0);
    assert_memory_equal(back, "hello school", 12);
    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&res);
}

static void test_vectors(void **state)
{
    uint8_t pk[32];
    /* identities from seeds 00..1f and 20..3f (crypto_sign_seed_keypair) */
    assert_hex(vec_initiator.pk, 32,
               "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
    assert_hex(vec_responder.pk, 32,
               "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7");
    crypto_scalarmult_base(pk, vec_rseed.ephemeral_sk);
    assert_hex(pk, 32, "605a725d2a4adfeeb1a29e17edd621c1b7593ee8cdbc44ac6c4ab6e2f805d23c");

    check_vector(NULL, VEC_MSG3_HEAD "82fe9c244d03206945f3dc8d5ea97bfc",
                 "a96f559e8802f29c6627371f24a43c9706edb3f22d1232f0237f127adf12d122",
                 "99fab761a5bfdc37e5fed504c05bf7bac2e22ab70f7ca60d0ededd6584db1b88",
                 "808182838485868788898a8b8c8d8e8f90919293949596978673ec5cd653d886e77c849abc4caa"
                 "928008d9658d6a3f930d87",
                 "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f709bba85f32042b86c8c41f883a9517"
                 "3e1884a68fa072c35eafc5a156cb");
    check_vector(vec_psk,
                 VEC_MSG3_HEAD "e07a8bd182e1007ca885154aa69a1c12df8acee3342070e5a3a5d230553a84e3"
                               "a5aacf71c4c5200679dba1afa62e1d70",
                 "8b735a832264438e49e5e9f0dac40f04c0b9aaeaa0b9c85d5f591ed32e9d8c69",
                 "b744810875e17832e80d1c975e38eae75bfa21df06504bf10646b2beefdd607a",
                 "808182838485868788898a8b8c8d8e8f9091929394959697bcfe4101b7fd22499231578ff6a56d"
                 "f76de241a1c2a1520b8b42",
                 "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f750c20cd9909afe8912089b72d145c0"
                 "ea2f0faa7514a96f487ce18f8b7d");
}

/* ---- handshake and data ---- */

static void test_handshake_and_data(void **state)
{
    cairn_channel_t ini, res;
    struct node a, b;
    uint8_t pk[32];
    size_t big = 1024 * 1024;
    uint8_t *pt = malloc(big), *wire = malloc(big + CAIRN_CHANNEL_OVERHEAD), *back = malloc(big);
    assert_non_null(pt);
    assert_non_null(wire);
    assert_non_null(back);
    randombytes_buf(pt, big);

    random_pair(&ini, &res, &a, &b);
    assert_true(cairn_channel_is_established(&ini));
    assert_true(cairn_channel_is_established(&res));
    assert_null(cairn_channel_reason(&ini));
    assert_int_equal(cairn_channel_peer(&ini, pk), 0);
    assert_memory_equal(pk, b.pk, 32);
    assert_int_equal(cairn_channel_peer(&res, pk), 0);
    assert_memory_equal(pk, a.pk, 32);
    assert_false(cairn_channel_handshake_wants_out(&ini));
    assert_false(cairn_channel_handshake_wants_out(&res));

    /* 1 MiB both ways, then many small ones (empty included), interleaved */
    transfer(&ini, &res, pt, big, wire, back);
    transfer(&res, &ini, pt, big, wire, back);
    for (size_t i = 0; i < 2000; i++) {
        transfer(&ini, &res, pt + i, i % 97, wire, back);
        if (i % 3 == 0)
            transfer(&res, &ini, pt + 2 * i, i % 13, wire, back);
    }

    /* clean close both ways: open says 1, then nothing more is sealed or accepted */
    size_t wlen, blen;
    assert_int_equal(cairn_channel_close_msg(&ini, wire, CAIRN_CHANNEL_OVERHEAD, &wlen), 0);
    assert_int_equal(cairn_channel_open(&res, wire, wlen, back, 0, &blen), 1);
    assert_int_equal(blen, 0);
    assert_int_equal(cairn_channel_seal(&ini, pt, 1, wire, 64, &wlen), CAIRN_ESTATE);
    transfer(&res, &ini, pt, 100, wire, back); /* the other direction still runs */
    assert_int_equal(cairn_channel_close_msg(&res, wire, 64, &wlen), 0);
    assert_int_equal(cairn_channel_open(&ini, wire, wlen, back, 64, &blen), 1);

    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&res);
    free(pt);
    free(wire);
    free(back);
}

/* Rekeys by count and by bytes happen on the sender's side and are followed by the receiver. */
static void test_rekey(void **state)
{
    cairn_channel_t ini, res;
    struct node a, b;
    uint8_t pt[600], wire[700], back[600];
    randombytes_buf(pt, sizeof pt);

    random_pair(&ini, &res, &a, &b);
    cairn_channel_set_rekey(&ini, 7, 0);    /* every 7 messages */
    cairn_channel_set_rekey(&res, 0, 5000); /* every 5000 bytes */
    for (size_t i = 0; i < 500; i++) {
        transfer(&ini, &res, pt, i % sizeof pt, wire, back);
        transfer(&res, &ini, pt, (i * 7) % sizeof pt, wire, back);
    }
    /* Proof that a rekey happened and was followed: fork the sender just before a rekey, turn
     * rekeying off in the fork. The message at the boundary still opens (only its tag differs),
     * but after it the fork's messages no longer open at a receiver that followed the rekey. */
    while (ini.tx_msgs != 6)
        transfer(&ini, &res, pt, 3, wire, back);
    cairn_channel_t fork = ini, r2 = res;
    cairn_channel_set_rekey(&fork, UINT64_MAX, UINT64_MAX);
    size_t wlen, blen;
    assert_int_equal(cairn_channel_seal(&ini, pt, 10, wire, sizeof wire, &wlen), 0);
    assert_int_equal(cairn_channel_open(&res, wire, wlen, back, sizeof back, &blen), 0);
    assert_int_equal(ini.tx_msgs, 0); /* that was the rekey message */
    assert_int_equal(cairn_channel_seal(&fork, pt, 10, wire, sizeof wire, &wlen), 0);
    assert_int_equal(cairn_channel_open(&r2, wire, wlen, back, sizeof back, &blen), 0);
    cairn_channel_t res2 = res;
    assert_int_equal(cairn_channel_seal(&fork, pt, 10, wire, sizeof wire, &wlen), 0);
    assert_int_equal(cairn_channel_open(&res2, wire, wlen, back, sizeof back, &blen),
                     CAIRN_ECRYPTO);
    transfer(&ini, &res, pt, 10, wire, back);
    assert_int_equal(cairn_channel_open(&r2, wire, wlen, back, sizeof back, &blen), CAIRN_ECRYPTO);
    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&res);
    cairn_channel_wipe(&r2);
    cairn_channel_wipe(&fork);
    cairn_channel_wipe(&res2);
}

static void test_psk(void **state)
{
    struct node a = node_random(), b = node_random();
    uint8_t psk[32], other[32];
    cairn_channel_t ini, res;
    uint8_t wire[64], back[16];
    randombytes_buf(psk, sizeof psk);
    randombytes_buf(other, sizeof other);

    /* same PSK: works, and the keys differ from a PSK-less session (PSK is in the schedule) */
    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, a.sk, NULL, psk), 0);
    assert_int_equal(cairn_channel_init(&res, 0, b.pk, b.sk, NULL, psk), 0);
    assert_int_equal(handshake(&ini, &res, NULL), 0);
    transfer(&ini, &res, (const uint8_t *)"enrol", 5, wire, back);
    transfer(&res, &ini, (const uint8_t *)"ok", 2, wire, back);
    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&res);

    /* responder requires a PSK, the initiator has none */
    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, a.sk, NULL, NULL), 0);
    assert_int_equal(cairn_channel_init(&res, 0, b.pk, b.sk, NULL, psk), 0);
    assert_int_equal(handshake(&ini, &res, NULL), CAIRN_ECRYPTO);
    assert_non_null(strstr(cairn_channel_reason(&res), "requires an enrolment PSK"));
    assert_failed(&res, CAIRN_ECRYPTO);
    cairn_channel_wipe(&ini);

    /* both have one, but not the same */
    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, a.sk, NULL, other), 0);
    assert_int_equal(cairn_channel_init(&res, 0, b.pk, b.sk, NULL, psk), 0);
    assert_int_equal(handshake(&ini, &res, NULL), CAIRN_ECRYPTO);
    assert_non_null(strstr(cairn_channel_reason(&res), "PSK proof does not match"));
    assert_failed(&res, CAIRN_ECRYPTO);
    cairn_channel_wipe(&ini);

    /* the initiator proves a PSK the responder lacks */
    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, a.sk, NULL, psk), 0);
    assert_int_equal(cairn_channel_init(&res, 0, b.pk, b.sk, NULL, NULL), 0);
    assert_int_equal(handshake(&ini, &res, NULL), CAIRN_ECRYPTO);
    assert_non_null(strstr(cairn_channel_reason(&res), "does not have"));
    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&res);
}

static void test_wrong_expected_peer(void **state)
{
    struct node a = node_random(), b = node_random(), c = node_random();
    cairn_channel_t ini, res;

    /* the initiator pinned c, but b answers: refused at msg2 */
    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, a.sk, c.pk, NULL), 0);
    assert_int_equal(cairn_channel_init(&res, 0, b.pk, b.sk, NULL, NULL), 0);
    assert_int_equal(handshake(&ini, &res, NULL), CAIRN_ECRYPTO);
    assert_non_null(strstr(cairn_channel_reason(&ini), "pinned"));
    assert_failed(&ini, CAIRN_ECRYPTO);
    cairn_channel_wipe(&res);

    /* the responder pinned c, but a connects: refused at msg3 */
    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, a.sk, b.pk, NULL), 0);
    assert_int_equal(cairn_channel_init(&res, 0, b.pk, b.sk, c.pk, NULL), 0);
    assert_int_equal(handshake(&ini, &res, NULL), CAIRN_ECRYPTO);
    assert_non_null(strstr(cairn_channel_reason(&res), "pinned"));
    assert_failed(&res, CAIRN_ECRYPTO);
    cairn_channel_wipe(&ini);
}

/* Every single-bit flip of msg1, msg2 and msg3 keeps the handshake from completing. */
static void test_bit_flips(void **state)
{
    static const uint8_t *psks[2] = {NULL, vec_psk};
    cairn_channel_t ini, res;
    struct transcript t;
    uint8_t m[CAIRN_CHANNEL_HANDSHAKE_MAX], out[CAIRN_CHANNEL_HANDSHAKE_MAX];
    size_t len;

    for (int p = 0; p < 2; p++) {
        init_vec_pair(&ini, &res, psks[p], psks[p]);
        assert_int_equal(handshake(&ini, &res, &t), 0);

        for (size_t bit = 0; bit < t.l2 * 8; bit++) {
            memcpy(m, t.m2, t.l2);
            m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            init_vec_pair(&ini, &res, psks[p], psks[p]);
            assert_int_equal(cairn_channel_handshake_out(&ini, out, sizeof out, &len), 0);
            assert_int_equal(cairn_channel_handshake_in(&ini, m, t.l2), CAIRN_ECRYPTO);
            assert_failed(&ini, CAIRN_ECRYPTO);
        }
        for (size_t bit = 0; bit < t.l3 * 8; bit++) {
            memcpy(m, t.m3, t.l3);
            m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            init_vec_pair(&ini, &res, psks[p], psks[p]);
            assert_int_equal(cairn_channel_handshake_in(&res, t.m1, t.l1), 0);
            assert_int_equal(cairn_channel_handshake_out(&res, out, sizeof out, &len), 0);
            assert_int_equal(cairn_channel_handshake_in(&res, m, t.l3), CAIRN_ECRYPTO);
            assert_failed(&res, CAIRN_ECRYPTO);
        }
        for (size_t bit = 0; bit < t.l1 * 8; bit++) {
            /* msg1 is in the clear: the responder may accept it, the initiator must then refuse
             * msg2, signed over a transcript that is not its own */
            memcpy(m, t.m1, t.l1);
            m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            init_vec_pair(&ini, &res, psks[p], psks[p]);
            assert_int_equal(cairn_channel_handshake_out(&ini, out, sizeof out, &len), 0);
            int rc = cairn_channel_handshake_in(&res, m, t.l1);
            if (rc != 0) {
                assert_true(rc == CAIRN_EUNSUPPORTED || rc == CAIRN_ECRYPTO);
                assert_failed(&res, rc);
                continue;
            }
            assert_int_equal(cairn_channel_handshake_out(&res, out, sizeof out, &len), 0);
            assert_int_equal(cairn_channel_handshake_in(&ini, out, len), CAIRN_ECRYPTO);
        }
    }
    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&res);
}

/* Each handshake message cut at every length (and one byte too long) is refused. */
static void test_truncation(void **state)
{
    cairn_channel_t ini, res;
    struct transcript t;
    uint8_t m[CAIRN_CHANNEL_HANDSHAKE_MAX + 1], out[CAIRN_CHANNEL_HANDSHAKE_MAX];
    size_t len;

    init_vec_pair(&ini, &res, vec_psk, vec_psk);
    assert_int_equal(handshake(&ini, &res, &t), 0);
    for (size_t n = 0; n <= t.l1 + 1; n++) {
        if (n == t.l1)
            continue;
        memset(m, 0x5a, sizeof m);
        memcpy(m, t.m1, n < t.l1 ? n : t.l1);
        init_vec_pair(&ini, &res, vec_psk, vec_psk);
        assert_int_equal(cairn_channel_handshake_in(&res, m, n), CAIRN_ECRYPTO);
        assert_failed(&res, CAIRN_ECRYPTO);
    }
    for (size_t n = 0; n <= t.l2 + 1; n++) {
        if (n == t.l2)
            continue;
        memset(m, 0x5a, sizeof m);
        memcpy(m, t.m2, n < t.l2 ? n : t.l2);
        init_vec_pair(&ini, &res, vec_psk, vec_psk);
        assert_int_equal(cairn_channel_handshake_out(&ini, out, sizeof out, &len), 0);
        assert_int_equal(cairn_channel_handshake_in(&ini, m, n), CAIRN_ECRYPTO);
        assert_failed(&ini, CAIRN_ECRYPTO);
    }
    for (size_t n = 0; n <= t.l3 + 1; n++) {
        if (n == t.l3)
            continue;
        memset(m, 0x5a, sizeof m);
        memcpy(m, t.m3, n < t.l3 ? n : t.l3);
        init_vec_pair(&ini, &res, vec_psk, vec_psk);
        assert_int_equal(cairn_channel_handshake_in(&res, t.m1, t.l1), 0);
        assert_int_equal(cairn_channel_handshake_out(&res, out, sizeof out, &len), 0);
        assert_int_equal(cairn_channel_handshake_in(&res, m, n), CAIRN_ECRYPTO);
        assert_failed(&res, CAIRN_ECRYPTO);
    }
    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&res);
}

/* A recorded session replayed at a new responder fails: its fresh ephemeral changes every key. */
static void test_replay(void **state)
{
    struct node a = node_random(), b = node_random();
    cairn_channel_t ini, res;
    struct transcript old, now;
    uint8_t wire[64], back[64], out[CAIRN_CHANNEL_HANDSHAKE_MAX];
    size_t wlen, blen, len;

    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, a.sk, b.pk, NULL), 0);
    assert_int_equal(cairn_channel_init(&res, 0, b.pk, b.sk, a.pk, NULL), 0);
    assert_int_equal(handshake(&ini, &res, &old), 0);
    assert_int_equal(cairn_channel_seal(&ini, (const uint8_t *)"x", 1, wire, sizeof wire, &wlen),
                     0);
    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&res);

    /* replayed msg1 is accepted (it is in the clear), replayed msg3 is not */
    assert_int_equal(cairn_channel_init(&res, 0, b.pk, b.sk, a.pk, NULL), 0);
    assert_int_equal(cairn_channel_handshake_in(&res, old.m1, old.l1), 0);
    assert_int_equal(cairn_channel_handshake_out(&res, out, sizeof out, &len), 0);
    assert_memory_not_equal(out, old.m2, 64); /* fresh ephemeral and nonce */
    assert_int_equal(cairn_channel_handshake_in(&res, old.m3, old.l3), CAIRN_ECRYPTO);
    assert_failed(&res, CAIRN_ECRYPTO);

    /* replayed msg2 at a new initiator fails too */
    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, a.sk, b.pk, NULL), 0);
    assert_int_equal(cairn_channel_handshake_out(&ini, out, sizeof out, &len), 0);
    assert_int_equal(cairn_channel_handshake_in(&ini, old.m2, old.l2), CAIRN_ECRYPTO);
    assert_failed(&ini, CAIRN_ECRYPTO);

    /* old data in a new session fails */
    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, a.sk, b.pk, NULL), 0);
    assert_int_equal(cairn_channel_init(&res, 0, b.pk, b.sk, a.pk, NULL), 0);
    assert_int_equal(handshake(&ini, &res, &now), 0);
    assert_int_equal(cairn_channel_open(&res, wire, wlen, back, sizeof back, &blen), CAIRN_ECRYPTO);
    assert_failed(&res, CAIRN_ECRYPTO);
    cairn_channel_wipe(&ini);
}

/* Data messages: reordered, duplicated, dropped, bit-flipped or cut are all refused, stickily. */
static void test_data_tampering(void **state)
{
    struct node a, b;
    cairn_channel_t ini, res, r2;
    uint8_t w[3][80], back[80];
    size_t wl[3], blen;
    const uint8_t *pt = (const uint8_t *)"0123456789abcdefghij";

    random_pair(&ini, &res, &a, &b);
    for (int i = 0; i < 3; i++)
        assert_int_equal(cairn_channel_seal(&ini, pt, 20, w[i], sizeof w[i], &wl[i]), 0);
    assert_int_equal(wl[0], 20 + CAIRN_CHANNEL_OVERHEAD);
    assert_int_equal(wl[1], 20 + CAIRN_CHANNEL_OVERHEAD - CAIRN_CHANNEL_HEADER_LEN);

    /* too small an output buffer changes nothing */
    assert_int_equal(cairn_channel_open(&res, w[0], wl[0], back, 19, &blen), CAIRN_EINVAL);
    assert_true(cairn_channel_is_established(&res));

    /* every bit flip and every truncation of the first (header-carrying) and a later message */
    for (int m = 0; m < 2; m++) {
        cairn_channel_t base = res;
        if (m == 1)
            assert_int_equal(cairn_channel_open(&base, w[0], wl[0], back, sizeof back, &blen), 0);
        for (size_t bit = 0; bit < wl[m] * 8; bit++) {
            uint8_t x[80];
            memcpy(x, w[m], wl[m]);
            x[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            r2 = base;
            assert_int_equal(cairn_channel_open(&r2, x, wl[m], back, sizeof back, &blen),
                             CAIRN_ECRYPTO);
            assert_failed(&r2, CAIRN_ECRYPTO);
        }
        for (size_t n = 0; n < wl[m]; n++) {
            r2 = base;
            assert_int_equal(cairn_channel_open(&r2, w[m], n, back, sizeof back, &blen),
                             CAIRN_ECRYPTO);
        }
        cairn_channel_wipe(&base);
    }

    /* reordered: 1 before 0 */
    r2 = res;
    assert_int_equal(cairn_channel_open(&r2, w[1], wl[1], back, sizeof back, &blen), CAIRN_ECRYPTO);
    /* dropped: 0 then 2 */
    r2 = res;
    assert_int_equal(cairn_channel_open(&r2, w[0], wl[0], back, sizeof back, &blen), 0);
    assert_int_equal(cairn_channel_open(&r2, w[2], wl[2], back, sizeof back, &blen), CAIRN_ECRYPTO);
    /* duplicated: 0, 1, 1 */
    r2 = res;
    assert_int_equal(cairn_channel_open(&r2, w[0], wl[0], back, sizeof back, &blen), 0);
    assert_int_equal(cairn_channel_open(&r2, w[1], wl[1], back, sizeof back, &blen), 0);
    assert_int_equal(cairn_channel_open(&r2, w[1], wl[1], back, sizeof back, &blen), CAIRN_ECRYPTO);
    assert_failed(&r2, CAIRN_ECRYPTO);
    /* the header-carrying message replayed after the first: refused */
    r2 = res;
    assert_int_equal(cairn_channel_open(&r2, w[0], wl[0], back, sizeof back, &blen), 0);
    assert_int_equal(cairn_channel_open(&r2, w[0], wl[0], back, sizeof back, &blen), CAIRN_ECRYPTO);
    /* in order: fine; then anything after the peer's close is refused */
    assert_int_equal(cairn_channel_open(&res, w[0], wl[0], back, sizeof back, &blen), 0);
    assert_int_equal(cairn_channel_open(&res, w[1], wl[1], back, sizeof back, &blen), 0);
    assert_int_equal(cairn_channel_open(&res, w[2], wl[2], back, sizeof back, &blen), 0);
    assert_int_equal(cairn_channel_close_msg(&ini, w[0], sizeof w[0], &wl[0]), 0);
    assert_int_equal(cairn_channel_open(&res, w[0], wl[0], back, sizeof back, &blen), 1);
    assert_int_equal(cairn_channel_open(&res, w[2], wl[2], back, sizeof back, &blen),
                     CAIRN_ECRYPTO);
    assert_failed(&res, CAIRN_ECRYPTO);
    /* closing twice is refused; our own message fed back to us (a reflection) fails */
    r2 = ini;
    assert_int_equal(cairn_channel_close_msg(&r2, w[0], sizeof w[0], &wl[0]), CAIRN_ESTATE);
    assert_int_equal(cairn_channel_open(&r2, w[2], wl[2], back, sizeof back, &blen), CAIRN_ECRYPTO);
    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&r2);
}

/* Calls out of turn and buffers too small are caller mistakes: refused, nothing changes. */
static void test_misuse(void **state)
{
    struct node a = node_random(), b = node_random();
    cairn_channel_t ini, res;
    uint8_t buf[CAIRN_CHANNEL_HANDSHAKE_MAX], pk[32];
    size_t len;

    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, b.sk, NULL, NULL), CAIRN_EINVAL);
    assert_int_equal(cairn_channel_init(&ini, 1, NULL, a.sk, NULL, NULL), CAIRN_EINVAL);
    assert_int_equal(cairn_channel_init_deterministic(&ini, 1, a.pk, a.sk, NULL, NULL, NULL),
                     CAIRN_EINVAL);
    assert_int_equal(cairn_channel_init(&ini, 1, a.pk, a.sk, NULL, NULL), 0);
    assert_int_equal(cairn_channel_init(&res, 0, b.pk, b.sk, NULL, NULL), 0);

    assert_int_equal(cairn_channel_handshake_out(&res, buf, sizeof buf, &len), CAIRN_ESTATE);
    assert_int_equal(cairn_channel_handshake_in(&ini, buf, 65), CAIRN_ESTATE);
    assert_int_equal(cairn_channel_handshake_out(&ini, buf, 64, &len), CAIRN_EINVAL);
    assert_int_equal(cairn_channel_seal(&ini, buf, 1, buf, sizeof buf, &len), CAIRN_ESTATE);
    assert_int_equal(cairn_channel_open(&ini, buf, 50, buf, sizeof buf, &len), CAIRN_ESTATE);
    assert_int_equal(cairn_channel_peer(&ini, pk), CAIRN_ESTATE);
    assert_int_equal(cairn_channel_handshake_out(&ini, buf, sizeof buf, &len), 0);
    assert_int_equal(cairn_channel_handshake_out(&ini, buf, sizeof buf, &len), CAIRN_ESTATE);
    assert_int_equal(cairn_channel_handshake_in(&res, buf, len), 0);
    assert_int_equal(cairn_channel_peer(&res, pk), CAIRN_ESTATE); /* not proven yet */
    assert_int_equal(cairn_channel_handshake_out(&res, buf, 207, &len), CAIRN_EINVAL);
    assert_int_equal(cairn_channel_handshake_out(&res, buf, sizeof buf, &len), 0);
    assert_int_equal(cairn_channel_handshake_in(&ini, buf, len), 0);
    assert_int_equal(cairn_channel_peer(&ini, pk), 0); /* proven by msg2 */
    assert_memory_equal(pk, b.pk, 32);
    assert_int_equal(cairn_channel_handshake_out(&ini, buf, sizeof buf, &len), 0);
    assert_int_equal(cairn_channel_handshake_in(&res, buf, len), 0);
    assert_int_equal(cairn_channel_handshake_in(&res, buf, len), CAIRN_ESTATE);

    uint8_t *big = malloc(CAIRN_CHANNEL_PLAINTEXT_MAX + 1);
    assert_non_null(big);
    assert_int_equal(cairn_channel_seal(&ini, big, CAIRN_CHANNEL_PLAINTEXT_MAX + 1, big,
                                        CAIRN_CHANNEL_PLAINTEXT_MAX + 1, &len),
                     CAIRN_ETOOBIG);
    free(big);
    assert_int_equal(cairn_channel_seal(&ini, buf, 10, buf, 10 + CAIRN_CHANNEL_OVERHEAD - 1, &len),
                     CAIRN_EINVAL);
    assert_true(cairn_channel_is_established(&ini));
    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&res);
}

/* msg1 of another version is EUNSUPPORTED; a low-order ephemeral is ECRYPTO. */
static void test_bad_msg1(void **state)
{
    cairn_channel_t ini, res;
    struct transcript t;
    uint8_t m[CAIRN_CHANNEL_MSG1_LEN];

    init_vec_pair(&ini, &res, NULL, NULL);
    assert_int_equal(handshake(&ini, &res, &t), 0);
    memcpy(m, t.m1, sizeof m);
    m[0] = 2;
    init_vec_pair(&ini, &res, NULL, NULL);
    assert_int_equal(cairn_channel_handshake_in(&res, m, sizeof m), CAIRN_EUNSUPPORTED);
    assert_failed(&res, CAIRN_EUNSUPPORTED);
    init_vec_pair(&ini, &res, NULL, NULL); /* whatever its size */
    assert_int_equal(cairn_channel_handshake_in(&res, m, 3), CAIRN_EUNSUPPORTED);

    memcpy(m, t.m1, sizeof m);
    memset(m + 1, 0, 32); /* the identity point */
    init_vec_pair(&ini, &res, NULL, NULL);
    assert_int_equal(cairn_channel_handshake_in(&res, m, sizeof m), CAIRN_ECRYPTO);
    assert_non_null(strstr(cairn_channel_reason(&res), "low-order"));
    m[1] = 1; /* order-1 point too */
    init_vec_pair(&ini, &res, NULL, NULL);
    assert_int_equal(cairn_channel_handshake_in(&res, m, sizeof m), CAIRN_ECRYPTO);
    cairn_channel_wipe(&ini);
}

/* Wipe leaves no byte of the channel behind, established or not. */
static void test_wipe(void **state)
{
    struct node a, b;
    cairn_channel_t ini, res;
    random_pair(&ini, &res, &a, &b);
    assert_false(sodium_is_zero(ini.tx_key, 32));
    cairn_channel_wipe(&ini);
    cairn_channel_wipe(&res);
    assert_true(sodium_is_zero((const unsigned char *)&ini, sizeof ini));
    assert_true(sodium_is_zero((const unsigned char *)&res, sizeof res));
    assert_false(cairn_channel_is_established(&ini));
    /* a wiped channel refuses everything */
    uint8_t buf[CAIRN_CHANNEL_HANDSHAKE_MAX];
    size_t len;
    assert_int_equal(cairn_channel_handshake_out(&ini, buf, sizeof buf, &len), CAIRN_ESTATE);
    assert_int_equal(cairn_channel_handshake_out(&res, buf, sizeof buf, &len), CAIRN_ESTATE);
    assert_int_equal(cairn_channel_seal(&ini, buf, 1, buf, sizeof buf, &len), CAIRN_ESTATE);
    cairn_channel_wipe(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_handshake_and_data),
        cmocka_unit_test(test_rekey),
        cmocka_unit_test(test_psk),
        cmocka_unit_test(test_wrong_expected_peer),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_data_tampering),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_bad_msg1),
        cmocka_unit_test(test_wipe),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
