/*
 * test_seal.c: sealed bundles. Round trips of every shape, the PROTOCOL.md test vector, an
 * independent sealer written from the spec (which must produce the same bytes, and lets forged
 * bundles be built), and refusal of every tampering: each bit flip, each truncation, bytes after
 * the end, reordered, duplicated or dropped records, wrong recipient, forged or unexpected sender.
 * Also: a record over the limit is refused before allocation, and a 64 MiB bundle streams through
 * buffers bounded by one record.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/err.h"
#include "cairn/seal.h"

/* ---- helpers ---- */

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static void buf_add(struct buf *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    if (len)
        memcpy(b->p + b->len, data, len);
    b->len += len;
}

static int out_to_buf(void *arg, const uint8_t *data, size_t len)
{
    buf_add(arg, data, len);
    return 0;
}

struct key {
    uint8_t pk[CAIRN_SEAL_PK_LEN];
    uint8_t sk[CAIRN_SEAL_SK_LEN];
};

/* Identity i: the Ed25519 key from the seed (i*32 + 0, ..., i*32 + 31). */
static struct key key_of(int i)
{
    struct key k;
    uint8_t seed[32];
    for (int j = 0; j < 32; j++)
        seed[j] = (uint8_t)(i * 32 + j);
    crypto_sign_seed_keypair(k.pk, k.sk, seed);
    return k;
}

static cairn_seal_fixed_t vector_fixed(void)
{
    cairn_seal_fixed_t f;
    for (int j = 0; j < 32; j++)
        f.ephemeral_sk[j] = (uint8_t)(0x40 + j);
    for (int j = 0; j < 24; j++)
        f.stream_header[j] = (uint8_t)(0x60 + j);
    for (int j = 0; j < 16; j++)
        f.bundle_id[j] = (uint8_t)(0x80 + j);
    f.created_ms = 1795626697123ull;
    return f;
}

/* Records of a bundle, as the reader delivered them: each as u64 length then bytes. */
struct got {
    struct buf all;
    size_t n;
    int fail_at; /* > 0: the handler fails on this record (1-based) */
};

static int collect(void *arg, const uint8_t *data, size_t len)
{
    struct got *g = arg;
    g->n++;
    if (g->fail_at > 0 && (size_t)g->fail_at == g->n)
        return -EIO;
    uint64_t l = len;
    buf_add(&g->all, &l, sizeof l);
    buf_add(&g->all, data, len);
    return 0;
}

/* Seals n records (sizes[i], byte j of record i is i*7+j) from sender to recipient. */
static struct buf seal(const struct key *sender, const struct key *recipient, const size_t *sizes,
                       size_t n, const cairn_seal_fixed_t *fixed)
{
    cairn_seal_writer_t w;
    struct buf out = {0};
    if (fixed)
        assert_int_equal(cairn_seal_writer_init_fixed(&w, sender->pk, sender->sk, recipient->pk,
                                                      fixed, out_to_buf, &out),
                         0);
    else
        assert_int_equal(
            cairn_seal_writer_init(&w, sender->pk, sender->sk, recipient->pk, out_to_buf, &out), 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t *rec = malloc(sizes[i] ? sizes[i] : 1);
        assert_non_null(rec);
        for (size_t j = 0; j < sizes[i]; j++)
            rec[j] = (uint8_t)(i * 7 + j);
        assert_int_equal(cairn_seal_writer_record(&w, rec, sizes[i]), 0);
        free(rec);
    }
    assert_int_equal(cairn_seal_writer_finish(&w), 0);
    return out;
}

/* Opens bytes as recipient, fed in pieces of step bytes (0: all at once). Returns finish's code. */
static int open_bundle(const struct key *recipient, const uint8_t *expected, const uint8_t *bytes,
                       size_t len, size_t step, struct got *g, cairn_seal_verdict_t *v)
{
    cairn_seal_reader_t r;
    assert_int_equal(cairn_seal_reader_init(&r, recipient->pk, recipient->sk, expected, collect, g),
                     0);
    if (step == 0)
        step = len ? len : 1;
    for (size_t off = 0; off < len; off += step) {
        size_t n = len - off < step ? len - off : step;
        if (cairn_seal_reader_feed(&r, bytes + off, n) != 0)
            break;
    }
    return cairn_seal_reader_finish(&r, v);
}

