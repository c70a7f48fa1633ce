/*
 * blob_read.h: reading a stored file back from the chunk store, verifying as it goes.
 * Used by `cairnd blob-cat` (operators, tests) and later by the hub's review of evidence.
 */
#ifndef CAIRN_BLOB_READ_H
#define CAIRN_BLOB_READ_H

#include "blobs.h"

/* Writes the file named by file_hash to fd, chunk by chunk (one chunk in memory), checking each
 * chunk against its hash (the manifest's chunk list is bound to file_hash when it is decoded,
 * cairn_file_hash). Returns 0, CAIRN_ENOTFOUND (no
 * manifest), CAIRN_EINCOMPLETE (a chunk is missing), CAIRN_EHASH (a chunk or the file does not
 * match) or -errno. On an error some bytes may already have been written to fd. */
int cairn_blob_read_to_fd(cairn_blobs_t *b, const cairn_hash_t *file_hash, int fd);

#endif
