/*
 * projection_catalog.c: projecting catalog events (issuer, stacks, credential versions).
 *
 * The JSON inside a catalog event is validated again with the same rules as an import
 * (catalog.c): an event from another node is as untrusted as a file. Each credential version is
 * its own row (id, version), never overwritten by a later version; the evidence parts and stack
 * memberships derived from the JSON are replaced only when their parent row's write wins
 * (last writer wins by (hlc, origin)).
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "catalog.h"
#include "projection.h"
#include "search.h"
#include "store_priv.h"

/* Parses the body's "json" string; *text and *len point at it, for storing it verbatim. */
static int body_json(const msgpack_object *body, json_t **out, const char **text, size_t *len)
{
    json_error_t jerr;
    if (cairn_projection_body_str(body, "json", 2, CAIRN_EVENT_BODY_MAX, text, len) != 0)
        return CAIRN_EINVAL;
    *out = json_loadb(*text, *len, JSON_REJECT_DUPLICATES, &jerr);
    return *out != NULL ? 0 : CAIRN_EINVAL;
}

/* Binds the (hlc, origin) of ev at parameters i and i + 1. */
static void bind_writer(sqlite3_stmt *st, int i, const cairn_event_t *ev)
{
    sqlite3_bind_int64(st, i, (sqlite3_int64)ev->hlc);
    sqlite3_bind_blob(st, i + 1, ev->origin, CAIRN_NODE_ID_LEN, SQLITE_STATIC);
}

/* Steps an upsert; *won says whether the event's write took effect. */
static int upsert(cairn_store_t *s, sqlite3_stmt *st, bool *won)
{
    int rc = cairn_store_exec_stmt(st);
    *won = rc == 0 && sqlite3_changes(cairn_store_db(s)) > 0;
    return rc;
}

int cairn_projection_issuer(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body)
{
    char err[128]; /* the reason is not reported: the event is refused as EINVAL */
    const char *text;
    size_t len;
    json_t *issuer;
    sqlite3_stmt *st = NULL;
    bool won;
    int rc = body_json(body, &issuer, &text, &len);
    if (rc != 0)
        return rc;
    rc = cairn_catalog_check_issuer(issuer, err, sizeof err) == 0 ? 0 : CAIRN_EINVAL;
    json_decref(issuer);
    if (rc == 0)
        rc =
            cairn_store_stmt(s,
                             "INSERT INTO issuer(id, json, hlc, origin) VALUES(1, ?1, ?2, ?3)"
                             " ON CONFLICT(id) DO UPDATE SET json = excluded.json,"
                             " hlc = excluded.hlc, origin = excluded.origin"
                             " WHERE (excluded.hlc, excluded.origin) > (issuer.hlc, issuer.origin)",
                             &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, text, (int)len, SQLITE_STATIC);
    bind_writer(st, 2, ev);
    return upsert(s, st, &won);
}

