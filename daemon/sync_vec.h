/*
 * sync_vec.h: vector digests at the start of a sync session (PROTOCOL.md 8.3). Each side opens a
 * partition with {"t":"vec","p":P,"d":digest of its vector}; the receiver compares it with the
 * digest of the vector it stored for that peer (peer_vectors, sync_persist.h): equal, it takes
 * the stored vector as the peer's; different or unknown, it asks {"t":"vreq","p":P} and the
 * sender answers with the full {"t":"vec","p":P,"v":vector}. An idle round on a fresh session
 * thus carries 16 bytes per partition and direction instead of whole vectors.
 */
#ifndef CAIRN_SYNC_VEC_H
#define CAIRN_SYNC_VEC_H

#include <msgpack.h>

#include "sync.h"

/* Sends the digest of our vector of p. 0 or a negative code. */
int cairn_sync_vec_send_digest(cairn_sync_session_t *s, cairn_sync_part_t *p);

/* Asks the peer for its whole vector of p now (`vreq`); p has no peer vector until the `vec`
 * answer arrives, so a round judged on p waits for it. Used by `sync.now` on an open session. */
int cairn_sync_vec_request(cairn_sync_session_t *s, cairn_sync_part_t *p);

/* Takes a `vec` carrying "d": 0 when the stored vector matched (p->peer is set from it, as if the
 * peer had sent it), 1 when the full vector was asked for with `vreq`, or a negative code with
 * s->reason filled (a malformed digest). */
int cairn_sync_vec_take_digest(cairn_sync_session_t *s, cairn_sync_part_t *p,
                               const msgpack_object *m);

/* Partition aliases (PROTOCOL.md 8.3): each side numbers its partitions 0, 1, 2 ... in the
 * order it sends their opening `vec` (which names the partition), and later messages may give
 * "p" as that number instead of the name (71 bytes for a school partition). */
/* Packs "p" and p's alias, or its name while it has none. */
void cairn_sync_vec_pack_part(msgpack_packer *pk, const cairn_sync_part_t *p);
/* The peer's opening `vec` for p arrived: p gets the peer's next alias (once). */
void cairn_sync_vec_note_opening(cairn_sync_session_t *s, cairn_sync_part_t *p);
/* The part the peer numbers alias, or NULL. */
cairn_sync_part_t *cairn_sync_vec_part_by_alias(cairn_sync_session_t *s, uint64_t alias);

/* The vector a message carries for partition: "h" (heads alone, cairn_vector_decode_heads) or,
 * from an older peer, "v" (the whole vector; its partition must be partition). 0,
 * CAIRN_ENOTFOUND (neither key), or a decoding error with err filled. */
int cairn_sync_vec_from_msg(const msgpack_object *m, const char *partition, cairn_vector_t *v,
                            char *err, size_t errlen);

#endif
