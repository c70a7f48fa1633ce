/*
 * projection_award.c: award.revoke and catalog.status (PROTOCOL.md 10.6).
 *
 * award.revoke marks an award revoked; when two revocations of one award cross, the earliest
 * (hlc, then origin) is the one shown, the other stays in the log. catalog.status keeps, per
 * status list URL, the signed list with the greatest (hlc, origin): a hub re-signs its whole list
 * on every revocation, so the latest one holds every earlier bit.
 */
#include <stdint.h>
#include <string.h>

#include <cairn/badge.h>
#include <cairn/err.h>
#include <cairn/id.h>
#include <cairn/mp.h>

#include "award.h"
#include "projection.h"
#include "store_priv.h"

#define REASON_MAX 1024

int cairn_projection_award_revoke(cairn_store_t *s, const cairn_event_t *ev,
                                  const msgpack_object *body)
{
    const char *reason;
    size_t reason_len;
    cairn_id_t id;
    sqlite3_stmt *st = NULL;
    if (cairn_id_parse(ev->entity, strlen(ev->entity), &id) != 0 ||
        cairn_projection_body_str(body, "reason", 1, REASON_MAX, &reason, &reason_len) != 0)
        return CAIRN_EINVAL;
    int rc = cairn_store_stmt(s,
                              "UPDATE awards SET revoked = ?2, revoke_reason = ?3"
                              " WHERE id = ?1 AND (revoked IS NULL OR revoked > ?2)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->hlc);
    sqlite3_bind_text(st, 3, reason, (int)reason_len, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}

int cairn_projection_status_list(cairn_store_t *s, const cairn_event_t *ev,
                                 const msgpack_object *body)
{
    const char *url, *json;
    size_t url_len, json_len;
    sqlite3_stmt *st = NULL;
    if (cairn_projection_body_str(body, "url", 8, CAIRN_AWARD_URL_MAX - 1, &url, &url_len) != 0 ||
        cairn_projection_body_str(body, "json", 2, CAIRN_AWARD_STATUS_JSON_MAX, &json, &json_len) !=
            0)
        return CAIRN_EINVAL;
    int rc = cairn_store_stmt(s,
                              "INSERT INTO status_lists(url, json, hlc, origin)"
                              " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(url) DO UPDATE SET"
                              " json = excluded.json, hlc = excluded.hlc, origin = excluded.origin"
                              " WHERE excluded.hlc > status_lists.hlc OR (excluded.hlc ="
                              " status_lists.hlc AND excluded.origin > status_lists.origin)",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, url, (int)url_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, json, (int)json_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, 4, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
    return cairn_store_exec_stmt(st);
}