static void check_records(const struct got *g, const size_t *sizes, size_t n)
{
    assert_int_equal(g->n, n);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t l;
        memcpy(&l, g->all.p + off, sizeof l);
        off += sizeof l;
        assert_int_equal(l, sizes[i]);
        for (size_t j = 0; j < sizes[i]; j++)
            assert_int_equal(g->all.p[off + j], (uint8_t)(i * 7 + j));
        off += sizes[i];
    }
    assert_int_equal(off, g->all.len);
}

/* Offsets of each record's length prefix in a bundle (the opening record is index 0). */
static size_t record_offsets(const struct buf *b, size_t *offs, size_t max)
{
    size_t n = 0, off = CAIRN_SEAL_HEADER_LEN;
    while (off + 4 <= b->len && n < max) {
        uint32_t l = (uint32_t)b->p[off] << 24 | (uint32_t)b->p[off + 1] << 16 |
                     (uint32_t)b->p[off + 2] << 8 | b->p[off + 3];
        offs[n++] = off;
        off += 4 + l;
    }
    offs[n] = off;
    return n;
}

/* ---- an independent sealer, written from PROTOCOL.md section 6 alone ---- */

struct raw_opts {
    const uint8_t *claimed_pk; /* sender pk in the opening record */
    const uint8_t *signer_sk;  /* key that signs */
    const uint8_t *recipient_pk;
    const cairn_seal_fixed_t *fixed;
    const uint8_t *const *records;
    const size_t *sizes;
    size_t n;
    uint8_t opening_tag, data_tag, final_tag;
    size_t sig_len;          /* bytes of the final record's plaintext (64) */
    bool record_after_final; /* one more well-encrypted record after the final one */
    bool sign_other_header;  /* sign a transcript whose header has a different bundle id */
};

static void raw_record(struct buf *out, crypto_secretstream_xchacha20poly1305_state *st,
                       const uint8_t *m, size_t mlen, const uint8_t *ad, size_t adlen, uint8_t tag)
{
    uint8_t l[4];
    uint32_t c = (uint32_t)(mlen + crypto_secretstream_xchacha20poly1305_ABYTES);
    uint8_t *ct = malloc(c);
    assert_non_null(ct);
    l[0] = (uint8_t)(c >> 24), l[1] = (uint8_t)(c >> 16), l[2] = (uint8_t)(c >> 8),
    l[3] = (uint8_t)c;
    crypto_secretstream_xchacha20poly1305_push(st, ct, NULL, m, mlen, ad, adlen, tag);
    buf_add(out, l, 4);
    buf_add(out, ct, c);
    free(ct);
}

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static struct buf raw_seal(const struct raw_opts *o)
{
    struct buf out = {0};
    uint8_t header[113], rc[32], eph_pk[32], shared[32], key[32], opening[40], l8[8];
    uint8_t hash[64], sig[80] = {0};
    crypto_generichash_state h;
    crypto_secretstream_xchacha20poly1305_state st;

    assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(rc, o->recipient_pk), 0);
    crypto_scalarmult_base(eph_pk, o->fixed->ephemeral_sk);
    assert_int_equal(crypto_scalarmult(shared, o->fixed->ephemeral_sk, rc), 0);
    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, (const uint8_t *)"cairn-bundle-v1 key", 19);
    crypto_generichash_update(&h, shared, 32);
    crypto_generichash_update(&h, eph_pk, 32);
    crypto_generichash_update(&h, o->recipient_pk, 32);
    crypto_generichash_final(&h, key, 32);

    memcpy(header, "CAIRNBDL", 8);
    header[8] = 1;
    memcpy(header + 9, o->recipient_pk, 32);
    memcpy(header + 41, eph_pk, 32);
    memcpy(header + 73, o->fixed->stream_header, 24);
    memcpy(header + 97, o->fixed->bundle_id, 16);
    crypto_secretstream_xchacha20poly1305_init_pull(&st, header + 73, key);
    buf_add(&out, header, sizeof header);

    memcpy(opening, o->claimed_pk, 32);
    be64(opening + 32, o->fixed->created_ms);
    raw_record(&out, &st, opening, 40, header, sizeof header, o->opening_tag);

    crypto_generichash_init(&h, NULL, 0, 64);
    crypto_generichash_update(&h, (const uint8_t *)"cairn-bundle-v1", 15);
    if (o->sign_other_header)
        header[97] ^= 1;
    crypto_generichash_update(&h, header, sizeof header);
    crypto_generichash_update(&h, opening, sizeof opening);
    for (size_t i = 0; i < o->n; i++) {
        be64(l8, o->sizes[i]);
        crypto_generichash_update(&h, l8, 8);
        crypto_generichash_update(&h, o->records[i], o->sizes[i]);
        raw_record(&out, &st, o->records[i], o->sizes[i], NULL, 0, o->data_tag);
    }
    be64(l8, o->n);
    crypto_generichash_update(&h, l8, 8);
    crypto_generichash_final(&h, hash, 64);
    crypto_sign_detached(sig, NULL, hash, 64, o->signer_sk);
    raw_record(&out, &st, sig, o->sig_len, NULL, 0, o->final_tag);
    if (o->record_after_final)
        raw_record(&out, &st, (const uint8_t *)"more", 4, NULL, 0,
                   crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    return out;
}

