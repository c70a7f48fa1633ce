/*
 * test_bundle.c: USB bundles between real stores with real keys, in process (bundle.h): a school's
 * bundle converges its hub, the hub's carries the catalog down, importing twice changes nothing,
 * the return trip acknowledges, and every bad bundle (tampered, truncated, for another node, from
 * an unknown key, forged by another hub, from a hub to a hub, a school writing the catalog, a gap,
 * garbage) is refused with nothing applied.
 */
#include "store_fixture.h"

#include <sys/stat.h>

#include <sodium.h>

#include "bundle.h"
#include "catalog.h"
#include "store_peervec.h"
#include "store_sync.h"

typedef struct {
    fixture_t *f;
    uint8_t pk[32], sk[64];
    bool hub;
} node_t;

typedef struct {
    node_t hub, school, hub2;
    char dir[64];
} world_t;

static void node_open(node_t *n, bool hub)
{
    crypto_sign_keypair(n->pk, n->sk);
    n->f = fixture_open();
    memcpy(n->f->origin, n->pk, 32);
    fixture_reopen(n->f);
    cairn_store_set_signer(n->f->store, n->sk);
    n->hub = hub;
}

static cairn_bundle_node_t bn(node_t *n)
{
    cairn_bundle_node_t b = {n->f->store, n->pk, n->sk, n->hub, NULL};
    return b;
}

static void path_of(world_t *w, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", w->dir, name);
}

