/*
 * chunk_progress.c: how much of an evidence file this node holds (chunks verified and stored),
 * for `evidence list`, `evidence get` and `status`. Read-only; stats one file per chunk.
 */
#include <string.h>
#include <time.h>

#include <cairn/err.h>

#include "chunk_xfer.h"

uint64_t cairn_sync_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int cairn_sync_chunks_file_progress(cairn_daemon_t *d, const cairn_hash_t *file,
                                    cairn_file_progress_t *out)
{
    memset(out, 0, sizeof *out);
    cairn_manifest_t m;
    int rc = cairn_blobs_manifest_get(d->blobs, file, &m);
    if (rc == 0) {
        out->complete = true;
    } else {
        rc = cairn_chunk_plan_manifest(d, file, &m);
        if (rc != 0)
            return rc;
    }
    out->size = m.size;
    out->chunks = m.nchunks;
    for (uint32_t i = 0; i < m.nchunks; i++) {
        if (out->complete || cairn_blobs_chunk_has(d->blobs, &m.chunks[i])) {
            out->held += cairn_chunk_plan_chunk_len(&m, i);
            out->chunks_held++;
        }
    }
    cairn_manifest_free(&m);
    return 0;
}
