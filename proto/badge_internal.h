/*
 * badge_internal.h: what the badge modules share and nothing else links: the RDF vocabulary,
 * time formatting, the model -> N-Quads builders, the eddsa-rdfc-2022 proof, the strict JSON
 * readers. The public API is cairn/badge.h.
 */
#ifndef CAIRN_BADGE_INTERNAL_H
#define CAIRN_BADGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <cairn/badge.h>
#include <cairn/rdf.h>

/* IRIs the two contexts give the terms we use (read from the npm context packages). */
struct strict;

#define VC_NS "https://www.w3.org/2018/credentials#"
#define OB_NS "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
#define SCHEMA_NS "https://schema.org/"
#define STATUS_NS "https://www.w3.org/ns/credentials/status#"
#define SEC_NS "https://w3id.org/security#"
#define XSD_DATETIME "http://www.w3.org/2001/XMLSchema#dateTime"   /* VC 2.0: http */
#define XSD_BOOLEAN_OB "https://www.w3.org/2001/XMLSchema#boolean" /* OB 3.0.3: https */
#define XSD_FLOAT_OB "https://www.w3.org/2001/XMLSchema#float"     /* OB 3.0.3: https */
#define DCTERMS_CREATED "http://purl.org/dc/terms/created"

#define STATUS_LIST_JSON_MAX CAIRN_STATUS_LIST_JSON_MAX

#define BADGE_TIME_MAX 32
/* "YYYY-MM-DDThh:mm:ssZ" (UTC, whole seconds). Returns 0 or CAIRN_EINVAL (year outside
 * 1970..9999). */
int badge_time_format(int64_t ms, char out[BADGE_TIME_MAX]);
/* Exactly that form and nothing else; a real calendar date. Returns 0 or CAIRN_EINVAL. */
int badge_time_parse(const char *s, int64_t *ms);

/* An absolute IRI we can put in N-Quads unescaped: a scheme, ":", then no space, control, or
 * <>"{}|^`\ character. */
int badge_iri_ok(const char *s);

/* Valid UTF-8 without overlong forms or surrogates (what jansson accepts). */
int badge_utf8_ok(const char *s);

/* The unsigned credential document (badge_json.c); NULL with err when the model is invalid. */
json_t *badge_json(const struct cairn_badge *b, const char *issuer_did, char *err, size_t errlen);

/* Strict parse of a credential document into b (badge_parse.c). Strings point into doc; the
 * evidence array is allocated (*ev, caller frees). Returns 0 or -1 with st filled. */
int badge_parse(struct strict *st, const json_t *doc, struct cairn_badge *b,
                struct cairn_badge_evidence **ev, const char **issuer_id);

/* creditsAvailable's RDF lexical form, as JSON-LD writes a JSON number. */
void badge_credits_lexical(uint32_t centihours, char out[32]);

/* The quads of a credential without its proof (badge_model.c). */
int badge_model_quads(const struct cairn_badge *b, const char *issuer_did,
                      struct cairn_rdf_dataset *ds);

/* The quads of a status list credential without its proof (statuslist.c). */
struct status_list_doc {
    const char *id, *issuer_did, *valid_from, *valid_until, *subject, *encoded;
    int64_t valid_from_ms, valid_until_ms;
};
int status_list_quads(const struct status_list_doc *d, struct cairn_rdf_dataset *ds);
/* Strict parse of a status list credential document (without checking its proof). */
int status_list_parse_doc(struct strict *st, const json_t *doc, struct status_list_doc *d);

/* eddsa-rdfc-2022 (eddsa_rdfc.c): proof options are the type, cryptosuite, created, the
 * verification method and proofPurpose assertionMethod. */
#define PROOF_VALUE_MAX 128
int eddsa_rdfc_sign(const struct cairn_rdf_dataset *doc, const char *created, const char *vm,
                    const uint8_t sk[64], char value[PROOF_VALUE_MAX]);
/* 0, CAIRN_ECRYPTO (does not verify), CAIRN_EINVAL (proofValue not z + 64 bytes), -ENOMEM. */
int eddsa_rdfc_verify(const struct cairn_rdf_dataset *doc, const char *created, const char *vm,
                      const uint8_t pk[32], const char *value);
/* The proof object of the JSON ("proof"), in our key order. */
json_t *eddsa_rdfc_proof_json(const char *created, const char *vm, const char *value);

/* Strict reading of JSON (badge_strict.c). The first problem is kept in the reader: a code
 * (CAIRN_BADGE_MALFORMED or CAIRN_BADGE_UNSUPPORTED) and a message naming the property path. */
struct strict {
    enum cairn_badge_status code; /* CAIRN_BADGE_VALID while no problem */
    char msg[400];
};
void strict_fail(struct strict *st, enum cairn_badge_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* obj must be an object with only the keys listed (NULL-terminated). */
int strict_object(struct strict *st, const json_t *obj, const char *path,
                  const char *const *allowed);
/* A string member: NULL when absent (and a problem when required), a problem when not a string,
 * empty, over CAIRN_BADGE_TEXT_MAX or containing NUL. */
const char *strict_string(struct strict *st, const json_t *obj, const char *path, const char *key,
                          int required);
/* The same with another length limit than CAIRN_BADGE_TEXT_MAX. */
const char *strict_string_max(struct strict *st, const json_t *obj, const char *path,
                              const char *key, int required, size_t max);
/* An IRI member (badge_iri_ok). */
const char *strict_iri(struct strict *st, const json_t *obj, const char *path, const char *key,
                       int required);
/* "type": the string want, or an array holding exactly the strings in want (any order). */
int strict_type(struct strict *st, const json_t *obj, const char *path, const char *const *want);
/* A dateTime member into *ms (absent: 0, and a problem when required); *text keeps the string. */
int strict_time(struct strict *st, const json_t *obj, const char *path, const char *key,
                int required, int64_t *ms, const char **text);
/* "@context": exactly the array of the contexts listed, in that order. */
int strict_context(struct strict *st, const json_t *doc, const char *const *want);

/* The proof of a document: checks its shape and returns its parts. */
struct proof_parts {
    const char *created, *vm, *value;
    uint8_t pk[32];
};
int strict_proof(struct strict *st, const json_t *doc, struct proof_parts *p);

/* JSON writing helpers: set a string member (skipped when s is NULL). */
int json_put_str(json_t *obj, const char *key, const char *s);

#endif
