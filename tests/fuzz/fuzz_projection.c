/*
 * fuzz_projection.c: libFuzzer target for the event bodies that arrive from peers in change sets
 * and are projected into the tables (projection.c, projection_catalog.c, projection_award.c,
 * recommendation.c): every type in the projection table but the review ones (fuzz_review.c).
 * Catalog events come from a hub, school events from a school: signatures and rights are checked
 * before projection (fuzz_sync_msg.c), so any body a genuine peer signs reaches this code.
 *
 * Input: byte 0 picks the type (TYPES), byte 1 the entity (ENTITIES, low bits) and whether the
 * fixture educator and submission are projected first (bit 7); the rest is the event body.
 * Properties beyond "no crash, no sanitizer report":
 *   - a refused body changes nothing: event count and projection digest as before;
 *   - an accepted one adds exactly one event, and the projections still equal a rebuild from the
 *     log.
 * The store is in memory and lives across inputs; it is replaced once it holds STORE_EVENTS_MAX
 * events. Seeds: tests/fuzz/make_seeds.py (keep TYPES and ENTITIES in step with it).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/mp.h>

#include "mpbuf.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STORE_EVENTS_MAX 200

static const char *const SCHOOL =
    "school:1111111111111111111111111111111111111111111111111111111111111111";
static const char *const TYPES[] = {
    "catalog.issuer",      "catalog.stack",      "catalog.credential",    "catalog.status",
    "educator.add",        "submission.start",   "evidence.add",          "submission.submit",
    "submission.withdraw", "recommendation.add", "recommendation.accept", "recommendation.dismiss",
    "award.revoke"};
#define NTYPES (sizeof TYPES / sizeof TYPES[0])
static const char *const ENTITIES[] = {"01jdx3q4c8m6a9v2k5r7t0w1y0",
                                       "01jdx3q4c8m6a9v2k5r7t0w1yz",
                                       "issuer",
                                       "s",
                                       "c@1",
                                       "status:00112233445566778899aabbccddeeff",
                                       "01jdx3q4c8m6a9v2k5r7t0w1y5",
                                       "01jdx3q4c8m6a9v2k5r7t0w1y2"};
#define NENTITIES (sizeof ENTITIES / sizeof ENTITIES[0])

static cairn_store_t *store;
/* next seq per (origin, partition): school 0x11 in its partition, hub 0x22 in it, hub in catalog */
static uint64_t school_seq, hub_seq, catalog_seq, clock_hlc;
static bool fixture_done;

static int put(uint8_t origin, const char *partition, uint64_t *seq, const char *type,
               const char *entity, const uint8_t *body, size_t len)
{
    cairn_event_t ev = {.seq = *seq + 1,
                        .hlc = ++clock_hlc,
                        .partition = partition,
                        .type = type,
                        .entity = entity,
                        .body = body,
                        .body_len = len};
    memset(ev.origin, origin, sizeof ev.origin);
    int rc = cairn_store_apply(store, &ev);
    if (rc == 0)
        (*seq)++;
    return rc;
}

/* An educator and a draft submission with one text part, from the school. */
static void fixture(void)
{
    cairn_mpbuf_t b;
    cairn_mpbuf_init(&b);
    msgpack_pack_map(&b.pk, 3);
    cairn_mp_pack_kv_str(&b.pk, "name", "Ama Mensah");
    cairn_mp_pack_kv_str(&b.pk, "email", "");
    cairn_mp_pack_kv_str(&b.pk, "role", "teacher");
    if (put(0x11, SCHOOL, &school_seq, "educator.add", ENTITIES[1], (const uint8_t *)b.sb.data,
            b.sb.size) != 0)
        abort();
    cairn_mpbuf_free(&b);
    cairn_mpbuf_init(&b);
    msgpack_pack_map(&b.pk, 4);
    cairn_mp_pack_kv_str(&b.pk, "educator", ENTITIES[1]);
    cairn_mp_pack_kv_str(&b.pk, "credential", "c");
    cairn_mp_pack_kv_u64(&b.pk, "version", 1);
    cairn_mp_pack_kv_u64(&b.pk, "attempt", 1);
    if (put(0x11, SCHOOL, &school_seq, "submission.start", ENTITIES[0], (const uint8_t *)b.sb.data,
            b.sb.size) != 0)
        abort();
    cairn_mpbuf_free(&b);
    fixture_done = true;
}

static void state_of(uint64_t *events, uint8_t digest[32])
{
    if (cairn_store_event_count(store, events) != 0 ||
        cairn_store_projection_digest(store, digest) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t before_n, after_n;
    uint8_t before[32], after[32];
    bool equal = false;
    if (size < 2)
        return 0;
    if (store != NULL && cairn_store_event_count(store, &before_n) == 0 &&
        before_n > STORE_EVENTS_MAX) {
        cairn_store_close(store);
        store = NULL;
    }
    if (store == NULL) {
        uint8_t origin[CAIRN_NODE_ID_LEN];
        memset(origin, 0x42, sizeof origin);
        if (cairn_store_open(":memory:", origin, &store) != 0)
            abort();
        school_seq = hub_seq = catalog_seq = 0;
        fixture_done = false;
        clock_hlc = cairn_hlc_make(cairn_hlc_wall_now() - 3600000, 0);
    }
    if ((data[1] & 0x80) != 0 && !fixture_done)
        fixture();
    size_t t = data[0] % NTYPES;
    const char *type = TYPES[t];
    const char *entity = ENTITIES[(data[1] & 0x7f) % NENTITIES];
    bool catalog = strncmp(type, "catalog.", 8) == 0;
    bool from_hub = catalog || strcmp(type, "award.revoke") == 0;
    state_of(&before_n, before);
    int rc = put(from_hub ? 0x22 : 0x11, catalog ? "catalog" : SCHOOL,
                 catalog    ? &catalog_seq
                 : from_hub ? &hub_seq
                            : &school_seq,
                 type, entity, data + 2, size - 2);
    if (getenv("CAIRN_FUZZ_TRACE") != NULL) /* to check that the seeds are accepted */
        fprintf(stderr, "%s %s: %d\n", type, entity, rc);
    state_of(&after_n, after);
    if (after_n == before_n) {
        if (memcmp(before, after, sizeof before) != 0)
            abort(); /* a refused event changed a projection */
        return 0;
    }
    if (after_n != before_n + 1)
        abort();
    if (cairn_store_rebuild(store, &equal, NULL) != 0 || !equal)
        abort(); /* live projection and replay disagree */
    return 0;
}
