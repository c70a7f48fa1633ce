/*
 * conn.c: one connection of the local API: reads frames, decodes requests with the wire limits,
 * dispatches them (api.h) and writes the responses back in request order.
 *
 * Invariants:
 *   - Replies leave a connection in the order its requests arrived. Each request gets a slot in
 *     the reply queue when it is dispatched; only ready slots at the head are written, so a
 *     reply that is still pending (a chunk being fsync'd) holds back later ones.
 *   - A connection reads only while it is dispatchable: not paused by a handler, not holding
 *     more than CAIRN_CONN_OUTPUT_HIGH of unsent output, not closing. Whole frames received
 *     while paused stay in the frame reader (bounded by one frame plus one read).
 *   - A connection is freed only when its handle is closed and every hold is released, so an
 *     asynchronous completion may always touch the connection it held.
 * Must never let one connection's bad input affect another, and never log message contents.
 */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api.h"
#include "lan.h"
#include "log.h"

#define OP_MAX CAIRN_API_OP_MAX

struct cairn_reply {
    struct cairn_reply *next;
    uint64_t rid;
    bool ready;
    bool oom;           /* a write into sb failed: the connection cannot be answered */
    msgpack_sbuffer sb; /* 4 bytes of frame header, then the response once ready */
};
typedef struct cairn_reply reply_t;

typedef struct {
    uv_write_t req;
    struct cairn_conn *conn;
    char *data;
    size_t len;
} write_req_t;

static void conn_process(struct cairn_conn *c);
static void conn_flush(struct cairn_conn *c);

/* ---- lifetimes ---- */

void cairn_conn_hold(struct cairn_conn *c)
{
    c->refs++;
}

static void conn_free(struct cairn_conn *c)
{
    for (int i = 0; i < CAIRN_CONN_SLOTS; i++) {
        if (c->slot[i] != NULL && c->slot_free[i] != NULL)
            c->slot_free[i](c->slot[i]);
    }
    while (c->head != NULL) {
        reply_t *r = c->head;
        c->head = r->next;
        msgpack_sbuffer_destroy(&r->sb);
        free(r);
    }
    cairn_frame_reader_free(&c->reader);
    cairn_lan_free(c->lan);
    free(c);
}

void cairn_conn_release(struct cairn_conn *c)
{
    if (--c->refs == 0)
        conn_free(c);
}

void *cairn_conn_slot_get(struct cairn_conn *c, int slot)
{
    return (slot >= 0 && slot < CAIRN_CONN_SLOTS) ? c->slot[slot] : NULL;
}

void cairn_conn_slot_set(struct cairn_conn *c, int slot, void *data, void (*free_fn)(void *))
{
    if (slot < 0 || slot >= CAIRN_CONN_SLOTS)
        return;
    c->slot[slot] = data;
    c->slot_free[slot] = free_fn;
}

const char *cairn_conn_peer(const struct cairn_conn *c)
{
    return c->peer;
}

static void on_conn_closed(uv_handle_t *h)
{
    struct cairn_conn *c = h->data;
    cairn_log_debug("%s: closed", c->peer);
    cairn_server_conn_closed(c->srv, c);
    cairn_conn_release(c);
}

void cairn_conn_close(struct cairn_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    c->reading = false;
    uv_close(&c->h.handle, on_conn_closed);
}

/* ---- reading and backpressure ---- */

static bool conn_dispatchable(const struct cairn_conn *c)
{
    return !c->closing && !c->draining && c->pauses == 0 && !c->out_full;
}

static bool reader_has_frame(const cairn_frame_reader_t *r)
{
    return r->frame_start > r->consumed;
}

