/*
 * sync_chunks.c: evidence chunks over a sync session (sync_chunks.h): the node-wide state (who
 * fetches which chunk, counters, the progress a hub reported), the session hooks, and the four
 * messages' encoding and checking (PROTOCOL.md 8.3). Every message from the peer is checked
 * here (types, sizes) before chunk_pull.c or chunk_serve.c sees it.
 */
#include "sync_chunks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/mp.h>

#include "chunk_xfer.h"
#include "evidence_at_hub.h"
#include "log.h"
#include "sync_msg.h"

int cairn_chunk_state_new(cairn_daemon_t *d, cairn_chunk_state_t **out)
{
    cairn_chunk_state_t *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -ENOMEM;
    st->d = d;
    cairn_ratelimit_init(&st->limit, d->cfg.upload_rate, CAIRN_CHUNK_PIECE, uv_now(d->loop));
    st->rate_at_ms = uv_now(d->loop);
    *out = st;
    return 0;
}

void cairn_chunk_state_free(cairn_chunk_state_t *st)
{
    if (st == NULL)
        return;
    free(st->busy);
    cairn_hash_set_free(&st->told);
    cairn_chunk_buf_trim(st);
    free(st);
}

bool cairn_chunk_state_claim(cairn_chunk_state_t *st, const cairn_hash_t *h)
{
    for (size_t i = 0; i < st->nbusy; i++) {
        if (memcmp(st->busy[i].b, h->b, CAIRN_HASH_LEN) == 0)
            return false;
    }
    if (st->nbusy == st->cap_busy) {
        size_t cap = st->cap_busy ? 2 * st->cap_busy : 16;
        cairn_hash_t *nb = realloc(st->busy, cap * sizeof *nb);
        if (nb == NULL)
            return false;
        st->busy = nb;
        st->cap_busy = cap;
    }
    st->busy[st->nbusy++] = *h;
    return true;
}

void cairn_chunk_state_release(cairn_chunk_state_t *st, const cairn_hash_t *h)
{
    for (size_t i = 0; i < st->nbusy; i++) {
        if (memcmp(st->busy[i].b, h->b, CAIRN_HASH_LEN) == 0) {
            st->busy[i] = st->busy[--st->nbusy];
            return;
        }
    }
}

const cairn_chunk_progress_t *cairn_chunk_state_progress(const cairn_chunk_state_t *st,
                                                         const cairn_hash_t *file)
{
    for (int i = 0; i < st->nprogress; i++) {
        if (memcmp(st->progress[i].file.b, file->b, CAIRN_HASH_LEN) == 0)
            return &st->progress[i];
    }
    return NULL;
}

static void progress_put(cairn_chunk_state_t *st, const cairn_hash_t *file, uint64_t held,
                         uint64_t size, bool done, uint64_t now)
{
    cairn_chunk_progress_t *p = (cairn_chunk_progress_t *)cairn_chunk_state_progress(st, file);
    if (p == NULL && st->nprogress < CAIRN_CHUNK_PROGRESS) {
        p = &st->progress[st->nprogress++];
    } else if (p == NULL) { /* replace the least recently updated */
        p = &st->progress[0];
        for (int i = 1; i < st->nprogress; i++) {
            if (st->progress[i].updated_ms < p->updated_ms)
                p = &st->progress[i];
        }
    }
    p->file = *file;
    p->held = held;
    p->size = size;
    p->done = done;
    p->updated_ms = now;
}

void cairn_chunk_state_tick(cairn_chunk_state_t *st, uint64_t now_ms)
{
    if (now_ms < st->rate_at_ms + 1000)
        return;
    if (st->buf_mem == 0 && st->buf_idle)
        cairn_chunk_buf_trim(st); /* no chunk arrived for a second: give the spares back */
    st->buf_idle = st->buf_mem == 0;
    uint64_t moved = st->c.bytes_sent + st->c.bytes_received;
    double inst = (double)(moved - st->rate_bytes) * 1000.0 / (double)(now_ms - st->rate_at_ms);
    /* Smoothed over about five seconds: a rate for an ETA, not a meter. */
    st->rate = st->rate == 0 ? inst : 0.8 * st->rate + 0.2 * inst;
    st->rate_bytes = moved;
    st->rate_at_ms = now_ms;
}

