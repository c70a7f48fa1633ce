/*
 * badge_verify.c: issuing and verifying OpenBadgeCredentials (cairn/badge.h): JSON <-> model
 * (badge_json.c, badge_parse.c), model -> quads (badge_model.c), proof (eddsa_rdfc.c), then the
 * verdict: signature, issuer key, validity window, revocation.
 */
#include "badge_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <cairn/err.h>
#include <cairn/multibase.h>

struct verdict_priv {
    json_t *doc;
    struct cairn_badge_evidence *ev;
};

void cairn_badge_identity_hash(const char *email, const char *salt,
                               char out[CAIRN_BADGE_IDHASH_MAX])
{
    crypto_hash_sha256_state st;
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)email, strlen(email));
    if (salt)
        crypto_hash_sha256_update(&st, (const unsigned char *)salt, strlen(salt));
    crypto_hash_sha256_final(&st, h);
    memcpy(out, "sha256$", 7);
    sodium_bin2hex(out + 7, CAIRN_BADGE_IDHASH_MAX - 7, h, sizeof h);
}

const char *cairn_badge_status_name(enum cairn_badge_status s)
{
    static const char *const names[] = {
        "valid",         "not JSON",
        "malformed",     "unsupported",
        "tampered",      "wrong issuer key",
        "not yet valid", "expired",
        "revoked",       "status list mismatch",
    };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

static void verdict(struct cairn_badge_verdict *v, enum cairn_badge_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void verdict(struct cairn_badge_verdict *v, enum cairn_badge_status s, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(v->reason, sizeof v->reason, "%s: ", cairn_badge_status_name(s));
    v->status = s;
    va_start(ap, fmt);
    vsnprintf(v->reason + n, sizeof v->reason - (size_t)n, fmt, ap);
    va_end(ap);
}

void cairn_badge_verdict_free(struct cairn_badge_verdict *v)
{
    struct verdict_priv *p = v->priv_;
    if (p) {
        json_decref(p->doc);
        free(p->ev);
        free(p);
    }
    v->priv_ = NULL;
    memset(&v->badge, 0, sizeof v->badge);
}

/* The proof and the signature: TAMPERED, WRONG_ISSUER, or VALID. */
static int check_proof(struct cairn_badge_verdict *v, const struct proof_parts *pp,
                       const uint8_t issuer_pk[32])
{
    struct cairn_rdf_dataset ds;
    cairn_rdf_init(&ds);
    int rc = badge_model_quads(&v->badge, v->issuer_id, &ds);
    if (!rc)
        rc = eddsa_rdfc_verify(&ds, pp->created, pp->vm, pp->pk, pp->value);
    cairn_rdf_free(&ds);
    if (rc == -ENOMEM)
        return rc;
    if (rc == CAIRN_EINVAL)
        verdict(v, CAIRN_BADGE_TAMPERED, "proof.proofValue is not a base58btc Ed25519 signature");
    else if (rc)
        verdict(v, CAIRN_BADGE_TAMPERED,
                "the proof does not verify (changed after signing, or "
                "not signed by the key it names)");
    else if (sodium_memcmp(pp->pk, issuer_pk, 32) != 0)
        verdict(v, CAIRN_BADGE_WRONG_ISSUER, "signed by %.60s, which is not the issuer's key %.60s",
                pp->vm, v->issuer_id);
    return 0;
}

static void check_status(struct cairn_badge_verdict *v, const struct cairn_status_list *sl,
                         const uint8_t issuer_pk[32], int64_t now_ms)
{
    const struct cairn_badge *b = &v->badge;
    if (!b->status_list_url)
        return; /* it cannot be revoked: whatever the list says does not concern it */
    if (strcmp(sl->id, b->status_list_url) != 0) {
        verdict(v, CAIRN_BADGE_STATUS_MISMATCH,
                "the status list given is %.200s, the credential's is %.200s", sl->id,
                b->status_list_url);
        return;
    }
    if (sodium_memcmp(sl->issuer_pk, issuer_pk, 32) != 0) {
        verdict(v, CAIRN_BADGE_STATUS_MISMATCH, "the status list is signed by another issuer");
        return;
    }
    int bit = cairn_status_list_get(sl, b->status_index);
    if (bit < 0) {
        verdict(v, CAIRN_BADGE_STATUS_MISMATCH,
                "statusListIndex %u is beyond the list's %zu entries", b->status_index, sl->nbits);
        return;
    }
    if (bit) {
        verdict(v, CAIRN_BADGE_REVOKED, "the issuer revoked it (status list %.200s, index %u)",
                sl->id, b->status_index);
    } else if (sl->valid_until_ms && now_ms >= sl->valid_until_ms) {
        /* revocation is final, so an old list that says "revoked" is believed; one that says
         * "not revoked" is only as good as its date */
        char t[BADGE_TIME_MAX];
        badge_time_format(sl->valid_until_ms, t);
        verdict(v, CAIRN_BADGE_STATUS_MISMATCH,
                "the status list is out of date (valid until %s): get the issuer's current one", t);
    }
}

int cairn_badge_verify(const char *json, size_t len, const struct cairn_status_list *status,
                       int64_t now_ms, struct cairn_badge_verdict *v)
{
    struct strict st = {CAIRN_BADGE_VALID, ""};
    struct proof_parts pp;
    json_error_t jerr;
    const char *issuer_id = NULL;
    uint8_t issuer_pk[32];
    memset(v, 0, sizeof *v);
    if (len > CAIRN_BADGE_JSON_MAX) {
        verdict(v, CAIRN_BADGE_MALFORMED, "%zu bytes, over the %u-byte limit for a credential", len,
                CAIRN_BADGE_JSON_MAX);
        return 0;
    }
    struct verdict_priv *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    v->priv_ = p;
    p->doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!p->doc) {
        verdict(v, CAIRN_BADGE_NOT_JSON, "line %d column %d: %s", jerr.line, jerr.column,
                jerr.text);
        return 0;
    }
    if (badge_parse(&st, p->doc, &v->badge, &p->ev, &issuer_id) == 0)
        strict_proof(&st, p->doc, &pp);
    if (!st.code && cairn_didkey_decode(issuer_id, strlen(issuer_id), issuer_pk) != 0)
        strict_fail(&st, CAIRN_BADGE_UNSUPPORTED,
                    "issuer.id is not an Ed25519 did:key (we verify offline, without resolving)");
    if (st.code) {
        verdict(v, st.code, "%s", st.msg);
        memset(&v->badge, 0, sizeof v->badge);
        return 0;
    }
    snprintf(v->issuer_id, sizeof v->issuer_id, "%s", issuer_id);
    snprintf(v->created, sizeof v->created, "%s", pp.created);
    verdict(v, CAIRN_BADGE_VALID, "signed by %.100s (%.200s)", v->issuer_id, v->badge.issuer_name);
    int rc = check_proof(v, &pp, issuer_pk);
    if (rc)
        return rc;
    if (v->status != CAIRN_BADGE_VALID)
        return 0;
    char t[BADGE_TIME_MAX];
    if (now_ms < v->badge.valid_from_ms) {
        badge_time_format(v->badge.valid_from_ms, t);
        verdict(v, CAIRN_BADGE_NOT_YET_VALID, "valid from %s", t);
    } else if (v->badge.valid_until_ms && now_ms >= v->badge.valid_until_ms) {
        badge_time_format(v->badge.valid_until_ms, t);
        verdict(v, CAIRN_BADGE_EXPIRED, "valid until %s", t);
    } else if (status) {
        check_status(v, status, issuer_pk, now_ms);
    }
    return 0;
}

/* Reads back what we wrote with the strict parser and checks it gives the very quads we signed:
 * a model the writer and the parser disagreed on would be a credential nobody can verify. (The
 * signature itself need not be checked again: same quads, same proof options, same bytes.) */
static int read_back(const char *json, size_t len, const struct cairn_rdf_dataset *signed_quads,
                     const char *value, char *err, size_t errlen)
{
    struct strict st = {CAIRN_BADGE_VALID, ""};
    struct cairn_badge b;
    struct cairn_badge_evidence *ev = NULL;
    struct proof_parts pp;
    struct cairn_rdf_dataset ds;
    const char *issuer_id;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    int rc = doc ? 0 : CAIRN_EINVAL;
    cairn_rdf_init(&ds);
    if (!rc && (badge_parse(&st, doc, &b, &ev, &issuer_id) || strict_proof(&st, doc, &pp)))
        rc = CAIRN_EINVAL;
    if (!rc)
        rc = badge_model_quads(&b, issuer_id, &ds);
    if (!rc && (!cairn_rdf_equal(&ds, signed_quads) || strcmp(pp.value, value) != 0))
        rc = CAIRN_EINVAL;
    if (rc)
        snprintf(err, errlen, "badge: the credential does not read back%s%s",
                 st.code ? ": " : " as it was signed", st.msg);
    cairn_rdf_free(&ds);
    free(ev);
    json_decref(doc);
    return rc;
}

int cairn_badge_issue(const struct cairn_badge *b, const uint8_t issuer_sk[64], int64_t created_ms,
                      char **json, size_t *len, char *err, size_t errlen)
{
    char did[CAIRN_DIDKEY_MAX], vm[CAIRN_DIDKEY_VM_MAX], created[BADGE_TIME_MAX];
    char value[PROOF_VALUE_MAX];
    struct cairn_rdf_dataset ds;
    *json = NULL;
    *len = 0;
    cairn_didkey_encode(issuer_sk + 32, did);
    cairn_didkey_vm(issuer_sk + 32, vm);
    if (badge_time_format(created_ms, created) != 0) {
        snprintf(err, errlen, "badge: the proof time is outside 1970..9999");
        return CAIRN_EINVAL;
    }
    json_t *doc = badge_json(b, did, err, errlen);
    if (!doc)
        return CAIRN_EINVAL;
    cairn_rdf_init(&ds);
    int rc = badge_model_quads(b, did, &ds);
    if (!rc)
        rc = eddsa_rdfc_sign(&ds, created, vm, issuer_sk, value);
    if (!rc && json_object_set_new(doc, "proof", eddsa_rdfc_proof_json(created, vm, value)))
        rc = -ENOMEM;
    if (!rc && !(*json = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15))))
        rc = -ENOMEM;
    json_decref(doc);
    if (rc)
        snprintf(err, errlen, "badge: %s", cairn_strerror(rc));
    else
        *len = strlen(*json);
    if (!rc && *len > CAIRN_BADGE_JSON_MAX) {
        snprintf(err, errlen, "badge: %zu bytes of JSON, over the %u-byte limit", *len,
                 CAIRN_BADGE_JSON_MAX);
        rc = CAIRN_ETOOBIG;
    }
    if (!rc)
        rc = read_back(*json, *len, &ds, value, err, errlen);
    cairn_rdf_free(&ds);
    if (rc) {
        free(*json);
        *json = NULL;
        *len = 0;
    }
    return rc;
}

