/*
 * recommendation.h: a leader or a colleague recommends a credential to a teacher with a note
 * (PROTOCOL.md 2.1 and 4). The rules are checked on the projections, then one event is appended
 * to our school's partition; the projection (recommendation.c) is the only writer of the
 * `recommendations` table.
 *
 * Who may recommend: an educator whose role is leader or teacher (an assessor judges, it does not
 * steer), never to themself; the recipient is any educator; the credential must be in the catalog.
 * Only the recipient accepts or dismisses, and only an open recommendation.
 */
#ifndef CAIRN_RECOMMENDATION_H
#define CAIRN_RECOMMENDATION_H

#include <msgpack.h>
#include <stddef.h>

#include <cairn/id.h>

#include "store.h"

#define CAIRN_RECOMMENDATION_NOTE_MAX 1000 /* bytes of a note */

/* Appends recommendation.add; out gets the new id. from and to are full educator ids. Errors
 * with a one-line message: CAIRN_EINVAL (to self, a note too long), CAIRN_EDENIED (from's role),
 * CAIRN_ENOTFOUND (credential), store errors. */
int cairn_recommendation_add(cairn_store_t *s, const char *from, const char *to,
                             const char *credential, size_t credential_len, const char *note,
                             size_t note_len, char out[CAIRN_ID_TEXT_LEN + 1], char *err,
                             size_t errlen);

/* accept (accept = true) or dismiss recommendation id (a full id). as: the educator doing it (a
 * full id) or NULL (an operator at the box); when given it must be the recipient (CAIRN_EDENIED).
 * CAIRN_ESTATE when it is not open. */
int cairn_recommendation_close(cairn_store_t *s, const char *id, const char *as, bool accept,
                               char *err, size_t errlen);

/* Projectors (registered in projection.c). */
int cairn_projection_recommendation_add(cairn_store_t *s, const cairn_event_t *ev,
                                        const msgpack_object *body);
int cairn_projection_recommendation_accept(cairn_store_t *s, const cairn_event_t *ev,
                                           const msgpack_object *body);
int cairn_projection_recommendation_dismiss(cairn_store_t *s, const cairn_event_t *ev,
                                            const msgpack_object *body);

#endif