/* ---- session hooks ---- */

int cairn_sync_chunks_start(cairn_sync_session_t *s)
{
    if (s->chunks != NULL || s->d->chunks == NULL)
        return 0;
    struct cairn_sync_chunks *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -ENOMEM;
    if (s->initiator)
        c->serve = cairn_chunk_serve_new();
    else
        c->pull = cairn_chunk_pull_new(s);
    if (c->serve == NULL && c->pull == NULL) {
        free(c);
        return -ENOMEM;
    }
    s->chunks = c;
    if (c->pull != NULL)
        cairn_chunk_pull_fill(c->pull);
    return 0;
}

void cairn_sync_chunks_free(cairn_sync_session_t *s)
{
    struct cairn_sync_chunks *c = s->chunks;
    if (c == NULL)
        return;
    s->chunks = NULL;
    cairn_chunk_serve_free(c->serve);
    if (c->pull != NULL)
        cairn_chunk_pull_detach(c->pull);
    free(c);
}

/* A hub's report on a file: kept in memory for `status`, and a file complete at the hub is
 * recorded for good (evidence_at_hub.h: restarts and retention rely on it). */
static void stat_received(cairn_sync_session_t *s, const cairn_sync_chunk_msg_t *cm)
{
    progress_put(s->d->chunks, &cm->f, cm->held, cm->size, cm->done, uv_now(s->d->loop));
    if (!cm->done)
        return;
    int rc = cairn_evidence_at_hub_record(s->d->store, &cm->f, cairn_hlc_wall_now());
    if (rc != 0) { /* not fatal: the hub tells again next session (PROTOCOL.md 8.3) */
        char hex[CAIRN_HASH_HEX_LEN + 1];
        cairn_hash_hex(&cm->f, hex);
        cairn_log_warn("sync %s: cannot record that the hub holds %.16s...: %s", s->peer, hex,
                       cairn_strerror(rc));
    }
}

bool cairn_sync_chunks_is_message(const char *t, size_t tlen)
{
    return tlen == 5 && t[0] == 'c' &&
           (memcmp(t, "cwant", 5) == 0 || memcmp(t, "cdata", 5) == 0 ||
            memcmp(t, "cnone", 5) == 0 || memcmp(t, "cstat", 5) == 0);
}

void cairn_sync_chunks_message(cairn_sync_session_t *s, const char *t, size_t tlen,
                               const msgpack_object *m)
{
    struct cairn_sync_chunks *c = s->chunks;
    cairn_sync_chunk_msg_t cm;
    int bad = cairn_sync_msg_chunk(t, tlen, m, &cm);
    const char *why = NULL;
    if (c == NULL) {
        why = "sent an evidence chunk message before the session was syncing";
    } else if (cm.kind == 'w') {
        if (c->serve == NULL)
            why = "asked this node for evidence chunks (only the hub asks)";
        else if (bad)
            why = "sent a malformed cwant";
        else if (cairn_chunk_serve_want(s, c->serve, &cm.h, cm.off, cm.len) != 0)
            why = "asked for more chunk ranges at once than the limit (64)";
        else
            cairn_chunk_serve_pump(s, c->serve);
    } else if (cm.kind == 's') {
        if (c->serve == NULL || bad)
            why = "sent a malformed cstat";
        else
            stat_received(s, &cm);
    } else if (c->pull == NULL) {
        why = "sent evidence chunks to the node that sends them";
    } else if (cm.kind == 'd') {
        if (bad)
            why = "sent a malformed cdata";
        else if (cairn_chunk_pull_data(c->pull, &cm.h, cm.off, cm.data, cm.dlen) != 0)
            why = s->reason[0] ? NULL : "sent chunk bytes that were not asked for";
    } else { /* cnone */
        if (bad)
            why = "sent a malformed cnone";
        else if (cairn_chunk_pull_none(c->pull, &cm.h) != 0)
            why = "said it lacks a chunk that was not asked for";
    }
    if (why != NULL) {
        char msg[sizeof s->reason];
        snprintf(msg, sizeof msg, "%s %s", s->peer, why);
        cairn_log_warn("sync %s", msg);
        cairn_sync_session_close(s, msg);
    }
}

