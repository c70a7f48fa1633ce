/*
 * chunk.c: BLAKE2b-256 hashes of chunks and files, their hex form, and chunk arithmetic.
 *
 * Hex parsing is strict (exactly 64 hex digits, either case, nothing else) because a hash in a
 * request names content: a lenient parser would let two spellings name one chunk.
 */
#include "cairn/chunk.h"
#include "cairn/err.h"

void cairn_hash_buf(const void *data, size_t len, cairn_hash_t *out)
{
    crypto_generichash(out->b, CAIRN_HASH_LEN, data, len, NULL, 0);
}

void cairn_hash_hex(const cairn_hash_t *h, char out[CAIRN_HASH_HEX_LEN + 1])
{
    static const char digits[16] = "0123456789abcdef";
    for (size_t i = 0; i < CAIRN_HASH_LEN; i++) {
        out[2 * i] = digits[h->b[i] >> 4];
        out[2 * i + 1] = digits[h->b[i] & 0x0f];
    }
    out[CAIRN_HASH_HEX_LEN] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cairn_hash_from_hex(const char *hex, size_t len, cairn_hash_t *out)
{
    cairn_hash_t tmp;

    if (hex == NULL || len != CAIRN_HASH_HEX_LEN)
        return CAIRN_EINVAL;
    for (size_t i = 0; i < CAIRN_HASH_LEN; i++) {
        int hi = hex_value(hex[2 * i]);
        int lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return CAIRN_EINVAL;
        tmp.b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = tmp;
    return 0;
}

void cairn_hasher_init(cairn_hasher_t *h)
{
    crypto_generichash_init(&h->st, NULL, 0, CAIRN_HASH_LEN);
}

void cairn_hasher_update(cairn_hasher_t *h, const void *data, size_t len)
{
    crypto_generichash_update(&h->st, data, len);
}

void cairn_hasher_final(cairn_hasher_t *h, cairn_hash_t *out)
{
    crypto_generichash_final(&h->st, out->b, CAIRN_HASH_LEN);
}

int cairn_chunk_count(uint64_t size, uint32_t chunk_size, uint32_t *count)
{
    uint64_t n;

    if (chunk_size < CAIRN_CHUNK_SIZE_MIN || chunk_size > CAIRN_CHUNK_SIZE_MAX)
        return CAIRN_EINVAL;
    n = size / chunk_size + (size % chunk_size != 0);
    if (n > CAIRN_MANIFEST_MAX_CHUNKS)
        return CAIRN_ETOOBIG;
    *count = (uint32_t)n;
    return 0;
}

void cairn_file_hash(uint64_t size, uint32_t chunk_size, const cairn_hash_t *chunks,
                     uint32_t nchunks, cairn_hash_t *out)
{
    static const char domain[] = "cairn-file-v1";
    uint8_t head[12];
    crypto_generichash_state st;

    for (int i = 0; i < 8; i++)
        head[i] = (uint8_t)(size >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        head[8 + i] = (uint8_t)(chunk_size >> (24 - 8 * i));
    crypto_generichash_init(&st, NULL, 0, CAIRN_HASH_LEN);
    crypto_generichash_update(&st, (const uint8_t *)domain, sizeof domain - 1);
    crypto_generichash_update(&st, head, sizeof head);
    for (uint32_t i = 0; i < nchunks; i++)
        crypto_generichash_update(&st, chunks[i].b, CAIRN_HASH_LEN);
    crypto_generichash_final(&st, out->b, CAIRN_HASH_LEN);
}
