/*
 * staff_view.h: the staff view (op staff.view, PROTOCOL.md 2.1): educators (teachers and
 * leaders) by credentials (a stack's, in its order, or the whole catalog's by id) with one short
 * state per cell, built from the submissions, awards and recommendations projections in three
 * queries (not one per cell). Read-only.
 *
 * A cell is, first match wins: earned (an award not revoked, any version; or the latest attempt
 * decided meets / awarded whose award has not been revoked), in review (latest attempt submitted
 * or in-review), not yet (latest attempt decided not-yet), in progress (latest attempt a draft),
 * recommended (an open recommendation), else none ("-": nothing, a withdrawn attempt or a revoked
 * award).
 */
#ifndef CAIRN_STAFF_VIEW_H
#define CAIRN_STAFF_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <cairn/id.h>

#include "store.h"

#define CAIRN_STAFF_CELLS_MAX 1000000 /* educators x credentials in one view (else ETOOBIG) */

typedef enum {
    CAIRN_CELL_NONE = 0,
    CAIRN_CELL_RECOMMENDED,
    CAIRN_CELL_IN_PROGRESS,
    CAIRN_CELL_NOT_YET,
    CAIRN_CELL_IN_REVIEW,
    CAIRN_CELL_EARNED,
} cairn_cell_t;

typedef struct {
    char id[CAIRN_ID_TEXT_LEN + 1];
    char *name;
    char role[16];
} cairn_staff_educator_t;

typedef struct {
    char *id;
    char *title; /* NULL: a stack member no longer in the catalog */
} cairn_staff_cred_t;

typedef struct {
    cairn_staff_educator_t *educators; /* by name, then id */
    size_t ne;
    cairn_staff_cred_t *creds;
    size_t nc;
    uint8_t *cells; /* ne * nc cairn_cell_t, row-major by educator */
} cairn_staff_view_t;

/* "earned", "in review", "not yet", "in progress", "recommended", "-". */
const char *cairn_staff_cell_name(cairn_cell_t c);

/* Builds the view; stack NULL for the whole catalog. Returns 0, CAIRN_ENOTFOUND (no such stack),
 * CAIRN_ETOOBIG, -ENOMEM or a store error; v is empty on error. */
int cairn_staff_view_build(cairn_store_t *s, const char *stack, cairn_staff_view_t *v);

void cairn_staff_view_free(cairn_staff_view_t *v);

#endif
