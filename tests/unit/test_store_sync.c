/*
 * test_store_sync.c: sync between real stores with real keys (store_sync.h): a school's change
 * set converges a hub (state hash and projections), applying twice changes nothing, and every
 * attack is refused with nothing applied: a flipped body byte, a forged checkpoint, a gap, an
 * event outside its origin's rights, oversize or garbage input. Also partition isolation, the
 * per-(origin, partition) numbering, max_bytes and checkpoint boundaries, and a relay
 * school -> hub -> region verified with the school's own signature.
 */
#include "store_fixture.h"

#include <sodium.h>

#include <cairn/changeset.h>

#include "store_sync.h"

typedef struct {
    fixture_t *f;
    uint8_t pk[32], sk[64];
} node_t;

static void node_open(node_t *n, bool signer)
{
    crypto_sign_keypair(n->pk, n->sk);
    n->f = fixture_open();
    memcpy(n->f->origin, n->pk, 32);
    fixture_reopen(n->f);
    if (signer)
        cairn_store_set_signer(n->f->store, n->sk);
}

static void node_close(node_t *n)
{
    fixture_close(n->f);
}

static cairn_store_t *st(node_t *n)
{
    return n->f->store;
}

static void append(node_t *n, const char *partition, const char *type, const char *entity,
                   cairn_mpbuf_t *b)
{
    assert_int_equal(cairn_mpbuf_status(b), 0);
    assert_int_equal(cairn_store_append(st(n), partition, type, entity, (const uint8_t *)b->sb.data,
                                        b->sb.size, NULL, NULL),
                     0);
    cairn_mpbuf_free(b);
}

static void educator(node_t *n, int i)
{
    cairn_mpbuf_t b;
    char id[32], name[32];
    snprintf(id, sizeof id, "ed%04d", i);
    snprintf(name, sizeof name, "Teacher %d", i);
    fixture_body(&b, "name", name, "email", "", "role", "teacher", NULL);
    append(n, cairn_store_school_partition(st(n)), "educator.add", id, &b);
}

static void submission(node_t *n, int i)
{
    cairn_mpbuf_t b;
    char id[32];
    snprintf(id, sizeof id, "sub%04d", i);
    cairn_mpbuf_init(&b);
    msgpack_pack_map(&b.pk, 4);
    cairn_mp_pack_kv_str(&b.pk, "educator", "0000000000000000000000000a");
    cairn_mp_pack_kv_str(&b.pk, "credential", "digital-literacy");
    cairn_mp_pack_kv_u64(&b.pk, "version", 1);
    cairn_mp_pack_kv_u64(&b.pk, "attempt", 1);
    append(n, cairn_store_school_partition(st(n)), "submission.start", id, &b);
}

/* A school's day: `txns` transactions of `per` events each (educators and submissions). */
static void school_day(node_t *n, int txns, int per, int base)
{
    for (int t = 0; t < txns; t++) {
        assert_int_equal(cairn_store_begin(st(n)), 0);
        for (int k = 0; k < per; k++) {
            int i = base + t * per + k;
            if (i % 3 == 2)
                submission(n, i);
            else
                educator(n, i);
        }
        assert_int_equal(cairn_store_commit(st(n)), 0);
    }
}

/* Builds what `to` lacks of partition from `from` (to's vector), within max_bytes. */
static uint64_t build(node_t *from, node_t *to, const char *partition, size_t max_bytes,
                      msgpack_sbuffer *out)
{
    cairn_vector_t v;
    uint64_t n = 0;
    char err[256];
    cairn_vector_init(&v, partition);
    assert_int_equal(cairn_store_vector(st(to), partition, &v), 0);
    msgpack_sbuffer_init(out);
    assert_int_equal(
        cairn_store_changeset_build(st(from), partition, &v, max_bytes, out, &n, err, sizeof err),
        0);
    cairn_vector_free(&v);
    return n;
}

/* Applies cs at `to` as if it arrived from the authenticated sender `from` (to is a hub). */
static int apply_from(const uint8_t *from, node_t *to, const msgpack_sbuffer *cs,
                      cairn_apply_report_t *rep)
{
    cairn_rights_ctx_t ctx = {st(to), to->pk, true, from};
    return cairn_store_changeset_apply(st(to), (const uint8_t *)cs->data, cs->size,
                                       cairn_rights_check, &ctx, rep);
}

static int apply(node_t *from, node_t *to, const msgpack_sbuffer *cs, cairn_apply_report_t *rep)
{
    return apply_from(from->pk, to, cs, rep);
}

static void assert_same_state(node_t *a, node_t *b, const char *partition)
{
    uint8_t ha[32], hb[32];
    assert_int_equal(cairn_store_state_hash(st(a), partition, ha), 0);
    assert_int_equal(cairn_store_state_hash(st(b), partition, hb), 0);
    assert_memory_equal(ha, hb, 32);
}

