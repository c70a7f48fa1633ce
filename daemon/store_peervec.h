/*
 * store_peervec.h: what this node knows of its peers' holdings, for USB bundles (bundle.c) and
 * online sync (sync_persist.c): the last version vector each peer sent us per partition
 * (peer_vectors), when the last sync round with it completed (peer_sync), the bundles already
 * imported (bundles_seen), and finding a peer by id prefix or name in the peers table.
 *
 * A known vector only grows: a merge keeps, per origin, the larger seq, so an old bundle carried
 * back on a stick can never make us re-send what the peer has acknowledged.
 */
#ifndef CAIRN_STORE_PEERVEC_H
#define CAIRN_STORE_PEERVEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/changeset.h>

#include "store.h"
#include "store_sync.h"

#define CAIRN_PEER_NAME_MAX 200

/* Fills v (initialised by the caller with the partition) with what peer last said it holds of
 * v->partition; empty when it never said. 0, -ENOMEM, CAIRN_ETOOBIG or CAIRN_ESTORE. */
int cairn_store_peervec_get(cairn_store_t *s, const uint8_t peer[CAIRN_NODE_ID_LEN],
                            cairn_vector_t *v);

/* Merges v into what peer is known to hold of v->partition: per origin the larger seq wins, so
 * the known vector never goes backwards. Joins an open transaction. 0 or a store code. */
int cairn_store_peervec_merge(cairn_store_t *s, const uint8_t peer[CAIRN_NODE_ID_LEN],
                              const cairn_vector_t *v);

/* When the last sync round with peer completed (unix ms), 0 when never. 0 or CAIRN_ESTORE. */
int cairn_store_peer_last_sync_get(cairn_store_t *s, const uint8_t peer[CAIRN_NODE_ID_LEN],
                                   uint64_t *ms);
/* Records it (never moves it back). Joins an open transaction. 0 or a store code. */
int cairn_store_peer_last_sync_set(cairn_store_t *s, const uint8_t peer[CAIRN_NODE_ID_LEN],
                                   uint64_t ms);

/* *seen: was a bundle with this id imported before? 0 or CAIRN_ESTORE. */
int cairn_store_bundle_seen(cairn_store_t *s, const uint8_t id[16], bool *seen);
/* Records an imported bundle (a repeat is ignored). Joins an open transaction. */
int cairn_store_bundle_mark(cairn_store_t *s, const uint8_t id[16],
                            const uint8_t peer[CAIRN_NODE_ID_LEN], int64_t applied_at_ms);

typedef struct {
    uint8_t node[CAIRN_NODE_ID_LEN];
    cairn_peer_role_t role;
    char name[CAIRN_PEER_NAME_MAX + 1];
} cairn_peer_t;

/* Finds one peer. With text NULL: the single peer of role hub (a school's hub). Otherwise the
 * peer whose name is text, or whose node id in hex starts with text (at least 4 hex digits).
 * Errors with a one-line reason in err: CAIRN_ENOTFOUND, CAIRN_EAMBIGUOUS, CAIRN_EINVAL,
 * CAIRN_ESTORE. */
int cairn_store_peer_find(cairn_store_t *s, const char *text, cairn_peer_t *out, char *err,
                          size_t errlen);

#endif
