/*
 * api_badge.c: the award ops (PROTOCOL.md 10.6): badge.list, badge.get (the signed Open
 * Badges credential), badge.revoke (hub), badge.status (the latest signed status list for a
 * URL). A school answers from what sync brought it; only the issuing hub revokes.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "award.h"
#include "daemon.h"

#define REASON_MAX 1024

static void pack_award(msgpack_packer *pk, sqlite3_stmt *st)
{
    msgpack_pack_map(pk, 9);
    cairn_api_pack_kv_column(pk, "id", st, 0);
    cairn_api_pack_kv_column(pk, "submission", st, 1);
    cairn_api_pack_kv_column(pk, "educator", st, 2);
    cairn_api_pack_kv_column(pk, "name", st, 3);
    cairn_api_pack_kv_column(pk, "achievement", st, 4);
    cairn_api_pack_kv_column(pk, "title", st, 5);
    cairn_mp_pack_kv_u64(pk, "issued", (uint64_t)sqlite3_column_int64(st, 6));
    cairn_mp_pack_cstr(pk, "signed");
    msgpack_pack_int(pk, sqlite3_column_int(st, 7));
    cairn_api_pack_kv_column(pk, "revoked", st, 8);
}

static int badge_list(cairn_req_t *req)
{
    char educator[CAIRN_ID_TEXT_LEN + 1] = "";
    sqlite3_stmt *st = NULL;
    int rc;
    if (cairn_mp_get(req->args, "educator") != NULL &&
        (rc = cairn_api_arg_id(req, "educator", CAIRN_ID_EDUCATOR, educator)) != 0)
        return rc;
    rc = cairn_store_stmt(
        req->d->store,
        "SELECT a.id, a.submission, a.educator, e.name, a.achievement, coalesce(c.title,"
        " st.title), a.issued,"
        " a.credential IS NOT NULL,"
        " CASE WHEN a.revoked IS NULL THEN NULL ELSE 'revoked: ' || a.revoke_reason END"
        " FROM awards a LEFT JOIN educators e ON e.id = a.educator"
        " LEFT JOIN credentials c ON c.id || '@' || c.version = a.achievement"
        " LEFT JOIN stacks st ON 'stack:' || st.id = a.achievement"
        " WHERE ?1 = '' OR a.educator = ?1 ORDER BY a.issued, a.id",
        &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the awards: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_TRANSIENT);
    msgpack_pack_map(req->pk, 1);
    return cairn_api_pack_rows(req, "awards", st, pack_award);
}

static int badge_get(cairn_req_t *req)
{
    char id[CAIRN_ID_TEXT_LEN + 1];
    sqlite3_stmt *st = NULL;
    int rc = cairn_api_arg_id(req, "id", CAIRN_ID_AWARD, id);
    if (rc != 0)
        return rc;
    rc = cairn_store_stmt(req->d->store, "SELECT credential FROM awards WHERE id = ?1", &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading award %s: %s", id, cairn_strerror(rc));
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL) {
        sqlite3_reset(st);
        return rc == SQLITE_ROW
                   ? cairn_req_fail(req, CAIRN_ESTATE, "award %s carries no signed credential", id)
                   : cairn_req_fail(req, cairn_store_code(rc), "reading award %s", id);
    }
    msgpack_pack_map(req->pk, 2);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    cairn_api_pack_kv_column(req->pk, "credential", st, 0);
    sqlite3_reset(st);
    return 0;
}

static int badge_revoke(cairn_req_t *req)
{
    char id[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "", reason[REASON_MAX + 1];
    const char *r;
    size_t len;
    if (req->d->cfg.role != CAIRN_ROLE_HUB)
        return cairn_req_fail(req, CAIRN_EUNSUPPORTED,
                              "this node is a school: the hub that issued an award revokes it");
    int rc = cairn_api_arg_id(req, "id", CAIRN_ID_AWARD, id);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "reason", true, 1, REASON_MAX, &r, &len);
    if (rc != 0)
        return rc;
    memcpy(reason, r, len);
    reason[len] = '\0';
    rc = cairn_award_revoke(req->d->store, req->d->datadir, id, reason, cairn_hlc_wall_now(), err,
                            sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, 2);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    cairn_mp_pack_kv_str(req->pk, "reason", reason);
    return 0;
}

static int badge_status(cairn_req_t *req)
{
    const char *url;
    size_t len;
    sqlite3_stmt *st = NULL;
    int rc = cairn_api_arg_str(req, "url", true, 8, CAIRN_AWARD_URL_MAX - 1, &url, &len);
    if (rc != 0)
        return rc;
    rc = cairn_store_stmt(req->d->store, "SELECT json FROM status_lists WHERE url = ?1", &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the status lists: %s", cairn_strerror(rc));
    sqlite3_bind_text(st, 1, url, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? cairn_req_fail(req, CAIRN_ENOTFOUND,
                                                  "no status list %.*s has reached this node "
                                                  "(none is published before a revocation)",
                                                  (int)len, url)
                                 : cairn_req_fail(req, cairn_store_code(rc), "reading the lists");
    }
    msgpack_pack_map(req->pk, 1);
    cairn_api_pack_kv_column(req->pk, "json", st, 0);
    sqlite3_reset(st);
    return 0;
}

const cairn_api_route_t cairn_api_routes_badge[] = {
    {"badge.list", badge_list},
    {"badge.get", badge_get},
    {"badge.revoke", badge_revoke},
    {"badge.status", badge_status},
    {NULL, NULL},
};