static void test_school_to_hub_converges(void **state)
{
    (void)state;
    node_t a, b;
    node_open(&a, true);
    node_open(&b, true);
    assert_int_equal(cairn_store_peer_put(st(&b), a.pk, CAIRN_PEER_SCHOOL, "A"), 0);
    school_day(&a, 4, 7, 0);
    const char *pa = cairn_store_school_partition(st(&a));
    msgpack_sbuffer cs;
    assert_int_equal(build(&a, &b, pa, CAIRN_CHANGESET_MAX, &cs), 28);
    cairn_apply_report_t rep;
    assert_int_equal(apply(&a, &b, &cs, &rep), 0);
    assert_int_equal(rep.applied, 28);
    assert_int_equal(rep.segments, 1);
    assert_same_state(&a, &b, pa);
    assert_same_state(&a, &b, NULL); /* B holds nothing else */
    uint8_t da[32], db[32];
    assert_int_equal(cairn_store_projection_digest(st(&a), da), 0);
    assert_int_equal(cairn_store_projection_digest(st(&b), db), 0);
    assert_memory_equal(da, db, 32);
    /* Twice: nothing changes. */
    assert_int_equal(apply(&a, &b, &cs, &rep), 0);
    assert_int_equal(rep.applied, 0);
    assert_int_equal(rep.skipped, 28);
    assert_int_equal(fixture_events(b.f), 28);
    assert_int_equal(cairn_store_projection_digest(st(&b), db), 0);
    assert_memory_equal(da, db, 32);
    msgpack_sbuffer_destroy(&cs);
    /* Nothing more to send either way; then more days arrive incrementally. */
    assert_int_equal(build(&a, &b, pa, CAIRN_CHANGESET_MAX, &cs), 0);
    assert_int_equal(cs.size, 0);
    msgpack_sbuffer_destroy(&cs);
    school_day(&a, 2, 5, 100);
    assert_int_equal(build(&a, &b, pa, CAIRN_CHANGESET_MAX, &cs), 10);
    assert_int_equal(apply(&a, &b, &cs, &rep), 0);
    assert_int_equal(rep.applied, 10);
    assert_same_state(&a, &b, pa);
    msgpack_sbuffer_destroy(&cs);
    /* The state hash is the documented function of the heads. */
    uint8_t h[32], want[32], rec[8];
    uint64_t seq;
    uint8_t chain[32];
    assert_int_equal(cairn_store_chain_head(st(&a), a.pk, pa, &seq, chain), 0);
    crypto_generichash_state g;
    crypto_generichash_init(&g, NULL, 0, 32);
    crypto_generichash_update(&g, (const uint8_t *)"cairn-state-v1", 14);
    rec[0] = (uint8_t)strlen(pa);
    crypto_generichash_update(&g, rec, 1);
    crypto_generichash_update(&g, (const uint8_t *)pa, strlen(pa));
    crypto_generichash_update(&g, a.pk, 32);
    for (int i = 0; i < 8; i++)
        rec[i] = (uint8_t)(seq >> (56 - 8 * i));
    crypto_generichash_update(&g, rec, 8);
    crypto_generichash_update(&g, chain, 32);
    crypto_generichash_final(&g, want, 32);
    assert_int_equal(cairn_store_state_hash(st(&b), pa, h), 0);
    assert_memory_equal(h, want, 32);
    node_close(&a);
    node_close(&b);
}

/* Re-encodes cs after edit(cs, k) and checks that B refuses it with code, applying nothing. */
static void refused(node_t *b, const msgpack_sbuffer *good, int code,
                    void (*edit)(cairn_changeset_t *, uint32_t, uint8_t *), uint32_t k)
{
    cairn_changeset_t cs;
    char err[256];
    uint8_t scratch[4096];
    assert_int_equal(
        cairn_changeset_decode((const uint8_t *)good->data, good->size, &cs, err, sizeof err), 0);
    uint8_t origin[32]; /* the sender: the school that made it */
    memcpy(origin, cs.segments[0].origin, 32);
    edit(&cs, k, scratch);
    msgpack_sbuffer bad;
    msgpack_sbuffer_init(&bad);
    assert_int_equal(cairn_changeset_encode(&cs, &bad), 0);
    cairn_changeset_free(&cs);
    uint64_t before = fixture_events(b->f);
    uint8_t h0[32], h1[32];
    assert_int_equal(cairn_store_state_hash(st(b), NULL, h0), 0);
    cairn_apply_report_t rep;
    assert_int_equal(apply_from(origin, b, &bad, &rep), code);
    assert_int_equal(rep.code, code);
    assert_true(rep.error[0] != '\0');
    assert_int_equal(rep.applied, 0);
    assert_int_equal(fixture_events(b->f), before);
    assert_int_equal(cairn_store_state_hash(st(b), NULL, h1), 0);
    assert_memory_equal(h0, h1, 32);
    msgpack_sbuffer_destroy(&bad);
}

static void flip_body(cairn_changeset_t *cs, uint32_t k, uint8_t *scratch)
{
    cairn_event_t *ev = &cs->events_store[k];
    assert_true(ev->body_len <= 4096);
    memcpy(scratch, ev->body, ev->body_len);
    scratch[ev->body_len / 2] ^= 0x01;
    ev->body = scratch;
}

static void flip_sig(cairn_changeset_t *cs, uint32_t k, uint8_t *scratch)
{
    (void)scratch;
    cs->segments[0].sig[k % 64] ^= 0x80;
}

