/*
 * api_holders.c: credential.holders (PROTOCOL.md 2.1): who holds a credential (awards not
 * revoked, any version), with their school: this node's name for its own educators, else the
 * name the school enrolled with (the peers table, at a hub), else "school <node id prefix>" for a
 * school enrolled further down a tree. Read-only; at a school and at a hub.
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "daemon.h"
#include "timezone.h"

#define HOLDERS_MAX 100000 /* rows in one answer (more: ETOOBIG) */

static void pack_school(cairn_req_t *req, sqlite3_stmt *st)
{
    const uint8_t *origin = sqlite3_column_blob(st, 2);
    int origin_len = sqlite3_column_bytes(st, 2);
    cairn_mp_pack_cstr(req->pk, "school");
    if (origin != NULL && origin_len == (int)sizeof req->d->node_pk &&
        memcmp(origin, req->d->node_pk, sizeof req->d->node_pk) == 0) {
        cairn_mp_pack_cstr(req->pk, req->d->cfg.name);
    } else if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
        msgpack_pack_str_with_body(req->pk, sqlite3_column_text(st, 3),
                                   (size_t)sqlite3_column_bytes(st, 3));
    } else {
        char name[32] = "school ?";
        if (origin != NULL && origin_len >= 6)
            snprintf(name, sizeof name, "school %02x%02x%02x%02x%02x%02x", origin[0], origin[1],
                     origin[2], origin[3], origin[4], origin[5]);
        cairn_mp_pack_cstr(req->pk, name);
    }
}

static int credential_holders(cairn_req_t *req)
{
    const char *id;
    size_t id_len;
    sqlite3_stmt *st = NULL;
    uint32_t n = 0;
    int rc = cairn_api_arg_str(req, "credential", true, 1, 64, &id, &id_len);
    if (rc != 0)
        return rc;
    rc = cairn_store_stmt(req->d->store,
                          "SELECT title FROM credentials WHERE id = ?1 ORDER BY version DESC"
                          " LIMIT 1",
                          &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the catalog: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, id, (int)id_len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE
                   ? cairn_req_fail(req, CAIRN_ENOTFOUND, "no credential '%.*s' in the catalog",
                                    (int)id_len, id)
                   : cairn_req_fail(req, cairn_store_code(rc), "reading the catalog");
    }
    msgpack_pack_map(req->pk, 3);
    cairn_mp_pack_kv_strn(req->pk, "credential", id, id_len);
    cairn_api_pack_kv_column(req->pk, "title", st, 0);
    sqlite3_reset(st);
    rc = cairn_store_stmt(
        req->d->store,
        "SELECT a.educator, e.name, e.origin, p.name, a.id,"
        " CAST(substr(a.achievement, length(?1) + 2) AS INTEGER), a.issued"
        " FROM awards a LEFT JOIN educators e ON e.id = a.educator"
        " LEFT JOIN peers p ON p.node = e.origin"
        " WHERE a.revoked IS NULL AND substr(a.achievement, 1, length(?1) + 1) = ?1 || '@'"
        " ORDER BY a.issued, a.id",
        &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the awards: %s", cairn_strerror(rc));
    /* count first: the array header comes before its elements */
    sqlite3_bind_text(st, 1, id, (int)id_len, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n <= HOLDERS_MAX)
        n++;
    sqlite3_reset(st);
    if (n > HOLDERS_MAX)
        return cairn_req_fail(req, CAIRN_ETOOBIG, "over %d holders of '%.*s'", HOLDERS_MAX,
                              (int)id_len, id);
    if (rc != SQLITE_DONE)
        return cairn_req_fail(req, cairn_store_code(rc), "reading the awards");
    cairn_mp_pack_cstr(req->pk, "holders");
    msgpack_pack_array(req->pk, n);
    sqlite3_bind_text(st, 1, id, (int)id_len, SQLITE_STATIC);
    for (uint32_t i = 0; i < n; i++) {
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            return cairn_req_fail(req, CAIRN_ESTORE, "reading the awards: they changed");
        }
        char date[CAIRN_TIMEZONE_DATE_LEN + 1];
        int year;
        cairn_timezone_date(sqlite3_column_int64(st, 6), date, &year);
        msgpack_pack_map(req->pk, 7);
        cairn_api_pack_kv_column(req->pk, "educator", st, 0);
        cairn_api_pack_kv_column(req->pk, "name", st, 1);
        pack_school(req, st);
        cairn_api_pack_kv_column(req->pk, "award", st, 4);
        cairn_mp_pack_kv_u64(req->pk, "version", (uint64_t)sqlite3_column_int64(st, 5));
        cairn_mp_pack_kv_i64(req->pk, "issued", sqlite3_column_int64(st, 6));
        cairn_mp_pack_kv_str(req->pk, "date", date); /* its local day ([school] timezone) */
    }
    sqlite3_reset(st);
    return 0;
}

const cairn_api_route_t cairn_api_routes_holders[] = {
    {"credential.holders", credential_holders},
    {NULL, NULL},
};
