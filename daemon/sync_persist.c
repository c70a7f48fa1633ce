/*
 * sync_persist.c: keeps what a sync session learns of its peer in the store (sync_persist.h).
 * Must never make a known vector go backwards (peer_vectors merges per origin by max) nor cost
 * an fsync per message.
 */
#include "sync_persist.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "log.h"
#include "store.h"
#include "store_peervec.h"
#include "sync_vec.h"

int cairn_sync_persist_apply(cairn_sync_session_t *s, cairn_sync_part_t *p, const msgpack_object *m,
                             const uint8_t *data, size_t len, cairn_rights_ctx_t *ctx,
                             cairn_apply_report_t *rep)
{
    cairn_store_t *store = s->d->store;
    int rc = cairn_store_begin(store);
    if (rc != 0) {
        snprintf(rep->error, sizeof rep->error, "cannot start a transaction");
        return rc;
    }
    rc = cairn_store_changeset_apply(store, data, len, cairn_rights_check, ctx, rep);
    cairn_vector_t v;
    char err[200];
    if (rc == 0 && cairn_sync_vec_from_msg(m, p->name, &v, err, sizeof err) == 0) {
        rc = cairn_store_peervec_merge(store, s->peer_pk, &v);
        cairn_vector_free(&v);
        if (rc != 0)
            snprintf(rep->error, sizeof rep->error, "cannot record the peer's vector");
    }
    if (rc == 0) {
        rc = cairn_store_commit(store);
        if (rc != 0)
            snprintf(rep->error, sizeof rep->error, "commit failed: %s", cairn_strerror(rc));
    } else {
        cairn_store_rollback(store);
    }
    return rc;
}

int cairn_sync_persist_flush(cairn_sync_session_t *s, uint64_t last_sync_ms)
{
    bool any = last_sync_ms != 0;
    for (int i = 0; !any && i < s->nparts; i++)
        any = s->parts[i].peer_dirty && s->parts[i].have_peer;
    if (!any)
        return 0;
    cairn_store_t *store = s->d->store;
    int rc = cairn_store_begin(store);
    bool began = rc == 0;
    for (int i = 0; rc == 0 && i < s->nparts; i++) {
        cairn_sync_part_t *p = &s->parts[i];
        if (p->peer_dirty && p->have_peer)
            rc = cairn_store_peervec_merge(store, s->peer_pk, &p->peer);
    }
    if (rc == 0 && last_sync_ms != 0)
        rc = cairn_store_peer_last_sync_set(store, s->peer_pk, last_sync_ms);
    if (rc == 0)
        rc = cairn_store_commit(store);
    else if (began)
        cairn_store_rollback(store);
    if (rc != 0) {
        cairn_log_warn("sync %s: cannot record the peer's vectors: %s", s->peer,
                       cairn_strerror(rc));
        return rc;
    }
    for (int i = 0; i < s->nparts; i++)
        s->parts[i].peer_dirty = false;
    return 0;
}
