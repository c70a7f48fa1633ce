/*
 * api_status.c: the `hello` and `status` ops (PROTOCOL.md 2.1): who this node is, how much it
 * holds, and how its sync stands. Read-only: must never change any state.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api.h"
#include "blobs.h"
#include "daemon.h"
#include "identity.h"
#include "store.h"
#include "store_sync.h"
#include "sync.h"
#include "sync_chunks.h"

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "0.1.0"
#endif
#define CAIRN_PROTO_VERSION 1

static void pack_identity(cairn_req_t *req)
{
    const cairn_daemon_t *d = req->d;
    char node[65];
    cairn_identity_hex(d->node_pk, node);
    cairn_mp_pack_kv_str(req->pk, "role", cairn_role_name(d->cfg.role));
    cairn_mp_pack_kv_str(req->pk, "node", node);
    cairn_mp_pack_kv_str(req->pk, "name", d->cfg.name);
}

static int op_hello(cairn_req_t *req)
{
    msgpack_pack_map(req->pk, 5);
    cairn_mp_pack_kv_u64(req->pk, "proto", CAIRN_PROTO_VERSION);
    pack_identity(req);
    cairn_mp_pack_kv_str(req->pk, "version", CAIRN_VERSION);
    return 0;
}

/* "sync": the link to our hub (a school, or a hub with a parent) and, at a hub, its schools. */
static void pack_sync(cairn_req_t *req)
{
    cairn_daemon_t *d = req->d;
    msgpack_packer *pk = req->pk;
    bool hub = d->cfg.role == CAIRN_ROLE_HUB;
    cairn_sync_link_t link;
    memset(&link, 0, sizeof link);
    if (d->sync_school != NULL)
        cairn_sync_school_link(d->sync_school, &link);
    uint32_t n = 0;
    if (hub)
        n += 3;
    if (d->sync_school != NULL)
        n += 5 + (link.retrying ? 1 : 0);
    else if (!hub)
        n += 1;
    cairn_mp_pack_cstr(pk, "sync");
    msgpack_pack_map(pk, n);
    if (hub) {
        uint64_t enrolled = 0, connected = 0;
        cairn_sync_hub_stats(d, &enrolled, &connected);
        cairn_mp_pack_kv_u64(pk, "schools_enrolled", enrolled);
        cairn_mp_pack_kv_u64(pk, "schools_connected", connected);
        cairn_mp_pack_kv_u64(pk, "rights_rejected", cairn_store_rights_rejected(d->store));
    }
    if (d->sync_school == NULL) {
        if (!hub)
            cairn_mp_pack_kv_str(pk, "link", "not enrolled");
        return;
    }
    char hex[65];
    cairn_identity_hex(link.hub_pk, hex);
    cairn_mp_pack_kv_str(pk, "hub", hex);
    cairn_mp_pack_kv_str(pk, "link", link.up ? "up" : "down");
    cairn_mp_pack_kv_u64(pk, "last_sync_ms", link.last_sync_ms);
    cairn_mp_pack_kv_u64(pk, "lag", link.lag);
    cairn_mp_pack_kv_u64(pk, "queue", link.queue);
    if (link.retrying)
        cairn_mp_pack_kv_u64(pk, "next_retry_ms", link.next_retry_ms);
}

static int op_status(cairn_req_t *req)
{
    cairn_daemon_t *d = req->d;
    cairn_store_counts_t counts;
    int rc = cairn_store_counts(d->store, &counts);
    if (rc != 0)
        return cairn_req_fail(req, rc, "cannot count the store's contents: %s", cairn_strerror(rc));
    uint64_t blob_bytes, blob_chunks, disk_free = 0;
    cairn_blobs_usage(d->blobs, &blob_bytes, &blob_chunks);
    rc = cairn_blobs_disk_free(d->blobs, &disk_free);
    if (rc != 0)
        return cairn_req_fail(req, rc, "cannot read the free disk space: %s", cairn_strerror(rc));

    msgpack_packer *pk = req->pk;
    msgpack_pack_map(pk, 14);
    pack_identity(req);
    cairn_mp_pack_kv_u64(pk, "uptime_ms", uv_now(d->loop) - d->started_ms);
    cairn_mp_pack_kv_u64(pk, "events", counts.events);
    cairn_mp_pack_kv_u64(pk, "educators", counts.educators);
    cairn_mp_pack_kv_u64(pk, "credentials", counts.credentials);
    cairn_mp_pack_cstr(pk, "submissions");
    msgpack_pack_map(pk, 7);
    cairn_mp_pack_kv_u64(pk, "draft", counts.draft);
    cairn_mp_pack_kv_u64(pk, "submitted", counts.submitted);
    cairn_mp_pack_kv_u64(pk, "in-review", counts.in_review);
    cairn_mp_pack_kv_u64(pk, "not-yet", counts.not_yet);
    cairn_mp_pack_kv_u64(pk, "meets", counts.meets);
    cairn_mp_pack_kv_u64(pk, "awarded", counts.awarded);
    cairn_mp_pack_kv_u64(pk, "withdrawn", counts.withdrawn);
    cairn_mp_pack_kv_u64(pk, "blob_bytes", blob_bytes);
    cairn_mp_pack_kv_u64(pk, "blob_chunks", blob_chunks);
    cairn_mp_pack_kv_u64(pk, "disk_free", disk_free);
    cairn_mp_pack_kv_u64(pk, "disk_reserve", d->cfg.disk_reserve);
    pack_sync(req);
    cairn_sync_chunks_pack_status(d, pk);
    return 0;
}

const cairn_api_route_t cairn_api_routes_status[] = {
    {"hello", op_hello},
    {"status", op_status},
    {NULL, NULL},
};