static void other_signer(cairn_changeset_t *cs, uint32_t k, uint8_t *scratch)
{
    /* A valid signature over the right chain, by a key that is not the origin's. */
    uint8_t pk[32], sk[64], chain[32] = {0};
    (void)k;
    (void)scratch;
    crypto_sign_keypair(pk, sk);
    cairn_changeset_segment_t *seg = &cs->segments[0];
    for (uint32_t i = 0; i < seg->n_events; i++)
        cairn_chain_step(chain, &seg->events[i], chain);
    assert_int_equal(
        cairn_checkpoint_sign(sk, seg->origin, cs->partition, seg->last, chain, seg->sig), 0);
}

static void catalog_type(cairn_changeset_t *cs, uint32_t k, uint8_t *scratch)
{
    (void)scratch;
    cs->events_store[k].type = "catalog.credential";
}

static void test_attacks_apply_nothing(void **state)
{
    (void)state;
    node_t a, b;
    node_open(&a, true);
    node_open(&b, true);
    assert_int_equal(cairn_store_peer_put(st(&b), a.pk, CAIRN_PEER_SCHOOL, "A"), 0);
    school_day(&a, 3, 4, 0);
    const char *pa = cairn_store_school_partition(st(&a));
    msgpack_sbuffer good;
    assert_int_equal(build(&a, &b, pa, CAIRN_CHANGESET_MAX, &good), 12);
    for (uint32_t k = 0; k < 12; k++)
        refused(&b, &good, CAIRN_ECRYPTO, flip_body, k);
    refused(&b, &good, CAIRN_ECRYPTO, flip_sig, 0);
    refused(&b, &good, CAIRN_ECRYPTO, flip_sig, 63);
    refused(&b, &good, CAIRN_ECRYPTO, other_signer, 0);
    /* A type outside a school's rights is refused and counted, even correctly signed. */
    uint64_t rejected = cairn_store_rights_rejected(st(&b));
    refused(&b, &good, CAIRN_EDENIED, catalog_type, 5);
    assert_int_equal(cairn_store_rights_rejected(st(&b)), rejected + 1);
    /* The honest one still applies after all that. */
    cairn_apply_report_t rep;
    assert_int_equal(apply(&a, &b, &good, &rep), 0);
    assert_int_equal(rep.applied, 12);
    msgpack_sbuffer_destroy(&good);
    node_close(&a);
    node_close(&b);
}

static void test_rights(void **state)
{
    (void)state;
    node_t a, b, hub;
    node_open(&a, true);
    node_open(&b, true);
    node_open(&hub, true);
    /* A school signing a catalog event in the catalog partition, and an unknown origin. */
    cairn_mpbuf_t body;
    fixture_body(&body, "note", "n", NULL);
    append(&a, "catalog", "catalog.note", "issuer", &body);
    msgpack_sbuffer cs;
    assert_int_equal(build(&a, &b, "catalog", CAIRN_CHANGESET_MAX, &cs), 1);
    cairn_apply_report_t rep;
    assert_int_equal(apply(&a, &b, &cs, &rep), CAIRN_EDENIED); /* unknown origin */
    assert_int_equal(cairn_store_rights_rejected(st(&b)), 1);
    assert_int_equal(cairn_store_peer_put(st(&b), a.pk, CAIRN_PEER_SCHOOL, "A"), 0);
    assert_int_equal(apply(&a, &b, &cs, &rep), CAIRN_EDENIED);
    assert_non_null(strstr(rep.error, "catalog.note"));
    assert_non_null(strstr(rep.error, "seq 1"));
    assert_int_equal(cairn_store_rights_rejected(st(&b)), 2);
    assert_int_equal(fixture_events(b.f), 0);
    msgpack_sbuffer_destroy(&cs);
    node_close(&a);
    node_close(&b);
    node_close(&hub);
}

