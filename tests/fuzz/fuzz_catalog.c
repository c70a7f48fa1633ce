/*
 * fuzz_catalog.c: libFuzzer target for the catalog import (catalog.c validation, then
 * catalog_import.c), the decoder of the largest document a client can send.
 *
 * Properties checked on every input, beyond "no crash, no sanitizer report":
 *   - a refused document changes nothing: the event count and the projection digest are the
 *     same after as before (never a partial import);
 *   - an accepted document, imported a second time, adds no event.
 * The store is in memory and lives across inputs, so accepted documents accumulate like
 * successive imports on a real school box (new versions, unchanged credentials); it is replaced
 * by a fresh one once it holds STORE_EVENTS_MAX events, to keep each run fast.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "catalog.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STORE_EVENTS_MAX 200

static cairn_store_t *store;

static void state_of(uint64_t *events, uint8_t digest[32])
{
    if (cairn_store_event_count(store, events) != 0 ||
        cairn_store_projection_digest(store, digest) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_catalog_result_t res;
    char err[512];
    uint64_t events_before, events_after;
    uint8_t before[32], after[32];

    if (store != NULL && cairn_store_event_count(store, &events_before) == 0 &&
        events_before > STORE_EVENTS_MAX) {
        cairn_store_close(store);
        store = NULL;
    }
    if (store == NULL) {
        uint8_t origin[CAIRN_NODE_ID_LEN];
        memset(origin, 0x42, sizeof origin);
        if (cairn_store_open(":memory:", origin, &store) != 0)
            abort();
    }
    state_of(&events_before, before);
    int rc = cairn_catalog_import(store, (const char *)data, size, &res, err, sizeof err);
    state_of(&events_after, after);
    if (rc != 0) {
        if (err[0] != '$' && rc != -ENOMEM) {
            fprintf(stderr, "refusal without a JSON path: %s\n", err);
            abort(); /* every validation error names where */
        }
        if (events_after != events_before || memcmp(before, after, sizeof before) != 0)
            abort(); /* a refused import changed something */
        return 0;
    }
    if (events_after != events_before + res.added + res.versioned + res.stacks + res.issuer)
        abort(); /* the counts say what was stored */
    rc = cairn_catalog_import(store, (const char *)data, size, &res, err, sizeof err);
    state_of(&events_before, before);
    if (rc != 0 || events_before != events_after)
        abort(); /* importing the same document twice adds nothing */
    return 0;
}
