/*
 * api_report.c: hub.report (PROTOCOL.md 2.1): per school or per credential, awards, submissions
 * in review and the median review turnaround in days (hub_report.h). Hub only; read-only.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "daemon.h"
#include "hub_report.h"

static void pack_group(msgpack_packer *pk, const cairn_report_group_t *g)
{
    msgpack_pack_map(pk, 6);
    cairn_mp_pack_kv_str(pk, "key", g->key);
    cairn_mp_pack_kv_str(pk, "name", g->name);
    cairn_mp_pack_kv_u64(pk, "awards", g->awards);
    cairn_mp_pack_kv_u64(pk, "in_review", g->in_review);
    cairn_mp_pack_kv_u64(pk, "decided", g->decided);
    cairn_mp_pack_cstr(pk, "median_days");
    if (g->decided > 0)
        msgpack_pack_double(pk, g->median_days);
    else
        msgpack_pack_nil(pk);
}

static int hub_report(cairn_req_t *req)
{
    const char *by;
    size_t len;
    cairn_hub_report_t r;
    bool by_school = true;
    int rc = cairn_api_arg_str(req, "by", false, 1, 16, &by, &len);
    if (rc != 0)
        return rc;
    if (by != NULL && !(len == 6 && memcmp(by, "school", 6) == 0) &&
        !(len == 10 && memcmp(by, "credential", 10) == 0))
        return cairn_req_fail(req, CAIRN_EINVAL, "'by': '%.*s' is not school or credential",
                              (int)len, by);
    by_school = by == NULL || len == 6;
    if (req->d->cfg.role != CAIRN_ROLE_HUB)
        return cairn_req_fail(req, CAIRN_EUNSUPPORTED,
                              "this node is a school: the report covers a hub's schools");
    if ((rc = cairn_hub_report_build(req->d->store, by_school, &r)) != 0)
        return cairn_req_fail(req, rc, "reading the report: %s", cairn_strerror(rc));
    msgpack_pack_map(req->pk, 3);
    cairn_mp_pack_kv_str(req->pk, "by", by_school ? "school" : "credential");
    cairn_mp_pack_cstr(req->pk, "groups");
    msgpack_pack_array(req->pk, (uint32_t)r.n);
    for (size_t i = 0; i < r.n; i++)
        pack_group(req->pk, &r.groups[i]);
    cairn_mp_pack_cstr(req->pk, "total");
    pack_group(req->pk, &r.total);
    cairn_hub_report_free(&r);
    return 0;
}

const cairn_api_route_t cairn_api_routes_report[] = {
    {"hub.report", hub_report},
    {NULL, NULL},
};
