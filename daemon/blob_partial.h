/*
 * blob_partial.h: chunks that arrive from a sync peer piece by piece (sync, PROTOCOL.md 8.3).
 *
 * The receiver gathers a chunk in memory and stores it with cairn_blobs_chunk_put, which hashes
 * it, writes it, fsyncs it and renames it into chunks/ before it counts. A partial file,
 * DATADIR/blobs/partial/<64 hex>, is the resume point: the first bytes of a chunk that has not
 * arrived whole, written in order, so its size is how much of the chunk arrived. The receiver
 * writes it when a session ends with the chunk unfinished (a cut: pieces, not chunks, are
 * re-sent) and, on a slow transfer, as each piece arrives (a kill -9 loses nothing that arrived).
 * It is not fsync'd: a partial file lost or damaged by a power cut simply fails the chunk's hash
 * once whole, and the chunk is fetched again. Partial files survive a restart on purpose (unlike
 * tmp/).
 */
#ifndef CAIRN_BLOB_PARTIAL_H
#define CAIRN_BLOB_PARTIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "blobs.h"

/* Reads chunk h's partial file, if any, into buf (cap bytes, the chunk's length): *have is the
 * bytes read (0 when there is no partial file, or when it is longer than cap: not ours). 0 or
 * -errno. */
int cairn_blobs_partial_read(cairn_blobs_t *b, const cairn_hash_t *h, uint8_t *buf, uint32_t cap,
                             uint64_t *have);

/* Writes bytes [from, to) of chunk h, held in buf (from offset 0), to its partial file, opening it
 * into *fd when *fd < 0 (emptied first when from is 0). The caller closes *fd. 0 or -errno. */
int cairn_blobs_partial_write(cairn_blobs_t *b, const cairn_hash_t *h, int *fd, const uint8_t *buf,
                              uint64_t from, uint64_t to);

/* Removes chunk h's partial file if there is one (0 or -errno; a missing file is 0). */
int cairn_blobs_partial_remove(cairn_blobs_t *b, const cairn_hash_t *h);

#endif
