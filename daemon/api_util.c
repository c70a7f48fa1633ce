/*
 * api_util.c: argument readers and result packing shared by the store-backed handlers.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "daemon.h"
#include "mpbuf.h"

/* Longest id-or-prefix text looked at; anything longer is refused as not an id. */
#define ID_ARG_MAX 64

int cairn_api_fail(cairn_req_t *req, int code, const char *err)
{
    return cairn_req_fail(req, code, "%s", err[0] ? err : cairn_strerror(code));
}

int cairn_api_arg_str(cairn_req_t *req, const char *key, bool required, size_t min, size_t max,
                      const char **s, size_t *len)
{
    int rc = cairn_mp_get_str(req->args, key, max, s, len);
    if (rc == CAIRN_ENOTFOUND && !required) {
        *s = NULL;
        *len = 0;
        return 0;
    }
    if (rc == CAIRN_ENOTFOUND)
        return cairn_req_fail(req, CAIRN_EINVAL, "'%s' is required", key);
    if (rc != 0 || *len < min || memchr(*s, '\0', *len) != NULL)
        return cairn_req_fail(req, CAIRN_EINVAL, "'%s': expected a string of %zu to %zu bytes", key,
                              min, max);
    return 0;
}

int cairn_api_arg_u64(cairn_req_t *req, const char *key, uint64_t *v, bool *present)
{
    int rc = cairn_mp_get_u64(req->args, key, v);
    *present = rc == 0;
    if (rc == CAIRN_ENOTFOUND)
        return 0;
    if (rc != 0)
        return cairn_req_fail(req, CAIRN_EINVAL, "'%s': expected an unsigned integer", key);
    return 0;
}

int cairn_api_arg_id(cairn_req_t *req, const char *key, cairn_id_kind_t kind,
                     char out[CAIRN_ID_TEXT_LEN + 1])
{
    char err[CAIRN_ERRMSG_MAX] = "";
    const char *text;
    size_t len;
    int rc = cairn_api_arg_str(req, key, true, 1, ID_ARG_MAX, &text, &len);
    if (rc != 0)
        return rc;
    rc = cairn_store_resolve_id(req->d->store, kind, text, len, out, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    return 0;
}

void cairn_api_pack_kv_column(msgpack_packer *pk, const char *key, sqlite3_stmt *st, int col)
{
    cairn_mp_pack_cstr(pk, key);
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        msgpack_pack_nil(pk);
    else
        msgpack_pack_str_with_body(pk, sqlite3_column_text(st, col),
                                   (size_t)sqlite3_column_bytes(st, col));
}

int cairn_api_row_by_id(cairn_req_t *req, const char *sql, const char *what, const char *id,
                        sqlite3_stmt **st)
{
    int rc = cairn_store_stmt(req->d->store, sql, st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the %s: %s", what, cairn_strerror(rc));
    sqlite3_bind_text(*st, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(*st);
    if (rc == SQLITE_ROW)
        return 0;
    sqlite3_reset(*st);
    return cairn_req_fail(req, rc == SQLITE_DONE ? CAIRN_ENOTFOUND : cairn_store_code(rc),
                          "reading %s %s", what, id);
}

int cairn_api_pack_rows(cairn_req_t *req, const char *key, sqlite3_stmt *st, cairn_api_row_fn fn)
{
    cairn_mpbuf_t items;
    int step, rc;
    /* The array's length is known only at the end: rows are packed aside, then copied. */
    cairn_mpbuf_init(&items);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        fn(&items.pk, st);
        items.count++;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        cairn_mpbuf_free(&items);
        return cairn_req_fail(req, cairn_store_code(step), "reading the %s", key);
    }
    cairn_mp_pack_cstr(req->pk, key);
    rc = cairn_mpbuf_pack_array(&items, req->pk);
    cairn_mpbuf_free(&items);
    return rc == 0 ? 0 : cairn_req_fail(req, rc, "out of memory listing the %s", key);
}