static bool reader_has_partial(const cairn_frame_reader_t *r)
{
    return r->len > r->frame_start;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct cairn_conn *c = h->data;
    (void)suggested;
    buf->base = c->rbuf;
    buf->len = c->rbuf_len;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void conn_update_reading(struct cairn_conn *c)
{
    if (c->closing)
        return;
    bool want = conn_dispatchable(c) && !c->eof;
    if (want && !c->reading) {
        int rc = uv_read_start(&c->h.stream, on_alloc, on_read);
        if (rc != 0) {
            cairn_log_warn("%s: cannot read: %s", c->peer, uv_strerror(rc));
            cairn_conn_close(c);
            return;
        }
        c->reading = true;
    } else if (!want && c->reading) {
        uv_read_stop(&c->h.stream);
        c->reading = false;
    }
}

/* Closes a connection that is done: the peer finished sending (or the server is stopping) and
 * every reply it is owed has been written. */
static void conn_maybe_finish(struct cairn_conn *c)
{
    if (c->closing || !(c->eof || c->draining))
        return;
    if (c->head != NULL || c->writes != 0)
        return;
    if (!c->draining && reader_has_frame(&c->reader))
        return; /* requests still to answer once resumed */
    cairn_conn_close(c);
}

void cairn_conn_pause(struct cairn_conn *c)
{
    c->pauses++;
    if (!c->in_process)
        conn_update_reading(c);
}

void cairn_conn_resume(struct cairn_conn *c)
{
    if (c->pauses == 0) {
        cairn_log_error("%s: resume without a pause", c->peer);
        return;
    }
    c->pauses--;
    if (c->pauses == 0)
        conn_process(c);
}

/* ---- replies ---- */

static int reply_write(void *data, const char *buf, size_t len)
{
    reply_t *r = data;
    if (msgpack_sbuffer_write(&r->sb, buf, len) != 0) {
        r->oom = true;
        return -1;
    }
    return 0;
}

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

/* Starts {"rid": rid, "ok": true, "result": ...; the caller packs the result next. */
static void reply_begin_ok(reply_t *r, msgpack_packer *pk)
{
    static const char zero[CAIRN_FRAME_HEADER] = {0};
    msgpack_sbuffer_clear(&r->sb);
    r->oom = false;
    msgpack_packer_init(pk, r, reply_write);
    reply_write(r, zero, sizeof zero);
    msgpack_pack_map(pk, 3);
    pack_str(pk, "rid");
    msgpack_pack_uint64(pk, r->rid);
    pack_str(pk, "ok");
    msgpack_pack_true(pk);
    pack_str(pk, "result");
}

static void reply_finish(reply_t *r);

static void reply_set_error(reply_t *r, int code, const char *msg)
{
    static const char zero[CAIRN_FRAME_HEADER] = {0};
    msgpack_packer pk;
    msgpack_sbuffer_clear(&r->sb);
    r->oom = false;
    msgpack_packer_init(&pk, r, reply_write);
    reply_write(r, zero, sizeof zero);
    msgpack_pack_map(&pk, 5);
    pack_str(&pk, "rid");
    msgpack_pack_uint64(&pk, r->rid);
    pack_str(&pk, "ok");
    msgpack_pack_false(&pk);
    pack_str(&pk, "code");
    msgpack_pack_int64(&pk, code);
    pack_str(&pk, "name");
    pack_str(&pk, cairn_errname(code));
    pack_str(&pk, "error");
    pack_str(&pk, (msg != NULL && msg[0] != '\0') ? msg : cairn_strerror(code));
    reply_finish(r);
}

/* Writes the frame header over the placeholder and marks the reply sendable. */
static void reply_finish(reply_t *r)
{
    size_t payload = r->sb.size >= CAIRN_FRAME_HEADER ? r->sb.size - CAIRN_FRAME_HEADER : 0;
    if (!r->oom && payload > CAIRN_FRAME_MAX) {
        reply_set_error(r, CAIRN_ETOOBIG, "the result is larger than a frame (4 MiB)");
        return;
    }
    if (!r->oom && cairn_frame_header((uint8_t *)r->sb.data, payload) != 0)
        r->oom = true;
    r->ready = true;
}

static reply_t *reply_enqueue(struct cairn_conn *c, uint64_t rid)
{
    reply_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->rid = rid;
    msgpack_sbuffer_init(&r->sb);
    if (c->tail != NULL)
        c->tail->next = r;
    else
        c->head = r;
    c->tail = r;
    return r;
}

/* The oldest reply for rid that is still being worked on. */
static reply_t *reply_find_pending(struct cairn_conn *c, uint64_t rid)
{
    for (reply_t *r = c->head; r != NULL; r = r->next) {
        if (!r->ready && r->rid == rid)
            return r;
    }
    return NULL;
}

void cairn_conn_reply_ok(struct cairn_conn *c, uint64_t rid, const void *result, size_t len)
{
    reply_t *r = c->closing ? NULL : reply_find_pending(c, rid);
    if (r == NULL)
        return; /* the connection went away, or nobody asked */
    msgpack_packer pk;
    reply_begin_ok(r, &pk);
    reply_write(r, result, len);
    reply_finish(r);
    if (!c->in_process)
        conn_flush(c);
}

void cairn_conn_reply_err(struct cairn_conn *c, uint64_t rid, int code, const char *msg)
{
    reply_t *r = c->closing ? NULL : reply_find_pending(c, rid);
    if (r == NULL)
        return;
    reply_set_error(r, code, msg);
    if (!c->in_process)
        conn_flush(c);
}

static void on_write(uv_write_t *req, int status)
{
    write_req_t *w = (write_req_t *)req;
    struct cairn_conn *c = w->conn;
    c->out_bytes -= w->len;
    c->writes--;
    free(w->data);
    free(w);
    if (status < 0 && !c->closing) {
        cairn_log_debug("%s: write failed: %s", c->peer, uv_strerror(status));
        cairn_conn_close(c);
    }
    if (!c->closing && c->out_full && c->out_bytes <= CAIRN_CONN_OUTPUT_HIGH / 2) {
        c->out_full = false;
        conn_process(c);
    } else {
        conn_maybe_finish(c);
    }
    cairn_conn_release(c);
}

int cairn_conn_write_frame(struct cairn_conn *c, const void *payload, size_t len)
{
    if (c->closing)
        return CAIRN_ESTATE;
    write_req_t *w = calloc(1, sizeof *w);
    char *data = malloc(CAIRN_FRAME_HEADER + len);
    int rc = (w == NULL || data == NULL) ? -ENOMEM : cairn_frame_header((uint8_t *)data, len);
    if (rc == 0) {
        memcpy(data + CAIRN_FRAME_HEADER, payload, len);
        w->conn = c;
        w->data = data;
        w->len = CAIRN_FRAME_HEADER + len;
        uv_buf_t buf = uv_buf_init(w->data, (unsigned)w->len);
        rc = uv_write(&w->req, &c->h.stream, &buf, 1, on_write);
    }
    if (rc != 0) {
        free(data);
        free(w);
        cairn_log_debug("%s: write failed: %s", c->peer, cairn_strerror(rc));
        cairn_conn_close(c);
        return rc;
    }
    cairn_conn_hold(c);
    c->writes++;
    c->out_bytes += w->len;
    return 0;
}

/* Sends every ready reply at the head of the queue, in order. */
static void conn_flush(struct cairn_conn *c)
{
    while (c->head != NULL && c->head->ready && !c->closing) {
        reply_t *r = c->head;
        c->head = r->next;
        if (c->head == NULL)
            c->tail = NULL;
        if (r->oom) {
            cairn_log_error("%s: out of memory building the reply to rid %llu", c->peer,
                            (unsigned long long)r->rid);
            msgpack_sbuffer_destroy(&r->sb);
            free(r);
            cairn_conn_close(c);
            break;
        }
        write_req_t *w = calloc(1, sizeof *w);
        if (w == NULL) {
            msgpack_sbuffer_destroy(&r->sb);
            free(r);
            cairn_conn_close(c);
            break;
        }
        w->conn = c;
        w->len = r->sb.size;
        w->data = msgpack_sbuffer_release(&r->sb);
        free(r);
        if (c->lan != NULL && cairn_lan_seal(c, &w->data, &w->len) != 0) {
            cairn_log_warn("%s: cannot seal a reply; closing this connection", c->peer);
            free(w->data);
            free(w);
            cairn_conn_close(c);
            break;
        }
        uv_buf_t buf = uv_buf_init(w->data, (unsigned)w->len);
        int rc = uv_write(&w->req, &c->h.stream, &buf, 1, on_write);
        if (rc != 0) {
            cairn_log_debug("%s: write failed: %s", c->peer, uv_strerror(rc));
            free(w->data);
            free(w);
            cairn_conn_close(c);
            break;
        }
        cairn_conn_hold(c);
        c->writes++;
        c->out_bytes += w->len;
        if (c->out_bytes > CAIRN_CONN_OUTPUT_HIGH)
            c->out_full = true; /* conn_process stops; reading resumes in on_write */
    }
}

/* ---- dispatch ---- */

/* An op name safe to put in a log line or an error message. */
static void printable(const char *s, size_t len, char *out, size_t outlen)
{
    size_t i = 0;
    for (; i < len && i + 1 < outlen; i++)
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    out[i] = '\0';
}

static void protocol_error(struct cairn_conn *c, const char *what, int code)
{
    cairn_log_warn("%s: %s (%s); closing this connection", c->peer, what, cairn_errname(code));
    cairn_conn_close(c);
}

void cairn_conn_handle_request(struct cairn_conn *c, const uint8_t *payload, size_t len)
{
    cairn_mp_doc_t doc;
    const char *op, *what;
    size_t oplen;
    uint64_t rid;
    int rc = cairn_api_request_decode(payload, len, &doc, &op, &oplen, &rid, &what);
    if (rc != 0) {
        protocol_error(c, what, rc);
        return;
    }
    char opname[OP_MAX + 1];
    printable(op, oplen, opname, sizeof opname);
    cairn_log_debug("%s: %s rid %llu", c->peer, opname, (unsigned long long)rid);

    reply_t *r = reply_enqueue(c, rid);
    if (r == NULL) {
        cairn_log_error("%s: out of memory queueing a reply", c->peer);
        cairn_mp_doc_free(&doc);
        cairn_conn_close(c);
        return;
    }
    cairn_api_fn fn = cairn_api_lookup(op, oplen);
    if (fn != NULL && c->lan != NULL && !cairn_lan_op_allowed(op, oplen)) {
        char msg[160];
        snprintf(msg, sizeof msg, "'%s' is for local users only: it names files on the school box",
                 opname);
        reply_set_error(r, CAIRN_EDENIED, msg);
    } else if (fn == NULL) {
        char msg[128];
        snprintf(msg, sizeof msg, "unknown op '%s'", opname);
        reply_set_error(r, CAIRN_EUNSUPPORTED, msg);
    } else {
        msgpack_packer pk;
        reply_begin_ok(r, &pk);
        cairn_req_t req = {.d = c->d, .conn = c, .rid = rid, .args = &doc.root, .pk = &pk};
        rc = fn(&req);
        if (rc == 0) {
            reply_finish(r);
        } else if (rc == CAIRN_API_PENDING) {
            if (!r->ready)
                msgpack_sbuffer_clear(&r->sb); /* the result arrives with cairn_conn_reply_* */
        } else {
            if (rc > 0)
                rc = CAIRN_EINVAL; /* a handler bug: never send a positive code */
            reply_set_error(r, rc, req.errmsg);
        }
    }
    cairn_mp_doc_free(&doc);
    conn_flush(c);
}

/* Dispatches every whole frame held, while the connection may, then reads on if it may. */
static void conn_process(struct cairn_conn *c)
{
    if (c->in_process)
        return;
    c->in_process = true;
    while (conn_dispatchable(c)) {
        const uint8_t *payload;
        size_t len;
        if (cairn_frame_reader_next(&c->reader, &payload, &len) != 1)
            break;
        if (c->lan != NULL)
            cairn_lan_frame(c, payload, len);
        else
            cairn_conn_handle_request(c, payload, len);
    }
    c->in_process = false;
    conn_flush(c);
    conn_update_reading(c);
    conn_maybe_finish(c);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct cairn_conn *c = stream->data;
    if (c->closing)
        return;
    if (nread > 0) {
        int rc = cairn_frame_reader_feed(&c->reader, buf->base, (size_t)nread);
        if (rc != 0) {
            protocol_error(c,
                           rc == CAIRN_ETOOBIG  ? "frame larger than the 4 MiB limit"
                           : rc == CAIRN_EPROTO ? "empty frame"
                                                : "cannot buffer the frame",
                           rc);
            return;
        }
        conn_process(c);
    } else if (nread == UV_EOF) {
        c->eof = true;
        conn_update_reading(c);
        if (reader_has_partial(&c->reader)) {
            protocol_error(c, "peer closed in the middle of a frame", CAIRN_EPROTO);
            return;
        }
        conn_process(c);
    } else if (nread < 0) {
        cairn_log_debug("%s: read failed: %s", c->peer, uv_strerror((int)nread));
        cairn_conn_close(c);
    }
}

void cairn_conn_describe(struct cairn_conn *c)
{
    if (!c->tcp) {
        snprintf(c->peer, sizeof c->peer, "conn#%llu unix", (unsigned long long)c->id);
        return;
    }
    struct sockaddr_storage ss;
    int namelen = sizeof ss;
    char ip[64] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&ss, &namelen) == 0) {
        if (ss.ss_family == AF_INET) {
            uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
    }
    snprintf(c->peer, sizeof c->peer, "conn#%llu %s:%d", (unsigned long long)c->id, ip, port);
}

