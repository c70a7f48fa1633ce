/*
 * sync_session.c: one sync connection (sync.h, PROTOCOL.md section 8): a clear hello, the
 * channel handshake, then sealed msgpack messages: vectors, change sets and acks per partition.
 *
 * Memory is bounded per session: the frame reader holds at most one frame, and no change set is
 * built while more than CAIRN_SYNC_OUTPUT_HIGH bytes are unsent or one is unacknowledged for that
 * partition. Every refusal is one log line naming the peer and closes this session only. Never
 * logs a key, a PSK or event content.
 */
#include "sync.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "identity.h"
#include "log.h"
#include "store.h"
#include "store_sync.h"
#include "sync_persist.h"
#include "sync_vec.h"
#include "sync_chunks.h"
#include "sync_msg.h"

enum { P_CONNECTING, P_HELLO, P_HS, P_OPEN };

typedef struct {
    uv_write_t req;
    size_t len;
    cairn_sync_session_t *s;
    uint8_t data[];
} frame_write_t;

void cairn_sync_school_partition(const uint8_t node[32], char *out)
{
    char hex[65];
    cairn_identity_hex(node, hex);
    snprintf(out, CAIRN_PARTITION_MAX + 1, "school:%s", hex);
}

uint32_t cairn_sync_backoff_ms(uint32_t min_ms, uint32_t max_ms, unsigned attempt, uint32_t r)
{
    uint64_t cap = min_ms;
    for (unsigned i = 0; i < attempt && cap < max_ms; i++)
        cap *= 2;
    if (cap > max_ms)
        cap = max_ms;
    if (cap <= min_ms)
        return min_ms;
    return (uint32_t)(min_ms + (uint64_t)r % (cap - min_ms + 1));
}

static void handle_closed(uv_handle_t *h)
{
    cairn_sync_session_t *s = h->data;
    if (--s->handles > 0)
        return;
    if (s->ops->closed != NULL)
        s->ops->closed(s, s->reason[0] ? s->reason : NULL);
    cairn_channel_wipe(&s->ch);
    sodium_memzero(s->psk, sizeof s->psk);
    cairn_frame_reader_free(&s->reader);
    cairn_sync_chunks_free(s);
    for (int i = 0; i < s->nparts; i++)
        cairn_vector_free(&s->parts[i].peer);
    free(s->parts);
    free(s);
}

static void close_now(cairn_sync_session_t *s)
{
    if (s->tcp_open) {
        s->tcp_open = false;
        uv_close((uv_handle_t *)&s->tcp, handle_closed);
    }
    if (s->timer_open) {
        s->timer_open = false;
        uv_close((uv_handle_t *)&s->timer, handle_closed);
    }
}

void cairn_sync_session_close(cairn_sync_session_t *s, const char *reason)
{
    if (s->closing)
        return;
    s->closing = true;
    if (reason != NULL && s->reason[0] == '\0' && reason != s->reason) {
        size_t n = strlen(reason);
        if (n >= sizeof s->reason)
            n = sizeof s->reason - 1;
        memcpy(s->reason, reason, n);
        s->reason[n] = '\0';
    }
    if (s->tcp_open)
        uv_read_stop((uv_stream_t *)&s->tcp);
    if (s->writes == 0)
        close_now(s);
}

void cairn_sync_session_abort(cairn_sync_session_t *s, const char *reason)
{
    cairn_sync_session_close(s, reason);
    close_now(s);
}

void cairn_sync_session_fail(cairn_sync_session_t *s, const char *fmt, ...)
{
    char buf[sizeof s->reason];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cairn_sync_session_close(s, buf);
}

static void on_write(uv_write_t *req, int status)
{
    frame_write_t *w = (frame_write_t *)req;
    cairn_sync_session_t *s = w->s;
    s->writes--;
    s->out_bytes -= w->len;
    free(w);
    if (status < 0 && !s->closing)
        cairn_sync_session_fail(s, "write to %s failed: %s", s->peer, uv_strerror(status));
    if (s->closing && s->writes == 0)
        close_now(s);
    else if (s->out_bytes == 0 && !s->closing)
        cairn_sync_chunks_drained(s); /* evidence pieces go only when nothing else waits */
}

