/*
 * fuzz_seal.c: libFuzzer target for the sealed bundle reader.
 *
 * Keys are fixed (sender: the Ed25519 key of seed 00..1f, recipient: of seed 20..3f, as in
 * test_seal.c and PROTOCOL.md 6.6), so the seed corpus holds real bundles the fuzzer can mutate.
 * The first byte picks the mode:
 *  - bit 7 clear: the rest is a bundle. It is opened twice, whole and in pieces cut by an LCG
 *    seeded from the first byte (bit 6: expect the fixed sender); both must reach the same verdict
 *    and records, the reader's buffers must stay within one record, and a bundle accepted must
 *    really be signed by the fixed sender (only the seeds are).
 *  - bit 7 set: the rest is cut into records (a length byte, then that many bytes) that are sealed
 *    with fixed randomness and opened: the records must come back unchanged; then one bit chosen by
 *    the input is flipped and the bundle must be refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/err.h"
#include "cairn/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct keys {
    uint8_t spk[32], ssk[64], rpk[32], rsk[64];
};

static const struct keys *keys(void)
{
    static struct keys k;
    static int ready;
    if (!ready) {
        uint8_t seed[32];
        if (sodium_init() < 0)
            abort();
        for (int j = 0; j < 32; j++)
            seed[j] = (uint8_t)j;
        crypto_sign_seed_keypair(k.spk, k.ssk, seed);
        for (int j = 0; j < 32; j++)
            seed[j] = (uint8_t)(32 + j);
        crypto_sign_seed_keypair(k.rpk, k.rsk, seed);
        ready = 1;
    }
    return &k;
}

/* What a reading produced: a running hash of the records and the verdict. */
struct result {
    crypto_generichash_state h;
    uint8_t digest[32];
    uint64_t n;
    int rc;
    cairn_seal_verdict_t v;
};

static int on_record(void *arg, const uint8_t *rec, size_t len)
{
    struct result *res = arg;
    uint8_t l[8];
    for (int i = 0; i < 8; i++)
        l[i] = (uint8_t)((uint64_t)len >> (8 * i));
    crypto_generichash_update(&res->h, l, sizeof l);
    crypto_generichash_update(&res->h, rec, len);
    res->n++;
    return 0;
}

/* Opens bytes; step 0 feeds everything at once, otherwise LCG-sized pieces from seed. */
static void open_bundle(const uint8_t *bytes, size_t len, const uint8_t *expected, uint32_t seed,
                        int split, struct result *res)
{
    const struct keys *k = keys();
    cairn_seal_reader_t r;
    memset(res, 0, sizeof *res);
    crypto_generichash_init(&res->h, NULL, 0, 32);
    if (cairn_seal_reader_init(&r, k->rpk, k->rsk, expected, on_record, res) != 0)
        abort();
    for (size_t off = 0; off < len;) {
        size_t n = len - off;
        if (split) {
            seed = seed * 1103515245u + 12345u;
            size_t s = (seed >> 16) % 8 == 0 ? len - off : 1 + (seed >> 16) % 97;
            n = s < n ? s : n;
        }
        int rc = cairn_seal_reader_feed(&r, bytes + off, n);
        if (r.cap > CAIRN_SEAL_RECORD_MAX + CAIRN_SEAL_ABYTES ||
            r.plain_cap > CAIRN_SEAL_RECORD_MAX)
            abort();
        off += n;
        if (r.cap > 4096 && r.cap > 2 * off)
            abort(); /* grown far beyond the bytes that arrived */
        if (rc != 0)
            break;
    }
    res->rc = cairn_seal_reader_finish(&r, &res->v);
    crypto_generichash_final(&res->h, res->digest, sizeof res->digest);
    if (res->rc != 0 && res->rc != CAIRN_ECRYPTO)
        abort(); /* no local failures happen here */
}

static void fuzz_open(uint8_t mode, const uint8_t *data, size_t size)
{
    const struct keys *k = keys();
    const uint8_t *expected = (mode & 0x40) ? k->spk : NULL;
    struct result whole, pieces;
    open_bundle(data, size, expected, mode, 0, &whole);
    open_bundle(data, size, expected, mode, 1, &pieces);
    if (whole.rc != pieces.rc || whole.v.code != pieces.v.code ||
        strcmp(whole.v.reason, pieces.v.reason) != 0 || whole.n != pieces.n ||
        memcmp(whole.digest, pieces.digest, sizeof whole.digest) != 0)
        abort();
    if (whole.rc == 0 && memcmp(whole.v.sender_pk, k->spk, 32) != 0)
        abort(); /* a signature by a key nobody here holds */
}

struct out {
    uint8_t *p;
    size_t len;
};

static int out_to_buf(void *arg, const uint8_t *p, size_t len)
{
    struct out *o = arg;
    uint8_t *n = realloc(o->p, o->len + len);
    if (!n)
        abort();
    memcpy(n + o->len, p, len);
    o->p = n;
    o->len += len;
    return 0;
}

static void fuzz_round_trip(uint8_t mode, const uint8_t *data, size_t size)
{
    const struct keys *k = keys();
    cairn_seal_fixed_t f;
    cairn_seal_writer_t w;
    struct out out = {NULL, 0};
    uint8_t digest[32];
    uint64_t n = 0;

    memset(&f, 0x5a, sizeof f);
    f.created_ms = size;
    if (cairn_seal_writer_init_fixed(&w, k->spk, k->ssk, k->rpk, &f, out_to_buf, &out) != 0)
        abort();
    for (size_t off = 0; off < size;) {
        size_t len = data[off++];
        if (len > size - off)
            len = size - off;
        if (cairn_seal_writer_record(&w, data + off, len) != 0)
            abort();
        off += len;
        n++;
    }
    if (cairn_seal_writer_finish(&w) != 0)
        abort();

    struct result res;
    open_bundle(out.p, out.len, k->spk, mode, 1, &res);
    if (res.rc != 0 || res.n != n)
        abort();
    /* the same records: hash them the same way as the reader did */
    struct result ref;
    memset(&ref, 0, sizeof ref);
    crypto_generichash_init(&ref.h, NULL, 0, 32);
    for (size_t off = 0; off < size;) {
        size_t len = data[off++];
        if (len > size - off)
            len = size - off;
        on_record(&ref, data + off, len);
        off += len;
    }
    crypto_generichash_final(&ref.h, digest, sizeof digest);
    if (memcmp(digest, res.digest, sizeof digest) != 0)
        abort();

    /* one flipped bit anywhere is refused */
    size_t bit = (size ? data[0] * 131u + data[size - 1] * 7u + size : mode) % (out.len * 8);
    out.p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    open_bundle(out.p, out.len, NULL, mode, 1, &res);
    if (res.rc == 0)
        abort();
    free(out.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 0x80) {
        if (size > 4097)
            return 0; /* keep round trips fast; the open mode covers size */
        fuzz_round_trip(data[0], data + 1, size - 1);
    } else {
        fuzz_open(data[0], data + 1, size - 1);
    }
    return 0;
}