static int stack_members(cairn_store_t *s, const char *stack, const json_t *refs)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(s, "DELETE FROM stack_credentials WHERE stack = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, stack, -1, SQLITE_STATIC);
    rc = cairn_store_exec_stmt(st);
    for (size_t i = 0; rc == 0 && i < json_array_size(refs); i++) {
        rc = cairn_store_stmt(s,
                              "INSERT INTO stack_credentials(stack, credential, pos)"
                              " VALUES(?1, ?2, ?3)",
                              &st);
        if (rc != 0)
            break;
        sqlite3_bind_text(st, 1, stack, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, json_string_value(json_array_get(refs, i)), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
        rc = cairn_store_exec_stmt(st);
    }
    return rc;
}

int cairn_projection_stack(cairn_store_t *s, const cairn_event_t *ev, const msgpack_object *body)
{
    char err[128]; /* the reason is not reported: the event is refused as EINVAL */
    const char *text;
    size_t len;
    json_t *stack;
    sqlite3_stmt *st = NULL;
    bool won = false;
    int rc = body_json(body, &stack, &text, &len);
    if (rc != 0)
        return rc;
    if (cairn_catalog_check_stack(stack, err, sizeof err) != 0 ||
        strcmp(json_string_value(json_object_get(stack, "id")), ev->entity) != 0)
        rc = CAIRN_EINVAL;
    if (rc == 0)
        rc =
            cairn_store_stmt(s,
                             "INSERT INTO stacks(id, title, json, hlc, origin)"
                             " VALUES(?1, ?2, ?3, ?4, ?5)"
                             " ON CONFLICT(id) DO UPDATE SET title = excluded.title,"
                             " json = excluded.json, hlc = excluded.hlc, origin = excluded.origin"
                             " WHERE (excluded.hlc, excluded.origin) > (stacks.hlc, stacks.origin)",
                             &st);
    if (rc == 0) {
        sqlite3_bind_text(st, 1, ev->entity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, json_string_value(json_object_get(stack, "title")), -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 3, text, (int)len, SQLITE_STATIC);
        bind_writer(st, 4, ev);
        rc = upsert(s, st, &won);
    }
    if (rc == 0 && won)
        rc = stack_members(s, ev->entity, json_object_get(stack, "credentials"));
    json_decref(stack);
    return rc;
}

static int credential_parts(cairn_store_t *s, const char *id, uint64_t version,
                            const json_t *evidence)
{
    sqlite3_stmt *st = NULL;
    int rc = cairn_store_stmt(
        s, "DELETE FROM credential_parts WHERE credential = ?1 AND version = ?2", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
    rc = cairn_store_exec_stmt(st);
    for (size_t i = 0; rc == 0 && i < json_array_size(evidence); i++) {
        const json_t *part = json_array_get(evidence, i);
        rc = cairn_store_stmt(s,
                              "INSERT INTO credential_parts(credential, version, part, pos, kind,"
                              " required, description) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                              &st);
        if (rc != 0)
            break;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
        sqlite3_bind_text(st, 3, json_string_value(json_object_get(part, "part")), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)i);
        sqlite3_bind_text(st, 5, json_string_value(json_object_get(part, "kind")), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(st, 6, json_is_true(json_object_get(part, "required")));
        sqlite3_bind_text(st, 7, json_string_value(json_object_get(part, "description")), -1,
                          SQLITE_STATIC);
        rc = cairn_store_exec_stmt(st);
    }
    return rc;
}

/* The body's id, version and digest must say what the JSON says, and the entity "id@version". */
static int credential_consistent(const cairn_event_t *ev, const msgpack_object *body,
                                 const json_t *credential, uint64_t *version)
{
    char digest[CAIRN_HASH_HEX_LEN + 1], entity[CAIRN_ENTITY_MAX + 1];
    const char *id = json_string_value(json_object_get(credential, "id"));
    const char *body_id, *body_digest;
    size_t id_len, digest_len;

    if (cairn_projection_body_str(body, "id", 1, CAIRN_CATALOG_ID_MAX, &body_id, &id_len) != 0 ||
        cairn_projection_body_str(body, "digest", CAIRN_HASH_HEX_LEN, CAIRN_HASH_HEX_LEN,
                                  &body_digest, &digest_len) != 0 ||
        cairn_mp_get_u64(body, "version", version) != 0)
        return CAIRN_EINVAL;
    if (id_len != strlen(id) || memcmp(body_id, id, id_len) != 0 ||
        *version != (uint64_t)json_integer_value(json_object_get(credential, "version")))
        return CAIRN_EINVAL;
    snprintf(entity, sizeof entity, "%s@%llu", id, (unsigned long long)*version);
    if (strcmp(entity, ev->entity) != 0)
        return CAIRN_EINVAL;
    if (cairn_catalog_digest(credential, digest) != 0 ||
        memcmp(digest, body_digest, CAIRN_HASH_HEX_LEN) != 0)
        return CAIRN_EINVAL;
    return 0;
}

int cairn_projection_credential(cairn_store_t *s, const cairn_event_t *ev,
                                const msgpack_object *body)
{
    char err[128], digest[CAIRN_HASH_HEX_LEN + 1];
    const char *text, *id;
    size_t len;
    uint64_t version = 0;
    json_t *credential;
    sqlite3_stmt *st = NULL;
    bool won = false;
    int rc = body_json(body, &credential, &text, &len);
    if (rc != 0)
        return rc;
    if (cairn_catalog_check_credential(credential, err, sizeof err) != 0 ||
        credential_consistent(ev, body, credential, &version) != 0)
        rc = CAIRN_EINVAL;
    id = json_string_value(json_object_get(credential, "id"));
    if (rc == 0)
        rc = cairn_store_stmt(
            s,
            "INSERT INTO credentials(id, version, title, pd_hours, digest, json, hlc, origin)"
            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            " ON CONFLICT(id, version) DO UPDATE SET title = excluded.title,"
            " pd_hours = excluded.pd_hours, digest = excluded.digest, json = excluded.json,"
            " hlc = excluded.hlc, origin = excluded.origin"
            " WHERE (excluded.hlc, excluded.origin) > (credentials.hlc, credentials.origin)",
            &st);
    if (rc == 0) {
        memcpy(digest, cairn_mp_get(body, "digest")->via.str.ptr, CAIRN_HASH_HEX_LEN);
        digest[CAIRN_HASH_HEX_LEN] = '\0';
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
        sqlite3_bind_text(st, 3, json_string_value(json_object_get(credential, "title")), -1,
                          SQLITE_STATIC);
        sqlite3_bind_double(st, 4, json_number_value(json_object_get(credential, "pd_hours")));
        sqlite3_bind_text(st, 5, digest, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, text, (int)len, SQLITE_STATIC);
        bind_writer(st, 7, ev);
        rc = upsert(s, st, &won);
    }
    if (rc == 0 && won)
        rc = credential_parts(s, id, version, json_object_get(credential, "evidence"));
    if (rc == 0 && won)
        rc = cairn_search_index_credential(s, id, version);
    json_decref(credential);
    return rc;
}