/* A well-formed body of a review or award event type (so the sender's own projector takes it). */
static void review_body(cairn_mpbuf_t *b, const char *type)
{
    const char *assessor = "01jdx3q4c8m6a9v2k5r7t0w1y3";
    cairn_mpbuf_init(b);
    if (strcmp(type, "review.claim") == 0) {
        msgpack_pack_map(&b->pk, 2);
        cairn_mp_pack_kv_str(&b->pk, "assessor", assessor);
        cairn_mp_pack_kv_u64(&b->pk, "expires", 1);
    } else if (strcmp(type, "review.score") == 0) {
        msgpack_pack_map(&b->pk, 4);
        cairn_mp_pack_kv_str(&b->pk, "assessor", assessor);
        cairn_mp_pack_kv_str(&b->pk, "part", "video");
        cairn_mp_pack_kv_str(&b->pk, "verdict", "meets");
        cairn_mp_pack_kv_str(&b->pk, "feedback", "");
    } else if (strcmp(type, "review.decide") == 0) {
        msgpack_pack_map(&b->pk, 3);
        cairn_mp_pack_kv_str(&b->pk, "assessor", assessor);
        cairn_mp_pack_kv_str(&b->pk, "outcome", "meets");
        cairn_mp_pack_cstr(&b->pk, "parts");
        msgpack_pack_array(&b->pk, 0);
    } else if (strcmp(type, "stack.complete") ==
               0) { /* a forged stack badge (projection_stack.c) */
        msgpack_pack_map(&b->pk, 8);
        cairn_mp_pack_kv_str(&b->pk, "credential", "{}");
        cairn_mp_pack_kv_str(&b->pk, "status_list", "https://x.example/status/1");
        cairn_mp_pack_kv_u64(&b->pk, "status_index", 0);
        cairn_mp_pack_kv_str(&b->pk, "educator", "01jdx3q4c8m6a9v2k5r7t0w1y2");
        cairn_mp_pack_kv_str(&b->pk, "stack", "questioning-discourse");
        cairn_mp_pack_kv_str(&b->pk, "achievement", "stack:questioning-discourse");
        cairn_mp_pack_kv_u64(&b->pk, "issued", 1);
        cairn_mp_pack_cstr(&b->pk, "awards");
        msgpack_pack_array(&b->pk, 1);
        cairn_mp_pack_cstr(&b->pk, "01jdx3q4c8m6a9v2k5r7t0w1y1");
    } else {
        msgpack_pack_map(&b->pk, 6);
        cairn_mp_pack_kv_str(&b->pk, "submission", "01jdx3q4c8m6a9v2k5r7t0w1y1");
        cairn_mp_pack_kv_str(&b->pk, "educator", "01jdx3q4c8m6a9v2k5r7t0w1y2");
        cairn_mp_pack_kv_str(&b->pk, "achievement", "wait-time@1");
        cairn_mp_pack_kv_u64(&b->pk, "issued", 1);
        cairn_mp_pack_kv_str(&b->pk, "assessor", assessor);
        cairn_mp_pack_cstr(&b->pk, "evidence");
        msgpack_pack_array(&b->pk, 0);
    }
}

/* A school that signs review, award and stack.complete events (in its own partition or another
 * school's) and sends them to its hub, as a change set online or in a bundle: the hub's rights
 * check refuses the whole change set and applies nothing. */
static void test_school_cannot_review(void **state)
{
    (void)state;
    static const char *const types[] = {"review.claim", "review.score", "review.decide",
                                        "award.issue", "stack.complete"};
    for (size_t i = 0; i < 2 * sizeof types / sizeof types[0]; i++) {
        node_t a, x, hub;
        node_open(&a, true);
        node_open(&x, false);
        node_open(&hub, true);
        assert_int_equal(cairn_store_peer_put(st(&hub), a.pk, CAIRN_PEER_SCHOOL, "A"), 0);
        assert_int_equal(cairn_store_peer_put(st(&hub), x.pk, CAIRN_PEER_SCHOOL, "X"), 0);
        const char *partition = i % 2 == 0 ? cairn_store_school_partition(st(&a))
                                           : cairn_store_school_partition(st(&x));
        char part[100];
        snprintf(part, sizeof part, "%s", partition);
        educator(&a, 1);
        cairn_mpbuf_t body;
        review_body(&body, types[i / 2]);
        append(&a, part, types[i / 2], "01jdx3q4c8m6a9v2k5r7t0w1y0", &body);
        msgpack_sbuffer cs;
        uint64_t n = build(&a, &hub, part, CAIRN_CHANGESET_MAX, &cs);
        assert_int_equal(n, i % 2 == 0 ? 2 : 1); /* own partition: with a valid educator.add */
        cairn_apply_report_t rep;
        assert_int_equal(apply(&a, &hub, &cs, &rep), CAIRN_EDENIED);
        assert_non_null(strstr(rep.error, types[i / 2]));
        assert_int_equal(cairn_store_rights_rejected(st(&hub)), 1);
        assert_int_equal(fixture_events(hub.f), 0);
        msgpack_sbuffer_destroy(&cs);
        node_close(&a);
        node_close(&x);
        node_close(&hub);
    }
}

/* cairn_rights_check's every rule and refusal (PROTOCOL.md section 7.5), in a three-tier tree:
 * school A and X enrolled at region R, R enrolled at state S as a child hub, school Y enrolled
 * directly at S, and Z a stranger. */