int cairn_badge_nquads(const char *json, size_t len, char **nquads, size_t *nlen, char *err,
                       size_t errlen)
{
    struct strict st = {CAIRN_BADGE_VALID, ""};
    struct cairn_badge b;
    struct cairn_badge_evidence *ev = NULL;
    struct cairn_rdf_dataset ds;
    struct status_list_doc sl;
    const char *issuer_id;
    json_error_t jerr;
    int rc;
    *nquads = NULL;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        snprintf(err, errlen, "not JSON: %s", jerr.text);
        return CAIRN_EJSON;
    }
    cairn_rdf_init(&ds);
    const json_t *type = json_object_get(doc, "type");
    if (json_is_array(type) && json_array_size(type) == 2 &&
        json_is_string(json_array_get(type, 1)) &&
        strcmp(json_string_value(json_array_get(type, 1)), "BitstringStatusListCredential") == 0) {
        rc = status_list_parse_doc(&st, doc, &sl) ? CAIRN_EJSON : status_list_quads(&sl, &ds);
    } else {
        rc = badge_parse(&st, doc, &b, &ev, &issuer_id) ? CAIRN_EJSON
                                                        : badge_model_quads(&b, issuer_id, &ds);
    }
    if (!rc)
        rc = cairn_rdfc_canonize(&ds, nquads, nlen);
    if (rc)
        snprintf(err, errlen, "%s", st.code ? st.msg : cairn_strerror(rc));
    cairn_rdf_free(&ds);
    free(ev);
    json_decref(doc);
    return rc;
}
