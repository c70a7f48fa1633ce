/*
 * sync_parts.c: what a sync session carries per partition once it is open (PROTOCOL.md 8.1-8.2):
 * the partitions it syncs, vectors, change sets and acks, and the dispatch of every sealed
 * message to them, to the vector digests (sync_vec.c) or to evidence chunks (sync_chunks.c).
 * The transport, the hello and the handshake are sync_session.c's.
 *
 * One change set in flight per partition, none built while CAIRN_SYNC_OUTPUT_HIGH bytes are
 * unsent. Loop thread only.
 */
#include "sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "log.h"
#include "store.h"
#include "store_sync.h"
#include "sync_chunks.h"
#include "sync_msg.h"
#include "sync_persist.h"
#include "sync_vec.h"

static cairn_sync_part_t *find_part(cairn_sync_session_t *s, const char *p, size_t len)
{
    for (int i = 0; i < s->nparts; i++) {
        if (strlen(s->parts[i].name) == len && memcmp(s->parts[i].name, p, len) == 0)
            return &s->parts[i];
    }
    return NULL;
}

int cairn_sync_session_add_part(cairn_sync_session_t *s, const char *partition, bool send)
{
    if (s->nparts >= CAIRN_SYNC_PARTS)
        return CAIRN_ETOOBIG;
    if (s->nparts == s->cap_parts) {
        int cap = s->cap_parts ? 2 * s->cap_parts : 4;
        cairn_sync_part_t *np = realloc(s->parts, (size_t)cap * sizeof *np);
        if (np == NULL)
            return -ENOMEM;
        s->parts = np;
        s->cap_parts = cap;
    }
    cairn_sync_part_t *p = &s->parts[s->nparts++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", partition);
    cairn_vector_init(&p->peer, partition);
    p->send = send;
    p->idle_at = -1;
    p->alias = p->peer_alias = -1;
    return 0;
}

bool cairn_sync_session_has_part(const cairn_sync_session_t *s, const char *partition)
{
    for (int i = 0; i < s->nparts; i++) {
        if (strcmp(s->parts[i].name, partition) == 0)
            return true;
    }
    return false;
}

/* Packs {"t": t, "p": partition, "h": our vector's heads[, "data": cs]} and sends it sealed. */
int cairn_sync_parts_send(cairn_sync_session_t *s, const char *t, cairn_sync_part_t *p,
                          const void *data, size_t data_len)
{
    cairn_vector_t v;
    msgpack_sbuffer vb, sb;
    msgpack_packer pk;
    cairn_vector_init(&v, p->name);
    msgpack_sbuffer_init(&vb);
    msgpack_sbuffer_init(&sb);
    int rc = cairn_store_vector(s->d->store, p->name, &v);
    if (rc == 0)
        rc = cairn_vector_encode_heads(&v, &vb);
    if (rc == 0) {
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, data != NULL ? 4 : 3);
        cairn_mp_pack_kv_str(&pk, "t", t);
        cairn_sync_vec_pack_part(&pk, p);
        cairn_mp_pack_kv_bin(&pk, "h", vb.data, vb.size);
        if (data != NULL)
            cairn_mp_pack_kv_bin(&pk, "data", data, data_len);
        rc = cairn_sync_session_send(s, sb.data, sb.size);
    }
    cairn_vector_free(&v);
    msgpack_sbuffer_destroy(&vb);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

int cairn_sync_session_start_sync(cairn_sync_session_t *s)
{
    int crc = cairn_sync_chunks_start(s);
    if (crc != 0)
        return crc;
    for (int i = 0; i < s->nparts; i++) {
        int rc = cairn_sync_vec_send_digest(s, &s->parts[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int cairn_sync_session_open_part(cairn_sync_session_t *s, const char *partition, bool send)
{
    if (cairn_sync_session_has_part(s, partition))
        return 0;
    int rc = cairn_sync_session_add_part(s, partition, send);
    if (rc == 0)
        rc = cairn_sync_vec_send_digest(s, &s->parts[s->nparts - 1]);
    return rc;
}

/* Sends the next change set of what the peer lacks in p, if any and if there is room. */
void cairn_sync_parts_pump(cairn_sync_session_t *s, cairn_sync_part_t *p)
{
    if (s->closing || !p->send || !p->have_peer || p->inflight ||
        s->out_bytes > CAIRN_SYNC_OUTPUT_HIGH)
        return;
    int64_t changes = (int64_t)sqlite3_total_changes64(cairn_store_db(s->d->store));
    if (p->idle_at == changes)
        return;
    msgpack_sbuffer cs;
    msgpack_sbuffer_init(&cs);
    uint64_t n = 0;
    char err[256] = "";
    int rc = cairn_store_changeset_build(s->d->store, p->name, &p->peer, CAIRN_SYNC_CHANGESET_BYTES,
                                         &cs, &n, err, sizeof err);
    if (rc != 0) {
        cairn_log_error("sync %s: cannot build a change set for %s: %s", s->peer, p->name,
                        err[0] ? err : cairn_strerror(rc));
        p->idle_at = changes;
    } else if (n == 0) {
        p->idle_at = changes;
    } else {
        cairn_sync_chunks_note_event_wait(s);
        if (cairn_sync_parts_send(s, "cs", p, cs.data, cs.size) == 0) {
            p->inflight = true;
            s->events_sent += n;
            cairn_log_debug("sync %s: sent %llu events of %s (%zu bytes)", s->peer,
                            (unsigned long long)n, p->name, cs.size);
        }
    }
    msgpack_sbuffer_destroy(&cs);
}

/* Updates p's peer vector from a message's "h" (or "v"). */
static int take_vector(cairn_sync_session_t *s, cairn_sync_part_t *p, const msgpack_object *m)
{
    char err[200];
    cairn_vector_t v;
    int rc = cairn_sync_vec_from_msg(m, p->name, &v, err, sizeof err);
    if (rc != 0)
        return cairn_sync_session_fail(s, "%s sent a bad vector: %s", s->peer, err), rc;
    cairn_vector_free(&p->peer);
    p->peer = v;
    p->have_peer = true;
    p->idle_at = -1;
    return 0;
}

static void on_changeset(cairn_sync_session_t *s, cairn_sync_part_t *p, const msgpack_object *m)
{
    const uint8_t *data;
    size_t len;
    if (cairn_mp_get_bin(m, "data", CAIRN_CHANGESET_MAX, &data, &len) != 0)
        return cairn_sync_session_fail(s, "%s sent a change set message without data", s->peer);
    cairn_apply_report_t rep;
    memset(&rep, 0, sizeof rep);
    /* Rights are judged by origin and by who sent it: the key this channel authenticated. */
    cairn_rights_ctx_t ctx = {s->d->store, s->d->node_pk, s->d->cfg.role == CAIRN_ROLE_HUB,
                              s->peer_pk};
    int rc = cairn_sync_persist_apply(s, p, m, data, len, &ctx, &rep);
    if (rc != 0) {
        char msg[400];
        snprintf(msg, sizeof msg, "change set for %s refused: %s", p->name,
                 rep.error[0] ? rep.error : cairn_strerror(rc));
        cairn_log_warn("sync %s: %s", s->peer, msg);
        cairn_sync_session_send_err(s, msg);
        return cairn_sync_session_close(s, msg);
    }
    s->events_received += rep.applied;
    if (rep.applied > 0)
        cairn_log_debug("sync %s: applied %llu events of %s", s->peer,
                        (unsigned long long)rep.applied, p->name);
    /* A small change set is acknowledged at the next tick, not at once: the peer, which keeps
     * one change set in flight, meanwhile gathers its next events into one (delayed ack). */
    if (take_vector(s, p, m) == 0) {
        if (len >= CAIRN_SYNC_ACK_NOW_BYTES)
            cairn_sync_parts_send(s, "ack", p, NULL, 0);
        else
            p->ack_owed = true;
    }
}

void cairn_sync_parts_message(cairn_sync_session_t *s, const msgpack_object *m)
{
    cairn_sync_msg_head_t h;
    const char *why, *pname;
    size_t plen;
    if (cairn_sync_msg_head(m, &h, &why) != 0)
        return cairn_sync_session_fail(s, "%s sent %s", s->peer, why);
    if (h.type == CAIRN_SYNC_MSG_ERR)
        return cairn_sync_session_fail(s, "%s refused: %.*s", s->peer, (int)h.elen, h.error);
    if (h.type == CAIRN_SYNC_MSG_CHUNK)
        return cairn_sync_chunks_message(s, h.t, h.tlen, m);
    if (h.type == CAIRN_SYNC_MSG_OTHER) {
        if (s->ops->message == NULL || s->ops->message(s, h.t, h.tlen, m) != 0)
            cairn_sync_session_close(s, s->reason[0] ? s->reason : "unexpected message");
        return;
    }
    bool vec = h.type == CAIRN_SYNC_MSG_VEC;
    bool cs = h.type == CAIRN_SYNC_MSG_CS;
    bool ack = h.type == CAIRN_SYNC_MSG_ACK;
    bool vreq = h.type == CAIRN_SYNC_MSG_VREQ;
    cairn_sync_part_t *p = NULL;
    if (h.has_alias) { /* an alias (sync_vec.h) */
        if ((p = cairn_sync_vec_part_by_alias(s, h.alias)) == NULL)
            return cairn_sync_session_fail(s, "%s sent an unknown partition number %llu", s->peer,
                                           (unsigned long long)h.alias);
        pname = p->name;
        plen = strlen(p->name);
    } else {
        pname = h.pname;
        plen = h.plen;
        p = find_part(s, pname, plen);
    }
    if (p == NULL && s->ops->partition != NULL && plen <= CAIRN_PARTITION_MAX) {
        char name[CAIRN_PARTITION_MAX + 1];
        memcpy(name, pname, plen);
        name[plen] = '\0';
        if (strlen(name) == plen && s->ops->partition(s, name) == 0) {
            p = find_part(s, pname, plen);
            if (p != NULL && vec)
                cairn_sync_vec_send_digest(s, p); /* our side of the new partition */
        }
    }
    if (p == NULL)
        return cairn_sync_session_fail(s,
                                       "%s sent partition %.*s, which this session does not sync",
                                       s->peer, (int)plen, pname);
    if (vec)
        cairn_sync_vec_note_opening(s, p);
    if (vreq) {
        cairn_sync_parts_send(s, "vec", p, NULL, 0); /* the peer did not know our vector */
        return;
    }
    if (vec && cairn_mp_get(m, "d") != NULL) {
        if (cairn_sync_vec_take_digest(s, p, m) < 0)
            return cairn_sync_session_close(s, s->reason[0] ? s->reason : "bad vector digest");
    } else if (cs) {
        on_changeset(s, p, m);
    } else if (take_vector(s, p, m) == 0) {
        p->peer_dirty = true; /* written by sync_persist.c, batched */
        if (ack)
            p->inflight = false;
    }
    cairn_sync_parts_pump(s, p);
}