struct cairn_conn *cairn_conn_new(cairn_server_t *s, cairn_daemon_t *d, bool tcp, uint64_t id,
                                  char *rbuf, size_t rbuf_len)
{
    struct cairn_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        cairn_log_error("out of memory accepting a connection");
        return NULL;
    }
    c->srv = s;
    c->d = d;
    c->tcp = tcp;
    c->refs = 1;
    c->id = id;
    c->rbuf = rbuf;
    c->rbuf_len = rbuf_len;
    snprintf(c->peer, sizeof c->peer, "conn#%llu", (unsigned long long)id);
    int rc = tcp ? uv_tcp_init(d->loop, &c->h.tcp) : uv_pipe_init(d->loop, &c->h.pipe, 0);
    if (rc != 0) {
        free(c);
        cairn_log_error("cannot set up a connection: %s", uv_strerror(rc));
        return NULL;
    }
    c->h.handle.data = c;
    cairn_frame_reader_init(&c->reader, CAIRN_FRAME_MAX);
    return c;
}

void cairn_conn_start(struct cairn_conn *c)
{
    if (c->tcp)
        uv_tcp_nodelay(&c->h.tcp, 1);
    cairn_log_debug("%s: connected", c->peer);
    conn_update_reading(c);
}

void cairn_conn_drain(struct cairn_conn *c)
{
    c->draining = true;
    conn_update_reading(c);
    conn_maybe_finish(c);
}
