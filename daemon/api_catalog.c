/*
 * api_catalog.c: the catalog ops (PROTOCOL.md 2.1): catalog.import, catalog.list, catalog.show.
 * Reads come from the projections; the import goes through catalog_import.c, all or nothing.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "catalog.h"
#include "daemon.h"
#include "sync.h"

static int catalog_import(cairn_req_t *req)
{
    char err[CAIRN_ERRMSG_MAX] = "";
    cairn_catalog_result_t res;
    const char *json;
    size_t len;
    /* One writer for the catalog: the root hub (PROTOCOL.md 7.7, concurrency rules). A school
     * or a region with an upstream hub gets the catalog from it. */
    if (cairn_sync_has_hub(req->d->datadir))
        return cairn_req_fail(req, CAIRN_ESTATE,
                              req->d->cfg.role == CAIRN_ROLE_SCHOOL
                                  ? "the catalog comes from your hub now: import it at the hub"
                                  : "the catalog comes from your parent hub: import it there");
    int rc = cairn_api_arg_str(req, "json", true, 1, CAIRN_CATALOG_MAX_BYTES, &json, &len);
    if (rc != 0)
        return rc;
    rc = cairn_catalog_import(req->d->store, json, len, &res, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, 4);
    cairn_mp_pack_kv_u64(req->pk, "added", res.added);
    cairn_mp_pack_kv_u64(req->pk, "versioned", res.versioned);
    cairn_mp_pack_kv_u64(req->pk, "unchanged", res.unchanged);
    cairn_mp_pack_kv_u64(req->pk, "stacks", res.stacks);
    return 0;
}

int cairn_api_stack_exists(cairn_req_t *req, const char *stack, size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(req->d->store, "SELECT 1 FROM stacks WHERE id = ?1", &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the stacks: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, stack, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return cairn_req_fail(req, CAIRN_ENOTFOUND, "no stack '%.*s'", (int)len, stack);
    if (rc != SQLITE_ROW)
        return cairn_req_fail(req, cairn_store_code(rc), "reading the stacks");
    return 0;
}

/* Packs "a,b,c" (slugs never hold a comma) as an array of strings. */
static void pack_list(msgpack_packer *pk, const char *csv)
{
    uint32_t n = 0;
    if (csv != NULL && csv[0] != '\0') {
        n = 1;
        for (const char *p = csv; *p; p++)
            n += *p == ',';
    }
    msgpack_pack_array(pk, n);
    for (const char *p = csv; n > 0; n--) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        msgpack_pack_str_with_body(pk, p, len);
        p += len + 1;
    }
}

static void pack_credential(msgpack_packer *pk, sqlite3_stmt *st)
{
    msgpack_pack_map(pk, 5);
    cairn_api_pack_kv_column(pk, "id", st, 0);
    cairn_mp_pack_kv_u64(pk, "version", (uint64_t)sqlite3_column_int64(st, 1));
    cairn_api_pack_kv_column(pk, "title", st, 2);
    cairn_mp_pack_cstr(pk, "pd_hours");
    msgpack_pack_double(pk, sqlite3_column_double(st, 3));
    cairn_mp_pack_cstr(pk, "stacks");
    pack_list(pk, (const char *)sqlite3_column_text(st, 4));
}

/* The latest version of every credential, optionally only those in one stack. */
static int catalog_list(cairn_req_t *req)
{
    const char *stack;
    size_t stack_len;
    sqlite3_stmt *st = NULL;
    int rc = cairn_api_arg_str(req, "stack", false, 1, 64, &stack, &stack_len);
    if (rc != 0)
        return rc;
    if (stack != NULL && (rc = cairn_api_stack_exists(req, stack, stack_len)) != 0)
        return rc;
    rc = cairn_store_stmt(req->d->store,
                          "SELECT c.id, c.version, c.title, c.pd_hours,"
                          " (SELECT group_concat(stack, ',') FROM (SELECT stack"
                          "  FROM stack_credentials WHERE credential = c.id ORDER BY stack))"
                          " FROM credentials c"
                          " WHERE c.version = (SELECT max(version) FROM credentials"
                          "  WHERE id = c.id)"
                          " AND (?1 IS NULL OR c.id IN (SELECT credential FROM stack_credentials"
                          "  WHERE stack = ?1))"
                          " ORDER BY c.id",
                          &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the catalog: %s", cairn_strerror(rc));
    if (stack != NULL)
        sqlite3_bind_text(st, 1, stack, (int)stack_len, SQLITE_STATIC);
    msgpack_pack_map(req->pk, 1);
    return cairn_api_pack_rows(req, "credentials", st, pack_credential);
}

/* One credential version (the latest unless `version` is given), as imported. */
static int catalog_show(cairn_req_t *req)
{
    const char *id;
    size_t id_len;
    uint64_t version;
    bool has_version;
    sqlite3_stmt *st = NULL;
    int rc = cairn_api_arg_str(req, "id", true, 1, 64, &id, &id_len);
    if (rc == 0)
        rc = cairn_api_arg_u64(req, "version", &version, &has_version);
    if (rc != 0)
        return rc;
    rc = cairn_store_stmt(req->d->store,
                          "SELECT id, version, json FROM credentials WHERE id = ?1"
                          " AND (?2 IS NULL OR version = ?2) ORDER BY version DESC LIMIT 1",
                          &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the catalog: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, id, (int)id_len, SQLITE_STATIC);
    if (has_version)
        sqlite3_bind_int64(st, 2, version > INT64_MAX ? INT64_MAX : (sqlite3_int64)version);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        msgpack_pack_map(req->pk, 3);
        cairn_api_pack_kv_column(req->pk, "id", st, 0);
        cairn_mp_pack_kv_u64(req->pk, "version", (uint64_t)sqlite3_column_int64(st, 1));
        cairn_api_pack_kv_column(req->pk, "json", st, 2);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        return cairn_req_fail(req, cairn_store_code(rc), "reading the catalog");
    if (has_version)
        return cairn_req_fail(req, CAIRN_ENOTFOUND, "no credential '%.*s' version %llu",
                              (int)id_len, id, (unsigned long long)version);
    return cairn_req_fail(req, CAIRN_ENOTFOUND, "no credential '%.*s' in the catalog", (int)id_len,
                          id);
}

const cairn_api_route_t cairn_api_routes_catalog[] = {
    {"catalog.import", catalog_import},
    {"catalog.list", catalog_list},
    {"catalog.show", catalog_show},
    {NULL, NULL},
};