static void test_rights_rules(void **state)
{
    (void)state;
    node_t a, x, y, r, s, z;
    node_open(&a, false);
    node_open(&x, false);
    node_open(&y, false);
    node_open(&r, false);
    node_open(&s, false);
    node_open(&z, false);
    char pa[100], px[100], py[100], pr[100];
    snprintf(pa, sizeof pa, "%s", cairn_store_school_partition(st(&a)));
    snprintf(px, sizeof px, "%s", cairn_store_school_partition(st(&x)));
    snprintf(py, sizeof py, "%s", cairn_store_school_partition(st(&y)));
    snprintf(pr, sizeof pr, "%s", cairn_store_school_partition(st(&r)));
    assert_int_equal(cairn_store_peer_put(st(&a), r.pk, CAIRN_PEER_HUB, "R"), 0);
    assert_int_equal(cairn_store_peer_put(st(&r), s.pk, CAIRN_PEER_HUB, "S"), 0);
    assert_int_equal(cairn_store_peer_put(st(&r), a.pk, CAIRN_PEER_SCHOOL, "A"), 0);
    assert_int_equal(cairn_store_peer_put(st(&r), x.pk, CAIRN_PEER_SCHOOL, "X"), 0);
    assert_int_equal(cairn_store_peer_put(st(&s), r.pk, CAIRN_PEER_CHILD_HUB, "R"), 0);
    assert_int_equal(cairn_store_peer_put(st(&s), y.pk, CAIRN_PEER_SCHOOL, "Y"), 0);
    cairn_peer_role_t role;
    assert_int_equal(cairn_store_peer_get(st(&s), r.pk, &role), 0);
    assert_int_equal(role, CAIRN_PEER_CHILD_HUB);
    const int D = CAIRN_EDENIED;
    /* At school A: its hub R is the pinned upstream. */
    cairn_rights_ctx_t at_a = {st(&a), a.pk, false, r.pk};
    assert_int_equal(cairn_rights_check(&at_a, s.pk, "catalog", "catalog.credential"), 0);
    assert_int_equal(cairn_rights_check(&at_a, r.pk, "catalog", "catalog.issuer"), 0);
    assert_int_equal(cairn_rights_check(&at_a, z.pk, "catalog", "catalog.issuer"), 0);
    assert_int_equal(cairn_rights_check(&at_a, s.pk, "catalog", "review.add"), D);
    assert_int_equal(cairn_rights_check(&at_a, s.pk, "catalog", "catalog."), D);
    assert_int_equal(cairn_rights_check(&at_a, s.pk, pa, "award.issue"), 0);
    assert_int_equal(cairn_rights_check(&at_a, r.pk, pa, "review.add"), 0);
    assert_int_equal(cairn_rights_check(&at_a, a.pk, pa, "review.add"), D);     /* never itself */
    assert_int_equal(cairn_rights_check(&at_a, s.pk, pa, "stack.complete"), 0); /* a hub's */
    assert_int_equal(cairn_rights_check(&at_a, a.pk, pa, "stack.complete"), D);
    assert_int_equal(cairn_rights_check(&at_a, a.pk, pa, "educator.add"), 0); /* echoed back */
    assert_int_equal(cairn_rights_check(&at_a, r.pk, pa, "educator.add"), D);
    assert_int_equal(cairn_rights_check(&at_a, s.pk, "other", "catalog.issuer"), D);
    /* ... but a school never takes the catalog from a school, nor from a stranger or nobody. */
    assert_int_equal(cairn_store_peer_put(st(&a), x.pk, CAIRN_PEER_SCHOOL, "X"), 0);
    cairn_rights_ctx_t a_from_x = {st(&a), a.pk, false, x.pk};
    assert_int_equal(cairn_rights_check(&a_from_x, x.pk, "catalog", "catalog.credential"), D);
    assert_int_equal(cairn_rights_check(&a_from_x, s.pk, "catalog", "catalog.credential"), D);
    assert_int_equal(cairn_rights_check(&a_from_x, s.pk, pa, "award.issue"), D);
    cairn_rights_ctx_t a_from_z = {st(&a), a.pk, false, z.pk};
    assert_int_equal(cairn_rights_check(&a_from_z, s.pk, "catalog", "catalog.credential"), D);
    assert_int_equal(cairn_rights_check(&a_from_z, z.pk, pa, "review.add"), D);
    cairn_rights_ctx_t a_from_none = {st(&a), a.pk, false, NULL};
    assert_int_equal(cairn_rights_check(&a_from_none, r.pk, "catalog", "catalog.credential"), D);
    assert_int_equal(cairn_rights_check(NULL, r.pk, "catalog", "catalog.credential"), D);
    /* At region R (a hub): the catalog only from its upstream S (whatever origin) or itself. */
    cairn_rights_ctx_t r_from_s = {st(&r), r.pk, true, s.pk};
    cairn_rights_ctx_t r_from_a = {st(&r), r.pk, true, a.pk};
    assert_int_equal(cairn_rights_check(&r_from_s, s.pk, "catalog", "catalog.credential"), 0);
    assert_int_equal(cairn_rights_check(&r_from_s, z.pk, "catalog", "catalog.credential"), 0);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, "catalog", "catalog.credential"), D);
    assert_int_equal(cairn_rights_check(&r_from_a, s.pk, "catalog", "catalog.credential"), D);
    assert_int_equal(cairn_rights_check(&r_from_a, r.pk, "catalog", "catalog.credential"), 0);
    /* A school writes only its own partition, sent by itself (or relayed from above). */
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, "educator.add"), 0);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, "evidence.add"), 0);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, "submission.withdraw"), 0);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, px, "educator.add"), D);
    assert_int_equal(cairn_rights_check(&r_from_a, x.pk, px, "educator.add"), D); /* relayed */
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, "educator."), D);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, "review.add"), D);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, "catalog.issuer"), D);
    assert_int_equal(cairn_rights_check(&r_from_s, a.pk, pa, "educator.add"), 0);
    cairn_rights_ctx_t s_from_r_early = {st(&s), s.pk, true, r.pk};
    /* Recommendations are the school's own, like its educators: never another school's, never
     * the hub's, never in the catalog. */
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, "recommendation.add"), 0);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, "recommendation.accept"), 0);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, "recommendation.dismiss"), 0);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, px, "recommendation.add"), D);
    assert_int_equal(cairn_rights_check(&r_from_a, x.pk, px, "recommendation.add"), D);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, "catalog", "recommendation.add"), D);
    assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, "recommendation."), D);
    assert_int_equal(cairn_rights_check(&at_a, r.pk, pa, "recommendation.add"), D);
    assert_int_equal(cairn_rights_check(&at_a, a.pk, pa, "recommendation.add"), 0);
    assert_int_equal(cairn_rights_check(&s_from_r_early, a.pk, pa, "recommendation.add"), 0);
    /* Reviews and awards: from the upstream (any origin) or our own, never a school's. */
    assert_int_equal(cairn_rights_check(&r_from_s, s.pk, pa, "award.issue"), 0);
    assert_int_equal(cairn_rights_check(&r_from_a, r.pk, pa, "review.add"), 0);
    assert_int_equal(cairn_rights_check(&r_from_a, x.pk, pa, "review.add"), D);
    assert_int_equal(cairn_rights_check(&r_from_s, s.pk, "school:ABC", "award.issue"), D);
    char upper[100];
    snprintf(upper, sizeof upper, "school:%064d", 0);
    upper[10] = 'A';
    assert_int_equal(cairn_rights_check(&r_from_s, s.pk, upper, "award.issue"), D);
    /* At state S: region R is a child hub relaying its schools' partitions up. */
    cairn_rights_ctx_t s_from_r = {st(&s), s.pk, true, r.pk};
    cairn_rights_ctx_t s_from_y = {st(&s), s.pk, true, y.pk};
    assert_int_equal(cairn_rights_check(&s_from_r, a.pk, pa, "submission.start"), 0);
    assert_int_equal(cairn_rights_check(&s_from_r, r.pk, pr, "educator.add"), 0);
    assert_int_equal(cairn_rights_check(&s_from_r, a.pk, px, "submission.start"), D);
    assert_int_equal(cairn_rights_check(&s_from_r, r.pk, pa, "review.add"), 0);
    assert_int_equal(cairn_rights_check(&s_from_r, z.pk, pa, "review.add"), D);
    assert_int_equal(cairn_rights_check(&s_from_r, s.pk, pa, "award.issue"), 0); /* our own */
    assert_int_equal(cairn_rights_check(&s_from_r, r.pk, "catalog", "catalog.credential"), D);
    assert_int_equal(cairn_rights_check(&s_from_r, s.pk, "catalog", "catalog.credential"), 0);
    assert_int_equal(cairn_rights_check(&s_from_y, y.pk, py, "educator.add"), 0);
    assert_int_equal(cairn_rights_check(&s_from_y, a.pk, pa, "educator.add"), D);
    assert_int_equal(cairn_rights_check(&s_from_y, y.pk, "catalog", "catalog.credential"), D);
    /* A child hub's relay rights hold only at a hub. */
    cairn_rights_ctx_t s_not_hub = {st(&s), s.pk, false, r.pk};
    assert_int_equal(cairn_rights_check(&s_not_hub, a.pk, pa, "submission.start"), D);
    assert_int_equal(cairn_rights_check(&s_not_hub, r.pk, pa, "review.add"), D);
    /* The review loop's types (PROTOCOL.md 4): a hub writes them into a school's partition and
     * they flow down to it (and up a tier); a school never writes them, in any partition. */
    static const char *const review_types[] = {"review.claim", "review.score", "review.decide",
                                               "award.issue"};
    for (size_t i = 0; i < sizeof review_types / sizeof review_types[0]; i++) {
        const char *t = review_types[i];
        assert_int_equal(cairn_rights_check(&r_from_a, r.pk, pa, t), 0);    /* R's own, at R */
        assert_int_equal(cairn_rights_check(&at_a, r.pk, pa, t), 0);        /* down to school A */
        assert_int_equal(cairn_rights_check(&s_from_r, r.pk, pa, t), 0);    /* up to the state */
        assert_int_equal(cairn_rights_check(&r_from_a, a.pk, pa, t), D);    /* a school: its own */
        assert_int_equal(cairn_rights_check(&r_from_a, a.pk, px, t), D);    /* ... or another's */
        assert_int_equal(cairn_rights_check(&a_from_x, x.pk, pa, t), D);    /* school to school */
        assert_int_equal(cairn_rights_check(&s_from_y, y.pk, py, t), D);    /* at the state */
        assert_int_equal(cairn_rights_check(&at_a, r.pk, "catalog", t), D); /* wrong partition */
    }
    node_close(&a);
    node_close(&x);
    node_close(&y);
    node_close(&r);
    node_close(&s);
    node_close(&z);
}

