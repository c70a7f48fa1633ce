/*
 * api_recommend.c: the recommendation ops (PROTOCOL.md 2.1): recommendation.add, .list, .accept,
 * .dismiss. Educators are given by name, id or id prefix; the rules live in recommendation.c.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "daemon.h"
#include "recommendation.h"

static const char *const states[] = {"open", "accepted", "dismissed"};

/* An educator argument: a name, an id or an id prefix. */
static int arg_educator(cairn_req_t *req, const char *key, bool required,
                        char out[CAIRN_ID_TEXT_LEN + 1], bool *present)
{
    char err[CAIRN_ERRMSG_MAX] = "";
    const char *text;
    size_t len;
    int rc = cairn_api_arg_str(req, key, required, 1, 200, &text, &len);
    if (present != NULL)
        *present = rc == 0 && text != NULL;
    if (rc != 0 || text == NULL)
        return rc;
    rc = cairn_store_resolve_educator(req->d->store, text, len, out, err, sizeof err);
    if (rc != 0)
        return cairn_req_fail(req, rc, "'%s': %s", key, err);
    return 0;
}

static int recommendation_add(cairn_req_t *req)
{
    char from[CAIRN_ID_TEXT_LEN + 1], to[CAIRN_ID_TEXT_LEN + 1], id[CAIRN_ID_TEXT_LEN + 1];
    char err[CAIRN_ERRMSG_MAX] = "";
    const char *credential, *note;
    size_t credential_len, note_len;
    int rc = arg_educator(req, "from", true, from, NULL);
    if (rc == 0)
        rc = arg_educator(req, "to", true, to, NULL);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "credential", true, 1, 64, &credential, &credential_len);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "note", false, 0, CAIRN_RECOMMENDATION_NOTE_MAX, &note,
                               &note_len);
    if (rc != 0)
        return rc;
    rc = cairn_recommendation_add(req->d->store, from, to, credential, credential_len,
                                  note != NULL ? note : "", note_len, id, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, 1);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    return 0;
}

static void pack_recommendation(msgpack_packer *pk, sqlite3_stmt *st)
{
    msgpack_pack_map(pk, 10);
    cairn_api_pack_kv_column(pk, "id", st, 0);
    cairn_api_pack_kv_column(pk, "to", st, 1);
    cairn_api_pack_kv_column(pk, "to_name", st, 2);
    cairn_api_pack_kv_column(pk, "from", st, 3);
    cairn_api_pack_kv_column(pk, "from_name", st, 4);
    cairn_api_pack_kv_column(pk, "credential", st, 5);
    cairn_api_pack_kv_column(pk, "title", st, 6);
    cairn_api_pack_kv_column(pk, "note", st, 7);
    cairn_api_pack_kv_column(pk, "state", st, 8);
    cairn_mp_pack_kv_u64(pk, "created", (uint64_t)sqlite3_column_int64(st, 9));
}

static int recommendation_list(cairn_req_t *req)
{
    char educator[CAIRN_ID_TEXT_LEN + 1];
    const char *state;
    size_t state_len, k = 0;
    uint64_t since = 0;
    bool has_educator, has_since;
    sqlite3_stmt *st = NULL;
    int rc = arg_educator(req, "educator", false, educator, &has_educator);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "state", false, 1, 16, &state, &state_len);
    if (rc == 0)
        rc = cairn_api_arg_u64(req, "since", &since, &has_since);
    if (rc != 0)
        return rc;
    if (has_since && since > (UINT64_C(1) << 47))
        return cairn_req_fail(req, CAIRN_EINVAL, "'since': expected unix milliseconds");
    while (state != NULL && k < 3 &&
           !(strlen(states[k]) == state_len && memcmp(states[k], state, state_len) == 0))
        k++;
    if (state != NULL && k == 3)
        return cairn_req_fail(req, CAIRN_EINVAL,
                              "'state': expected open, accepted or dismissed, not '%.*s'",
                              (int)state_len, state);
    rc = cairn_store_stmt(
        req->d->store,
        "SELECT r.id, r.to_educator, t.name, r.from_educator, f.name, r.credential,"
        " (SELECT title FROM credentials c WHERE c.id = r.credential ORDER BY version DESC"
        "  LIMIT 1), r.note, r.state, r.created"
        " FROM recommendations r LEFT JOIN educators t ON t.id = r.to_educator"
        " LEFT JOIN educators f ON f.id = r.from_educator"
        " WHERE (?1 IS NULL OR r.to_educator = ?1) AND (?2 IS NULL OR r.state = ?2)"
        " AND r.created >= ?3 ORDER BY r.created, r.id",
        &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the recommendations: %s", cairn_strerror(rc));
    if (has_educator)
        sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    if (state != NULL)
        sqlite3_bind_text(st, 2, states[k], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)(since << 16)); /* an hlc: ms << 16 */
    msgpack_pack_map(req->pk, 1);
    return cairn_api_pack_rows(req, "recommendations", st, pack_recommendation);
}

static int close_op(cairn_req_t *req, bool accept)
{
    char id[CAIRN_ID_TEXT_LEN + 1], as[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "";
    bool has_as;
    int rc = cairn_api_arg_id(req, "id", CAIRN_ID_RECOMMENDATION, id);
    if (rc == 0)
        rc = arg_educator(req, "as", false, as, &has_as);
    if (rc != 0)
        return rc;
    rc = cairn_recommendation_close(req->d->store, id, has_as ? as : NULL, accept, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    msgpack_pack_map(req->pk, 2);
    cairn_mp_pack_kv_str(req->pk, "id", id);
    cairn_mp_pack_kv_str(req->pk, "state", accept ? "accepted" : "dismissed");
    return 0;
}

static int recommendation_accept(cairn_req_t *req)
{
    return close_op(req, true);
}

static int recommendation_dismiss(cairn_req_t *req)
{
    return close_op(req, false);
}

const cairn_api_route_t cairn_api_routes_recommend[] = {
    {"recommendation.add", recommendation_add},
    {"recommendation.list", recommendation_list},
    {"recommendation.accept", recommendation_accept},
    {"recommendation.dismiss", recommendation_dismiss},
    {NULL, NULL},
};
