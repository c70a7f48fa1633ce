/*
 * stack_complete.h: completing a stack (a pathway of credentials, catalog `stacks`) is recorded
 * by the hub as a `stack.complete` event in the school's partition (PROTOCOL.md 10.7), carrying
 * the stack's own signed Open Badges 3.0 credential. It is projected into the awards table as an
 * award whose achievement is "stack:<id>" (no submission), so badge list, get, verify, the
 * status list and award.revoke treat it like any badge, and the transcript lists it (0 PD hours
 * unless the catalog gives the stack pd_hours).
 *
 * The rule (cairn_stack_complete_rule): the educator holds, for EVERY credential the stack lists
 * now, an award not revoked of any version of it (the version rule of stack_progress.c: a stack
 * names credentials, not versions). A stack that lists nothing is never complete.
 */
#ifndef CAIRN_STACK_COMPLETE_H
#define CAIRN_STACK_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/id.h>

#include "store.h"

#define CAIRN_STACK_MEMBERS_MAX 100 /* credentials in one stack (catalog.c's limit) */
#define CAIRN_STACK_ACHIEVEMENT_PREFIX "stack:"

typedef struct {
    size_t n; /* members of the stack, in its order */
    char credential[CAIRN_STACK_MEMBERS_MAX][65];
    char title[CAIRN_STACK_MEMBERS_MAX][201]; /* the latest version's title ("" if none) */
    char award[CAIRN_STACK_MEMBERS_MAX][CAIRN_ID_TEXT_LEN + 1]; /* earliest live award, or "" */
    bool complete;
} cairn_stack_members_t;

/* Fills m for educator and stack. Returns 0 or a store error. */
int cairn_stack_complete_rule(cairn_store_t *s, const char *educator, const char *stack,
                              cairn_stack_members_t *m);

/* The educator's stack badge not revoked (the earliest if several): award and issued ms;
 * award[0] = '\0' when none. */
int cairn_stack_badge(cairn_store_t *s, const char *educator, const char *stack,
                      char award[CAIRN_ID_TEXT_LEN + 1], int64_t *issued);

/* At a hub, inside the transaction that appended an award of credential to educator: for every
 * stack listing credential that the educator has now completed and holds no live badge for,
 * signs the stack's badge and appends stack.complete in partition. Exactly once: the check and
 * the append are in one transaction, and a hub's transactions are serial. datadir NULL (no
 * issuer key configured): nothing. Returns 0 or a code with err. */
int cairn_stack_complete_after_award(cairn_store_t *s, const char *datadir, const char *educator,
                                     const char *credential, const char *partition, uint64_t now_ms,
                                     char *err, size_t errlen);

/* The live stack badges of this hub that list award among their constituents (to revoke with
 * it): up to max ids into out. */
int cairn_stack_badges_using(cairn_store_t *s, const char *award, char out[][CAIRN_ID_TEXT_LEN + 1],
                             size_t max, size_t *n);

#endif