/* Queues a frame whose payload (len bytes) is already in w->data after the header; takes w. */
static int submit_frame(cairn_sync_session_t *s, frame_write_t *w, size_t len)
{
    int rc = cairn_frame_header(w->data, len);
    if (rc != 0) {
        free(w);
        return rc;
    }
    w->len = CAIRN_FRAME_HEADER + len;
    w->s = s;
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)w->len);
    rc = uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, on_write);
    if (rc != 0) {
        free(w);
        return rc;
    }
    s->writes++;
    s->out_bytes += w->len;
    return 0;
}

/* Queues one frame (header + payload); the payload is copied. */
static int write_frame(cairn_sync_session_t *s, const void *payload, size_t len)
{
    if (s->closing || !s->tcp_open)
        return CAIRN_ESTATE;
    frame_write_t *w = malloc(sizeof *w + CAIRN_FRAME_HEADER + len);
    if (w == NULL)
        return -ENOMEM;
    memcpy(w->data + CAIRN_FRAME_HEADER, payload, len);
    return submit_frame(s, w, len);
}

/* Seals straight into the frame's buffer: one copy of the message, not two (chunk pieces). */
int cairn_sync_session_send(cairn_sync_session_t *s, const void *buf, size_t len)
{
    if (s->closing || !s->tcp_open)
        return CAIRN_ESTATE;
    size_t cap = len + CAIRN_CHANNEL_OVERHEAD, outlen;
    frame_write_t *w = malloc(sizeof *w + CAIRN_FRAME_HEADER + cap);
    if (w == NULL)
        return -ENOMEM;
    int rc = cairn_channel_seal(&s->ch, buf, len, w->data + CAIRN_FRAME_HEADER, cap, &outlen);
    if (rc != 0) {
        free(w);
        return rc;
    }
    return submit_frame(s, w, outlen);
}

