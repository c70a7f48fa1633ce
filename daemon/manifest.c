/*
 * manifest.c: the msgpack form of a blob manifest (PROTOCOL.md "Manifest"):
 *   {"hash": bin 32, "size": uint, "chunk_size": uint, "chunks": [bin 32, ...]}
 *
 * cairn_manifest_decode takes untrusted bytes (a client, a peer, a file on disk): it checks the
 * raw bytes against tight limits before unpacking, accepts exactly these four keys once each,
 * and checks that the chunk count is ceil(size / chunk_size). It must never allocate more than
 * 32 bytes per listed chunk, and never touch *m unless it succeeds.
 */
#include "blobs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

/* Four keys and values, plus one bin per chunk: nothing else fits in a manifest. */
static const cairn_mp_limits_t manifest_limits = {
    .max_depth = 2,
    .max_container = CAIRN_MANIFEST_MAX_CHUNKS,
    .max_objects = 1 + 8 + CAIRN_MANIFEST_MAX_CHUNKS,
    .max_str = 16,
    .max_bin = CAIRN_HASH_LEN,
};

void cairn_manifest_free(cairn_manifest_t *m)
{
    if (m == NULL)
        return;
    free(m->chunks);
    m->chunks = NULL;
    m->nchunks = 0;
}

int cairn_manifest_encode(const cairn_manifest_t *m, msgpack_sbuffer *out)
{
    uint32_t want;
    if (m->chunk_size < CAIRN_CHUNK_SIZE_MIN || m->chunk_size > CAIRN_CHUNK_SIZE_MAX)
        return CAIRN_EINVAL;
    int rc = cairn_chunk_count(m->size, m->chunk_size, &want);
    if (rc != 0)
        return rc;
    if (want != m->nchunks)
        return CAIRN_EINVAL;

    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    int bad = 0;
    bad |= msgpack_pack_map(&pk, 4);
    bad |= msgpack_pack_str_with_body(&pk, "hash", 4);
    bad |= msgpack_pack_bin_with_body(&pk, m->file_hash.b, CAIRN_HASH_LEN);
    bad |= msgpack_pack_str_with_body(&pk, "size", 4);
    bad |= msgpack_pack_uint64(&pk, m->size);
    bad |= msgpack_pack_str_with_body(&pk, "chunk_size", 10);
    bad |= msgpack_pack_uint32(&pk, m->chunk_size);
    bad |= msgpack_pack_str_with_body(&pk, "chunks", 6);
    bad |= msgpack_pack_array(&pk, m->nchunks);
    for (uint32_t i = 0; i < m->nchunks && bad == 0; i++)
        bad |= msgpack_pack_bin_with_body(&pk, m->chunks[i].b, CAIRN_HASH_LEN);
    return bad ? -ENOMEM : 0;
}

int cairn_manifest_decode(const uint8_t *buf, size_t len, cairn_manifest_t *m)
{
    cairn_mp_doc_t doc;
    int rc = cairn_mp_decode(buf, len, &manifest_limits, &doc);
    if (rc != 0)
        return rc;

    const msgpack_object *root = &doc.root;
    const uint8_t *hash = NULL;
    size_t hash_len = 0;
    uint64_t size = 0, chunk_size = 0;
    const msgpack_object_array *chunks = NULL;
    uint32_t want = 0;
    cairn_hash_t *list = NULL;

    /* Exactly the four keys: each getter refuses a repeated key, so a map of four pairs in which
     * all four are found has no other key. */
    rc = root->via.map.size == 4 ? 0 : CAIRN_EINVAL;
    if (rc == 0)
        rc = cairn_mp_get_bin(root, "hash", CAIRN_HASH_LEN, &hash, &hash_len);
    if (rc == 0 && hash_len != CAIRN_HASH_LEN)
        rc = CAIRN_EINVAL;
    if (rc == 0)
        rc = cairn_mp_get_u64(root, "size", &size);
    if (rc == 0)
        rc = cairn_mp_get_u64(root, "chunk_size", &chunk_size);
    if (rc == 0 && (chunk_size < CAIRN_CHUNK_SIZE_MIN || chunk_size > CAIRN_CHUNK_SIZE_MAX))
        rc = CAIRN_EINVAL;
    if (rc == 0)
        rc = cairn_mp_get_array(root, "chunks", CAIRN_MANIFEST_MAX_CHUNKS, &chunks);
    if (rc == 0)
        rc = cairn_chunk_count(size, (uint32_t)chunk_size, &want);
    if (rc == 0 && want != chunks->size)
        rc = CAIRN_EINVAL;
    if (rc == CAIRN_ENOTFOUND)
        rc = CAIRN_EINVAL; /* a missing key is a malformed manifest, not a missing blob */
    if (rc == 0 && want > 0) {
        list = malloc((size_t)want * sizeof *list);
        if (list == NULL)
            rc = -ENOMEM;
    }
    for (uint32_t i = 0; rc == 0 && i < want; i++) {
        const msgpack_object *o = &chunks->ptr[i];
        if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != CAIRN_HASH_LEN)
            rc = CAIRN_EINVAL;
        else
            memcpy(list[i].b, o->via.bin.ptr, CAIRN_HASH_LEN);
    }
    if (rc == 0) {
        cairn_hash_t bound;
        cairn_file_hash(size, (uint32_t)chunk_size, list, want, &bound);
        if (sodium_memcmp(bound.b, hash, CAIRN_HASH_LEN) != 0)
            rc = CAIRN_EHASH; /* the chunk list is not the one the file hash names */
    }
    if (rc == 0) {
        memcpy(m->file_hash.b, hash, CAIRN_HASH_LEN);
        m->size = size;
        m->chunk_size = (uint32_t)chunk_size;
        m->nchunks = want;
        m->chunks = list;
        list = NULL;
    }
    free(list);
    cairn_mp_doc_free(&doc);
    return rc;
}
