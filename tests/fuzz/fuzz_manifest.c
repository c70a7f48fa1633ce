/*
 * fuzz_manifest.c: libFuzzer target for cairn_manifest_decode, which reads manifests from
 * clients, peers and disk. Anything it accepts must be self-consistent (chunk count equals
 * ceil(size / chunk_size), chunk size in range) and must survive an encode/decode round trip
 * unchanged; anything it refuses must come back as a negative code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"
#include "cairn/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_manifest_t m;
    int rc = cairn_manifest_decode(data, size, &m);
    if (rc > 0)
        abort();
    if (rc < 0)
        return 0;

    uint32_t want;
    if (m.chunk_size < CAIRN_CHUNK_SIZE_MIN || m.chunk_size > CAIRN_CHUNK_SIZE_MAX)
        abort();
    if (cairn_chunk_count(m.size, m.chunk_size, &want) != 0 || want != m.nchunks)
        abort();
    if (m.nchunks > CAIRN_MANIFEST_MAX_CHUNKS || (m.nchunks > 0 && m.chunks == NULL))
        abort();

    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    if (cairn_manifest_encode(&m, &sb) != 0)
        abort();
    cairn_manifest_t back;
    if (cairn_manifest_decode((const uint8_t *)sb.data, sb.size, &back) != 0)
        abort();
    if (memcmp(back.file_hash.b, m.file_hash.b, CAIRN_HASH_LEN) != 0 || back.size != m.size ||
        back.chunk_size != m.chunk_size || back.nchunks != m.nchunks ||
        (m.nchunks > 0 && memcmp(back.chunks, m.chunks, m.nchunks * sizeof *m.chunks) != 0))
        abort();
    cairn_manifest_free(&back);
    msgpack_sbuffer_destroy(&sb);
    cairn_manifest_free(&m);
    return 0;
}
