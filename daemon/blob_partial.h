/*
 * blob_partial.h: chunks that arrive from a peer piece by piece (sync, PROTOCOL.md 8.3), kept
 * under DATADIR/blobs/partial/<64 hex> until whole.
 *
 * A partial file only ever grows by appending the next bytes in order, so its size is how much
 * of the chunk arrived; a cut resumes from there (pieces, not chunks, are re-sent). It is not
 * fsync'd while it grows: what matters is that nothing enters chunks/ unverified, and
 * cairn_blobs_partial_adopt hashes the whole file, fsyncs it and renames it into chunks/ (then
 * fsyncs the directory) before its callback reports success. A partial file lost or damaged by a
 * power cut simply fails that check and the chunk is fetched again. Partial files survive a
 * restart on purpose (unlike tmp/).
 */
#ifndef CAIRN_BLOB_PARTIAL_H
#define CAIRN_BLOB_PARTIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "blobs.h"

/* Opens (creating) the partial file of chunk h, which will be len bytes, for appending. *have is
 * the bytes already there; a file longer than len is emptied first (it cannot be ours). Returns 0
 * and an fd the caller closes, or -errno. */
int cairn_blobs_partial_open(cairn_blobs_t *b, const cairn_hash_t *h, uint32_t len, int *fd,
                             uint64_t *have);

/* Removes chunk h's partial file if there is one (0 or -errno; a missing file is 0). */
int cairn_blobs_partial_remove(cairn_blobs_t *b, const cairn_hash_t *h);

/* On the thread pool: the partial file of h must hold exactly len bytes hashing to h; it is then
 * fsync'd, renamed into chunks/ and the directory fsync'd. cb runs on the loop thread with 0,
 * CAIRN_EHASH (the file is removed: fetch the chunk again), or -errno. hashed: the caller
 * already hashed exactly the bytes it wrote to the file (as they arrived) and found h, so only
 * the length is checked here; otherwise the file is read back and hashed. */
int cairn_blobs_partial_adopt(cairn_blobs_t *b, const cairn_hash_t *h, uint32_t len, bool hashed,
                              cairn_blobs_put_cb cb, void *arg);

#endif
