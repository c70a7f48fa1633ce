/*
 * chunk.h: content addressing for evidence.
 *
 * A file is cut into fixed-size chunks (CAIRN_CHUNK_SIZE by default); each chunk and the whole
 * file are named by their BLAKE2b-256 hash (libsodium crypto_generichash, no key). A manifest is
 * the ordered list of chunk hashes plus the file's size and hash.
 */
#ifndef CAIRN_CHUNK_H
#define CAIRN_CHUNK_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define CAIRN_HASH_LEN 32
#define CAIRN_HASH_HEX_LEN 64
#define CAIRN_CHUNK_SIZE (1024u * 1024)
#define CAIRN_CHUNK_SIZE_MIN (64u * 1024)
#define CAIRN_CHUNK_SIZE_MAX (2u * 1024 * 1024)
/* 65536 chunks of 1 MiB: 64 GiB, far above the largest classroom video (4 GB). */
#define CAIRN_MANIFEST_MAX_CHUNKS 65536u

typedef struct {
    uint8_t b[CAIRN_HASH_LEN];
} cairn_hash_t;

void cairn_hash_buf(const void *data, size_t len, cairn_hash_t *out);
void cairn_hash_hex(const cairn_hash_t *h, char out[CAIRN_HASH_HEX_LEN + 1]);
/* Exactly CAIRN_HASH_HEX_LEN hex digits, either case. Returns 0 or CAIRN_EINVAL. */
int cairn_hash_from_hex(const char *hex, size_t len, cairn_hash_t *out);

/* Streaming whole-file hash. libsodium declares the state 64-byte aligned: keep a cairn_hasher_t
 * on the stack, or allocate it (or a struct holding it) with aligned_alloc(64, ...), not malloc. */
typedef struct {
    crypto_generichash_state st;
} cairn_hasher_t;
void cairn_hasher_init(cairn_hasher_t *h);
void cairn_hasher_update(cairn_hasher_t *h, const void *data, size_t len);
void cairn_hasher_final(cairn_hasher_t *h, cairn_hash_t *out);

/*
 * A file's hash: BLAKE2b-256 over "cairn-file-v1" || size (u64 big-endian) || chunk_size (u32
 * big-endian) || every chunk hash in order. Hashing the chunk list rather than the bytes means
 * each byte is hashed once (for its chunk), not twice, and anyone holding a manifest can check
 * that its chunk list belongs to the file hash without reading a byte of the file.
 */
void cairn_file_hash(uint64_t size, uint32_t chunk_size, const cairn_hash_t *chunks,
                     uint32_t nchunks, cairn_hash_t *out);

/* Number of chunks for a file of size bytes (0 for an empty file). Returns 0, CAIRN_EINVAL if
 * chunk_size is outside CAIRN_CHUNK_SIZE_MIN..CAIRN_CHUNK_SIZE_MAX, or CAIRN_ETOOBIG if it would
 * exceed CAIRN_MANIFEST_MAX_CHUNKS. *count is written only on success. */
int cairn_chunk_count(uint64_t size, uint32_t chunk_size, uint32_t *count);

#endif