static struct raw_opts raw_defaults(const struct key *sender, const struct key *recipient,
                                    const cairn_seal_fixed_t *fixed)
{
    static const uint8_t a[] = "first", b[] = "second record";
    static const uint8_t *const recs[2] = {a, b};
    static const size_t sizes[2] = {5, 13};
    struct raw_opts o = {sender->pk,
                         sender->sk,
                         recipient->pk,
                         fixed,
                         recs,
                         sizes,
                         2,
                         crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
                         crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
                         crypto_secretstream_xchacha20poly1305_TAG_FINAL,
                         64,
                         false,
                         false};
    return o;
}

/* ---- tests ---- */

static void test_round_trips(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    static const size_t none[1] = {0}, one[1] = {300}, empty_rec[3] = {0, 1, 0};
    size_t many[100];
    for (size_t i = 0; i < 100; i++)
        many[i] = (i * 977) % 5000;
    struct {
        const size_t *sizes;
        size_t n;
    } cases[] = {{none, 0}, {one, 1}, {empty_rec, 3}, {many, 100}};

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct buf b = seal(&s, &r, cases[c].sizes, cases[c].n, NULL);
        size_t steps[] = {0, 1, 7, 4096};
        for (size_t k = 0; k < 4; k++) {
            struct got g = {0};
            cairn_seal_verdict_t v;
            assert_int_equal(open_bundle(&r, s.pk, b.p, b.len, steps[k], &g, &v), 0);
            assert_int_equal(v.code, 0);
            assert_string_equal(v.reason, "ok");
            assert_memory_equal(v.sender_pk, s.pk, 32);
            assert_int_equal(v.records, cases[c].n);
            check_records(&g, cases[c].sizes, cases[c].n);
            free(g.all.p);
        }
        free(b.p);
    }
}

static void test_random_each_time(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    struct buf a = seal(&s, &r, NULL, 0, NULL), b = seal(&s, &r, NULL, 0, NULL);
    assert_int_equal(a.len, b.len);
    /* same recipient, fresh ephemeral key, stream header and id */
    assert_memory_equal(a.p, b.p, 41);
    assert_memory_not_equal(a.p + 41, b.p + 41, 32);
    assert_memory_not_equal(a.p + 73, b.p + 73, 24);
    assert_memory_not_equal(a.p + 97, b.p + 97, 16);
    uint8_t pk[32], id[16];
    assert_int_equal(cairn_seal_peek(a.p, a.len, pk, id), 0);
    assert_memory_equal(pk, r.pk, 32);
    assert_memory_equal(id, a.p + 97, 16);
    assert_int_equal(cairn_seal_peek(a.p, 112, pk, id), CAIRN_EPROTO);
    a.p[8] = 2;
    assert_int_equal(cairn_seal_peek(a.p, a.len, pk, id), CAIRN_EUNSUPPORTED);
    free(a.p);
    free(b.p);
}

