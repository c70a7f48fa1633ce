/*
 * chunk_tell.c: the hub tells a school which of that school's evidence files it already holds
 * complete, with the `cstat` (done) it sends when it completes one (PROTOCOL.md 8.3). Needed for
 * a file the hub never fetches from this school: one another school sent first (the same bytes,
 * the same hash), or one completed in a session whose report the school did not keep. The school
 * records each (evidence_at_hub.h); its retention purges only those.
 *
 * Once per session per file (the told set), at most TELL_PER_TICK a tick and only while the
 * session's output is short, so a school with thousands of files gets a trickle, not a burst
 * ahead of its change sets.
 */
#include <stdlib.h>

#include "chunk_xfer.h"

#define TELL_PER_TICK 8
#define TELL_QUEUE_MAX (16u * 1024) /* bytes of session output above which telling waits */

void cairn_chunk_tell_plan(chunk_pull_t *p, cairn_hash_t *held, size_t n)
{
    free(p->tell);
    p->tell = held;
    p->ntell = n;
    p->next_tell = 0;
}

void cairn_chunk_tell_note(chunk_pull_t *p, const cairn_hash_t *f)
{
    cairn_hash_set_insert(&p->told, f); /* out of memory: told again later, harmless */
}

void cairn_chunk_tell_tick(chunk_pull_t *p)
{
    cairn_sync_session_t *s = p->s;
    if (s == NULL || s->closing)
        return;
    for (int sent = 0; sent < TELL_PER_TICK && p->next_tell < p->ntell;) {
        if (s->out_bytes > TELL_QUEUE_MAX)
            return;
        const cairn_hash_t *f = &p->tell[p->next_tell++];
        if (cairn_hash_set_has(&p->told, f))
            continue;
        cairn_manifest_t m;
        if (cairn_blobs_manifest_get(p->d->blobs, f, &m) != 0)
            continue; /* purged meanwhile: not complete any more */
        uint64_t size = m.size;
        cairn_manifest_free(&m);
        if (cairn_sync_chunks_send_stat(s, f, size, size, true) != 0)
            return;
        cairn_chunk_tell_note(p, f);
        sent++;
    }
}
