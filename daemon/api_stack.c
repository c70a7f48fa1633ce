/*
 * api_stack.c: stack.list and stack.show (PROTOCOL.md 2.1): the catalog's pathways, and one
 * pathway's credentials in order with, for one educator, where they stand on each
 * (stack_progress.h). Read-only.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "daemon.h"
#include "stack_complete.h"
#include "stack_progress.h"
#include "timezone.h"

static void pack_stack(msgpack_packer *pk, sqlite3_stmt *st)
{
    msgpack_pack_map(pk, 4);
    cairn_api_pack_kv_column(pk, "id", st, 0);
    cairn_api_pack_kv_column(pk, "title", st, 1);
    cairn_api_pack_kv_column(pk, "description", st, 2);
    cairn_mp_pack_kv_u64(pk, "credentials", (uint64_t)sqlite3_column_int64(st, 3));
}

static int stack_list(cairn_req_t *req)
{
    sqlite3_stmt *st = NULL;
    int rc =
        cairn_store_stmt(req->d->store,
                         "SELECT s.id, s.title, coalesce(json_extract(s.json, '$.description'),"
                         " ''), (SELECT count(*) FROM stack_credentials c WHERE c.stack = s.id)"
                         " FROM stacks s ORDER BY s.id",
                         &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the stacks: %s", cairn_strerror(rc));
    msgpack_pack_map(req->pk, 1);
    return cairn_api_pack_rows(req, "stacks", st, pack_stack);
}

/* One credential of the stack; with an educator, their progress on it too. */
static int pack_member(cairn_req_t *req, sqlite3_stmt *st, const char *educator)
{
    cairn_stack_progress_t p;
    int rc = 0;
    bool known = sqlite3_column_type(st, 1) != SQLITE_NULL;
    if (educator != NULL &&
        (rc = cairn_stack_progress(req->d->store, educator,
                                   (const char *)sqlite3_column_text(st, 0), &p)) != 0)
        return rc;
    msgpack_pack_map(req->pk, educator != NULL ? 7 : 4);
    cairn_api_pack_kv_column(req->pk, "id", st, 0);
    cairn_api_pack_kv_column(req->pk, "title", st, 1);
    cairn_mp_pack_cstr(req->pk, "pd_hours");
    if (known)
        msgpack_pack_double(req->pk, sqlite3_column_double(st, 2));
    else
        msgpack_pack_nil(req->pk);
    cairn_mp_pack_kv_bool(req->pk, "in_catalog", known);
    if (educator != NULL) {
        cairn_mp_pack_kv_str(req->pk, "state", p.state);
        cairn_mp_pack_kv_str(req->pk, "submission", p.submission[0] ? p.submission : NULL);
        cairn_mp_pack_kv_u64(req->pk, "attempts", p.attempts);
    }
    return 0;
}

/* "completed": nil, or the educator's stack badge not revoked (stack_complete.h). */
static int pack_completed(cairn_req_t *req, const char *educator, const char *stack, size_t len)
{
    char id[65], award[CAIRN_ID_TEXT_LEN + 1], date[CAIRN_TIMEZONE_DATE_LEN + 1];
    int64_t issued;
    int year;
    snprintf(id, sizeof id, "%.*s", (int)len, stack);
    int rc = cairn_stack_badge(req->d->store, educator, id, award, &issued);
    if (rc != 0)
        return rc;
    cairn_mp_pack_cstr(req->pk, "completed");
    if (award[0] == '\0') {
        msgpack_pack_nil(req->pk);
        return 0;
    }
    cairn_timezone_date(issued, date, &year);
    msgpack_pack_map(req->pk, 3);
    cairn_mp_pack_kv_str(req->pk, "award", award);
    cairn_mp_pack_kv_i64(req->pk, "issued", issued);
    cairn_mp_pack_kv_str(req->pk, "date", date);
    return 0;
}

static int stack_show(cairn_req_t *req)
{
    char educator[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "";
    const char *id, *ed_text;
    size_t id_len, ed_len;
    sqlite3_stmt *st = NULL;
    uint32_t n = 0;
    int rc = cairn_api_arg_str(req, "id", true, 1, 64, &id, &id_len);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "educator", false, 1, 200, &ed_text, &ed_len);
    if (rc != 0)
        return rc;
    if (ed_text != NULL && (rc = cairn_store_resolve_educator(req->d->store, ed_text, ed_len,
                                                              educator, err, sizeof err)) != 0)
        return cairn_req_fail(req, rc, "'educator': %s", err);
    rc = cairn_store_stmt(req->d->store,
                          "SELECT id, title, coalesce(json_extract(json, '$.description'), '')"
                          " FROM stacks WHERE id = ?1",
                          &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the stacks: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, id, (int)id_len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            return cairn_req_fail(req, CAIRN_ENOTFOUND, "no stack '%.*s'", (int)id_len, id);
        return cairn_req_fail(req, cairn_store_code(rc), "reading the stacks");
    }
    msgpack_pack_map(req->pk, ed_text != NULL ? 5 : 4);
    cairn_api_pack_kv_column(req->pk, "id", st, 0);
    cairn_api_pack_kv_column(req->pk, "title", st, 1);
    cairn_api_pack_kv_column(req->pk, "description", st, 2);
    sqlite3_reset(st);
    /* Members in the stack's order; one a later catalog dropped shows as not in the catalog. */
    rc = cairn_store_stmt(req->d->store,
                          "SELECT m.credential, c.title, c.pd_hours FROM stack_credentials m"
                          " LEFT JOIN credentials c ON c.id = m.credential AND c.version ="
                          " (SELECT max(version) FROM credentials WHERE id = m.credential)"
                          " WHERE m.stack = ?1 ORDER BY m.pos",
                          &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the stack: %s", cairn_strerror(rc));
    /* count first: the array header comes before its elements (stacks hold at most 100) */
    sqlite3_bind_text(st, 1, id, (int)id_len, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        n++;
    sqlite3_reset(st);
    cairn_mp_pack_cstr(req->pk, "credentials");
    msgpack_pack_array(req->pk, n);
    sqlite3_bind_text(st, 1, id, (int)id_len, SQLITE_STATIC);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        int step = sqlite3_step(st);
        rc = step == SQLITE_ROW ? pack_member(req, st, ed_text != NULL ? educator : NULL)
                                : CAIRN_ESTORE;
    }
    sqlite3_reset(st);
    if (rc == 0 && ed_text != NULL)
        rc = pack_completed(req, educator, id, id_len);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the stack: %s", cairn_strerror(rc));
    return 0;
}

const cairn_api_route_t cairn_api_routes_stack[] = {
    {"stack.list", stack_list},
    {"stack.show", stack_show},
    {NULL, NULL},
};