static void test_max_record(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    size_t sizes[2] = {CAIRN_SEAL_RECORD_MAX, 1};
    struct buf b = seal(&s, &r, sizes, 2, NULL);
    struct got g = {0};
    assert_int_equal(open_bundle(&r, NULL, b.p, b.len, 100000, &g, NULL), 0);
    check_records(&g, sizes, 2);
    free(g.all.p);
    free(b.p);
}

static void test_over_max_refused_before_allocation(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    cairn_seal_writer_t w;
    struct buf b = {0};
    uint8_t one = 1;
    assert_int_equal(cairn_seal_writer_init(&w, s.pk, s.sk, r.pk, out_to_buf, &b), 0);
    /* the writer refuses it and stays usable */
    assert_int_equal(cairn_seal_writer_record(&w, &one, CAIRN_SEAL_RECORD_MAX + 1), CAIRN_ETOOBIG);
    size_t opened_len = b.len;

    /* a hand-made prefix announcing one byte more than the largest record */
    uint32_t l = CAIRN_SEAL_RECORD_MAX + CAIRN_SEAL_ABYTES + 1;
    uint8_t prefix[4] = {(uint8_t)(l >> 24), (uint8_t)(l >> 16), (uint8_t)(l >> 8), (uint8_t)l};
    cairn_seal_reader_t rd;
    struct got g = {0};
    cairn_seal_verdict_t v;
    assert_int_equal(cairn_seal_reader_init(&rd, r.pk, r.sk, s.pk, collect, &g), 0);
    assert_int_equal(cairn_seal_reader_feed(&rd, b.p, opened_len), 0);
    size_t cap_before = rd.cap; /* what the opening record needed */
    assert_true(cap_before <= CAIRN_SEAL_OPENING_LEN + CAIRN_SEAL_ABYTES);
    assert_int_equal(cairn_seal_reader_feed(&rd, prefix, 4), CAIRN_ETOOBIG);
    assert_int_equal(rd.cap, cap_before);
    assert_int_equal(rd.offset, opened_len + 4);
    assert_string_equal(cairn_seal_reader_reason(&rd), "record too large");
    assert_int_equal(cairn_seal_reader_finish(&rd, &v), CAIRN_ECRYPTO);
    assert_int_equal(v.code, CAIRN_ETOOBIG);

    /* 0xffffffff too, and exactly the maximum is accepted as a length */
    memset(prefix, 0xff, 4);
    assert_int_equal(cairn_seal_reader_init(&rd, r.pk, r.sk, s.pk, collect, &g), 0);
    assert_int_equal(cairn_seal_reader_feed(&rd, b.p, opened_len), 0);
    assert_int_equal(cairn_seal_reader_feed(&rd, prefix, 4), CAIRN_ETOOBIG);
    cairn_seal_reader_free(&rd);
    l = CAIRN_SEAL_RECORD_MAX + CAIRN_SEAL_ABYTES;
    uint8_t ok[4] = {(uint8_t)(l >> 24), (uint8_t)(l >> 16), (uint8_t)(l >> 8), (uint8_t)l};
    assert_int_equal(cairn_seal_reader_init(&rd, r.pk, r.sk, s.pk, collect, &g), 0);
    assert_int_equal(cairn_seal_reader_feed(&rd, b.p, opened_len), 0);
    cap_before = rd.cap;
    assert_int_equal(cairn_seal_reader_feed(&rd, ok, 4), 0);
    assert_int_equal(rd.cap, cap_before); /* nothing allocated for a length alone */
    assert_int_equal(cairn_seal_reader_finish(&rd, &v), CAIRN_ECRYPTO);
    assert_string_equal(v.reason, "truncated: no final record");

    cairn_seal_writer_free(&w);
    free(b.p);
}

/* The bundle listed in PROTOCOL.md 6.6, rebuilt and checked byte for byte. */
static const char vector_hex[] =
    "434149524e42444c0129acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd779a631ee"
    "de1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a606162636465666768696a6b6c6d6e6f70"
    "71727374757677808182838485868788898a8b8c8d8e8f00000039c618fdbfd2389f0db32fe6bd6d2ce4fb9531"
    "de52c5f45c119ac62ebbbdbe5ecbbc417e1679c7536b46c124d0c7ee39ddebf1232dfc8f0ae2d7000000161f06"
    "ebdf64e102460bbe6a9139c61aaf6a61457c0bb900000051b13aae7777de881ced23cecdb731973fa2e43c9f36"
    "77ebe2706b2a306b5d44bc7d77095e3d19f7e112ab1fbc7c163710775d06e8c69df616321bbf5d763603141877"
    "1a1a42b2db97fce058fe6a6fe1a334";

