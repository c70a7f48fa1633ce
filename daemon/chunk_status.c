/*
 * chunk_status.c: what `status` reports of evidence chunk sync (PROTOCOL.md 2.1, "evidence"):
 * the node's counters, the smoothed rate, and at a school each file's progress to the hub as the
 * hub last reported it, with an ETA at the current rate, and how many files the hub said it
 * holds complete (recorded, so right after a restart too). Read-only.
 */
#include <cairn/mp.h>

#include "chunk_xfer.h"
#include "evidence_at_hub.h"

void cairn_sync_chunks_pack_status(cairn_daemon_t *d, msgpack_packer *pk)
{
    const cairn_chunk_state_t *st = d->chunks;
    cairn_mp_pack_cstr(pk, "evidence");
    msgpack_pack_map(pk, 12);
    cairn_mp_pack_kv_u64(pk, "bytes_sent", st->c.bytes_sent);
    cairn_mp_pack_kv_u64(pk, "bytes_received", st->c.bytes_received);
    cairn_mp_pack_kv_u64(pk, "bytes_stored", st->c.bytes_stored);
    cairn_mp_pack_kv_u64(pk, "chunks_stored", st->c.chunks_stored);
    cairn_mp_pack_kv_u64(pk, "chunks_bad", st->c.chunks_bad);
    cairn_mp_pack_kv_u64(pk, "files_complete", st->c.files_complete);
    cairn_mp_pack_kv_u64(pk, "resumed", st->c.cuts_resumed);
    cairn_mp_pack_kv_u64(pk, "rate", (uint64_t)(st->rate > 0 ? st->rate : 0));
    cairn_mp_pack_kv_u64(pk, "upload_rate", d->cfg.upload_rate);
    cairn_mp_pack_kv_u64(pk, "event_wait_max", st->c.event_wait_max);
    cairn_mp_pack_kv_u64(pk, "files_at_hub", cairn_evidence_at_hub_count(d->store));
    cairn_mp_pack_cstr(pk, "files");
    msgpack_pack_array(pk, (uint32_t)st->nprogress);
    for (int i = 0; i < st->nprogress; i++) {
        const cairn_chunk_progress_t *p = &st->progress[i];
        char hex[CAIRN_HASH_HEX_LEN + 1];
        cairn_hash_hex(&p->file, hex);
        bool eta = !p->done && st->rate >= 1;
        msgpack_pack_map(pk, eta ? 5 : 4);
        cairn_mp_pack_kv_str(pk, "hash", hex);
        cairn_mp_pack_kv_u64(pk, "held", p->held);
        cairn_mp_pack_kv_u64(pk, "size", p->size);
        cairn_mp_pack_kv_bool(pk, "done", p->done);
        if (eta)
            cairn_mp_pack_kv_u64(pk, "eta_s", (uint64_t)((double)(p->size - p->held) / st->rate));
    }
}
