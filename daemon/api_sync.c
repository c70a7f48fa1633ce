/*
 * api_sync.c: the `sync.now` op (PROTOCOL.md 2.1): at a school (or a hub with a parent hub),
 * connect to the hub now, resetting the backoff, and answer once the round is complete, the
 * session failed or timeout_ms passed. Asynchronous: the reply comes from sync_school.c's callback.
 * A hub without a parent hub has no link to sync: EUNSUPPORTED.
 */
#include <errno.h>
#include <stdlib.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api.h"
#include "api_util.h"
#include "daemon.h"
#include "sync.h"

#define SYNC_NOW_DEFAULT_MS 10000u
#define SYNC_NOW_MAX_MS 600000u

typedef struct {
    struct cairn_conn *conn;
    uint64_t rid;
} now_ctx_t;

static void now_done(void *arg, const cairn_sync_round_t *r)
{
    now_ctx_t *ctx = arg;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, r->error[0] ? 5 : 4);
    cairn_mp_pack_kv_bool(&pk, "connected", r->connected);
    cairn_mp_pack_kv_u64(&pk, "sent", r->sent);
    cairn_mp_pack_kv_u64(&pk, "received", r->received);
    cairn_mp_pack_kv_u64(&pk, "lag", r->lag);
    if (r->error[0])
        cairn_mp_pack_kv_str(&pk, "error", r->error);
    if (sb.data != NULL)
        cairn_conn_reply_ok(ctx->conn, ctx->rid, sb.data, sb.size);
    else
        cairn_conn_reply_err(ctx->conn, ctx->rid, -ENOMEM, "out of memory for the reply");
    msgpack_sbuffer_destroy(&sb);
    cairn_conn_release(ctx->conn);
    free(ctx);
}

static int op_sync_now(cairn_req_t *req)
{
    uint64_t timeout_ms = SYNC_NOW_DEFAULT_MS;
    bool present = false;
    int rc = cairn_api_arg_u64(req, "timeout_ms", &timeout_ms, &present);
    if (rc != 0)
        return rc;
    if (present && (timeout_ms == 0 || timeout_ms > SYNC_NOW_MAX_MS))
        return cairn_req_fail(req, CAIRN_EINVAL, "timeout_ms: expected 1 to %u", SYNC_NOW_MAX_MS);
    cairn_sync_school_t *sc = req->d->sync_school;
    if (sc == NULL) {
        if (req->d->cfg.role == CAIRN_ROLE_HUB)
            return cairn_req_fail(req, CAIRN_EUNSUPPORTED,
                                  "this hub has no parent hub to sync with");
        return cairn_req_fail(req, CAIRN_ESTATE,
                              "this school is not enrolled at a hub (cairnd enroll join)");
    }
    now_ctx_t *ctx = malloc(sizeof *ctx);
    if (ctx == NULL)
        return cairn_req_fail(req, -ENOMEM, "out of memory");
    ctx->conn = req->conn;
    ctx->rid = req->rid;
    cairn_conn_hold(req->conn);
    rc = cairn_sync_school_now(sc, timeout_ms, now_done, ctx);
    if (rc != 0) {
        cairn_conn_release(req->conn);
        free(ctx);
        return cairn_req_fail(req, rc, "cannot start a sync round: %s",
                              rc == CAIRN_ESTATE ? "cairnd is stopping" : cairn_strerror(rc));
    }
    return CAIRN_API_PENDING;
}

const cairn_api_route_t cairn_api_routes_sync[] = {
    {"sync.now", op_sync_now},
    {NULL, NULL},
};
