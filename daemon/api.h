/*
 * api.h: the contract between the transport (server.c) and the request handlers (api_*.c).
 *
 * The server decodes a frame into a msgpack map {"op": str, "rid": uint, ...args}, looks the op
 * up in the handler table and calls the handler with a cairn_req_t. A handler either:
 *   - returns 0 after packing exactly ONE msgpack object (the result) into req->pk, or
 *   - returns a negative CAIRN_E* code after writing a one-line message into req->errmsg
 *     (naming what was wrong: which field, which id, which limit), having changed nothing, or
 *   - returns CAIRN_API_PENDING after taking a reference with cairn_conn_hold(req->conn) and will
 *     later call cairn_conn_reply_ok() / cairn_conn_reply_err() and cairn_conn_release().
 * The server wraps the result as {"rid": rid, "ok": true, "result": <obj>} or the error as
 * {"rid": rid, "ok": false, "code": int, "name": "ENOTFOUND", "error": msg}.
 */
#ifndef CAIRN_API_H
#define CAIRN_API_H

#include <msgpack.h>

#include <cairn/mp.h>
#include <stddef.h>
#include <stdint.h>

#define CAIRN_API_PENDING 1
#define CAIRN_ERRMSG_MAX 512

struct cairn_daemon;
struct cairn_conn;

typedef struct {
    struct cairn_daemon *d;
    struct cairn_conn *conn;
    uint64_t rid;
    const msgpack_object *args; /* the whole request map; fields are read with cairn_mp_get_* */
    msgpack_packer *pk;         /* pack exactly one object: the result */
    char errmsg[CAIRN_ERRMSG_MAX];
} cairn_req_t;

typedef int (*cairn_api_fn)(cairn_req_t *req);

typedef struct {
    const char *op;
    cairn_api_fn fn;
} cairn_api_route_t;

/* Route tables, each NULL-terminated, one per handler file. */
extern const cairn_api_route_t cairn_api_routes_catalog[];    /* api_catalog.c */
extern const cairn_api_route_t cairn_api_routes_educator[];   /* api_educator.c */
extern const cairn_api_route_t cairn_api_routes_submission[]; /* api_submission.c */
extern const cairn_api_route_t cairn_api_routes_blob[];       /* api_blob.c */
extern const cairn_api_route_t cairn_api_routes_status[];     /* api_status.c */
extern const cairn_api_route_t cairn_api_routes_bundle[];     /* api_bundle.c */
extern const cairn_api_route_t cairn_api_routes_sync[];       /* api_sync.c */
extern const cairn_api_route_t cairn_api_routes_badge[];      /* api_badge.c */
extern const cairn_api_route_t cairn_api_routes_evidence[];   /* api_evidence.c */
extern const cairn_api_route_t cairn_api_routes_search[];     /* api_search.c */
extern const cairn_api_route_t cairn_api_routes_recommend[];  /* api_recommend.c */
extern const cairn_api_route_t cairn_api_routes_stack[];      /* api_stack.c */
extern const cairn_api_route_t cairn_api_routes_kiosk[];      /* api_kiosk.c */
extern const cairn_api_route_t cairn_api_routes_transcript[]; /* api_transcript.c */
extern const cairn_api_route_t cairn_api_routes_holders[];    /* api_holders.c */
extern const cairn_api_route_t cairn_api_routes_staff[];      /* api_staff.c */
extern const cairn_api_route_t cairn_api_routes_report[];     /* api_report.c */

/* The longest op name a request may carry. */
#define CAIRN_API_OP_MAX 64

/* Decodes a request frame's envelope: a msgpack map within the wire limits with "op" (a string of
 * at most CAIRN_API_OP_MAX bytes, not terminated) and "rid" (an unsigned integer). Returns 0 with
 * doc to free by the caller, or a negative code with *what naming what was wrong (doc freed). */
int cairn_api_request_decode(const uint8_t *payload, size_t len, cairn_mp_doc_t *doc,
                             const char **op, size_t *oplen, uint64_t *rid, const char **what);

/* Finds the handler for op (len bytes), or NULL. */
cairn_api_fn cairn_api_lookup(const char *op, size_t len);

/* printf into req->errmsg; returns code so handlers can `return cairn_req_fail(req, code, ...)`. */
int cairn_req_fail(cairn_req_t *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* For asynchronous handlers (server.c). */
void cairn_conn_hold(struct cairn_conn *c);
void cairn_conn_release(struct cairn_conn *c);
/* result: one packed msgpack object (len bytes), copied. */
void cairn_conn_reply_ok(struct cairn_conn *c, uint64_t rid, const void *result, size_t len);
void cairn_conn_reply_err(struct cairn_conn *c, uint64_t rid, int code, const char *msg);
/* Stop / resume reading requests from this connection (backpressure while chunks are being
 * written). Counted: reading resumes when every pause has been matched by a resume. */
void cairn_conn_pause(struct cairn_conn *c);
void cairn_conn_resume(struct cairn_conn *c);

#endif
