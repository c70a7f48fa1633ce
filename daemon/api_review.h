/*
 * api_review.h: what the review handlers (api_review.c, api_review_show.c) share, and the
 * teacher's view of a review that submission.show adds (api_submission.c).
 */
#ifndef CAIRN_API_REVIEW_H
#define CAIRN_API_REVIEW_H

#include <stdbool.h>

#include "api.h"
#include "review.h"

extern const cairn_api_route_t cairn_api_routes_review[]; /* api_review.c */

/* The review settings and the wall clock, from the daemon's config. */
void cairn_api_review_cfg(cairn_req_t *req, cairn_review_cfg_t *cfg);

/* Refuses at a school; reads and resolves the "as" argument (required or optional: *given). */
int cairn_api_review_as(cairn_req_t *req, bool required, cairn_assessor_t *a, bool *given);

/* Packs "claim": nil or {"assessor", "name", "expires", "live"} for submission id. */
void cairn_api_pack_claim(msgpack_packer *pk, cairn_store_t *s, const cairn_review_cfg_t *cfg,
                          const char *id);

/* review.show (api_review_show.c). */
int cairn_api_review_show(cairn_req_t *req);

/* Packs "review": the teacher's view of submission id's review (scores with feedback, decision,
 * award, attempts linked, and the events that lost a concurrency rule). Returns 0 or fails req. */
int cairn_api_pack_submission_review(cairn_req_t *req, const char *id);

#endif