static int setup(void **state)
{
    world_t *w = calloc(1, sizeof *w);
    node_open(&w->hub, true);
    node_open(&w->school, false);
    node_open(&w->hub2, true);
    /* enrolment, as the enrol code records it: each side pins the other */
    assert_int_equal(cairn_store_peer_put(w->school.f->store, w->hub.pk, CAIRN_PEER_HUB, "hub"), 0);
    assert_int_equal(
        cairn_store_peer_put(w->hub.f->store, w->school.pk, CAIRN_PEER_SCHOOL, "north"), 0);
    assert_int_equal(
        cairn_store_peer_put(w->hub2.f->store, w->school.pk, CAIRN_PEER_SCHOOL, "north"), 0);
    snprintf(w->dir, sizeof w->dir, "/tmp/cairn-bdl-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world_t *w = *state;
    char cmd[128];
    fixture_close(w->hub.f);
    fixture_close(w->school.f);
    fixture_close(w->hub2.f);
    snprintf(cmd, sizeof cmd, "rm -rf %s", w->dir);
    assert_int_equal(system(cmd), 0);
    free(w);
    return 0;
}

static void school_events(node_t *n, int count, int base)
{
    assert_int_equal(cairn_store_begin(n->f->store), 0);
    for (int i = base; i < base + count; i++) {
        cairn_mpbuf_t b;
        char id[32], name[32];
        snprintf(id, sizeof id, "ed%04d", i);
        snprintf(name, sizeof name, "Teacher %d", i);
        fixture_body(&b, "name", name, "email", "", "role", "teacher", NULL);
        assert_int_equal(cairn_store_append(n->f->store, cairn_store_school_partition(n->f->store),
                                            "educator.add", id, (const uint8_t *)b.sb.data,
                                            b.sb.size, NULL, NULL),
                         0);
        cairn_mpbuf_free(&b);
    }
    assert_int_equal(cairn_store_commit(n->f->store), 0);
}

static void hub_catalog(node_t *hub)
{
    size_t len = 0;
    char *text = fixture_sample_catalog(&len);
    cairn_catalog_result_t res;
    char err[256];
    assert_int_equal(cairn_catalog_import(hub->f->store, text, len, &res, err, sizeof err), 0);
    free(text);
}

static cairn_bundle_export_t export_to(node_t *from, const char *to, const char *path)
{
    cairn_bundle_export_t out;
    char err[256] = "";
    cairn_bundle_node_t b = bn(from);
    int rc = cairn_bundle_export(&b, to, path, &out, err, sizeof err);
    if (rc != 0)
        fail_msg("export: %s", err);
    return out;
}

static int import_at(node_t *at, const char *path, cairn_bundle_import_t *out, char *err,
                     size_t errlen)
{
    cairn_bundle_node_t b = bn(at);
    err[0] = '\0';
    return cairn_bundle_import(&b, path, out, err, errlen);
}

static void assert_same(node_t *a, node_t *b, const char *partition)
{
    uint8_t ha[32], hb[32];
    assert_int_equal(cairn_store_state_hash(a->f->store, partition, ha), 0);
    assert_int_equal(cairn_store_state_hash(b->f->store, partition, hb), 0);
    assert_memory_equal(ha, hb, 32);
}

/* The import of path at `at` fails with code and a message containing needle; nothing changes. */
static void refused(node_t *at, const char *path, int code, const char *needle)
{
    cairn_bundle_import_t out;
    char err[256];
    uint64_t before = fixture_events(at->f);
    int64_t seen = fixture_int(at->f, "SELECT count(*) FROM bundles_seen");
    int64_t vecs = fixture_int(at->f, "SELECT count(*) FROM peer_vectors");
    int rc = import_at(at, path, &out, err, sizeof err);
    if (rc != code || strstr(err, needle) == NULL)
        fail_msg("expected %d '%s', got %d '%s'", code, needle, rc, err);
    assert_int_equal(fixture_events(at->f), before);
    assert_int_equal(fixture_int(at->f, "SELECT count(*) FROM bundles_seen"), seen);
    assert_int_equal(fixture_int(at->f, "SELECT count(*) FROM peer_vectors"), vecs);
}

static void test_round_trip(void **state)
{
    world_t *w = *state;
    char p1[128], p2[128], p3[128], err[256];
    cairn_bundle_import_t in;
    const char *sp = cairn_store_school_partition(w->school.f->store);

    school_events(&w->school, 50, 0);
    hub_catalog(&w->hub);
    path_of(w, "s1.bundle", p1, sizeof p1);
    cairn_bundle_export_t ex = export_to(&w->school, NULL, p1);
    assert_int_equal(ex.events, 50);
    assert_int_equal(ex.partitions, 1);
    assert_memory_equal(ex.to, w->hub.pk, 32);
    struct stat st;
    assert_int_equal(stat(p1, &st), 0);
    assert_int_equal((uint64_t)st.st_size, ex.bytes);

    /* school -> hub */
    assert_int_equal(import_at(&w->hub, p1, &in, err, sizeof err), 0);
    assert_int_equal(in.applied, 50);
    assert_false(in.already);
    assert_memory_equal(in.from, w->school.pk, 32);
    assert_same(&w->school, &w->hub, sp);
    assert_int_equal(fixture_int(w->hub.f, "SELECT count(*) FROM educators"), 50);

    /* importing twice changes nothing */
    uint64_t events = fixture_events(w->hub.f);
    assert_int_equal(import_at(&w->hub, p1, &in, err, sizeof err), 0);
    assert_true(in.already);
    assert_int_equal(in.applied, 0);
    assert_int_equal(fixture_events(w->hub.f), events);

    /* hub -> school carries the catalog, and not the school's own events back */
    path_of(w, "h1.bundle", p2, sizeof p2);
    ex = export_to(&w->hub, "north", p2);
    uint64_t catalog_events =
        (uint64_t)fixture_int(w->hub.f, "SELECT count(*) FROM events WHERE partition = 'catalog'");
    assert_true(catalog_events > 0);
    assert_int_equal(ex.events, catalog_events);
    assert_int_equal(import_at(&w->school, p2, &in, err, sizeof err), 0);
    assert_int_equal(in.applied, catalog_events);
    assert_same(&w->school, &w->hub, "catalog");
    assert_int_equal(fixture_int(w->school.f, "SELECT count(*) FROM credentials"),
                     fixture_int(w->hub.f, "SELECT count(*) FROM credentials"));

    /* the return trip acknowledged both ways: nothing already held is sent again */
    path_of(w, "s2.bundle", p3, sizeof p3);
    ex = export_to(&w->school, NULL, p3);
    assert_int_equal(ex.events, 0);
    school_events(&w->school, 3, 100);
    ex = export_to(&w->school, NULL, p3);
    assert_int_equal(ex.events, 3);
    assert_int_equal(import_at(&w->hub, p3, &in, err, sizeof err), 0);
    assert_int_equal(in.applied, 3);
    assert_same(&w->school, &w->hub, sp);
    ex = export_to(&w->hub, "north", p2); /* the hub's catalog went over before */
    assert_int_equal(ex.events, 0);
}

/* Copies src to dst changing it: flip one byte at off, or keep only keep bytes. */
static void mangle(const char *src, const char *dst, long off, long keep)
{
    size_t len = 0;
    char *b = fixture_read_file(src, &len);
    assert_non_null(b);
    if (off >= 0)
        b[(size_t)off % len] ^= 0x01;
    if (keep >= 0 && (size_t)keep < len)
        len = (size_t)keep;
    FILE *f = fopen(dst, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
    free(b);
}

static void test_bad_bundles(void **state)
{
    world_t *w = *state;
    char good[128], bad[128];
    school_events(&w->school, 20, 0);
    path_of(w, "good.bundle", good, sizeof good);
    path_of(w, "bad.bundle", bad, sizeof bad);
    cairn_bundle_export_t ex = export_to(&w->school, NULL, good);

    /* a flipped byte anywhere after the header, and a truncated file */
    mangle(good, bad, (long)ex.bytes / 2, -1);
    refused(&w->hub, bad, CAIRN_ECRYPTO, "bundle refused");
    mangle(good, bad, (long)ex.bytes - 3, -1);
    refused(&w->hub, bad, CAIRN_ECRYPTO, "bundle refused");
    mangle(good, bad, -1, (long)ex.bytes - 40);
    refused(&w->hub, bad, CAIRN_EPROTO, "truncated");
    mangle(good, bad, 0, -1);
    refused(&w->hub, bad, CAIRN_EPROTO, "not a Cairn bundle");

    /* addressed to another node: hub2 cannot open what the school made for the hub */
    refused(&w->hub2, good, CAIRN_ECRYPTO, "not addressed to this node");

    /* from a key this node does not know: hub2 forges a bundle for the school */
    hub_catalog(&w->hub2);
    export_to(&w->hub2, "north", bad);
    refused(&w->school, bad, CAIRN_EDENIED, "not an enrolled peer");

    /* from another hub: a hub takes bundles only from its schools */
    assert_int_equal(cairn_store_peer_put(w->hub.f->store, w->hub2.pk, CAIRN_PEER_HUB, "other-hub"),
                     0);
    assert_int_equal(
        cairn_store_peer_put(w->hub2.f->store, w->hub.pk, CAIRN_PEER_SCHOOL, "pretend"), 0);
    export_to(&w->hub2, "pretend", bad);
    refused(&w->hub, bad, CAIRN_EDENIED, "another hub");

    /* the good one still applies after all that */
    cairn_bundle_import_t in;
    char err[256];
    assert_int_equal(import_at(&w->hub, good, &in, err, sizeof err), 0);
    assert_int_equal(in.applied, 20);
}

static void test_rights_and_gap(void **state)
{
    world_t *w = *state;
    char p[128];
    cairn_mpbuf_t b;
    path_of(w, "r.bundle", p, sizeof p);

    /* a school writing a catalog event in its own partition: outside its rights */
    school_events(&w->school, 2, 0);
    fixture_body(&b, "title", "forged", NULL);
    assert_int_equal(
        cairn_store_append(w->school.f->store, cairn_store_school_partition(w->school.f->store),
                           "catalog.note", "x", (const uint8_t *)b.sb.data, b.sb.size, NULL, NULL),
        0);
    cairn_mpbuf_free(&b);
    export_to(&w->school, NULL, p);
    refused(&w->hub, p, CAIRN_EDENIED, "catalog.note");

    /* a gap: the school believes the hub holds more than it does, so it skips events */
    cairn_vector_t v;
    /* a clean school, so its events are within rights */
    fixture_close(w->school.f);
    node_open(&w->school, false);
    assert_int_equal(cairn_store_peer_put(w->school.f->store, w->hub.pk, CAIRN_PEER_HUB, "hub"), 0);
    assert_int_equal(
        cairn_store_peer_put(w->hub.f->store, w->school.pk, CAIRN_PEER_SCHOOL, "south"), 0);
    school_events(&w->school, 2, 0);
    school_events(&w->school, 2, 10);
    cairn_vector_init(&v, cairn_store_school_partition(w->school.f->store));
    assert_int_equal(cairn_vector_set(&v, w->school.pk, 2), 0);
    assert_int_equal(cairn_store_peervec_merge(w->school.f->store, w->hub.pk, &v), 0);
    /* never backwards */
    assert_int_equal(cairn_vector_set(&v, w->school.pk, 1), 0);
    assert_int_equal(cairn_store_peervec_merge(w->school.f->store, w->hub.pk, &v), 0);
    cairn_vector_free(&v);
    cairn_vector_init(&v, cairn_store_school_partition(w->school.f->store));
    assert_int_equal(cairn_store_peervec_get(w->school.f->store, w->hub.pk, &v), 0);
    assert_int_equal(cairn_vector_get(&v, w->school.pk), 2);
    cairn_vector_free(&v);
    cairn_bundle_export_t ex = export_to(&w->school, NULL, p);
    assert_int_equal(ex.events, 2);
    refused(&w->hub, p, CAIRN_EGAP, "bundle refused");
}

static void test_codec(void **state)
{
    (void)state;
    uint8_t a[32], bb[32];
    cairn_vector_t v;
    msgpack_sbuffer sb;
    cairn_bundle_head_t h;
    cairn_bundle_cs_t r;
    char err[256];
    memset(a, 1, 32);
    memset(bb, 2, 32);
    cairn_vector_init(&v, "catalog");
    assert_int_equal(cairn_vector_set(&v, a, 7), 0);
    msgpack_sbuffer_init(&sb);
    assert_int_equal(cairn_bundle_head_encode(a, bb, &v, 1, &sb), 0);
    assert_int_equal(cairn_bundle_head_decode((uint8_t *)sb.data, sb.size, &h, err, sizeof err), 0);
    assert_int_equal(h.n_vectors, 1);
    assert_int_equal(cairn_vector_get(&h.vectors[0], a), 7);
    assert_memory_equal(h.to, bb, 32);
    cairn_bundle_head_free(&h);
    /* every truncation is refused cleanly */
    for (size_t cut = 0; cut < sb.size; cut++)
        assert_int_not_equal(cairn_bundle_head_decode((uint8_t *)sb.data, cut, &h, err, sizeof err),
                             0);
    msgpack_sbuffer_clear(&sb);
    assert_int_equal(cairn_bundle_cs_encode("catalog", (const uint8_t *)"xyz", 3, &sb), 0);
    assert_int_equal(cairn_bundle_cs_decode((uint8_t *)sb.data, sb.size, &r, err, sizeof err), 0);
    assert_string_equal(r.partition, "catalog");
    assert_int_equal(r.cs_len, 3);
    cairn_bundle_cs_free(&r);
    assert_int_not_equal(
        cairn_bundle_cs_decode((uint8_t *)sb.data, sb.size - 1, &r, err, sizeof err), 0);
    msgpack_sbuffer_destroy(&sb);
    cairn_vector_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_bundles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rights_and_gap, setup, teardown),
        cmocka_unit_test(test_codec),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
