/*
 * catalog_import.c: turning a validated cairn-catalog/1 document into catalog events.
 *
 * The whole import is one transaction: either every new or changed credential, stack and the
 * issuer become events, or nothing does. What is already held is compared by content, not by the
 * version number written in the file: a credential whose digest equals its latest version's adds
 * nothing, so importing the same file twice adds no event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "catalog.h"
#include "store_priv.h"

#define CATALOG_PARTITION "catalog"

/* Appends one catalog event whose body is {"json": text} plus, for credentials, id/version/digest
 * (id == NULL for the issuer and stacks). */
static int append_catalog_event(cairn_store_t *s, const char *type, const char *entity,
                                const char *id, uint64_t version, const char *digest,
                                const char *text)
{
    cairn_mpbuf_t b;

    cairn_mpbuf_init(&b);
    msgpack_pack_map(&b.pk, id != NULL ? 4 : 1);
    if (id != NULL) {
        cairn_mp_pack_kv_str(&b.pk, "id", id);
        cairn_mp_pack_kv_u64(&b.pk, "version", version);
        cairn_mp_pack_kv_str(&b.pk, "digest", digest);
    }
    cairn_mp_pack_kv_str(&b.pk, "json", text);
    return cairn_store_append_body(s, CATALOG_PARTITION, type, entity, &b);
}

/* Reads one text column of a one-row query keyed by key (NULL when there is no row) and says
 * whether it equals text. */
static int held_equal(cairn_store_t *s, const char *sql, const char *key, const char *text,
                      bool *equal)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, sql, &st);
    if (rc != 0)
        return rc;
    if (key != NULL)
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *equal = rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), text) == 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
}

static int import_issuer(cairn_store_t *s, const json_t *issuer, cairn_catalog_result_t *res)
{
    bool equal;
    char *text = cairn_catalog_canonical(issuer);
    int rc = text == NULL ? -ENOMEM : 0;
    if (rc == 0)
        rc = held_equal(s, "SELECT json FROM issuer WHERE id = 1", NULL, text, &equal);
    if (rc == 0 && !equal) {
        rc = append_catalog_event(s, "catalog.issuer", "issuer", NULL, 0, NULL, text);
        res->issuer += rc == 0;
    }
    free(text);
    return rc;
}

static int import_stack(cairn_store_t *s, const json_t *stack, cairn_catalog_result_t *res)
{
    bool equal;
    const char *id = json_string_value(json_object_get(stack, "id"));
    char *text = cairn_catalog_canonical(stack);
    int rc = text == NULL ? -ENOMEM : 0;
    if (rc == 0)
        rc = held_equal(s, "SELECT json FROM stacks WHERE id = ?1", id, text, &equal);
    if (rc == 0 && !equal) {
        rc = append_catalog_event(s, "catalog.stack", id, NULL, 0, NULL, text);
        res->stacks += rc == 0;
    }
    free(text);
    return rc;
}

/* The latest version of credential id and its digest; *version is 0 when none is held. */
static int latest_version(cairn_store_t *s, const char *id, uint64_t *version,
                          char digest[CAIRN_HASH_HEX_LEN + 1])
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s,
                              "SELECT version, digest FROM credentials WHERE id = ?1"
                              " ORDER BY version DESC LIMIT 1",
                              &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *version = 0;
    digest[0] = '\0';
    if (rc == SQLITE_ROW) {
        *version = (uint64_t)sqlite3_column_int64(st, 0);
        snprintf(digest, CAIRN_HASH_HEX_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cairn_store_code(rc);
}

static int import_credential(cairn_store_t *s, const json_t *credential, size_t index,
                             cairn_catalog_result_t *res, char *err, size_t errlen)
{
    char digest[CAIRN_HASH_HEX_LEN + 1], held[CAIRN_HASH_HEX_LEN + 1];
    char entity[CAIRN_ENTITY_MAX + 1];
    const char *id = json_string_value(json_object_get(credential, "id"));
    uint64_t file_version = (uint64_t)json_integer_value(json_object_get(credential, "version"));
    uint64_t latest, version;
    json_t *copy;
    char *text;
    int rc;

    rc = cairn_catalog_digest(credential, digest);
    if (rc == 0)
        rc = latest_version(s, id, &latest, held);
    if (rc != 0)
        return rc;
    if (latest > 0 && strcmp(held, digest) == 0) {
        res->unchanged++;
        return 0;
    }
    version = latest + 1 > file_version ? latest + 1 : file_version;
    if (version > CAIRN_CATALOG_VERSION_MAX) {
        snprintf(err, errlen, "$.credentials[%zu].version: version %llu would exceed %u", index,
                 (unsigned long long)version, CAIRN_CATALOG_VERSION_MAX);
        return CAIRN_EJSON;
    }
    /* The stored object says the version it is stored as, whatever the file said. */
    copy = json_copy((json_t *)credential);
    if (copy == NULL || json_object_set_new(copy, "version", json_integer((json_int_t)version)))
        rc = -ENOMEM;
    text = rc == 0 ? cairn_catalog_canonical(copy) : NULL;
    json_decref(copy);
    if (text == NULL)
        return -ENOMEM;
    if (strlen(text) > CAIRN_CATALOG_CREDENTIAL_JSON_MAX) {
        snprintf(err, errlen, "$.credentials[%zu]: the credential is %zu bytes as JSON, at most %u",
                 index, strlen(text), CAIRN_CATALOG_CREDENTIAL_JSON_MAX);
        free(text);
        return CAIRN_ETOOBIG;
    }
    snprintf(entity, sizeof entity, "%s@%llu", id, (unsigned long long)version);
    rc = append_catalog_event(s, "catalog.credential", entity, id, version, digest, text);
    free(text);
    if (rc == 0 && latest == 0)
        res->added++;
    else if (rc == 0)
        res->versioned++;
    return rc;
}

static int import_all(cairn_store_t *s, const json_t *doc, cairn_catalog_result_t *res, char *err,
                      size_t errlen)
{
    const json_t *credentials = json_object_get(doc, "credentials");
    const json_t *stacks = json_object_get(doc, "stacks");
    int rc = import_issuer(s, json_object_get(doc, "issuer"), res);
    for (size_t i = 0; rc == 0 && i < json_array_size(credentials); i++)
        rc = import_credential(s, json_array_get(credentials, i), i, res, err, errlen);
    for (size_t i = 0; rc == 0 && i < json_array_size(stacks); i++)
        rc = import_stack(s, json_array_get(stacks, i), res);
    return rc;
}

int cairn_catalog_import(cairn_store_t *s, const char *text, size_t len,
                         cairn_catalog_result_t *res, char *err, size_t errlen)
{
    json_t *doc;
    int rc;

    memset(res, 0, sizeof *res);
    if (errlen > 0)
        err[0] = '\0';
    rc = cairn_catalog_parse(text, len, &doc, err, errlen);
    if (rc != 0)
        return rc;
    rc = cairn_store_begin(s);
    if (rc == 0) {
        rc = import_all(s, doc, res, err, errlen);
        if (rc == 0)
            rc = cairn_store_commit(s);
        else
            cairn_store_rollback(s);
    }
    if (rc != 0) {
        memset(res, 0, sizeof *res);
        if (err[0] == '\0')
            snprintf(err, errlen, "storing the catalog: %s", cairn_strerror(rc));
    }
    json_decref(doc);
    return rc;
}
