/*
 * review.h: the assessor's rules at the hub (PROTOCOL.md 2.1 review ops, 4 review events):
 * who may act, claim, score, decide, award. Each operation checks its rules against the
 * projections, then appends its events into the submission's school partition (so they sync
 * down), all in one transaction: a refused request records nothing.
 *
 *   assessor  an educator registered AT THIS NODE (its educator.add has our origin) with role
 *             assessor; scope "peer" (a trained peer reviewer) may act only on credentials
 *             that allow peer review (catalog field peer_review, else [review] peer_review)
 *   claim     a submitted or in-review submission of another node; refused while another
 *             assessor's claim is live (a claim lives claim_hours after it was made or after
 *             the claimant's last score on it, whichever is later)
 *   score     by the live claim's holder; a part of the credential version that has evidence;
 *             feedback <= 8 KiB, and not empty for not-yet
 *   decide    by the holder, once every part with evidence has a score; meets iff every
 *             part's current score meets; meets also issues the award (award.issue)
 * Every refusal names the submission, part, state or person concerned.
 */
#ifndef CAIRN_REVIEW_H
#define CAIRN_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/id.h>

#include "store.h"

#define CAIRN_REVIEW_PART_MAX 64
#define CAIRN_REVIEW_FEEDBACK_MAX (8u * 1024)     /* a page of prose; bounds every review row */
#define CAIRN_REVIEW_PARTS_MAX 64                 /* parts in a decision or award (catalog: 16) */
#define CAIRN_AWARD_CREDENTIAL_MAX (1024u * 1024) /* the signed OB3 JSON (award.h) */

typedef struct {
    uint64_t now_ms;          /* wall clock, unix ms */
    uint32_t claim_hours;     /* [review] claim_hours */
    const char *peer_review;  /* [review] peer_review: credential ids, or NULL */
    const char *double_blind; /* [review] double_blind: credential ids, or NULL */
    const char *datadir;      /* the hub's data dir: its issuer.key signs each award's Open
                               * Badges credential (award.h); NULL: awards carry none (store
                               * tests only) */
} cairn_review_cfg_t;

typedef struct {
    char id[CAIRN_ID_TEXT_LEN + 1];
    char name[201];
    bool peer;
} cairn_assessor_t;

/* SQL expression, true when evidence row e of a resubmission is carried unchanged (same type,
 * hash, text) from a part that met in the previous attempt's current decision: it counts as
 * meets until scored anew in this attempt, so an assessor re-scores only what changed. */
#define CAIRN_REVIEW_CARRIED_SQL(e)                                                                \
    "EXISTS (SELECT 1 FROM submissions cs JOIN evidence pe ON pe.submission = cs.previous"         \
    " AND pe.part = " e ".part AND pe.type = " e ".type AND pe.hash IS " e ".hash"                 \
    " AND pe.text IS " e ".text WHERE cs.id = " e ".submission AND instr(' ' || (SELECT d.parts"   \
    " FROM review_decisions d WHERE d.submission = cs.previous ORDER BY d.hlc DESC, d.origin DESC" \
    " LIMIT 1) || ' ', ' ' || " e ".part || '=meets ') > 0)"

/* Resolves who (an educator id, a unique prefix of one, or a unique exact name) among the
 * educators registered at this node, and checks the role. CAIRN_EDENIED for a non-assessor. */
int cairn_review_assessor(cairn_store_t *s, const char *who, size_t who_len, cairn_assessor_t *out,
                          char *err, size_t errlen);

/* Does credential@version carry the boolean catalog field (peer_review, double_blind) set to
 * true, or, when the field is absent, is the credential id in list (comma/space separated)? */
bool cairn_review_flag(cairn_store_t *s, const char *credential, uint64_t version,
                       const char *field, const char *list);

/* The live claim on submission id, if any: holder and expiry (unix ms). */
typedef struct {
    bool live;
    char assessor[CAIRN_ID_TEXT_LEN + 1];
    uint64_t expires;
} cairn_review_claim_t;
int cairn_review_claim_get(cairn_store_t *s, const cairn_review_cfg_t *cfg, const char *id,
                           cairn_review_claim_t *out);

int cairn_review_claim(cairn_store_t *s, const cairn_review_cfg_t *cfg, const cairn_assessor_t *a,
                       const char *id, uint64_t *expires, char *err, size_t errlen);

int cairn_review_score(cairn_store_t *s, const cairn_review_cfg_t *cfg, const cairn_assessor_t *a,
                       const char *id, const char *part, size_t part_len, bool meets,
                       const char *feedback, size_t feedback_len, char *err, size_t errlen);

typedef struct {
    bool meets;
    char award[CAIRN_ID_TEXT_LEN + 1]; /* "" when not-yet */
} cairn_review_decided_t;
int cairn_review_decide(cairn_store_t *s, const cairn_review_cfg_t *cfg, const cairn_assessor_t *a,
                        const char *id, cairn_review_decided_t *out, char *err, size_t errlen);

#endif
