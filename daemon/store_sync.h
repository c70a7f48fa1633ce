/*
 * store_sync.h: what the store gives sync (PROTOCOL.md section 7): a partition's version vector,
 * a change set of what another node lacks, applying a change set all or nothing after checking
 * chains, signatures and rights, the state hash, and the peers table rights are judged by.
 */
#ifndef CAIRN_STORE_SYNC_H
#define CAIRN_STORE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/changeset.h>

#include "store.h"

/* May origin write an event of type into partition? 0 if so, CAIRN_EDENIED if not, another
 * code (CAIRN_ESTORE) when the answer could not be found. */
typedef int (*cairn_rights_fn)(void *arg, const uint8_t origin[CAIRN_NODE_ID_LEN],
                               const char *partition, const char *type);

typedef struct {
    uint64_t applied; /* events stored */
    uint64_t skipped; /* events already held, identical */
    uint32_t segments;
    int code;        /* the first error, 0 if none */
    char error[256]; /* what failed, naming origin, seq and type where it applies */
} cairn_apply_report_t;

/* Fills v (initialised by the caller with the partition) with the highest seq held per origin. */
int cairn_store_vector(cairn_store_t *s, const char *partition, cairn_vector_t *v);

/* Encodes into out (appending) a change set for partition of what `theirs` lacks: per origin in
 * byte order, the events after theirs, oldest first, cut at the highest signed checkpoint that
 * keeps the change set within max_bytes (never past the last checkpoint). A single checkpoint span
 * larger than max_bytes is still sent, alone, if it fits CAIRN_CHANGESET_MAX; otherwise
 * CAIRN_ETOOBIG (err names origin and seq). *n_events is 0 when there is nothing to send (out is
 * then left untouched). */
int cairn_store_changeset_build(cairn_store_t *s, const char *partition,
                                const cairn_vector_t *theirs, size_t max_bytes,
                                msgpack_sbuffer *out, uint64_t *n_events, char *err, size_t errlen);

/* Decodes and applies a change set in one transaction: held events must match (skipped), new
 * ones continue their chain with no gap, every segment's chain must end at its origin's signed
 * checkpoint, and rights(origin, partition, type) must allow every event. Any failure applies
 * nothing; the report says what failed. Returns 0 or the first error (CAIRN_ETOOBIG, EMSGPACK,
 * EPROTO, EGAP, ECONFLICT, ECRYPTO, EDENIED, ...). */
int cairn_store_changeset_apply(cairn_store_t *s, const uint8_t *buf, size_t len,
                                cairn_rights_fn rights, void *arg, cairn_apply_report_t *rep);

/* Change sets refused for an event outside its origin's rights, since open. */
uint64_t cairn_store_rights_rejected(cairn_store_t *s);

/* BLAKE2b-256 over, per partition in name order (one partition, or every partition held when
 * partition is NULL) and per origin in byte order: the partition, the origin, its highest seq and
 * chain head. Equal on every node that holds the same events. */
int cairn_store_state_hash(cairn_store_t *s, const char *partition, uint8_t out[32]);

/* A peer's relation to us, from the peers table: SCHOOL and CHILD_HUB were enrolled at this node
 * (downstream; CHILD_HUB is a hub that joined us, e.g. a region at the state hub), HUB is the hub
 * this node enrolled at (upstream, the key pinned in hub.peer). */
typedef enum { CAIRN_PEER_SCHOOL, CAIRN_PEER_HUB, CAIRN_PEER_CHILD_HUB } cairn_peer_role_t;

/* Records (or updates) a known node and its role. */
int cairn_store_peer_put(cairn_store_t *s, const uint8_t node[CAIRN_NODE_ID_LEN],
                         cairn_peer_role_t role, const char *name);
/* CAIRN_ENOTFOUND for an unknown node. */
int cairn_store_peer_get(cairn_store_t *s, const uint8_t node[CAIRN_NODE_ID_LEN],
                         cairn_peer_role_t *role);

/* Who is asking: the rights callback's arg for cairn_rights_check. */
typedef struct {
    cairn_store_t *store;  /* our store: the peers table */
    const uint8_t *self;   /* our node id (32) */
    bool hub;              /* our role */
    const uint8_t *sender; /* the authenticated peer the change set came from (the channel's
                            * pinned key, or a bundle's verified signer); NULL refuses all */
} cairn_rights_ctx_t;

/* PROTOCOL.md section 7.5, judged by origin O, partition P, type T and the sender S, whose
 * relation comes from the peers table (arg is a cairn_rights_ctx_t *):
 *  - P = catalog: only catalog.*, and only when S is our upstream hub (whatever O: the hubs
 *    above it), or O is us and we are a hub. Never from a school or a child hub.
 *  - P = school:<X>: educator.*, submission.*, evidence.* only with O = X, and only when S = O,
 *    S is our upstream hub, S is a child hub enrolled here (relaying its school up), or O is us.
 *    review.* / award.* only with O != X, and only when S is our upstream hub (whatever O), or
 *    we are a hub and O is us or O = S is a child hub enrolled here.
 *  - anything else: refused. An unknown sender may send nothing.
 * Signatures and chains are checked by cairn_store_changeset_apply, so O is genuine.
 * Returns 0, CAIRN_EDENIED, or a store error. */
int cairn_rights_check(void *ctx, const uint8_t origin[CAIRN_NODE_ID_LEN], const char *partition,
                       const char *type);

#endif
