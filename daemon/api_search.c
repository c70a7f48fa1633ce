/*
 * api_search.c: catalog.search (PROTOCOL.md 2.1 and 2.3): a plain-language problem in, the
 * credentials that fit it out, best first, each with a one-line reason. Read-only.
 */
#include <string.h>

#include <cairn/err.h>
#include <cairn/frame.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "daemon.h"
#include "search.h"

#define SEARCH_LIMIT_DEFAULT 5
#define MAX_HOURS_LIMIT 10000 /* a filter above any credential's hours is no filter */

static int read_filter(cairn_req_t *req, cairn_search_filter_t *f)
{
    uint64_t v;
    bool present;
    int rc;
    memset(f, 0, sizeof *f);
    f->limit = SEARCH_LIMIT_DEFAULT;
    if ((rc = cairn_api_arg_str(req, "stack", false, 1, 64, &f->stack, &f->stack_len)) != 0)
        return rc;
    if (f->stack != NULL && (rc = cairn_api_stack_exists(req, f->stack, f->stack_len)) != 0)
        return rc;
    if ((rc = cairn_api_arg_u64(req, "max_hours", &v, &present)) != 0)
        return rc;
    if (present && v > MAX_HOURS_LIMIT)
        return cairn_req_fail(req, CAIRN_EINVAL, "'max_hours': expected 0 to %d hours",
                              MAX_HOURS_LIMIT);
    f->has_max_hours = present;
    f->max_hours = (double)v;
    rc = cairn_mp_get_bool(req->args, "peer_reviewable", &f->peer_reviewable);
    if (rc != 0 && rc != CAIRN_ENOTFOUND)
        return cairn_req_fail(req, CAIRN_EINVAL, "'peer_reviewable': expected true or false");
    if ((rc = cairn_api_arg_u64(req, "limit", &v, &present)) != 0)
        return rc;
    if (present && (v < 1 || v > CAIRN_SEARCH_LIMIT_MAX))
        return cairn_req_fail(req, CAIRN_EINVAL, "'limit': expected 1 to %d",
                              CAIRN_SEARCH_LIMIT_MAX);
    if (present)
        f->limit = (unsigned)v;
    return 0;
}

static void pack_terms(msgpack_packer *pk, const cairn_search_query_t *q, bool synonym)
{
    uint32_t n = 0;
    for (size_t i = 0; i < q->nterms; i++)
        n += q->synonym[i] == synonym;
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < q->nterms; i++)
        if (q->synonym[i] == synonym)
            cairn_mp_pack_cstr(pk, q->terms[i]);
}

static int catalog_search(cairn_req_t *req)
{
    char err[CAIRN_ERRMSG_MAX] = "";
    cairn_search_filter_t f;
    cairn_search_query_t q;
    cairn_search_hit_t hits[CAIRN_SEARCH_LIMIT_MAX];
    const char *text;
    size_t len, n = 0;
    /* The query's own limit (512 bytes) is checked by the query builder, which says so in
     * words; the frame limit bounds what reaches it. */
    int rc = cairn_api_arg_str(req, "q", true, 0, CAIRN_FRAME_MAX, &text, &len);
    if (rc == 0)
        rc = read_filter(req, &f);
    if (rc != 0)
        return rc;
    rc = cairn_search_query_build(text, len, req->d->synonyms, &q, err, sizeof err);
    if (rc != 0)
        return cairn_api_fail(req, rc, err);
    rc = cairn_search_run(req->d->store, &q, &f, hits, &n);
    if (rc != 0) {
        cairn_search_query_free(&q);
        return cairn_req_fail(req, rc, "searching the catalog: %s", cairn_strerror(rc));
    }
    msgpack_pack_map(req->pk, 3);
    cairn_mp_pack_cstr(req->pk, "words");
    pack_terms(req->pk, &q, false);
    cairn_mp_pack_cstr(req->pk, "synonyms");
    pack_terms(req->pk, &q, true);
    cairn_search_query_free(&q);
    cairn_mp_pack_cstr(req->pk, "hits");
    msgpack_pack_array(req->pk, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        msgpack_pack_map(req->pk, 6);
        cairn_mp_pack_kv_str(req->pk, "id", hits[i].id);
        cairn_mp_pack_kv_u64(req->pk, "version", hits[i].version);
        cairn_mp_pack_kv_str(req->pk, "title", hits[i].title);
        cairn_mp_pack_cstr(req->pk, "pd_hours");
        msgpack_pack_double(req->pk, hits[i].pd_hours);
        cairn_mp_pack_cstr(req->pk, "relevance");
        msgpack_pack_double(req->pk, hits[i].relevance);
        cairn_mp_pack_kv_str(req->pk, "why", hits[i].why);
    }
    return 0;
}

const cairn_api_route_t cairn_api_routes_search[] = {
    {"catalog.search", catalog_search},
    {NULL, NULL},
};
