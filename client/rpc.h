/*
 * rpc.h: requests and replies of the local API (PROTOCOL.md section 2.1) over one connection.
 *
 * A request is packed straight into the connection's buffer: cairn_rpc_begin() writes the map
 * header, "op" and "rid", the caller packs exactly nargs key/value pairs, cairn_rpc_send() frames
 * and writes it. Several requests may be sent before their replies are read (pipelining); replies
 * come back in order and cairn_rpc_recv() checks each one's rid against the oldest unanswered
 * request. Every failure leaves a one-line message in rpc->err: the daemon's own message for an
 * error reply, or what went wrong on the connection.
 */
#ifndef CAIRN_CLIENT_RPC_H
#define CAIRN_CLIENT_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include <cairn/mp.h>

#include "addr.h"
#include "conn.h"

#define CAIRN_RPC_ERR_MAX 640

typedef struct {
    cairn_conn_t conn;
    msgpack_sbuffer sb; /* the request being built, after 4 bytes reserved for the frame header */
    msgpack_packer pk;
    uint64_t next_rid;   /* rid of the next request sent */
    uint64_t oldest_rid; /* rid of the oldest request not yet answered */
    char where[CAIRN_ADDR_SHOW_MAX];
    char err[CAIRN_RPC_ERR_MAX]; /* the last failure, one line */
    char errname[32];            /* the daemon's symbolic name ("EMISSING"), or "" */
} cairn_rpc_t;

/* One decoded reply. result points into memory owned by the reply. */
typedef struct {
    cairn_mp_doc_t doc; /* owns a copy of the payload, so the frame reader may move on */
    bool have_doc;
    const msgpack_object *result; /* the "result" map of a successful reply */
} cairn_reply_t;

/* A read-only view of a str in a reply. Not NUL-terminated. */
typedef struct {
    const char *p;
    size_t len;
} cairn_strv_t;

/* Connects. Returns 0 or a negative errno with rpc->err = "cannot reach cairnd at X: reason". */
int cairn_rpc_open(cairn_rpc_t *rpc, const cairn_addr_t *addr);
void cairn_rpc_close(cairn_rpc_t *rpc);

/* Starts a request for op with nargs arguments to follow; returns the packer to pack them with. */
msgpack_packer *cairn_rpc_begin(cairn_rpc_t *rpc, const char *op, uint32_t nargs);

/* Frames and writes the request built since cairn_rpc_begin(). Returns 0 or a negative code. */
int cairn_rpc_send(cairn_rpc_t *rpc);

/* As cairn_rpc_send(), for a request whose last packed item is msgpack_pack_bin(pk, len): the
 * len bytes of data are written after it without being copied into the request buffer. */
int cairn_rpc_send_bin_tail(cairn_rpc_t *rpc, const void *data, size_t len);

/* Requests sent and not yet answered. */
uint64_t cairn_rpc_in_flight(const cairn_rpc_t *rpc);

/* Reads the reply to the oldest unanswered request. Returns 0 with reply->result set, the
 * daemon's (negative) code for an error reply, or a negative code for a broken connection or a
 * malformed reply; rpc->err says which. Free the reply with cairn_reply_free() in every case. */
int cairn_rpc_recv(cairn_rpc_t *rpc, cairn_reply_t *reply);

/* cairn_rpc_send() then cairn_rpc_recv(). */
int cairn_rpc_call(cairn_rpc_t *rpc, cairn_reply_t *reply);

void cairn_reply_free(cairn_reply_t *reply);

/* Records a failure found by the caller (a reply missing a field, say); returns code. */
int cairn_rpc_fail(cairn_rpc_t *rpc, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Display helpers: a str field (empty if absent or not a str), a uint field (0 if absent). For
 * fields whose absence matters, use the cairn_mp_get_* accessors and check. */
cairn_strv_t cairn_rpc_str(const msgpack_object *map, const char *key);
uint64_t cairn_rpc_u64(const msgpack_object *map, const char *key);

#endif