static void test_gap_and_garbage(void **state)
{
    (void)state;
    node_t a, b;
    node_open(&a, true);
    node_open(&b, true);
    assert_int_equal(cairn_store_peer_put(st(&b), a.pk, CAIRN_PEER_SCHOOL, "A"), 0);
    school_day(&a, 3, 2, 0);
    const char *pa = cairn_store_school_partition(st(&a));
    /* Built for a node claiming seq 2: B holds nothing, so it starts at 3: a gap. */
    cairn_vector_t v;
    cairn_vector_init(&v, pa);
    assert_int_equal(cairn_vector_set(&v, a.pk, 2), 0);
    msgpack_sbuffer cs;
    msgpack_sbuffer_init(&cs);
    uint64_t n = 0;
    char err[256];
    assert_int_equal(
        cairn_store_changeset_build(st(&a), pa, &v, CAIRN_CHANGESET_MAX, &cs, &n, err, sizeof err),
        0);
    assert_int_equal(n, 4);
    cairn_apply_report_t rep;
    assert_int_equal(apply(&a, &b, &cs, &rep), CAIRN_EGAP);
    assert_int_equal(fixture_events(b.f), 0);
    cairn_vector_free(&v);
    msgpack_sbuffer_destroy(&cs);
    /* Oversize: refused on its length alone. */
    uint8_t *big = calloc(1, CAIRN_CHANGESET_MAX + 1);
    assert_non_null(big);
    assert_int_equal(cairn_store_changeset_apply(st(&b), big, CAIRN_CHANGESET_MAX + 1,
                                                 cairn_rights_check, NULL, &rep),
                     CAIRN_ETOOBIG);
    free(big);
    /* Garbage, and a root announcing 2^32-1 segments in 30 bytes. */
    static const uint8_t junk[] = {0xde, 0xad, 0xbe, 0xef};
    assert_int_equal(
        cairn_store_changeset_apply(st(&b), junk, sizeof junk, cairn_rights_check, NULL, &rep),
        CAIRN_EMSGPACK);
    static const uint8_t huge[] = {0x83, 0xa1, 'v', 0x01, 0xa9, 'p',  'a',  'r',  't',  'i',
                                   't',  'i',  'o', 'n',  0xa1, 'x',  0xa8, 's',  'e',  'g',
                                   'm',  'e',  'n', 't',  's',  0xdd, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(
        cairn_store_changeset_apply(st(&b), huge, sizeof huge, cairn_rights_check, NULL, &rep),
        CAIRN_EMSGPACK);
    assert_int_equal(fixture_events(b.f), 0);
    node_close(&a);
    node_close(&b);
}

static void test_partition_isolation_and_numbering(void **state)
{
    (void)state;
    node_t hub, x, y;
    node_open(&hub, true);
    node_open(&x, true);
    node_open(&y, true);
    char px[100], py[100];
    snprintf(px, sizeof px, "%s", cairn_store_school_partition(st(&x)));
    snprintf(py, sizeof py, "%s", cairn_store_school_partition(st(&y)));
    /* The hub writes into both schools' partitions and the catalog, interleaved. */
    for (int i = 0; i < 6; i++) {
        cairn_mpbuf_t body;
        char id[16];
        snprintf(id, sizeof id, "r%d", i);
        fixture_body(&body, "note", i % 2 ? "for y" : "for x", NULL);
        append(&hub, i % 2 ? py : px, "review.add", id, &body);
        fixture_body(&body, "note", "n", NULL);
        append(&hub, "catalog", "catalog.note", id, &body);
    }
    /* Each (origin, partition) counts from 1 without gaps. */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT group_concat(seq) FROM events WHERE partition = '%s'", py);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(cairn_store_db(st(&hub)), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "1,2,3");
    sqlite3_finalize(q);
    assert_int_equal(fixture_int(hub.f, "SELECT max(seq) FROM events WHERE partition = 'catalog'"),
                     6);
    /* Y's change set carries only Y's partition. */
    msgpack_sbuffer cs;
    assert_int_equal(build(&hub, &y, py, CAIRN_CHANGESET_MAX, &cs), 3);
    cairn_changeset_t d;
    char err[256];
    assert_int_equal(cairn_changeset_decode((const uint8_t *)cs.data, cs.size, &d, err, sizeof err),
                     0);
    assert_string_equal(d.partition, py);
    for (uint64_t i = 0; i < d.n_events; i++) {
        const cairn_event_t *e = &d.events_store[i];
        assert_true(e->body_len > 5 && memcmp(e->body + e->body_len - 5, "for y", 5) == 0);
    }
    cairn_changeset_free(&d);
    assert_int_equal(cairn_store_peer_put(st(&y), hub.pk, CAIRN_PEER_HUB, "hub"), 0);
    cairn_apply_report_t rep;
    assert_int_equal(apply(&hub, &y, &cs, &rep), 0);
    msgpack_sbuffer_destroy(&cs);
    assert_int_equal(fixture_events(y.f), 3);
    uint8_t hx[32];
    assert_int_equal(cairn_store_state_hash(st(&y), px, hx), 0);
    uint8_t empty[32];
    assert_int_equal(cairn_store_state_hash(st(&x), px, empty), 0);
    assert_memory_equal(hx, empty, 32); /* Y holds nothing of X's partition */
    assert_same_state(&hub, &y, py);
    node_close(&hub);
    node_close(&x);
    node_close(&y);
}

static void test_max_bytes_and_checkpoints(void **state)
{
    (void)state;
    node_t a, b;
    node_open(&a, true);
    node_open(&b, true);
    assert_int_equal(cairn_store_peer_put(st(&b), a.pk, CAIRN_PEER_SCHOOL, "A"), 0);
    school_day(&a, 6, 10, 0); /* checkpoints at 10, 20, ..., 60 */
    const char *pa = cairn_store_school_partition(st(&a));
    msgpack_sbuffer cs;
    int rounds = 0;
    uint64_t n;
    while ((n = build(&a, &b, pa, 2000, &cs)) > 0) {
        cairn_changeset_t d;
        char err[256];
        assert_true(cs.size <= 2000);
        assert_int_equal(
            cairn_changeset_decode((const uint8_t *)cs.data, cs.size, &d, err, sizeof err), 0);
        assert_int_equal(d.segments[0].last % 10, 0);
        assert_true(n % 10 == 0);
        cairn_changeset_free(&d);
        cairn_apply_report_t rep;
        assert_int_equal(apply(&a, &b, &cs, &rep), 0);
        msgpack_sbuffer_destroy(&cs);
        rounds++;
        assert_true(rounds < 10);
    }
    msgpack_sbuffer_destroy(&cs);
    assert_true(rounds >= 3);
    assert_same_state(&a, &b, pa);
    /* A span larger than max_bytes still goes, alone. */
    school_day(&a, 1, 10, 500);
    assert_int_equal(build(&a, &b, pa, 100, &cs), 10);
    msgpack_sbuffer_destroy(&cs);
    /* Events with no checkpoint yet are not sent. */
    cairn_store_t *nosign;
    assert_int_equal(cairn_store_open(":memory:", a.pk, &nosign), 0);
    cairn_mpbuf_t body;
    fixture_body(&body, "name", "N", "email", "", "role", "teacher", NULL);
    assert_int_equal(cairn_store_append(nosign, pa, "educator.add", "n1",
                                        (const uint8_t *)body.sb.data, body.sb.size, NULL, NULL),
                     0);
    cairn_mpbuf_free(&body);
    cairn_vector_t v;
    cairn_vector_init(&v, pa);
    msgpack_sbuffer_init(&cs);
    char err[256];
    assert_int_equal(
        cairn_store_changeset_build(nosign, pa, &v, CAIRN_CHANGESET_MAX, &cs, &n, err, sizeof err),
        0);
    assert_int_equal(n, 0);
    cairn_vector_free(&v);
    msgpack_sbuffer_destroy(&cs);
    cairn_store_close(nosign);
    node_close(&a);
    node_close(&b);
}

static void test_relay_school_hub_region(void **state)
{
    (void)state;
    node_t a, hub, region;
    node_open(&a, true);
    node_open(&hub, true);
    node_open(&region, true);
    assert_int_equal(cairn_store_peer_put(st(&hub), a.pk, CAIRN_PEER_SCHOOL, "A"), 0);
    assert_int_equal(cairn_store_peer_put(st(&region), a.pk, CAIRN_PEER_SCHOOL, "A"), 0);
    assert_int_equal(cairn_store_peer_put(st(&region), hub.pk, CAIRN_PEER_HUB, "hub"), 0);
    school_day(&a, 3, 5, 0);
    const char *pa = cairn_store_school_partition(st(&a));
    msgpack_sbuffer cs;
    cairn_apply_report_t rep;
    assert_int_equal(build(&a, &hub, pa, CAIRN_CHANGESET_MAX, &cs), 15);
    assert_int_equal(apply(&a, &hub, &cs, &rep), 0);
    msgpack_sbuffer_destroy(&cs);
    /* The hub adds a review of its own to A's partition, then relays everything to the region. */
    cairn_mpbuf_t body;
    fixture_body(&body, "note", "fine", NULL);
    append(&hub, pa, "review.add", "sub0002", &body);
    assert_int_equal(build(&hub, &region, pa, CAIRN_CHANGESET_MAX, &cs), 16);
    assert_int_equal(apply(&hub, &region, &cs, &rep), 0);
    assert_int_equal(rep.applied, 16);
    assert_int_equal(rep.segments, 2);
    msgpack_sbuffer_destroy(&cs);
    assert_same_state(&hub, &region, pa);
    /* The region holds A's last checkpoint exactly as A signed it, and the hub's own. */
    assert_int_equal(fixture_int(region.f, "SELECT count(*) FROM checkpoints"), 2);
    const char *sig_sql = "SELECT hex(sig) FROM checkpoints WHERE seq = 15";
    sqlite3_stmt *qa, *qr;
    assert_int_equal(sqlite3_prepare_v2(cairn_store_db(st(&a)), sig_sql, -1, &qa, NULL), 0);
    assert_int_equal(sqlite3_prepare_v2(cairn_store_db(st(&region)), sig_sql, -1, &qr, NULL), 0);
    assert_int_equal(sqlite3_step(qa), SQLITE_ROW);
    assert_int_equal(sqlite3_step(qr), SQLITE_ROW);
    assert_string_equal(sqlite3_column_text(qa, 0), sqlite3_column_text(qr, 0));
    sqlite3_finalize(qa);
    sqlite3_finalize(qr);
    node_close(&a);
    node_close(&hub);
    node_close(&region);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_school_to_hub_converges),
        cmocka_unit_test(test_attacks_apply_nothing),
        cmocka_unit_test(test_rights),
        cmocka_unit_test(test_rights_rules),
        cmocka_unit_test(test_school_cannot_review),
        cmocka_unit_test(test_gap_and_garbage),
        cmocka_unit_test(test_partition_isolation_and_numbering),
        cmocka_unit_test(test_max_bytes_and_checkpoints),
        cmocka_unit_test(test_relay_school_hub_region),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
