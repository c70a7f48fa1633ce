/*
 * award.h: the Open Badges 3.0 credential a hub issues with each award, and the status list
 * that revokes it (PROTOCOL.md 10.6). The credential model, canonicalisation and proofs are in
 * proto (cairn/badge.h); this module gathers what an award says from the store (the catalog
 * entry, the issuer, the earner, the evidence hashes) and keeps the hub's issuer key.
 *
 *   DATADIR/issuer.key   the hub's issuer Ed25519 secret key (64 bytes, mode 0600), created on
 *                        the first award; its public key, as a did:key, is the issuer's id.
 *
 * URLs: the catalog issuer's `url` is the base (`https://resa.example.org` in the sample):
 * a credential is BASE/badges/AWARD, a status list BASE/status/N (N = 1, 2, ... of 131,072
 * entries each), an achievement BASE/credentials/ID/vVERSION.
 */
#ifndef CAIRN_AWARD_H
#define CAIRN_AWARD_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define CAIRN_ISSUER_KEY_FILE "issuer.key"
#define CAIRN_AWARD_URL_MAX 512
#define CAIRN_AWARD_STATUS_JSON_MAX (1024u * 1024) /* a signed status list (sparse: ~1 KiB) */

/* Loads DATADIR/issuer.key, creating it (durably, 0600) when missing. Refuses a key file others
 * may read or of the wrong size. 0, or a negative code with err. */
int cairn_award_issuer_key(const char *datadir, uint8_t sk[64], char *err, size_t errlen);

typedef struct {
    const char *award;      /* the award id */
    const char *submission; /* the submission it is for */
    const char *educator;   /* the earner's educator id */
    const char *credential; /* catalog credential id and version */
    uint64_t version;
    uint64_t issued_ms;
} cairn_award_req_t;

typedef struct {
    char *json; /* the signed OpenBadgeCredential (heap, caller frees) */
    size_t len;
    char status_list[CAIRN_AWARD_URL_MAX]; /* the status list it points into */
    uint32_t status_index;
} cairn_award_signed_t;

/* Builds and signs the credential for r with the hub's issuer key (inside the caller's
 * transaction: the status index is the number of awards this node issued before). 0, or a
 * negative code with err. */
int cairn_award_sign(cairn_store_t *s, const char *datadir, const cairn_award_req_t *r,
                     cairn_award_signed_t *out, char *err, size_t errlen);

/* A stack's own badge (stack_complete.c): the educator earned every credential of the stack,
 * awards[i] being the award of credentials[i] (titled titles[i]). The achievement is
 * BASE/stacks/STACK, its criteria list the constituent credentials, its evidence their awards. */
typedef struct {
    const char *award;    /* the stack badge's own award id */
    const char *educator; /* the earner */
    const char *stack;
    uint64_t issued_ms;
    const char *const *awards, *const *credentials, *const *titles;
    size_t n;
} cairn_award_stack_req_t;

/* As cairn_award_sign, for a stack's badge. */
int cairn_award_sign_stack(cairn_store_t *s, const char *datadir, const cairn_award_stack_req_t *r,
                           cairn_award_signed_t *out, char *err, size_t errlen);

/* BASE/status/LIST into out. */
void cairn_award_status_url(const char *base, uint32_t list, char out[CAIRN_AWARD_URL_MAX]);

/* Appends catalog.status: the status list at url signed anew from the awards' revocations (a
 * hub publishes each list when its first award is issued, then on every revocation). */
int cairn_award_publish_list(cairn_store_t *s, const char *datadir, const char *url,
                             uint64_t now_ms, char *err, size_t errlen);

/* Revokes award (issued by this hub): appends award.revoke in the award's partition and a new
 * signed status list (catalog.status in `catalog`) in one transaction. 0, CAIRN_ENOTFOUND,
 * CAIRN_ESTATE (already revoked, or issued by another hub), or another code; err says which. */
int cairn_award_revoke(cairn_store_t *s, const char *datadir, const char *award, const char *reason,
                       uint64_t now_ms, char *err, size_t errlen);

#endif
