/*
 * rpc.c: requests and replies of the local API over one connection (see rpc.h).
 *
 * The daemon is trusted no more than any peer: each reply is size-checked by the frame reader,
 * limit-checked by cairn_mp_decode(), and its rid, "ok" and error fields are checked before any
 * field is used. A reply that breaks the protocol ends the session with a clear message.
 */
#include "rpc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/frame.h>

#include "fmt.h"

int cairn_rpc_fail(cairn_rpc_t *rpc, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rpc->err, sizeof rpc->err, fmt, ap);
    va_end(ap);
    rpc->errname[0] = '\0';
    return code;
}

static int conn_lost(cairn_rpc_t *rpc, int code)
{
    if (code == -ECONNRESET || code == -EPIPE)
        return cairn_rpc_fail(rpc, code, "cairnd at %s closed the connection", rpc->where);
    return cairn_rpc_fail(rpc, code, "connection to cairnd at %s failed: %s", rpc->where,
                          cairn_strerror(code));
}

int cairn_rpc_open(cairn_rpc_t *rpc, const cairn_addr_t *addr)
{
    memset(rpc, 0, sizeof *rpc);
    rpc->next_rid = 1;
    rpc->oldest_rid = 1;
    snprintf(rpc->where, sizeof rpc->where, "%s", addr->show);
    msgpack_sbuffer_init(&rpc->sb);
    msgpack_packer_init(&rpc->pk, &rpc->sb, msgpack_sbuffer_write);
    return cairn_conn_open(&rpc->conn, addr, rpc->err, sizeof rpc->err);
}

void cairn_rpc_close(cairn_rpc_t *rpc)
{
    cairn_conn_close(&rpc->conn);
    msgpack_sbuffer_destroy(&rpc->sb);
}

msgpack_packer *cairn_rpc_begin(cairn_rpc_t *rpc, const char *op, uint32_t nargs)
{
    static const char hdr[CAIRN_FRAME_HEADER];
    msgpack_sbuffer_clear(&rpc->sb);
    msgpack_sbuffer_write(&rpc->sb, hdr, sizeof hdr); /* filled in by send */
    msgpack_pack_map(&rpc->pk, (size_t)nargs + 2);
    cairn_mp_pack_kv_str(&rpc->pk, "op", op);
    cairn_mp_pack_kv_u64(&rpc->pk, "rid", rpc->next_rid);
    return &rpc->pk;
}

int cairn_rpc_send_bin_tail(cairn_rpc_t *rpc, const void *data, size_t len)
{
    /* A failed allocation inside msgpack_sbuffer_write leaves the buffer short: it cannot hold
     * even the header then. */
    if (!rpc->sb.data || rpc->sb.size < CAIRN_FRAME_HEADER)
        return cairn_rpc_fail(rpc, -ENOMEM, "out of memory building a request");
    size_t payload = rpc->sb.size - CAIRN_FRAME_HEADER + len;
    int rc = cairn_frame_header((uint8_t *)rpc->sb.data, payload);
    if (rc)
        return cairn_rpc_fail(rpc, rc, "request of %zu bytes is over the %u-byte frame limit",
                              payload, CAIRN_FRAME_MAX);
    struct iovec iov[2] = {{rpc->sb.data, rpc->sb.size}, {(void *)data, len}};
    rc = cairn_conn_writev(&rpc->conn, iov, len ? 2 : 1);
    if (rc)
        return conn_lost(rpc, rc);
    rpc->next_rid++;
    return 0;
}

int cairn_rpc_send(cairn_rpc_t *rpc)
{
    return cairn_rpc_send_bin_tail(rpc, NULL, 0);
}

uint64_t cairn_rpc_in_flight(const cairn_rpc_t *rpc)
{
    return rpc->next_rid - rpc->oldest_rid;
}

void cairn_reply_free(cairn_reply_t *reply)
{
    if (reply->have_doc)
        cairn_mp_doc_free(&reply->doc);
    memset(reply, 0, sizeof *reply);
}