static void test_vector(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    cairn_seal_fixed_t f = vector_fixed();
    cairn_seal_writer_t w;
    struct buf b = {0};
    assert_int_equal(cairn_seal_writer_init_fixed(&w, s.pk, s.sk, r.pk, &f, out_to_buf, &b), 0);
    assert_int_equal(cairn_seal_writer_record(&w, (const uint8_t *)"hello", 5), 0);
    assert_int_equal(cairn_seal_writer_finish(&w), 0);

    char *hex = malloc(b.len * 2 + 1);
    assert_non_null(hex);
    sodium_bin2hex(hex, b.len * 2 + 1, b.p, b.len);
    if (getenv("CAIRN_PRINT_VECTOR"))
        printf("%s\n", hex);
    assert_string_equal(hex, vector_hex);

    struct got g = {0};
    cairn_seal_verdict_t v;
    assert_int_equal(open_bundle(&r, s.pk, b.p, b.len, 0, &g, &v), 0);
    assert_int_equal(v.created_ms, f.created_ms);
    assert_memory_equal(v.bundle_id, f.bundle_id, 16);
    assert_int_equal(g.all.len, 8 + 5);
    assert_memory_equal(g.all.p + 8, "hello", 5);
    free(g.all.p);
    free(hex);
    free(b.p);
}

/* The spec-only sealer makes exactly the writer's bytes. */
static void test_independent_sealer(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    cairn_seal_fixed_t f = vector_fixed();
    struct raw_opts o = raw_defaults(&s, &r, &f);
    struct buf raw = raw_seal(&o);
    cairn_seal_writer_t w;
    struct buf b = {0};
    assert_int_equal(cairn_seal_writer_init_fixed(&w, s.pk, s.sk, r.pk, &f, out_to_buf, &b), 0);
    for (size_t i = 0; i < o.n; i++)
        assert_int_equal(cairn_seal_writer_record(&w, o.records[i], o.sizes[i]), 0);
    assert_int_equal(cairn_seal_writer_finish(&w), 0);
    assert_int_equal(raw.len, b.len);
    assert_memory_equal(raw.p, b.p, b.len);
    free(raw.p);
    free(b.p);
}

static void expect_refused(const struct key *r, const uint8_t *expected, const struct buf *b,
                           const char *reason)
{
    struct got g = {0};
    cairn_seal_verdict_t v;
    assert_int_equal(open_bundle(r, expected, b->p, b->len, 0, &g, &v), CAIRN_ECRYPTO);
    assert_int_not_equal(v.code, 0);
    if (reason)
        assert_string_equal(v.reason, reason);
    free(g.all.p);
}

static void test_wrong_recipient(void **state)
{
    struct key s = key_of(0), r = key_of(1), other = key_of(2);
    size_t sizes[1] = {10};
    struct buf b = seal(&s, &r, sizes, 1, NULL);
    expect_refused(&other, NULL, &b, "not addressed to this node");
    /* relabelled for the other node: passes the label check, but the key is not its own */
    memcpy(b.p + 9, other.pk, 32);
    expect_refused(&other, NULL, &b, NULL);
    free(b.p);
}

