/*
 * sync_persist.h: what a sync session learns of its peer, kept in the store (PROTOCOL.md 8.3):
 * the peer's version vector of each partition (peer_vectors, shared with USB bundles) and when
 * the last round with it completed (peer_sync), so `status` shows the right lag and last sync
 * after a restart, before any new session, and a bundle never re-sends what the peer holds.
 *
 * No extra fsync per message: a change set's vector is merged in the transaction that applies
 * the change set; vectors from `vec` and `ack` (marked peer_dirty on their partition) are
 * written together at most once a second, and when the session closes.
 */
#ifndef CAIRN_SYNC_PERSIST_H
#define CAIRN_SYNC_PERSIST_H

#include <stdint.h>

#include <msgpack.h>

#include "store_sync.h"
#include "sync.h"

/* Session ticks between two flushes. */
#define CAIRN_SYNC_PERSIST_TICKS (1000 / CAIRN_SYNC_POLL_MS)

/* Applies a change set from s's peer (cairn_store_changeset_apply with ctx) and, in the same
 * transaction, merges the vector the message m carries ("v": what the peer holds of p) into
 * peer_vectors. A malformed vector is left to the caller's own check (nothing merged). Returns
 * what the apply returns; nothing is stored on failure. */
int cairn_sync_persist_apply(cairn_sync_session_t *s, cairn_sync_part_t *p, const msgpack_object *m,
                             const uint8_t *data, size_t len, cairn_rights_ctx_t *ctx,
                             cairn_apply_report_t *rep);

/* Writes, in one transaction, the peer's vector of every partition marked peer_dirty, and
 * last_sync_ms for the peer when it is not 0. 0 or a store code (logged; the marks stay). */
int cairn_sync_persist_flush(cairn_sync_session_t *s, uint64_t last_sync_ms);

#endif