/* A clear msgpack frame {key: str} or {"ok": bool[, "error": str]}: hello phase and refusals. */
static void send_clear(cairn_sync_session_t *s, int ok, const char *error)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, error != NULL ? 3 : 2);
    cairn_mp_pack_kv_u64(&pk, "v", 1);
    cairn_mp_pack_kv_bool(&pk, "ok", ok != 0);
    if (error != NULL)
        cairn_mp_pack_kv_str(&pk, "error", error);
    write_frame(s, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

void cairn_sync_session_send_err(cairn_sync_session_t *s, const char *error)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    cairn_mp_pack_kv_str(&pk, "t", "err");
    cairn_mp_pack_kv_str(&pk, "error", error);
    cairn_sync_session_send(s, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

static void on_timer(uv_timer_t *t)
{
    cairn_sync_session_t *s = t->data;
    if (s->closing)
        return;
    s->ticks++;
    if (s->phase != P_OPEN && uv_now(s->d->loop) - s->started_ms > CAIRN_SYNC_HANDSHAKE_MS)
        return cairn_sync_session_fail(s, "no handshake with %s within %u s", s->peer,
                                       CAIRN_SYNC_HANDSHAKE_MS / 1000);
    if (s->reader.len > s->reader.frame_start &&
        uv_now(s->d->loop) - s->last_rx_ms > CAIRN_SYNC_FRAME_STALL_MS)
        return cairn_sync_session_fail(
            s, "%s stopped sending in the middle of a frame (%zu bytes still due) for %u s",
            s->peer, cairn_frame_reader_want(&s->reader), CAIRN_SYNC_FRAME_STALL_MS / 1000);
    if (s->ops->tick != NULL && s->phase == P_OPEN) {
        const char *why = s->ops->tick(s);
        if (why != NULL) {
            cairn_sync_session_send_err(s, why);
            cairn_sync_session_close(s, why);
            return;
        }
    }
    for (int i = 0; i < s->nparts; i++) {
        if (s->parts[i].ack_owed) {
            s->parts[i].ack_owed = false;
            cairn_sync_parts_send(s, "ack", &s->parts[i], NULL, 0);
        }
        cairn_sync_parts_pump(s, &s->parts[i]);
    }
    cairn_sync_chunks_tick(s);
}

static void on_established(cairn_sync_session_t *s)
{
    s->phase = P_OPEN;
    s->established = true;
    s->first_rx = true;
    cairn_channel_peer(&s->ch, s->peer_pk);
    char hex[65];
    cairn_identity_hex(s->peer_pk, hex);
    size_t n = strlen(s->peer);
    snprintf(s->peer + n, sizeof s->peer - n, " (%.12s)", hex);
    const char *why = s->ops->established != NULL ? s->ops->established(s) : NULL;
    if (why != NULL) {
        cairn_log_warn("sync %s: refused: %s", s->peer, why);
        cairn_sync_session_send_err(s, why);
        cairn_sync_session_close(s, why);
    }
}

static void handle_handshake(cairn_sync_session_t *s, const uint8_t *f, size_t len)
{
    if (cairn_channel_handshake_in(&s->ch, f, len) != 0) {
        const char *why = cairn_channel_reason(&s->ch);
        if (!s->initiator) {
            char msg[200];
            snprintf(msg, sizeof msg, "handshake refused: %s", why ? why : "?");
            send_clear(s, 0, msg);
        }
        return cairn_sync_session_fail(s, "handshake with %s failed: %s", s->peer, why ? why : "?");
    }
    if (cairn_channel_handshake_wants_out(&s->ch)) {
        uint8_t out[CAIRN_CHANNEL_HANDSHAKE_MAX];
        size_t olen;
        if (cairn_channel_handshake_out(&s->ch, out, sizeof out, &olen) != 0)
            return cairn_sync_session_fail(s, "handshake with %s failed", s->peer);
        write_frame(s, out, olen);
    }
    if (cairn_channel_is_established(&s->ch))
        on_established(s);
}

/* The first message after the handshake may be the responder's clear refusal. */
static bool clear_refusal(cairn_sync_session_t *s, const uint8_t *f, size_t len)
{
    cairn_mp_doc_t doc;
    const char *e;
    size_t elen;
    if (cairn_mp_decode(f, len, &cairn_sync_msg_limits, &doc) != 0)
        return false;
    bool found = cairn_mp_get_str(&doc.root, "error", 1024, &e, &elen) == 0;
    if (found)
        cairn_sync_session_fail(s, "%s refused: %.*s", s->peer, (int)elen, e);
    cairn_mp_doc_free(&doc);
    return found;
}

/* A clear hello (or its reply) is not authenticated, so it is held to its exact form (PROTOCOL.md
 * 8.2): "v" = 1 and no key but the allowed ones. Otherwise a tampered hello that lost its "v"
 * would still be taken. NULL, or what is wrong. */
static const char *hello_form(const msgpack_object *m, const char *const *allowed, size_t n)
{
    uint64_t v = 0;
    if (cairn_mp_get_u64(m, "v", &v) != 0)
        return "a hello without a version";
    if (v != 1)
        return "a hello for another protocol version";
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        bool known = false;
        for (size_t j = 0; j < n && !known && k->type == MSGPACK_OBJECT_STR; j++)
            known = strlen(allowed[j]) == k->via.str.size &&
                    memcmp(allowed[j], k->via.str.ptr, k->via.str.size) == 0;
        if (!known)
            return "a hello with an unknown field";
    }
    return NULL;
}

static void handle_hello(cairn_sync_session_t *s, const uint8_t *f, size_t len)
{
    static const char *const hello_keys[] = {"v", "token"};
    static const char *const reply_keys[] = {"v", "ok", "error"};
    cairn_mp_doc_t doc;
    if (cairn_mp_decode(f, len, &cairn_sync_msg_limits, &doc) != 0)
        return cairn_sync_session_fail(s, "%s sent a bad hello", s->peer);
    const msgpack_object *m = &doc.root;
    int rc = 0;
    const char *bad = s->initiator ? hello_form(m, reply_keys, 3) : hello_form(m, hello_keys, 2);
    if (bad != NULL) {
        if (!s->initiator) {
            cairn_log_warn("sync %s: refused before the handshake: %s", s->peer, bad);
            send_clear(s, 0, bad);
        }
        cairn_sync_session_fail(s, "%s sent %s", s->peer, bad);
    } else if (s->initiator) {
        bool ok = false;
        const char *e = "no reason given";
        size_t elen = strlen(e);
        cairn_mp_get_bool(m, "ok", &ok);
        cairn_mp_get_str(m, "error", 1024, &e, &elen);
        if (!ok) {
            cairn_sync_session_fail(s, "%s refused: %.*s", s->peer, (int)elen, e);
        } else {
            rc =
                cairn_channel_init(&s->ch, 1, s->d->node_pk, s->d->node_sk,
                                   s->has_expect ? s->expect_pk : NULL, s->has_psk ? s->psk : NULL);
            uint8_t out[CAIRN_CHANNEL_HANDSHAKE_MAX];
            size_t olen;
            if (rc == 0)
                rc = cairn_channel_handshake_out(&s->ch, out, sizeof out, &olen);
            if (rc == 0)
                rc = write_frame(s, out, olen);
            if (rc != 0)
                cairn_sync_session_fail(s, "cannot start the handshake with %s: %s", s->peer,
                                        cairn_strerror(rc));
            s->phase = P_HS;
        }
    } else {
        const uint8_t *psk = NULL;
        const char *why = s->ops->hello(s, m, &psk);
        if (why != NULL) {
            cairn_log_warn("sync %s: refused before the handshake: %s", s->peer, why);
            send_clear(s, 0, why);
            cairn_sync_session_close(s, why);
        } else {
            if (psk != NULL) {
                memcpy(s->psk, psk, 32);
                s->has_psk = true;
            }
            rc = cairn_channel_init(&s->ch, 0, s->d->node_pk, s->d->node_sk, NULL,
                                    s->has_psk ? s->psk : NULL);
            if (rc == 0)
                send_clear(s, 1, NULL);
            else
                cairn_sync_session_fail(s, "cannot start the handshake: %s", cairn_strerror(rc));
            s->phase = P_HS;
        }
    }
    cairn_mp_doc_free(&doc);
}

static void handle_frame(cairn_sync_session_t *s, const uint8_t *f, size_t len)
{
    switch (s->phase) {
    case P_HELLO:
        return handle_hello(s, f, len);
    case P_HS:
        return handle_handshake(s, f, len);
    case P_OPEN:
        break;
    default:
        return cairn_sync_session_fail(s, "%s sent data before the session was set up", s->peer);
    }
    uint8_t *pt = malloc(len);
    if (pt == NULL)
        return cairn_sync_session_fail(s, "out of memory");
    size_t ptlen = 0;
    int rc = cairn_channel_open(&s->ch, f, len, pt, len, &ptlen);
    bool first = s->first_rx;
    s->first_rx = false;
    if (rc < 0) {
        if (!(first && s->initiator && clear_refusal(s, f, len)))
            cairn_sync_session_fail(s, "channel from %s failed: %s", s->peer,
                                    cairn_channel_reason(&s->ch) ? cairn_channel_reason(&s->ch)
                                                                 : "?");
    } else if (rc == 1) {
        cairn_sync_session_close(s, NULL);
    } else {
        cairn_mp_doc_t doc;
        if (cairn_mp_decode(pt, ptlen, &cairn_sync_msg_limits, &doc) != 0) {
            cairn_sync_session_fail(s, "%s sent a malformed message", s->peer);
        } else {
            cairn_sync_parts_message(s, &doc.root);
            cairn_mp_doc_free(&doc);
        }
    }
    sodium_memzero(pt, ptlen);
    free(pt);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    /* One read at a time on the loop thread. 256 KiB: a read holds several 64 KiB chunk pieces,
     * so the frame reader moves a partial frame to its front once per several frames. */
    static char rbuf[256 * 1024];
    *buf = uv_buf_init(rbuf, sizeof rbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    cairn_sync_session_t *s = st->data;
    if (nread == 0 || s->closing)
        return;
    if (nread < 0) {
        if (nread == UV_EOF)
            return cairn_sync_session_fail(s, "%s closed the connection%s", s->peer,
                                           s->phase != P_OPEN ? " during the handshake" : "");
        return cairn_sync_session_fail(s, "read from %s failed: %s", s->peer,
                                       uv_strerror((int)nread));
    }
    s->last_rx_ms = uv_now(s->d->loop);
    int rc = cairn_frame_reader_feed(&s->reader, buf->base, (size_t)nread);
    if (rc != 0)
        return cairn_sync_session_fail(s, "%s sent a bad frame: %s", s->peer, cairn_strerror(rc));
    const uint8_t *f;
    size_t len;
    while (!s->closing && cairn_frame_reader_next(&s->reader, &f, &len) == 1)
        handle_frame(s, f, len);
}

static cairn_sync_session_t *session_new(cairn_daemon_t *d, const cairn_sync_ops_t *ops,
                                         void *owner)
{
    cairn_sync_session_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->d = d;
    s->ops = ops;
    s->owner = owner;
    s->started_ms = uv_now(d->loop);
    cairn_frame_reader_init(&s->reader, CAIRN_FRAME_MAX);
    uv_tcp_init(d->loop, &s->tcp);
    uv_timer_init(d->loop, &s->timer);
    s->tcp.data = s->timer.data = s;
    s->tcp_open = s->timer_open = true;
    s->handles = 2;
    uv_timer_start(&s->timer, on_timer, CAIRN_SYNC_POLL_MS, CAIRN_SYNC_POLL_MS);
    return s;
}

static void send_hello(cairn_sync_session_t *s)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, s->has_token ? 2 : 1);
    cairn_mp_pack_kv_u64(&pk, "v", 1);
    if (s->has_token)
        cairn_mp_pack_kv_bin(&pk, "token", s->token, CAIRN_ENROLL_ID_LEN);
    write_frame(s, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

/* At most this much of our output waits unsent in the kernel: beyond it, writes stay in libuv's
 * queue, where evidence pieces are not added while anything waits (sync_chunks.h). Without it,
 * on a slow link the socket buffer would hold seconds of pieces ahead of a change set or an ack. */
#define SYNC_NOTSENT_LOWAT (128 * 1024)

static void limit_unsent(cairn_sync_session_t *s)
{
    uv_os_fd_t fd;
    int v = SYNC_NOTSENT_LOWAT;
    if (uv_fileno((uv_handle_t *)&s->tcp, &fd) == 0)
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof v);
}

static void on_connect(uv_connect_t *req, int status)
{
    cairn_sync_session_t *s = req->data;
    if (s->closing)
        return;
    if (status < 0)
        return cairn_sync_session_fail(s, "cannot connect to %s: %s", s->peer, uv_strerror(status));
    uv_tcp_nodelay(&s->tcp, 1);
    limit_unsent(s);
    s->phase = P_HELLO;
    uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
    send_hello(s);
}

int cairn_sync_session_connect(cairn_daemon_t *d, const char *addr, const uint8_t expect_pk[32],
                               const uint8_t *token, const uint8_t *psk,
                               const cairn_sync_ops_t *ops, void *owner, cairn_sync_session_t **out,
                               char *err, size_t errlen)
{
    char host[64];
    uint16_t port;
    struct sockaddr_storage sa;
    if (cairn_config_parse_addr(addr, host, &port, err, errlen) != 0 || port == 0) {
        if (port == 0)
            snprintf(err, errlen, "%s: the hub address needs a port", addr);
        return CAIRN_EINVAL;
    }
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&sa) != 0 &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&sa) != 0) {
        snprintf(err, errlen, "%s: not an address", addr);
        return CAIRN_EINVAL;
    }
    cairn_sync_session_t *s = session_new(d, ops, owner);
    if (s == NULL)
        return -ENOMEM;
    s->initiator = true;
    snprintf(s->peer, sizeof s->peer, "hub %s", addr);
    memcpy(s->expect_pk, expect_pk, 32);
    s->has_expect = true;
    if (token != NULL) {
        memcpy(s->token, token, CAIRN_ENROLL_ID_LEN);
        s->has_token = true;
    }
    if (psk != NULL) {
        memcpy(s->psk, psk, 32);
        s->has_psk = true;
    }
    s->connect.data = s;
    int rc = uv_tcp_connect(&s->connect, &s->tcp, (const struct sockaddr *)&sa, on_connect);
    if (rc != 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", addr, uv_strerror(rc));
        cairn_sync_session_close(s, err);
        *out = NULL;
        return rc;
    }
    *out = s;
    return 0;
}