static void test_forged_sender(void **state)
{
    struct key s = key_of(0), r = key_of(1), mallory = key_of(2);
    cairn_seal_fixed_t f = vector_fixed();
    struct raw_opts o;
    struct buf b;

    /* claims s, signed by mallory */
    o = raw_defaults(&s, &r, &f);
    o.signer_sk = mallory.sk;
    b = raw_seal(&o);
    expect_refused(&r, NULL, &b, "signature does not verify");
    expect_refused(&r, s.pk, &b, "signature does not verify");
    free(b.p);

    /* mallory honestly, but s is expected */
    o = raw_defaults(&mallory, &r, &f);
    b = raw_seal(&o);
    expect_refused(&r, s.pk, &b, "sender is not the expected node");
    {
        struct got g = {0};
        cairn_seal_verdict_t v;
        assert_int_equal(open_bundle(&r, NULL, b.p, b.len, 0, &g, &v), 0);
        assert_memory_equal(v.sender_pk, mallory.pk, 32); /* the caller's pinning check sees it */
        assert_int_equal(g.n, 2);
        free(g.all.p);
    }
    free(b.p);

    /* s's signature over another header (e.g. lifted from another bundle) */
    o = raw_defaults(&s, &r, &f);
    o.sign_other_header = true;
    b = raw_seal(&o);
    expect_refused(&r, s.pk, &b, "signature does not verify");
    free(b.p);

    /* a genuine bundle's final record spliced onto a forged stream of the same shape: the
     * attacker cannot encrypt it for a stream whose key it chose, so it fails to decrypt */
    struct buf good = seal(&s, &r, o.sizes, 2, NULL);
    struct raw_opts fo = raw_defaults(&s, &r, &f);
    fo.signer_sk = mallory.sk;
    struct buf forged = raw_seal(&fo);
    size_t go[8], fof[8];
    size_t gn = record_offsets(&good, go, 7), fn = record_offsets(&forged, fof, 7);
    assert_int_equal(gn, 4);
    assert_int_equal(fn, 4);
    forged.len = fof[3];
    buf_add(&forged, good.p + go[3], go[4] - go[3]);
    expect_refused(&r, s.pk, &forged, NULL);
    free(good.p);
    free(forged.p);

    /* the writer itself will not sign as someone else */
    cairn_seal_writer_t w;
    struct buf x = {0};
    assert_int_equal(cairn_seal_writer_init(&w, s.pk, mallory.sk, r.pk, out_to_buf, &x),
                     CAIRN_EINVAL);
    assert_int_equal(x.len, 0);
}

static void test_bad_structure(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    cairn_seal_fixed_t f = vector_fixed();
    struct raw_opts o;
    struct buf b;

    o = raw_defaults(&s, &r, &f);
    o.opening_tag = crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    b = raw_seal(&o);
    expect_refused(&r, NULL, &b, "opening record has the wrong tag");
    free(b.p);

    o = raw_defaults(&s, &r, &f);
    o.data_tag = crypto_secretstream_xchacha20poly1305_TAG_PUSH;
    b = raw_seal(&o);
    expect_refused(&r, NULL, &b, "record has an unexpected tag");
    free(b.p);

    o = raw_defaults(&s, &r, &f);
    o.sig_len = 63;
    b = raw_seal(&o);
    expect_refused(&r, NULL, &b, "final record has the wrong size");
    free(b.p);

    o = raw_defaults(&s, &r, &f);
    o.final_tag =
        crypto_secretstream_xchacha20poly1305_TAG_MESSAGE; /* no final: a 64-byte record */
    b = raw_seal(&o);
    expect_refused(&r, NULL, &b, "truncated: no final record");
    free(b.p);

    o = raw_defaults(&s, &r, &f);
    o.record_after_final = true;
    b = raw_seal(&o);
    expect_refused(&r, NULL, &b, "bytes after the final record");
    free(b.p);

    /* an all-zero (low-order) ephemeral key */
    struct buf g = seal(&s, &r, NULL, 0, NULL);
    memset(g.p + 41, 0, 32);
    expect_refused(&r, NULL, &g, "bad ephemeral key (all-zero key agreement)");
    memcpy(g.p, "CAIRNBDX", 8);
    expect_refused(&r, NULL, &g, "not a Cairn bundle (bad magic)");
    g.p[7] = 'L';
    g.p[8] = 2;
    expect_refused(&r, NULL, &g, "unsupported bundle format version");
    free(g.p);

    struct buf empty = {0};
    expect_refused(&r, NULL, &empty, "empty: no bundle");
}

static void test_appended_bytes(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    size_t sizes[2] = {3, 4};
    struct buf b = seal(&s, &r, sizes, 2, NULL);
    buf_add(&b, "", 1);
    for (size_t step = 0; step < 3; step++) {
        struct got g = {0};
        cairn_seal_verdict_t v;
        assert_int_equal(open_bundle(&r, s.pk, b.p, b.len, step, &g, &v), CAIRN_ECRYPTO);
        assert_string_equal(v.reason, "bytes after the final record");
        free(g.all.p);
    }
    /* a second whole bundle after the first */
    b.len--;
    struct buf copy = {0};
    buf_add(&copy, b.p, b.len);
    buf_add(&b, copy.p, copy.len);
    free(copy.p);
    expect_refused(&r, s.pk, &b, "bytes after the final record");
    free(b.p);
}

