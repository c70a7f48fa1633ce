/*
 * blobs.h: the content-addressed evidence store, on the filesystem under DATADIR/blobs.
 *
 *   blobs/chunks/ab/<64 hex>      one chunk, named by the BLAKE2b-256 of its bytes
 *   blobs/manifests/<64 hex>      a manifest (msgpack), named by the whole file's hash
 *   blobs/tmp/                    temp files; anything here at start-up is debris and is removed
 *
 * Durability: a chunk is written to tmp/, fsync'd, renamed into place, and its directory fsync'd
 * before cairn_blobs_chunk_put's callback reports success; only then is the chunk acknowledged.
 * A manifest is stored the same way once every chunk it lists is present. A crash at any point
 * leaves only whole, verified chunks in chunks/ (and debris in tmp/), so an upload resumes by
 * asking which chunks are missing. This module knows nothing of SQLite.
 */
#ifndef CAIRN_BLOBS_H
#define CAIRN_BLOBS_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include <cairn/chunk.h>

typedef struct cairn_blobs cairn_blobs_t;

typedef struct {
    cairn_hash_t file_hash;
    uint64_t size;
    uint32_t chunk_size;
    uint32_t nchunks;
    cairn_hash_t *chunks; /* nchunks entries, owned */
} cairn_manifest_t;

void cairn_manifest_free(cairn_manifest_t *m);
/* Encode/decode the manifest's msgpack form (PROTOCOL.md "Manifest"); decode checks every limit
 * and that nchunks matches size/chunk_size. */
int cairn_manifest_encode(const cairn_manifest_t *m, msgpack_sbuffer *out);
int cairn_manifest_decode(const uint8_t *buf, size_t len, cairn_manifest_t *m);

/* Opens (creating the directories) and removes tmp/ debris. */
int cairn_blobs_open(uv_loop_t *loop, const char *datadir, uint64_t disk_reserve,
                     cairn_blobs_t **out);
void cairn_blobs_close(cairn_blobs_t *b);
/* Opens an existing store for reading only (`cairnd blob-cat`, while a daemon may be running):
 * creates nothing, removes nothing, does not scan usage, and refuses chunk and manifest puts. */
int cairn_blobs_open_readonly(const char *datadir, cairn_blobs_t **out);

bool cairn_blobs_chunk_has(cairn_blobs_t *b, const cairn_hash_t *h);

/* Bytes free on the blob filesystem for us (statvfs f_bavail * f_frsize). */
int cairn_blobs_disk_free(cairn_blobs_t *b, uint64_t *free_bytes);
/* Returns CAIRN_ENOSPACE if storing need more bytes would leave less than the reserve free. */
int cairn_blobs_reserve_check(cairn_blobs_t *b, uint64_t need);
/* Total bytes and number of chunks stored (kept up to date incrementally). */
void cairn_blobs_usage(cairn_blobs_t *b, uint64_t *bytes, uint64_t *chunks);

/* Verifies data against h and stores it durably on the thread pool; cb runs on the loop thread
 * with 0, CAIRN_EHASH, CAIRN_ENOSPACE, or -errno (e.g. -ENOSPC: nothing is left behind). data
 * must stay valid until cb runs. A chunk already present completes with 0 without writing. */
typedef void (*cairn_blobs_put_cb)(void *arg, int status);
/* data aligned to this and len a multiple of it: the chunk is written with O_DIRECT. */
#define CAIRN_BLOBS_DIRECT_ALIGN 4096u
int cairn_blobs_chunk_put(cairn_blobs_t *b, const cairn_hash_t *h, const uint8_t *data, size_t len,
                          cairn_blobs_put_cb cb, void *arg);

/* Stores a manifest durably (synchronous; small). All chunks must be present: CAIRN_EINCOMPLETE
 * otherwise. Storing the same manifest twice is a no-op. */
int cairn_blobs_manifest_put(cairn_blobs_t *b, const cairn_manifest_t *m);
/* Is file_hash's manifest stored (the file complete here)? One stat, no decoding. */
bool cairn_blobs_manifest_has(cairn_blobs_t *b, const cairn_hash_t *file_hash);
/* Loads a stored manifest: 0, CAIRN_ENOTFOUND, or a decode error. */
int cairn_blobs_manifest_get(cairn_blobs_t *b, const cairn_hash_t *file_hash,
                             cairn_manifest_t *out);

/* Removes chunk h (retention, blob_remove.c); *freed is its size (0 if it was not there). The
 * caller guarantees no live file lists it. 0 or -errno. */
int cairn_blobs_chunk_remove(cairn_blobs_t *b, const cairn_hash_t *h, uint64_t *freed);

/* Path of a chunk file into out (for reading a stored file back, e.g. `cairnd blob-cat`). */
int cairn_blobs_chunk_path(cairn_blobs_t *b, const cairn_hash_t *h, char *out, size_t outlen);

#endif
