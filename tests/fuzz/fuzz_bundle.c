/*
 * fuzz_bundle.c: libFuzzer target for the bundle record decoders (daemon/bundle_codec.c): the
 * head and the change set record. Whatever decodes must re-encode and decode again to the same
 * fields; nothing may crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_bundle_head_t h, again;
    cairn_bundle_cs_t r, r2;
    char err[256];
    if (cairn_bundle_head_decode(data, size, &h, err, sizeof err) == 0) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        if (cairn_bundle_head_encode(h.from, h.to, h.vectors, h.n_vectors, &sb) != 0 ||
            cairn_bundle_head_decode((const uint8_t *)sb.data, sb.size, &again, err, sizeof err) !=
                0 ||
            again.n_vectors != h.n_vectors || memcmp(again.from, h.from, sizeof h.from) != 0 ||
            memcmp(again.to, h.to, sizeof h.to) != 0)
            abort();
        for (uint32_t i = 0; i < h.n_vectors; i++)
            if (strcmp(again.vectors[i].partition, h.vectors[i].partition) != 0 ||
                again.vectors[i].n != h.vectors[i].n)
                abort();
        cairn_bundle_head_free(&again);
        cairn_bundle_head_free(&h);
        msgpack_sbuffer_destroy(&sb);
    }
    if (cairn_bundle_cs_decode(data, size, &r, err, sizeof err) == 0) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        if (cairn_bundle_cs_encode(r.partition, r.cs, r.cs_len, &sb) != 0 ||
            cairn_bundle_cs_decode((const uint8_t *)sb.data, sb.size, &r2, err, sizeof err) != 0 ||
            strcmp(r2.partition, r.partition) != 0 || r2.cs_len != r.cs_len ||
            (r.cs_len && memcmp(r2.cs, r.cs, r.cs_len) != 0))
            abort();
        cairn_bundle_cs_free(&r2);
        cairn_bundle_cs_free(&r);
        msgpack_sbuffer_destroy(&sb);
    }
    return 0;
}
