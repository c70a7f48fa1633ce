/*
 * catalog.h: the cairn-catalog/1 JSON document: validation (catalog.c) and import as events
 * (catalog_import.c).
 *
 * Validation is strict and complete before anything is written: every required field of the
 * issuer, the stacks and each credential, their types and sizes, unknown fields, unique ids and
 * evidence parts, rubric parts that name an evidence part, stack references to credentials in the
 * document. The first problem found is reported as "<JSON path>: <what was expected>", e.g.
 * "$.credentials[3].evidence[1].required: expected a boolean, found a string".
 */
#ifndef CAIRN_CATALOG_H
#define CAIRN_CATALOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/chunk.h>

#include "store.h"

#define CAIRN_CATALOG_FORMAT "cairn-catalog/1"
/* The protocol's limit on catalog.import's `json` argument. */
#define CAIRN_CATALOG_MAX_BYTES (2u * 1024 * 1024)
#define CAIRN_CATALOG_MAX_CREDENTIALS 500u
#define CAIRN_CATALOG_MAX_STACKS 100u
#define CAIRN_CATALOG_ID_MAX 64u
#define CAIRN_CATALOG_VERSION_MAX 1000000u
#define CAIRN_CATALOG_PD_HOURS_MAX 1000.0
/* One credential's canonical JSON must fit an event body with room for the envelope. */
#define CAIRN_CATALOG_CREDENTIAL_JSON_MAX (512u * 1024)

typedef struct {
    uint64_t added;     /* credentials seen for the first time */
    uint64_t versioned; /* credentials whose content changed: a new version */
    uint64_t unchanged; /* credentials identical to their latest version */
    uint64_t stacks;    /* stacks new or changed */
    uint64_t issuer;    /* 1 if the issuer was new or changed */
} cairn_catalog_result_t;

/* Parses text (len bytes, at most CAIRN_CATALOG_MAX_BYTES) and validates the whole document.
 * On success *out holds the document (json_decref it). Returns 0, CAIRN_ETOOBIG or CAIRN_EJSON
 * with "<path>: <problem>" in err. */
int cairn_catalog_parse(const char *text, size_t len, json_t **out, char *err, size_t errlen);

/* Validate one object of each kind on its own (paths start at "$"); used again by the projection
 * on events that came from elsewhere. A stack's references are not checked here. */
int cairn_catalog_check_issuer(const json_t *issuer, char *err, size_t errlen);
int cairn_catalog_check_stack(const json_t *stack, char *err, size_t errlen);
int cairn_catalog_check_credential(const json_t *credential, char *err, size_t errlen);

/* Canonical form of a JSON value: json_dumps(JSON_SORT_KEYS | JSON_COMPACT). Caller frees. */
char *cairn_catalog_canonical(const json_t *value);

/* BLAKE2b-256 over the canonical form of the credential without its "version", in hex: equal
 * digests mean equal content whatever the version number says. Returns 0 or -ENOMEM. */
int cairn_catalog_digest(const json_t *credential, char hex[CAIRN_HASH_HEX_LEN + 1]);

/* Validates, then imports in ONE transaction: a credential identical to its latest version adds
 * nothing; a changed one becomes version max(latest + 1, the file's version); the issuer and each
 * stack produce an event only when new or changed. Importing the same document twice adds no
 * event. On any failure nothing is stored. */
int cairn_catalog_import(cairn_store_t *s, const char *text, size_t len,
                         cairn_catalog_result_t *res, char *err, size_t errlen);

#endif
