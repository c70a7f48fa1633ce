/*
 * fuzz_review.c: libFuzzer target for the review and award event bodies (projection_review.c),
 * which arrive from a hub in change sets and are projected at every school.
 *
 * Input: byte 0 picks the type (review.claim, review.score, review.decide, award.issue) and
 * whether the submission is already projected (a relay may deliver reviews first); the rest is
 * the event body. Properties beyond "no crash, no sanitizer report":
 *   - a refused body changes nothing: event count and projection digest as before;
 *   - an accepted one adds exactly one event, and the projections still equal a rebuild from the
 *     log (the state rule is a pure function of the tables).
 * The store is in memory and lives across inputs; it is replaced once it holds STORE_EVENTS_MAX
 * events.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/mp.h>

#include "mpbuf.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STORE_EVENTS_MAX 200

static const char *const P =
    "school:1111111111111111111111111111111111111111111111111111111111111111";
static const char *const SUB = "01jdx3q4c8m6a9v2k5r7t0w1y0";
static const char *const TYPES[] = {"review.claim", "review.score", "review.decide", "award.issue"};

static cairn_store_t *store;
static uint64_t hub_seq, school_seq, clock_hlc;

static void put(uint8_t origin, uint64_t *seq, const char *type, const char *entity,
                const uint8_t *body, size_t len, int want)
{
    cairn_event_t ev = {.seq = *seq + 1,
                        .hlc = ++clock_hlc,
                        .partition = P,
                        .type = type,
                        .entity = entity,
                        .body = body,
                        .body_len = len};
    memset(ev.origin, origin, sizeof ev.origin);
    int rc = cairn_store_apply(store, &ev);
    if (want == 0 && rc != 0)
        abort();
    if (rc == 0)
        (*seq)++;
}

/* The school's submission (start with one text part, submitted). */
static void submission(void)
{
    cairn_mpbuf_t b;
    cairn_mpbuf_init(&b);
    msgpack_pack_map(&b.pk, 4);
    cairn_mp_pack_kv_str(&b.pk, "educator", "01jdx3q4c8m6a9v2k5r7t0w1yz");
    cairn_mp_pack_kv_str(&b.pk, "credential", "wait-time");
    cairn_mp_pack_kv_u64(&b.pk, "version", 1);
    cairn_mp_pack_kv_u64(&b.pk, "attempt", 1);
    put(0x11, &school_seq, "submission.start", SUB, (const uint8_t *)b.sb.data, b.sb.size, 0);
    cairn_mpbuf_free(&b);
    cairn_mpbuf_init(&b);
    msgpack_pack_map(&b.pk, 0);
    put(0x11, &school_seq, "submission.submit", SUB, (const uint8_t *)b.sb.data, b.sb.size, 0);
    cairn_mpbuf_free(&b);
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
    if (size < 1)
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
        hub_seq = school_seq = 0;
        clock_hlc = cairn_hlc_make(cairn_hlc_wall_now() - 3600000, 0);
    }
    if ((data[0] & 4) != 0 && school_seq == 0)
        submission();
    const char *type = TYPES[data[0] & 3];
    const char *entity = (data[0] & 3) == 3 ? "01jdx3q4c8m6a9v2k5r7t0w1y2" : SUB;
    state_of(&before_n, before);
    put(0x22, &hub_seq, type, entity, data + 1, size - 1, -1);
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
