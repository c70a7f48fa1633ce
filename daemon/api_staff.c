/*
 * api_staff.c: staff.view (PROTOCOL.md 2.1): teachers and leaders by credentials with a short
 * state per cell (staff_view.h). Read-only; at a school and at a hub.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "daemon.h"
#include "staff_view.h"

static int staff_view(cairn_req_t *req)
{
    const char *stack;
    size_t len;
    char sid[65];
    cairn_staff_view_t v;
    int rc = cairn_api_arg_str(req, "stack", false, 1, 64, &stack, &len);
    if (rc != 0)
        return rc;
    if (stack != NULL) {
        memcpy(sid, stack, len);
        sid[len] = '\0';
    }
    rc = cairn_staff_view_build(req->d->store, stack != NULL ? sid : NULL, &v);
    if (rc == CAIRN_ENOTFOUND)
        return cairn_req_fail(req, rc, "no stack '%s'", sid);
    if (rc == CAIRN_ETOOBIG)
        return cairn_req_fail(req, rc, "over %d cells: choose a stack with 'stack'",
                              CAIRN_STAFF_CELLS_MAX);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the staff view: %s", cairn_strerror(rc));
    msgpack_pack_map(req->pk, 3);
    cairn_mp_pack_kv_str(req->pk, "stack", stack != NULL ? sid : NULL);
    cairn_mp_pack_cstr(req->pk, "credentials");
    msgpack_pack_array(req->pk, (uint32_t)v.nc);
    for (size_t k = 0; k < v.nc; k++) {
        msgpack_pack_map(req->pk, 2);
        cairn_mp_pack_kv_str(req->pk, "id", v.creds[k].id);
        cairn_mp_pack_kv_str(req->pk, "title", v.creds[k].title);
    }
    cairn_mp_pack_cstr(req->pk, "educators");
    msgpack_pack_array(req->pk, (uint32_t)v.ne);
    for (size_t i = 0; i < v.ne; i++) {
        msgpack_pack_map(req->pk, 4);
        cairn_mp_pack_kv_str(req->pk, "id", v.educators[i].id);
        cairn_mp_pack_kv_str(req->pk, "name", v.educators[i].name);
        cairn_mp_pack_kv_str(req->pk, "role", v.educators[i].role);
        cairn_mp_pack_cstr(req->pk, "cells");
        msgpack_pack_array(req->pk, (uint32_t)v.nc);
        for (size_t k = 0; k < v.nc; k++)
            cairn_mp_pack_cstr(req->pk, cairn_staff_cell_name(v.cells[i * v.nc + k]));
    }
    cairn_staff_view_free(&v);
    return 0;
}

const cairn_api_route_t cairn_api_routes_staff[] = {
    {"staff.view", staff_view},
    {NULL, NULL},
};
