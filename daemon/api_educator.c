/*
 * api_educator.c: educator.add and educator.list (PROTOCOL.md 2.1). An educator is created by one
 * educator.add event in our school's partition; the list reads the projection.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/id.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "daemon.h"

static const char *const roles[] = {"teacher", "leader", "assessor"};

static int educator_add(cairn_req_t *req)
{
    const char *name, *email, *role, *scope;
    size_t name_len, email_len, role_len, scope_len;
    char id[CAIRN_ID_TEXT_LEN + 1];
    cairn_id_t eid;
    cairn_mpbuf_t body;
    size_t r = 0;
    int rc = cairn_api_arg_str(req, "name", true, 1, 200, &name, &name_len);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "email", false, 0, 254, &email, &email_len);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "role", false, 1, 16, &role, &role_len);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "scope", false, 1, 16, &scope, &scope_len);
    if (rc != 0)
        return rc;
    if (role != NULL) {
        while (r < sizeof roles / sizeof roles[0] &&
               !(strlen(roles[r]) == role_len && memcmp(roles[r], role, role_len) == 0))
            r++;
        if (r == sizeof roles / sizeof roles[0])
            return cairn_req_fail(req, CAIRN_EINVAL,
                                  "'role': expected teacher, leader or assessor, not '%.*s'",
                                  (int)role_len, role);
    }
    /* scope "peer": a trained peer reviewer (an assessor limited to peer-reviewable credentials,
     * review.h). */
    if (scope != NULL && !(scope_len == 4 && memcmp(scope, "peer", 4) == 0))
        return cairn_req_fail(req, CAIRN_EINVAL, "'scope': expected peer, not '%.*s'",
                              (int)scope_len, scope);
    if (scope != NULL && r != 2)
        return cairn_req_fail(req, CAIRN_EINVAL, "a peer reviewer must have the role assessor");
    cairn_id_new(&eid);
    cairn_id_format(&eid, id);
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, scope != NULL ? 4 : 3);
    cairn_mp_pack_kv_strn(&body.pk, "name", name, name_len);
    cairn_mp_pack_kv_strn(&body.pk, "email", email != NULL ? email : "", email_len);
    cairn_mp_pack_kv_str(&body.pk, "role", roles[r]);
    if (scope != NULL)
        cairn_mp_pack_kv_str(&body.pk, "scope", "peer");
    rc = cairn_store_append_body(req->d->store, cairn_store_school_partition(req->d->store),
                                 "educator.add", id, &body);
    if (rc != 0)
        return cairn_req_fail(req, rc, "storing the educator: %s", cairn_strerror(rc));
    msgpack_pack_map(req->pk, 1);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    return 0;
}

static void pack_educator(msgpack_packer *pk, sqlite3_stmt *st)
{
    msgpack_pack_map(pk, 5);
    cairn_api_pack_kv_column(pk, "id", st, 0);
    cairn_api_pack_kv_column(pk, "name", st, 1);
    cairn_api_pack_kv_column(pk, "email", st, 2);
    cairn_api_pack_kv_column(pk, "role", st, 3);
    cairn_api_pack_kv_column(pk, "scope", st, 4);
}

static int educator_list(cairn_req_t *req)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(
        req->d->store, "SELECT id, name, email, role, scope FROM educators ORDER BY id", &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the educators: %s", cairn_strerror(rc));
    msgpack_pack_map(req->pk, 1);
    return cairn_api_pack_rows(req, "educators", st, pack_educator);
}

const cairn_api_route_t cairn_api_routes_educator[] = {
    {"educator.add", educator_add},
    {"educator.list", educator_list},
    {NULL, NULL},
};