int cairn_sync_session_accept(cairn_daemon_t *d, uv_stream_t *listener, const cairn_sync_ops_t *ops,
                              void *owner, cairn_sync_session_t **out)
{
    cairn_sync_session_t *s = session_new(d, ops, owner);
    if (s == NULL)
        return -ENOMEM;
    int rc = uv_accept(listener, (uv_stream_t *)&s->tcp);
    struct sockaddr_storage sa;
    int salen = sizeof sa;
    char ip[64] = "?";
    if (rc == 0 && uv_tcp_getpeername(&s->tcp, (struct sockaddr *)&sa, &salen) == 0) {
        if (sa.ss_family == AF_INET)
            uv_ip4_name((struct sockaddr_in *)&sa, ip, sizeof ip);
        else
            uv_ip6_name((struct sockaddr_in6 *)&sa, ip, sizeof ip);
        snprintf(s->peer, sizeof s->peer, "school %s:%u", ip,
                 ntohs(((struct sockaddr_in *)&sa)->sin_port));
    }
    *out = s;
    if (rc != 0) {
        cairn_sync_session_close(s, "accept failed");
        return rc;
    }
    uv_tcp_nodelay(&s->tcp, 1);
    limit_unsent(s);
    s->phase = P_HELLO;
    uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
    return 0;
}
