/*
 * evidence_at_hub.h: which evidence files this node's hub holds complete (table evidence_at_hub,
 * migration 12), as the hub said in a `cstat` with done (PROTOCOL.md 8.3). Local state of a
 * school: never synced, never rebuilt. `evidence.list` shows these complete at the hub across
 * restarts; retention at an enrolled school purges only these (retention.c).
 */
#ifndef CAIRN_EVIDENCE_AT_HUB_H
#define CAIRN_EVIDENCE_AT_HUB_H

#include <stdbool.h>
#include <stdint.h>

#include <cairn/chunk.h>

#include "store.h"

/* Records that the hub holds file f complete (once; later reports change nothing). 0 or a
 * negative code. */
int cairn_evidence_at_hub_record(cairn_store_t *s, const cairn_hash_t *f, uint64_t now_ms);

/* How many files the hub holds complete (recorded); 0 on a store error. */
uint64_t cairn_evidence_at_hub_count(cairn_store_t *s);

/* Does the hub hold file f complete (recorded)? false on a store error. */
bool cairn_evidence_at_hub_has(cairn_store_t *s, const cairn_hash_t *f);

#endif
