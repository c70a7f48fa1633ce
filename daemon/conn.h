/*
 * conn.h: one client connection of the local API. Private to server.c, which accepts and tracks
 * connections, and conn.c, which reads, dispatches and answers on one. Handlers see a
 * connection only through api.h and server.h.
 */
#ifndef CAIRN_CONN_H
#define CAIRN_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <uv.h>

#include <cairn/frame.h>

#include "server.h"

typedef struct cairn_reply cairn_reply_t;

/* Fields are conn.c's, except prev/next, which server.c keeps for its list of connections. */
struct cairn_conn {
    cairn_server_t *srv;
    cairn_daemon_t *d;
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } h;
    bool tcp;
    struct cairn_conn *prev, *next;
    uint64_t id;
    char peer[80];
    char *rbuf; /* the server's read buffer, shared: reads are handled one at a time */
    size_t rbuf_len;
    unsigned refs;   /* one for the open handle, one per hold and per write in flight */
    unsigned pauses; /* cairn_conn_pause minus cairn_conn_resume */
    bool reading, closing, eof, draining, out_full, in_process;
    cairn_frame_reader_t reader;
    cairn_reply_t *head, *tail; /* replies in request order; only ready ones at the head leave */
    size_t out_bytes;           /* handed to uv_write, not yet written */
    unsigned writes;
    void *slot[CAIRN_CONN_SLOTS];
    void (*slot_free[CAIRN_CONN_SLOTS])(void *);
    struct cairn_lan *lan; /* a LAN device connection (lan.h): frames go through the channel */
};

/* A connection for one accept on d's loop (refcount 1: the handle). NULL on failure (logged). */
struct cairn_conn *cairn_conn_new(cairn_server_t *s, cairn_daemon_t *d, bool tcp, uint64_t id,
                                  char *rbuf, size_t rbuf_len);

/* After a successful uv_accept on c->h.stream: names the peer for log lines (c->peer). */
void cairn_conn_describe(struct cairn_conn *c);

/* Starts reading requests. */
void cairn_conn_start(struct cairn_conn *c);

/* Closes now; replies still owed are dropped. Idempotent. */
void cairn_conn_close(struct cairn_conn *c);

/* The server is stopping: read no more, close once every reply owed has been written. */
void cairn_conn_drain(struct cairn_conn *c);

/* Decodes and dispatches one request payload (in clear): what conn.c does with every frame of
 * a local connection, and lan.c with every opened message of a LAN one. */
void cairn_conn_handle_request(struct cairn_conn *c, const uint8_t *payload, size_t len);

/* Writes one frame (header added, payload copied) now, outside the reply queue: for lan.c's
 * hello and handshake messages, which precede every reply. 0 or a negative code (the
 * connection is then closing). */
int cairn_conn_write_frame(struct cairn_conn *c, const void *payload, size_t len);

/* server.c: the handle of c is closed (called once, before c's last release). */
void cairn_server_conn_closed(cairn_server_t *s, struct cairn_conn *c);

#endif