/* Turns an error reply into rpc->err and the daemon's code. */
static int take_error(cairn_rpc_t *rpc, const msgpack_object *root)
{
    int64_t code = 0;
    const char *name = NULL, *msg = NULL;
    size_t namelen = 0, msglen = 0;

    if (cairn_mp_get_i64(root, "code", &code) != 0 || code >= 0 || code < INT32_MIN)
        code = CAIRN_EPROTO;
    if (cairn_mp_get_str(root, "name", 31, &name, &namelen) != 0)
        namelen = 0;
    if (cairn_mp_get_str(root, "error", CAIRN_RPC_ERR_MAX - 1, &msg, &msglen) != 0 || !msglen) {
        msg = cairn_strerror((int)code);
        msglen = strlen(msg);
    }
    cairn_fmt_sanitize(rpc->err, sizeof rpc->err, msg, msglen);
    cairn_fmt_sanitize(rpc->errname, sizeof rpc->errname, name ? name : "", namelen);
    return (int)code;
}

int cairn_rpc_recv(cairn_rpc_t *rpc, cairn_reply_t *reply)
{
    const uint8_t *payload;
    size_t len;
    uint64_t rid;
    bool ok;

    memset(reply, 0, sizeof *reply);
    if (cairn_rpc_in_flight(rpc) == 0)
        return cairn_rpc_fail(rpc, CAIRN_EPROTO, "no request waiting for a reply");
    int rc = cairn_conn_read_frame(&rpc->conn, &payload, &len);
    if (rc == CAIRN_EPROTO || rc == CAIRN_ETOOBIG)
        return cairn_rpc_fail(rpc, rc, "cairnd at %s sent a bad frame: %s", rpc->where,
                              cairn_strerror(rc));
    if (rc)
        return conn_lost(rpc, rc);

    rc = cairn_mp_decode(payload, len, &cairn_mp_wire_limits, &reply->doc);
    if (rc)
        return cairn_rpc_fail(rpc, rc, "cairnd sent a reply that is not a valid message: %s",
                              cairn_strerror(rc));
    reply->have_doc = true;

    const msgpack_object *root = &reply->doc.root;
    if (cairn_mp_get_u64(root, "rid", &rid) != 0 || rid != rpc->oldest_rid)
        return cairn_rpc_fail(rpc, CAIRN_EPROTO, "cairnd sent a reply out of order (expected %llu)",
                              (unsigned long long)rpc->oldest_rid);
    rpc->oldest_rid++;
    if (cairn_mp_get_bool(root, "ok", &ok) != 0)
        return cairn_rpc_fail(rpc, CAIRN_EPROTO, "cairnd sent a reply without \"ok\"");
    if (!ok)
        return take_error(rpc, root);
    const msgpack_object *result = cairn_mp_get(root, "result");
    if (!result || result->type != MSGPACK_OBJECT_MAP)
        return cairn_rpc_fail(rpc, CAIRN_EPROTO, "cairnd sent a reply without a result map");
    reply->result = result;
    return 0;
}

int cairn_rpc_call(cairn_rpc_t *rpc, cairn_reply_t *reply)
{
    memset(reply, 0, sizeof *reply);
    int rc = cairn_rpc_send(rpc);
    return rc ? rc : cairn_rpc_recv(rpc, reply);
}

cairn_strv_t cairn_rpc_str(const msgpack_object *map, const char *key)
{
    cairn_strv_t v = {"", 0};
    const char *s;
    size_t len;
    if (map && cairn_mp_get_str(map, key, SIZE_MAX, &s, &len) == 0) {
        v.p = s;
        v.len = len;
    }
    return v;
}

uint64_t cairn_rpc_u64(const msgpack_object *map, const char *key)
{
    uint64_t v = 0;
    if (!map || cairn_mp_get_u64(map, key, &v) != 0)
        return 0;
    return v;
}