static void test_every_bit_flip(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    cairn_seal_fixed_t f = vector_fixed();
    size_t sizes[2] = {5, 2};
    struct buf b = seal(&s, &r, sizes, 2, &f);
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            struct got g = {0};
            b.p[i] ^= (uint8_t)(1u << bit);
            assert_int_not_equal(open_bundle(&r, NULL, b.p, b.len, 0, &g, NULL), 0);
            b.p[i] ^= (uint8_t)(1u << bit);
            free(g.all.p);
        }
    }
    struct got g = {0};
    assert_int_equal(open_bundle(&r, NULL, b.p, b.len, 0, &g, NULL), 0);
    free(g.all.p);
    free(b.p);
}

static void test_every_truncation(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    size_t sizes[3] = {5, 0, 9};
    struct buf b = seal(&s, &r, sizes, 3, NULL);
    for (size_t len = 0; len < b.len; len++) {
        struct got g = {0};
        cairn_seal_verdict_t v;
        assert_int_equal(open_bundle(&r, NULL, b.p, len, 0, &g, &v), CAIRN_ECRYPTO);
        assert_string_equal(v.reason, len ? "truncated: no final record" : "empty: no bundle");
        free(g.all.p);
    }
    free(b.p);
}

static void test_reorder_duplicate_drop(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    size_t sizes[3] = {10, 10, 10}; /* same sizes: only the crypto can tell them apart */
    struct buf b = seal(&s, &r, sizes, 3, NULL);
    size_t off[8];
    assert_int_equal(record_offsets(&b, off, 7), 5); /* opening, 3 data, final */
    size_t rl = off[2] - off[1];

    struct buf x = {0};
    /* swap data records 1 and 2 */
    buf_add(&x, b.p, off[1]);
    buf_add(&x, b.p + off[2], rl);
    buf_add(&x, b.p + off[1], rl);
    buf_add(&x, b.p + off[3], b.len - off[3]);
    expect_refused(&r, NULL, &x, NULL);
    /* duplicate data record 1 */
    x.len = 0;
    buf_add(&x, b.p, off[2]);
    buf_add(&x, b.p + off[1], b.len - off[1]);
    expect_refused(&r, NULL, &x, NULL);
    /* drop data record 2 */
    x.len = 0;
    buf_add(&x, b.p, off[2]);
    buf_add(&x, b.p + off[3], b.len - off[3]);
    expect_refused(&r, NULL, &x, NULL);
    /* drop every data record: opening then final */
    x.len = 0;
    buf_add(&x, b.p, off[1]);
    buf_add(&x, b.p + off[4], b.len - off[4]);
    expect_refused(&r, NULL, &x, NULL);
    /* a record from another bundle to the same node */
    struct buf other = seal(&s, &r, sizes, 3, NULL);
    x.len = 0;
    buf_add(&x, b.p, off[2]);
    buf_add(&x, other.p + off[2], rl);
    buf_add(&x, b.p + off[3], b.len - off[3]);
    expect_refused(&r, NULL, &x, NULL);
    free(other.p);
    free(x.p);
    free(b.p);
}

static void test_handler_failure(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    size_t sizes[3] = {1, 2, 3};
    struct buf b = seal(&s, &r, sizes, 3, NULL);
    struct got g = {0};
    cairn_seal_verdict_t v;
    g.fail_at = 2;
    assert_int_equal(open_bundle(&r, NULL, b.p, b.len, 0, &g, &v), -EIO);
    assert_int_equal(v.code, -EIO);
    assert_int_equal(g.n, 2);
    free(g.all.p);
    free(b.p);

    /* arguments */
    cairn_seal_reader_t rd;
    struct key other = key_of(2);
    assert_int_equal(cairn_seal_reader_init(&rd, r.pk, other.sk, NULL, collect, &g), CAIRN_EINVAL);
    cairn_seal_reader_free(&rd);
    cairn_seal_writer_t w;
    struct buf x = {0};
    assert_int_equal(cairn_seal_writer_init(&w, s.pk, s.sk, r.pk, out_to_buf, &x), 0);
    assert_int_equal(cairn_seal_writer_finish(&w), 0);
    assert_int_equal(cairn_seal_writer_record(&w, (const uint8_t *)"x", 1), CAIRN_ESTATE);
    assert_int_equal(cairn_seal_writer_finish(&w), CAIRN_ESTATE);
    free(x.p);
}

