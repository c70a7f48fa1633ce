/*
 * api.c: finds the handler for an op across the route tables of every handler file, and the
 * error helper handlers return through. Must never know what any op does.
 */
#include "api.h"
#include "api_review.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

static const cairn_api_route_t *const route_tables[] = {
    cairn_api_routes_status,     cairn_api_routes_catalog, cairn_api_routes_educator,
    cairn_api_routes_submission, cairn_api_routes_blob,    cairn_api_routes_bundle,
    cairn_api_routes_sync,       cairn_api_routes_review,  cairn_api_routes_badge,
    cairn_api_routes_evidence,   cairn_api_routes_search,  cairn_api_routes_recommend,
    cairn_api_routes_stack,      cairn_api_routes_kiosk,   cairn_api_routes_transcript,
    cairn_api_routes_holders,    cairn_api_routes_staff,   cairn_api_routes_report,
};

cairn_api_fn cairn_api_lookup(const char *op, size_t len)
{
    for (size_t t = 0; t < sizeof route_tables / sizeof route_tables[0]; t++) {
        for (const cairn_api_route_t *r = route_tables[t]; r->op != NULL; r++) {
            if (strlen(r->op) == len && memcmp(r->op, op, len) == 0)
                return r->fn;
        }
    }
    return NULL;
}

int cairn_req_fail(cairn_req_t *req, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(req->errmsg, sizeof req->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

int cairn_api_request_decode(const uint8_t *payload, size_t len, cairn_mp_doc_t *doc,
                             const char **op, size_t *oplen, uint64_t *rid, const char **what)
{
    int rc = cairn_mp_decode(payload, len, &cairn_mp_wire_limits, doc);
    if (rc != 0) {
        *what = rc == CAIRN_ETOOBIG  ? "message breaks the msgpack limits"
                : rc == CAIRN_EPROTO ? "message is not a map"
                                     : "message is not valid msgpack";
        return rc;
    }
    rc = cairn_mp_get_str(&doc->root, "op", CAIRN_API_OP_MAX, op, oplen);
    if (rc != 0) {
        *what = rc == CAIRN_ENOTFOUND ? "request without \"op\"" : "bad \"op\"";
        cairn_mp_doc_free(doc);
        return rc;
    }
    rc = cairn_mp_get_u64(&doc->root, "rid", rid);
    if (rc != 0) {
        *what = rc == CAIRN_ENOTFOUND ? "request without \"rid\"" : "bad \"rid\"";
        cairn_mp_doc_free(doc);
        return rc;
    }
    return 0;
}
