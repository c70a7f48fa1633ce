/*
 * chunk_tell.c: the hub tells a school which of that school's evidence files it already holds
 * complete, with the `cstat` (done) it sends when it completes one (PROTOCOL.md 8.3). Needed for
 * a file the hub never fetches from this school: one another school sent first (the same bytes,
 * the same hash), or one completed in a session whose report the school did not keep. The school
 * records each (evidence_at_hub.h); its retention purges only those.
 *
 * Once per school per file while this cairnd runs (a node-wide set of (peer, file) keys; a new
 * session of the same school is not told again, so an idle reconnect costs nothing more), at
 * most TELL_PER_TICK a tick and only while the session's output is short, so a school with
 * thousands of files gets a trickle, not a burst ahead of its change sets. A report lost to a cut
 * is told again after the hub restarts (the school only keeps the file meanwhile).
 */
#include <stdlib.h>

#include <sodium.h>

#include "chunk_xfer.h"

/* The node-wide key of (the session's peer, file). */
static cairn_hash_t peer_file(const chunk_pull_t *p, const cairn_hash_t *f)
{
    cairn_hash_t k;
    crypto_generichash_state g;
    crypto_generichash_init(&g, NULL, 0, sizeof k.b);
    crypto_generichash_update(&g, p->s->peer_pk, sizeof p->s->peer_pk);
    crypto_generichash_update(&g, f->b, sizeof f->b);
    crypto_generichash_final(&g, k.b, sizeof k.b);
    return k;
}

static bool told(const chunk_pull_t *p, const cairn_hash_t *f)
{
    if (cairn_hash_set_has(&p->told, f))
        return true;
    cairn_hash_t k = peer_file(p, f);
    return cairn_hash_set_has(&p->d->chunks->told, &k);
}

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
    /* Out of memory: told again later, harmless. */
    cairn_hash_set_insert(&p->told, f);
    if (p->s != NULL) {
        cairn_hash_t k = peer_file(p, f);
        cairn_hash_set_insert(&p->d->chunks->told, &k);
    }
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
        if (told(p, f))
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
