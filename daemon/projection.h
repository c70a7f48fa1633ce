/*
 * projection.h: applying events to the projection tables (projection.c for school entities,
 * projection_catalog.c for the catalog).
 *
 * Events are the only writers of projections. Applying is deterministic and, where the rules
 * allow, independent of order: rows remember the (hlc, origin) of the event that wrote them and a
 * later write wins only with a greater (hlc, origin) (last writer wins); submission states merge
 * by rule (a withdrawal always wins, a submit only moves a draft).
 *
 * Invariant (store_events.c relies on it): a projector checks its whole body, and that what it
 * updates exists, BEFORE its first write. A refused event (CAIRN_EINVAL, CAIRN_ENOTFOUND) has
 * therefore written nothing; only a database failure can stop a projector half-way.
 * Event types this version does not know are stored but not projected.
 */
#ifndef CAIRN_PROJECTION_H
#define CAIRN_PROJECTION_H

#include <msgpack.h>
#include <stddef.h>

#include "store.h"

/* Applies one event (body already decoded) to the projections. */
int cairn_projection_apply(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body);

/* Catalog event types (projection_catalog.c). */
int cairn_projection_issuer(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body);
int cairn_projection_stack(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body);
int cairn_projection_credential(cairn_store_t *s, const cairn_event_t *ev,
                                const msgpack_object *body);

/* Review and award event types (projection_review.c). None requires the submission to be
 * projected already: in a relayed change set the hub's events may come before the school's. */
int cairn_projection_review_claim(cairn_store_t *s, const cairn_event_t *ev,
                                  const msgpack_object *body);
int cairn_projection_review_score(cairn_store_t *s, const cairn_event_t *ev,
                                  const msgpack_object *body);
int cairn_projection_review_decide(cairn_store_t *s, const cairn_event_t *ev,
                                   const msgpack_object *body);
int cairn_projection_award_issue(cairn_store_t *s, const cairn_event_t *ev,
                                 const msgpack_object *body);
/* projection_award.c */
/* stack.complete: a stack's own badge into the awards table (projection_stack.c). */
int cairn_projection_stack_complete(cairn_store_t *s, const cairn_event_t *ev,
                                    const msgpack_object *body);
int cairn_projection_award_revoke(cairn_store_t *s, const cairn_event_t *ev,
                                  const msgpack_object *body);
int cairn_projection_status_list(cairn_store_t *s, const cairn_event_t *ev,
                                 const msgpack_object *body);

/* Recomputes submissions.state of id (no row: nothing to do) from its submitted / withdrawn
 * marks and the review tables; the rule is in projection_review.c. */
int cairn_projection_submission_state(cairn_store_t *s, const char *id);

/* A str field of an event body of min..max bytes; CAIRN_EINVAL otherwise (absent included). */
int cairn_projection_body_str(const msgpack_object *body, const char *key, size_t min, size_t max,
                              const char **s, size_t *len);

#endif
