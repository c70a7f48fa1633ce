/*
 * fuzz_channel.c: libFuzzer target for the secure channel's decoders: msg2 at an initiator, msg3
 * at a responder, and a run of data messages at an established receiver.
 *
 * Input: byte 0 picks the mode (bits 0-1: 0 msg1, 1 msg2, 2 msg3, 3 data) and whether both sides
 * hold the PSK (bit 2). Handshake modes feed the rest as one message. Data mode reads the rest as
 * records of a 2-byte big-endian length and that many bytes, each fed to open(). The sides are the
 * deterministic ones of the PROTOCOL.md vectors, so the seeds (made from those vectors) are valid
 * and mutations start from real messages. Checked: a failure is sticky and leaves no secret, a
 * success never writes past what it reports, and a handshake that completes agrees on the keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/channel.h"
#include "cairn/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Per PSK choice: the initiator after msg1, the responder after msg2, and an established pair. */
static struct fixture {
    cairn_channel_t ini_wait2, res_start, res_wait3, ini_done, res_done;
} fixtures[2];
static int ready;

static void seq(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(start + i);
}

static void must(int ok)
{
    if (!ok)
        abort();
}

static void setup(void)
{
    uint8_t seed[32], ipk[32], isk[64], rpk[32], rsk[64], psk[32], m[CAIRN_CHANNEL_HANDSHAKE_MAX];
    cairn_channel_seed_t is, rs;
    size_t len;

    seq(seed, 32, 0x00);
    crypto_sign_seed_keypair(ipk, isk, seed);
    seq(seed, 32, 0x20);
    crypto_sign_seed_keypair(rpk, rsk, seed);
    seq(is.ephemeral_sk, 32, 0x40);
    seq(is.nonce, 32, 0x60);
    seq(is.stream_header, 24, 0x80);
    seq(rs.ephemeral_sk, 32, 0xa0);
    seq(rs.nonce, 32, 0xc0);
    seq(rs.stream_header, 24, 0xe0);
    seq(psk, 32, 0xd0);
    for (int p = 0; p < 2; p++) {
        struct fixture *f = &fixtures[p];
        cairn_channel_t ini, res;
        const uint8_t *k = p ? psk : NULL;
        must(cairn_channel_init_deterministic(&ini, 1, ipk, isk, rpk, k, &is) == 0);
        must(cairn_channel_init_deterministic(&res, 0, rpk, rsk, ipk, k, &rs) == 0);
        f->res_start = res;
        must(cairn_channel_handshake_out(&ini, m, sizeof m, &len) == 0);
        f->ini_wait2 = ini;
        must(cairn_channel_handshake_in(&res, m, len) == 0);
        must(cairn_channel_handshake_out(&res, m, sizeof m, &len) == 0);
        f->res_wait3 = res;
        must(cairn_channel_handshake_in(&ini, m, len) == 0);
        must(cairn_channel_handshake_out(&ini, m, sizeof m, &len) == 0);
        must(cairn_channel_handshake_in(&res, m, len) == 0);
        f->ini_done = ini;
        f->res_done = res;
    }
    ready = 1;
}

static void check_failed(const cairn_channel_t *c, int rc)
{
    must(rc == CAIRN_ECRYPTO || rc == CAIRN_EUNSUPPORTED);
    must(c->err == rc && cairn_channel_reason(c) != NULL && !cairn_channel_is_established(c));
    must(sodium_is_zero(c->id_sk, sizeof c->id_sk) && sodium_is_zero(c->hs, sizeof c->hs) &&
         sodium_is_zero(c->eph_sk, sizeof c->eph_sk) && sodium_is_zero(c->rx_key, 32) &&
         sodium_is_zero(c->tx_key, 32));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_channel_t c;
    int rc;

    if (!ready)
        setup();
    if (size < 1)
        return 0;
    struct fixture *f = &fixtures[(data[0] >> 2) & 1];
    int mode = data[0] & 3;
    data++, size--;

    if (mode == 0 || mode == 2) {
        c = mode == 0 ? f->res_start : f->res_wait3;
        rc = cairn_channel_handshake_in(&c, data, size);
        if (rc != 0) {
            check_failed(&c, rc);
            must(cairn_channel_handshake_in(&c, data, size) == rc);
        } else if (mode == 2) {
            /* only the genuine msg3 can complete the handshake */
            uint8_t tx[32], rx[32], ptx[32], prx[32];
            must(cairn_channel_session_keys(&c, tx, rx) == 0);
            must(cairn_channel_session_keys(&f->ini_done, ptx, prx) == 0);
            must(memcmp(tx, prx, 32) == 0 && memcmp(rx, ptx, 32) == 0);
        }
    } else if (mode == 1) {
        c = f->ini_wait2;
        rc = cairn_channel_handshake_in(&c, data, size);
        if (rc != 0)
            check_failed(&c, rc);
        else
            must(size == CAIRN_CHANNEL_MSG2_LEN);
    } else {
        uint8_t *out = NULL;
        c = f->res_done;
        while (size >= 2) {
            size_t n = (size_t)data[0] << 8 | data[1];
            data += 2, size -= 2;
            if (n > size)
                n = size;
            size_t cap = n, got = 0;
            /* an exact-size heap buffer, so ASan sees any write past what open() may use */
            out = malloc(cap ? cap : 1);
            must(out != NULL);
            rc = cairn_channel_open(&c, data, n, out, cap, &got);
            free(out);
            data += n, size -= n;
            if (rc < 0) {
                check_failed(&c, rc);
                break;
            }
            must(got + CAIRN_CHANNEL_OVERHEAD - CAIRN_CHANNEL_HEADER_LEN <= n);
            if (rc == 1)
                must(got == 0);
        }
    }
    cairn_channel_wipe(&c);
    return 0;
}
