/*
 * api_bundle.c: bundle.export and bundle.import (PROTOCOL.md 2.1 and 9). The path is on the
 * daemon's machine (the school box, where the stick is plugged in), absolute, and read or written
 * by the daemon with its own rights; the work itself is bundle.c's.
 */
#include <string.h>

#include <sodium.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "bundle.h"
#include "daemon.h"
#include "store_peervec.h"

#define PATH_MAX_ARG 4000

/* An absolute path argument, copied NUL-terminated into out. */
static int arg_path(cairn_req_t *req, const char *key, char out[PATH_MAX_ARG + 1])
{
    const char *s;
    size_t len;
    int rc = cairn_api_arg_str(req, key, true, 1, PATH_MAX_ARG, &s, &len);
    if (rc != 0)
        return rc;
    if (s[0] != '/')
        return cairn_req_fail(req, CAIRN_EINVAL,
                              "'%s': expected an absolute path on the daemon's machine", key);
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

static cairn_bundle_node_t node_of(cairn_req_t *req)
{
    cairn_bundle_node_t n = {req->d->store, req->d->node_pk, req->d->node_sk,
                             req->d->cfg.role == CAIRN_ROLE_HUB, req->d->datadir};
    return n;
}

static int op_export(cairn_req_t *req)
{
    char path[PATH_MAX_ARG + 1], to[CAIRN_PEER_NAME_MAX + 1], err[CAIRN_ERRMSG_MAX] = "";
    const char *t = NULL;
    size_t tlen = 0;
    cairn_bundle_export_t out;
    int rc = arg_path(req, "out", path);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "to", false, 1, CAIRN_PEER_NAME_MAX, &t, &tlen);
    if (rc != 0)
        return rc;
    if (t != NULL) {
        memcpy(to, t, tlen);
        to[tlen] = '\0';
    }
    cairn_bundle_node_t n = node_of(req);
    rc = cairn_bundle_export(&n, t != NULL ? to : NULL, path, &out, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    char hex[2 * CAIRN_NODE_ID_LEN + 1];
    sodium_bin2hex(hex, sizeof hex, out.to, CAIRN_NODE_ID_LEN);
    msgpack_pack_map(req->pk, 5);
    cairn_mp_pack_kv_str(req->pk, "path", path);
    cairn_mp_pack_kv_str(req->pk, "to", hex);
    cairn_mp_pack_kv_u64(req->pk, "events", out.events);
    cairn_mp_pack_kv_u64(req->pk, "bytes", out.bytes);
    cairn_mp_pack_kv_u64(req->pk, "partitions", out.partitions);
    return 0;
}

static int op_import(cairn_req_t *req)
{
    char path[PATH_MAX_ARG + 1], err[CAIRN_ERRMSG_MAX] = "";
    cairn_bundle_import_t out;
    int rc = arg_path(req, "path", path);
    if (rc != 0)
        return rc;
    cairn_bundle_node_t n = node_of(req);
    rc = cairn_bundle_import(&n, path, &out, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    char hex[2 * CAIRN_NODE_ID_LEN + 1];
    sodium_bin2hex(hex, sizeof hex, out.from, CAIRN_NODE_ID_LEN);
    msgpack_pack_map(req->pk, 4);
    cairn_mp_pack_kv_str(req->pk, "from", hex);
    cairn_mp_pack_kv_u64(req->pk, "applied", out.applied);
    cairn_mp_pack_kv_u64(req->pk, "skipped", out.skipped);
    cairn_mp_pack_kv_bool(req->pk, "already", out.already);
    return 0;
}

const cairn_api_route_t cairn_api_routes_bundle[] = {
    {"bundle.export", op_export},
    {"bundle.import", op_import},
    {NULL, NULL},
};