void cairn_sync_chunks_tick(cairn_sync_session_t *s)
{
    struct cairn_sync_chunks *c = s->chunks;
    if (c == NULL || s->closing)
        return;
    cairn_chunk_state_tick(s->d->chunks, uv_now(s->d->loop));
    if (c->serve != NULL)
        cairn_chunk_serve_pump(s, c->serve);
    if (c->pull != NULL)
        cairn_chunk_pull_tick(c->pull);
}

void cairn_sync_chunks_note_event_wait(cairn_sync_session_t *s)
{
    cairn_chunk_state_t *st = s->d->chunks;
    if (st != NULL && s->chunks != NULL && s->out_bytes > st->c.event_wait_max)
        st->c.event_wait_max = s->out_bytes;
}

void cairn_sync_chunks_drained(cairn_sync_session_t *s)
{
    struct cairn_sync_chunks *c = s->chunks;
    if (c != NULL && c->serve != NULL && !s->closing)
        cairn_chunk_serve_pump(s, c->serve);
}

/* ---- messages ---- */

static int send_packed(cairn_sync_session_t *s, msgpack_sbuffer *sb)
{
    int rc = cairn_sync_session_send(s, sb->data, sb->size);
    msgpack_sbuffer_destroy(sb);
    return rc;
}

int cairn_sync_chunks_send_want(cairn_sync_session_t *s, const cairn_hash_t *file,
                                const cairn_hash_t *h, uint64_t off, uint64_t len)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    cairn_mp_pack_kv_str(&pk, "t", "cwant");
    cairn_mp_pack_kv_bin(&pk, "f", file->b, CAIRN_HASH_LEN);
    cairn_mp_pack_kv_bin(&pk, "h", h->b, CAIRN_HASH_LEN);
    cairn_mp_pack_kv_u64(&pk, "o", off);
    cairn_mp_pack_kv_u64(&pk, "n", len);
    s->d->chunks->c.wants_sent++;
    return send_packed(s, &sb);
}

/* The message is packed around the bytes, which are read from fd straight into it: one buffer
 * and no copy of the piece before it is sealed. */
int cairn_sync_chunks_send_data(cairn_sync_session_t *s, const cairn_hash_t *h, uint64_t off,
                                int fd, size_t len)
{
    enum { HEAD_MAX = 128 }; /* map, three keys, a type, a hash, an offset, a bin header */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    sb.data = malloc(HEAD_MAX + len);
    if (sb.data == NULL)
        return -ENOMEM;
    sb.size = 0;
    sb.alloc = HEAD_MAX + len;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4);
    cairn_mp_pack_kv_str(&pk, "t", "cdata");
    cairn_mp_pack_kv_bin(&pk, "h", h->b, CAIRN_HASH_LEN);
    cairn_mp_pack_kv_u64(&pk, "o", off);
    msgpack_pack_str_with_body(&pk, "d", 1);
    msgpack_pack_bin(&pk, len);
    if (sb.alloc - sb.size < len) { /* cannot happen with HEAD_MAX; checked all the same */
        msgpack_sbuffer_destroy(&sb);
        return -EINVAL;
    }
    ssize_t got;
    do
        got = pread(fd, sb.data + sb.size, len, (off_t)off);
    while (got < 0 && errno == EINTR);
    if (got != (ssize_t)len) {
        msgpack_sbuffer_destroy(&sb);
        return -EIO; /* asked past the end of the chunk, or a read error */
    }
    sb.size += len;
    return send_packed(s, &sb);
}

int cairn_sync_chunks_send_none(cairn_sync_session_t *s, const cairn_hash_t *h)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    cairn_mp_pack_kv_str(&pk, "t", "cnone");
    cairn_mp_pack_kv_bin(&pk, "h", h->b, CAIRN_HASH_LEN);
    return send_packed(s, &sb);
}

int cairn_sync_chunks_send_stat(cairn_sync_session_t *s, const cairn_hash_t *file, uint64_t held,
                                uint64_t size, bool done)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    cairn_mp_pack_kv_str(&pk, "t", "cstat");
    cairn_mp_pack_kv_bin(&pk, "f", file->b, CAIRN_HASH_LEN);
    cairn_mp_pack_kv_u64(&pk, "held", held);
    cairn_mp_pack_kv_u64(&pk, "size", size);
    cairn_mp_pack_kv_bool(&pk, "done", done);
    return send_packed(s, &sb);
}