/* A writer whose output goes straight into a reader: nothing is ever held but one record. */
struct pipe {
    cairn_seal_reader_t *r;
    size_t most_cap, most_plain;
    uint64_t bytes;
};

static int out_to_reader(void *arg, const uint8_t *data, size_t len)
{
    struct pipe *p = arg;
    p->bytes += len;
    /* feed in uneven pieces, as reads from a file would arrive */
    for (size_t off = 0; off < len;) {
        size_t n = len - off < 65537 ? len - off : 65537;
        int rc = cairn_seal_reader_feed(p->r, data + off, n);
        if (rc)
            return rc;
        off += n;
        if (p->r->cap > p->most_cap)
            p->most_cap = p->r->cap;
        if (p->r->plain_cap > p->most_plain)
            p->most_plain = p->r->plain_cap;
    }
    return 0;
}

struct count {
    uint64_t n, bytes;
    uint32_t check;
};

static int count_records(void *arg, const uint8_t *data, size_t len)
{
    struct count *c = arg;
    c->n++;
    c->bytes += len;
    c->check = c->check * 31 + data[len - 1];
    return 0;
}

static void test_memory_bound(void **state)
{
    struct key s = key_of(0), r = key_of(1);
    cairn_seal_reader_t rd;
    cairn_seal_writer_t w;
    struct count c = {0};
    struct pipe p = {&rd, 0, 0, 0};
    cairn_seal_verdict_t v;
    uint8_t *rec = malloc(CAIRN_SEAL_RECORD_MAX);
    uint32_t want = 0;
    assert_non_null(rec);
    memset(rec, 0xa5, CAIRN_SEAL_RECORD_MAX);

    assert_int_equal(cairn_seal_reader_init(&rd, r.pk, r.sk, s.pk, count_records, &c), 0);
    assert_int_equal(cairn_seal_writer_init(&w, s.pk, s.sk, r.pk, out_to_reader, &p), 0);
    for (int i = 0; i < 16; i++) {
        rec[CAIRN_SEAL_RECORD_MAX - 1] = (uint8_t)i;
        want = want * 31 + (uint8_t)i;
        assert_int_equal(cairn_seal_writer_record(&w, rec, CAIRN_SEAL_RECORD_MAX), 0);
        assert_true(w.cap <= CAIRN_SEAL_LEN_PREFIX + CAIRN_SEAL_RECORD_MAX + CAIRN_SEAL_ABYTES);
    }
    assert_int_equal(cairn_seal_writer_finish(&w), 0);
    assert_int_equal(cairn_seal_reader_finish(&rd, &v), 0);
    assert_int_equal(c.n, 16);
    assert_int_equal(c.bytes, 64ull * 1024 * 1024);
    assert_int_equal(c.check, want);
    assert_true(p.bytes > 64ull * 1024 * 1024);
    assert_true(p.most_cap <= CAIRN_SEAL_RECORD_MAX + CAIRN_SEAL_ABYTES);
    assert_true(p.most_plain <= CAIRN_SEAL_RECORD_MAX);
    free(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_random_each_time),
        cmocka_unit_test(test_max_record),
        cmocka_unit_test(test_over_max_refused_before_allocation),
        cmocka_unit_test(test_vector),
        cmocka_unit_test(test_independent_sealer),
        cmocka_unit_test(test_wrong_recipient),
        cmocka_unit_test(test_forged_sender),
        cmocka_unit_test(test_bad_structure),
        cmocka_unit_test(test_appended_bytes),
        cmocka_unit_test(test_every_bit_flip),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_reorder_duplicate_drop),
        cmocka_unit_test(test_handler_failure),
        cmocka_unit_test(test_memory_bound),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
