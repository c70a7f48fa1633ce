/*
 * api_transcript.c: educator.transcript (PROTOCOL.md 2.1): an educator's earned credentials
 * (awards not revoked) in a period, with PD hours per calendar year and in all (transcript.h),
 * in the school's local days (timezone.h).
 * Read-only.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "daemon.h"
#include "timezone.h"
#include "transcript.h"

/* An optional date argument (YYYY-MM-DD); *present says whether it was given. */
static int arg_date(cairn_req_t *req, const char *key, bool end, int64_t *ms, bool *present)
{
    const char *s;
    size_t len;
    char err[CAIRN_ERRMSG_MAX];
    int rc = cairn_api_arg_str(req, key, false, 1, 40, &s, &len);
    *present = rc == 0 && s != NULL;
    if (rc != 0 || s == NULL)
        return rc;
    if ((rc = cairn_transcript_date(s, len, end, ms, err, sizeof err)) != 0)
        return cairn_req_fail(req, rc, "'%s': %s", key, err);
    return 0;
}

static void pack_hours(msgpack_packer *pk, const char *key, double h)
{
    cairn_mp_pack_cstr(pk, key);
    msgpack_pack_double(pk, h);
}

static void pack_transcript(msgpack_packer *pk, const cairn_transcript_t *t)
{
    cairn_mp_pack_cstr(pk, "awards");
    msgpack_pack_array(pk, (uint32_t)t->n);
    for (size_t i = 0; i < t->n; i++) {
        const cairn_transcript_award_t *a = &t->awards[i];
        msgpack_pack_map(pk, 7);
        cairn_mp_pack_kv_str(pk, "award", a->award);
        cairn_mp_pack_kv_str(pk, "credential", a->credential);
        cairn_mp_pack_kv_u64(pk, "version", a->version);
        cairn_mp_pack_kv_str(pk, "title", a->title);
        pack_hours(pk, "pd_hours", a->pd_hours);
        cairn_mp_pack_kv_i64(pk, "issued", a->issued);
        cairn_mp_pack_kv_str(pk, "date", a->date);
    }
    cairn_mp_pack_cstr(pk, "years");
    msgpack_pack_array(pk, (uint32_t)t->nyears);
    for (size_t i = 0; i < t->nyears; i++) {
        msgpack_pack_map(pk, 3);
        cairn_mp_pack_kv_u64(pk, "year", (uint64_t)t->years[i].year);
        cairn_mp_pack_kv_u64(pk, "awards", t->years[i].awards);
        pack_hours(pk, "pd_hours", t->years[i].pd_hours);
    }
    pack_hours(pk, "total_pd_hours", t->total_pd_hours);
}

static int educator_transcript(cairn_req_t *req)
{
    char educator[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX] = "";
    const char *ed_text, *from_s = NULL, *to_s = NULL;
    size_t ed_len, from_len = 0, to_len = 0;
    int64_t from = CAIRN_TRANSCRIPT_ALL_FROM, to = CAIRN_TRANSCRIPT_ALL_TO;
    bool has_from, has_to;
    sqlite3_stmt *st = NULL;
    cairn_transcript_t t;
    int rc = cairn_api_arg_str(req, "educator", true, 1, 200, &ed_text, &ed_len);
    if (rc == 0)
        rc = arg_date(req, "from", false, &from, &has_from);
    if (rc == 0)
        rc = arg_date(req, "to", true, &to, &has_to);
    if (rc != 0)
        return rc;
    if (has_from)
        cairn_api_arg_str(req, "from", false, 1, 40, &from_s, &from_len);
    if (has_to)
        cairn_api_arg_str(req, "to", false, 1, 40, &to_s, &to_len);
    if (has_from && has_to && from > to)
        return cairn_req_fail(req, CAIRN_EINVAL, "'from' %.10s is after 'to' %.10s", from_s, to_s);
    if ((rc = cairn_store_resolve_educator(req->d->store, ed_text, ed_len, educator, err,
                                           sizeof err)) != 0)
        return cairn_req_fail(req, rc, "'educator': %s", err);
    rc = cairn_store_stmt(req->d->store, "SELECT name, role FROM educators WHERE id = ?1", &st);
    if (rc != 0)
        return cairn_req_fail(req, rc, "reading the educator: %s", cairn_strerror(rc));
    if ((rc = cairn_transcript_build(req->d->store, educator, from, to, &t)) != 0)
        return cairn_req_fail(req, rc, "reading the awards of %s: %s", educator,
                              cairn_strerror(rc));
    sqlite3_bind_text(st, 1, educator, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        cairn_transcript_free(&t);
        return cairn_req_fail(req, rc == SQLITE_DONE ? CAIRN_ENOTFOUND : cairn_store_code(rc),
                              "reading educator %s", educator);
    }
    msgpack_pack_map(req->pk, 9);
    cairn_mp_pack_kv_str(req->pk, "timezone", cairn_timezone_name());
    cairn_mp_pack_kv_str(req->pk, "educator", educator);
    cairn_api_pack_kv_column(req->pk, "name", st, 0);
    cairn_api_pack_kv_column(req->pk, "role", st, 1);
    sqlite3_reset(st);
    cairn_mp_pack_cstr(req->pk, "from");
    if (from_s != NULL)
        msgpack_pack_str_with_body(req->pk, from_s, from_len);
    else
        msgpack_pack_nil(req->pk);
    cairn_mp_pack_cstr(req->pk, "to");
    if (to_s != NULL)
        msgpack_pack_str_with_body(req->pk, to_s, to_len);
    else
        msgpack_pack_nil(req->pk);
    pack_transcript(req->pk, &t);
    cairn_transcript_free(&t);
    return 0;
}

const cairn_api_route_t cairn_api_routes_transcript[] = {
    {"educator.transcript", educator_transcript},
    {NULL, NULL},
};
