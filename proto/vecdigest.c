/*
 * vecdigest.c: the digest of a version vector (cairn/changeset.h, PROTOCOL.md 7.4), which a sync
 * session sends instead of the vector when the peer probably knows it already (section 8.3).
 */
#include <errno.h>

#include <sodium.h>

#include "cairn/changeset.h"

#define DIGEST_LABEL "cairn-vec-v1"

int cairn_vector_digest(const cairn_vector_t *v, uint8_t out[CAIRN_VECTOR_DIGEST_LEN])
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    int rc = cairn_vector_encode(v, &sb);
    if (rc == 0 && sb.data == NULL)
        rc = -ENOMEM;
    if (rc == 0) {
        crypto_generichash_state st;
        crypto_generichash_init(&st, NULL, 0, CAIRN_VECTOR_DIGEST_LEN);
        crypto_generichash_update(&st, (const unsigned char *)DIGEST_LABEL,
                                  sizeof DIGEST_LABEL - 1);
        crypto_generichash_update(&st, (const unsigned char *)sb.data, sb.size);
        crypto_generichash_final(&st, out, CAIRN_VECTOR_DIGEST_LEN);
    }
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
