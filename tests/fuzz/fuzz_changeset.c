/*
 * fuzz_changeset.c: libFuzzer target for the change set and version vector decoders.
 *
 * Besides "no crash, no leak", it asserts that whatever decodes re-encodes and decodes again to
 * the same bytes (the decoder accepts nothing the encoder cannot say), and that every decoded
 * event passes cairn_event_check and its segment's run ends at its checkpoint.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/changeset.h"
#include "cairn/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_changeset_t cs, again;
    cairn_vector_t v;
    char err[256];
    if (cairn_changeset_decode(data, size, &cs, err, sizeof err) == 0) {
        msgpack_sbuffer sb, sb2;
        for (uint32_t i = 0; i < cs.n_segments; i++) {
            const cairn_changeset_segment_t *seg = &cs.segments[i];
            if (seg->last != seg->first + seg->n_events - 1)
                abort();
            for (uint32_t k = 0; k < seg->n_events; k++)
                if (cairn_event_check(&seg->events[k]) != 0)
                    abort();
        }
        msgpack_sbuffer_init(&sb);
        msgpack_sbuffer_init(&sb2);
        if (cairn_changeset_encode(&cs, &sb) != 0 ||
            cairn_changeset_decode((const uint8_t *)sb.data, sb.size, &again, err, sizeof err) !=
                0 ||
            cairn_changeset_encode(&again, &sb2) != 0 || sb.size != sb2.size ||
            memcmp(sb.data, sb2.data, sb.size) != 0)
            abort();
        cairn_changeset_free(&again);
        msgpack_sbuffer_destroy(&sb);
        msgpack_sbuffer_destroy(&sb2);
        cairn_changeset_free(&cs);
    }
    if (cairn_vector_decode(data, size, &v, err, sizeof err) == 0) {
        for (size_t i = 1; i < v.n; i++)
            if (memcmp(v.e[i - 1].origin, v.e[i].origin, 32) >= 0)
                abort();
        cairn_vector_free(&v);
    }
    return 0;
}
