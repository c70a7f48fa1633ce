/*
 * catalog.c: validating a cairn-catalog/1 document. Reads JSON, writes nothing.
 *
 * Each kind of object is described by a table of fields (type, required, size limits); one walker
 * checks any object against its table, refuses fields the table does not name (a misspelt
 * "requried" must not silently become an optional part), and keeps the JSON path of where it is so
 * every error names the exact place. Cross-field rules (unique ids and parts, rubric parts, stack
 * references) follow the table checks. Every loop is bounded by a limit checked before it runs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "catalog.h"

typedef enum {
    F_STR,     /* non-empty string of at most max bytes */
    F_SLUG,    /* [a-z0-9]+(-[a-z0-9]+)*, at most max bytes */
    F_BOOL,    /* true or false */
    F_VERSION, /* integer 1..CAIRN_CATALOG_VERSION_MAX */
    F_HOURS,   /* number 0..CAIRN_CATALOG_PD_HOURS_MAX */
    F_KIND,    /* one of the evidence kinds */
    F_FORMAT,  /* exactly CAIRN_CATALOG_FORMAT */
    F_OBJECT,  /* an object (checked by the caller) */
    F_STRS,    /* array of min..max non-empty strings of at most item bytes */
    F_SLUGS,   /* array of min..max slugs of at most item bytes */
    F_OBJECTS, /* array of min..max objects (checked by the caller) */
} field_kind_t;

typedef struct {
    const char *key;
    field_kind_t kind;
    bool required;
    size_t min, max, item;
} field_t;

#define END                                                                                        \
    {                                                                                              \
        NULL, F_STR, false, 0, 0, 0                                                                \
    }

static const field_t document_fields[] = {
    {"format", F_FORMAT, true, 0, 0, 0},
    {"issuer", F_OBJECT, true, 0, 0, 0},
    {"stacks", F_OBJECTS, false, 0, CAIRN_CATALOG_MAX_STACKS, 0},
    {"credentials", F_OBJECTS, true, 1, CAIRN_CATALOG_MAX_CREDENTIALS, 0},
    END,
};
static const field_t issuer_fields[] = {
    {"name", F_STR, true, 0, 200, 0},
    {"url", F_STR, false, 0, 2000, 0},
    {"email", F_STR, false, 0, 254, 0},
    {"description", F_STR, false, 0, 4000, 0},
    END,
};
static const field_t stack_fields[] = {
    {"id", F_SLUG, true, 0, CAIRN_CATALOG_ID_MAX, 0},
    {"title", F_STR, true, 0, 200, 0},
    {"credentials", F_SLUGS, true, 1, 100, CAIRN_CATALOG_ID_MAX},
    {"description", F_STR, false, 0, 4000, 0},
    {"pd_hours", F_HOURS, false, 0, 0, 0}, /* the stack badge's own hours (stack_complete.h) */
    END,
};
static const field_t credential_fields[] = {
    {"id", F_SLUG, true, 0, CAIRN_CATALOG_ID_MAX, 0},
    {"version", F_VERSION, true, 0, 0, 0},
    {"title", F_STR, true, 0, 200, 0},
    {"competency", F_STR, true, 0, 2000, 0},
    {"key_method", F_STR, true, 0, 4000, 0},
    {"method_components", F_STRS, true, 1, 32, 1000},
    {"research", F_STR, true, 0, 8000, 0},
    {"resources", F_OBJECTS, true, 0, 32, 0},
    {"evidence", F_OBJECTS, true, 1, 16, 0},
    {"rubric", F_OBJECTS, true, 1, 64, 0},
    {"pd_hours", F_HOURS, true, 0, 0, 0},
    {"tags", F_STRS, true, 0, 32, 64},
    {"peer_review", F_BOOL, false, 0, 0, 0},  /* trained peers may review it (review.c) */
    {"double_blind", F_BOOL, false, 0, 0, 0}, /* assessors see no teacher or school */
    END,
};
static const field_t resource_fields[] = {
    {"title", F_STR, true, 0, 500, 0},
    {"url", F_STR, false, 0, 2000, 0},
    END,
};
static const field_t evidence_fields[] = {
    {"part", F_SLUG, true, 0, 64, 0},
    {"kind", F_KIND, true, 0, 0, 0},
    {"required", F_BOOL, true, 0, 0, 0},
    {"description", F_STR, true, 0, 2000, 0},
    END,
};
static const field_t rubric_fields[] = {
    {"part", F_SLUG, true, 0, 64, 0},
    {"criterion", F_STR, true, 0, 500, 0},
    {"meets", F_STR, true, 0, 2000, 0},
    END,
};

static const char *const evidence_kinds[] = {"video", "document", "image", "audio", "text"};

/* Where the walker is, and where errors go. */
typedef struct {
    char path[256];
    size_t len;
    char *err;
    size_t errlen;
} walk_t;

static void walk_init(walk_t *w, char *err, size_t errlen)
{
    strcpy(w->path, "$");
    w->len = 1;
    w->err = err;
    w->errlen = errlen;
}

/* Appends ".key" (or "[i]" when key is NULL) to the path; returns the mark to pop back to. */
static size_t push(walk_t *w, const char *key, size_t index)
{
    size_t mark = w->len;
    int n = key ? snprintf(w->path + w->len, sizeof w->path - w->len, ".%.64s", key)
                : snprintf(w->path + w->len, sizeof w->path - w->len, "[%zu]", index);
    if (n > 0)
        w->len += (size_t)n < sizeof w->path - w->len ? (size_t)n : sizeof w->path - w->len - 1;
    return mark;
}

static void pop(walk_t *w, size_t mark)
{
    w->len = mark;
    w->path[mark] = '\0';
}

__attribute__((format(printf, 2, 3))) static int fail(walk_t *w, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(w->err, w->errlen, "%s: ", w->path);
    if (n >= 0 && (size_t)n < w->errlen) {
        va_start(ap, fmt);
        vsnprintf(w->err + n, w->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return CAIRN_EJSON;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static int expect(walk_t *w, const json_t *v, json_type type, const char *what)
{
    if (json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v)))
        return 0;
    return fail(w, "expected %s, found %s", what, type_name(v));
}

static bool is_slug(const char *s, size_t len)
{
    bool dash_ok = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            dash_ok = true;
        else if (c == '-' && dash_ok)
            dash_ok = false;
        else
            return false;
    }
    return len > 0 && dash_ok;
}

static int check_string(walk_t *w, const json_t *v, size_t max, bool slug)
{
    const char *what =
        slug ? "a slug (lower-case letters, digits and single dashes)" : "a non-empty string";
    int rc = expect(w, v, JSON_STRING, what);
    if (rc != 0)
        return rc;
    size_t len = json_string_length(v);
    if (len == 0)
        return fail(w, "expected %s, found an empty string", what);
    if (len > max)
        return fail(w, "expected at most %zu bytes, found %zu", max, len);
    if (slug && !is_slug(json_string_value(v), len))
        return fail(w, "expected %s, found \"%.64s\"", what, json_string_value(v));
    return 0;
}

static int check_array(walk_t *w, const field_t *f, const json_t *v)
{
    const char *what = f->kind == F_OBJECTS ? "an array of objects" : "an array of strings";
    int rc = expect(w, v, JSON_ARRAY, what);
    if (rc != 0)
        return rc;
    size_t n = json_array_size(v);
    if (n < f->min)
        return fail(w, "expected at least %zu element%s, found %zu", f->min, f->min == 1 ? "" : "s",
                    n);
    if (n > f->max)
        return fail(w, "expected at most %zu elements, found %zu", f->max, n);
    for (size_t i = 0; i < n; i++) {
        size_t mark = push(w, NULL, i);
        const json_t *item = json_array_get(v, i);
        if (f->kind == F_OBJECTS)
            rc = expect(w, item, JSON_OBJECT, "an object");
        else
            rc = check_string(w, item, f->item, f->kind == F_SLUGS);
        if (rc != 0)
            return rc;
        pop(w, mark);
    }
    return 0;
}

static int check_kind(walk_t *w, const json_t *v)
{
    int rc = expect(w, v, JSON_STRING, "one of video, document, image, audio, text");
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < sizeof evidence_kinds / sizeof evidence_kinds[0]; i++)
        if (strcmp(json_string_value(v), evidence_kinds[i]) == 0)
            return 0;
    return fail(w, "expected one of video, document, image, audio, text, found \"%.64s\"",
                json_string_value(v));
}

static int check_value(walk_t *w, const field_t *f, const json_t *v)
{
    switch (f->kind) {
    case F_STR:
    case F_SLUG:
        return check_string(w, v, f->max, f->kind == F_SLUG);
    case F_BOOL:
        return expect(w, v, JSON_TRUE, "a boolean");
    case F_VERSION:
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > CAIRN_CATALOG_VERSION_MAX)
            return fail(w, "expected an integer from 1 to %u, found %s", CAIRN_CATALOG_VERSION_MAX,
                        json_is_integer(v) ? "one out of range" : type_name(v));
        return 0;
    case F_HOURS:
        if (!json_is_number(v) || json_number_value(v) < 0 ||
            json_number_value(v) > CAIRN_CATALOG_PD_HOURS_MAX)
            return fail(w, "expected a number from 0 to %g, found %s", CAIRN_CATALOG_PD_HOURS_MAX,
                        json_is_number(v) ? "one out of range" : type_name(v));
        return 0;
    case F_KIND:
        return check_kind(w, v);
    case F_FORMAT:
        if (!json_is_string(v) || strcmp(json_string_value(v), CAIRN_CATALOG_FORMAT) != 0)
            return fail(w, "expected \"%s\"", CAIRN_CATALOG_FORMAT);
        return 0;
    case F_OBJECT:
        return expect(w, v, JSON_OBJECT, "an object");
    case F_STRS:
    case F_SLUGS:
    case F_OBJECTS:
        return check_array(w, f, v);
    }
    return fail(w, "internal error: unknown field kind");
}

/* Checks obj against fields: every named field's type and limits, then no other fields. */
static int check_fields(walk_t *w, const json_t *obj, const field_t *fields)
{
    const char *key;
    json_t *v;
    int rc = expect(w, obj, JSON_OBJECT, "an object");
    if (rc != 0)
        return rc;
    for (const field_t *f = fields; f->key != NULL; f++) {
        size_t mark = push(w, f->key, 0);
        v = json_object_get(obj, f->key);
        if (v == NULL && f->required)
            return fail(w, "required field is missing");
        if (v != NULL && (rc = check_value(w, f, v)) != 0)
            return rc;
        pop(w, mark);
    }
    json_object_foreach((json_t *)obj, key, v)
    {
        const field_t *f = fields;
        while (f->key != NULL && strcmp(f->key, key) != 0)
            f++;
        if (f->key == NULL) {
            push(w, key, 0);
            return fail(w, "unexpected field");
        }
    }
    return 0;
}

/* Runs check_fields over each object of the array obj[key] (already checked to be objects). */
static int check_each(walk_t *w, const json_t *obj, const char *key, const field_t *fields)
{
    const json_t *arr = json_object_get(obj, key);
    size_t n = json_array_size(arr);
    size_t mark = push(w, key, 0);
    for (size_t i = 0; i < n; i++) {
        size_t item = push(w, NULL, i);
        int rc = check_fields(w, json_array_get(arr, i), fields);
        if (rc != 0)
            return rc;
        pop(w, item);
    }
    pop(w, mark);
    return 0;
}

static const char *str_at(const json_t *arr, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(arr, i), key));
}

/* Evidence parts unique (at most 16: quadratic is fine); each rubric part names one of them. */
static int check_parts(walk_t *w, const json_t *credential)
{
    const json_t *evidence = json_object_get(credential, "evidence");
    const json_t *rubric = json_object_get(credential, "rubric");
    size_t ne = json_array_size(evidence), nr = json_array_size(rubric);
    for (size_t i = 0; i < ne; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(str_at(evidence, i, "part"), str_at(evidence, j, "part")) == 0) {
                push(w, "evidence", 0);
                push(w, NULL, i);
                push(w, "part", 0);
                return fail(w, "expected a unique part, \"%s\" is also evidence[%zu]",
                            str_at(evidence, i, "part"), j);
            }
        }
    }
    for (size_t i = 0; i < nr; i++) {
        size_t j = 0;
        while (j < ne && strcmp(str_at(rubric, i, "part"), str_at(evidence, j, "part")) != 0)
            j++;
        if (j == ne) {
            push(w, "rubric", 0);
            push(w, NULL, i);
            push(w, "part", 0);
            return fail(w, "expected one of the credential's evidence parts, found \"%s\"",
                        str_at(rubric, i, "part"));
        }
    }
    return 0;
}

static int walk_credential(walk_t *w, const json_t *credential)
{
    int rc = check_fields(w, credential, credential_fields);
    if (rc == 0)
        rc = check_each(w, credential, "resources", resource_fields);
    if (rc == 0)
        rc = check_each(w, credential, "evidence", evidence_fields);
    if (rc == 0)
        rc = check_each(w, credential, "rubric", rubric_fields);
    if (rc == 0)
        rc = check_parts(w, credential);
    return rc;
}

/* Each stack lists a credential at most once. */
static int walk_stack(walk_t *w, const json_t *stack)
{
    int rc = check_fields(w, stack, stack_fields);
    if (rc != 0)
        return rc;
    const json_t *refs = json_object_get(stack, "credentials");
    for (size_t i = 0; i < json_array_size(refs); i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(json_string_value(json_array_get(refs, i)),
                       json_string_value(json_array_get(refs, j))) == 0) {
                push(w, "credentials", 0);
                push(w, NULL, i);
                return fail(w, "expected a credential listed once, \"%s\" is also [%zu]",
                            json_string_value(json_array_get(refs, i)), j);
            }
        }
    }
    return 0;
}

int cairn_catalog_check_issuer(const json_t *issuer, char *err, size_t errlen)
{
    walk_t w;
    walk_init(&w, err, errlen);
    return check_fields(&w, issuer, issuer_fields);
}

int cairn_catalog_check_stack(const json_t *stack, char *err, size_t errlen)
{
    walk_t w;
    walk_init(&w, err, errlen);
    return walk_stack(&w, stack);
}

int cairn_catalog_check_credential(const json_t *credential, char *err, size_t errlen)
{
    walk_t w;
    walk_init(&w, err, errlen);
    return walk_credential(&w, credential);
}

/* Walks doc->key[] with fn, checking ids are unique (a JSON object serves as the set) and adding
 * each id to ids when given. */
static int walk_list(walk_t *w, const json_t *doc, const char *key,
                     int (*fn)(walk_t *, const json_t *), json_t *ids)
{
    const json_t *arr = json_object_get(doc, key);
    json_t *seen = json_object();
    int rc = 0;
    if (seen == NULL)
        return -ENOMEM;
    size_t mark = push(w, key, 0);
    for (size_t i = 0; i < json_array_size(arr) && rc == 0; i++) {
        size_t item = push(w, NULL, i);
        rc = fn(w, json_array_get(arr, i));
        if (rc != 0)
            break;
        const char *id = str_at(arr, i, "id");
        json_t *prev = json_object_get(seen, id);
        if (prev != NULL) {
            push(w, "id", 0);
            rc = fail(w, "expected a unique id, \"%s\" is also %s[%lld]", id, key,
                      (long long)json_integer_value(prev));
            break;
        }
        if (json_object_set_new(seen, id, json_integer((json_int_t)i)) != 0 ||
            (ids != NULL && json_object_set_new(ids, id, json_true()) != 0))
            rc = -ENOMEM;
        pop(w, item);
    }
    if (rc == 0)
        pop(w, mark);
    json_decref(seen);
    return rc;
}

/* Every stack names only credentials defined in the same document. */
static int check_references(walk_t *w, const json_t *doc, const json_t *ids)
{
    const json_t *stacks = json_object_get(doc, "stacks");
    for (size_t i = 0; i < json_array_size(stacks); i++) {
        const json_t *refs = json_object_get(json_array_get(stacks, i), "credentials");
        for (size_t j = 0; j < json_array_size(refs); j++) {
            const char *ref = json_string_value(json_array_get(refs, j));
            if (json_object_get(ids, ref) == NULL) {
                push(w, "stacks", 0);
                push(w, NULL, i);
                push(w, "credentials", 0);
                push(w, NULL, j);
                return fail(w, "expected the id of a credential in this catalog, found \"%s\"",
                            ref);
            }
        }
    }
    return 0;
}

static int walk_issuer(walk_t *w, const json_t *doc)
{
    size_t mark = push(w, "issuer", 0);
    int rc = check_fields(w, json_object_get(doc, "issuer"), issuer_fields);
    if (rc == 0)
        pop(w, mark);
    return rc;
}

int cairn_catalog_parse(const char *text, size_t len, json_t **out, char *err, size_t errlen)
{
    json_error_t jerr;
    walk_t w;
    json_t *doc, *ids;
    int rc;

    *out = NULL;
    if (len > CAIRN_CATALOG_MAX_BYTES) {
        snprintf(err, errlen, "$: the catalog is %zu bytes, at most %u", len,
                 CAIRN_CATALOG_MAX_BYTES);
        return CAIRN_ETOOBIG;
    }
    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        snprintf(err, errlen, "$: not valid JSON (line %d, column %d): %s", jerr.line, jerr.column,
                 jerr.text);
        return CAIRN_EJSON;
    }
    ids = json_object();
    if (ids == NULL) {
        json_decref(doc);
        return -ENOMEM;
    }
    walk_init(&w, err, errlen);
    rc = check_fields(&w, doc, document_fields);
    if (rc == 0)
        rc = walk_issuer(&w, doc);
    if (rc == 0)
        rc = walk_list(&w, doc, "credentials", walk_credential, ids);
    if (rc == 0)
        rc = walk_list(&w, doc, "stacks", walk_stack, NULL);
    if (rc == 0)
        rc = check_references(&w, doc, ids);
    json_decref(ids);
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

char *cairn_catalog_canonical(const json_t *value)
{
    return json_dumps(value, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
}

int cairn_catalog_digest(const json_t *credential, char hex[CAIRN_HASH_HEX_LEN + 1])
{
    cairn_hash_t h;
    json_t *copy = json_copy((json_t *)credential);
    char *text;
    if (copy == NULL)
        return -ENOMEM;
    json_object_del(copy, "version");
    text = cairn_catalog_canonical(copy);
    json_decref(copy);
    if (text == NULL)
        return -ENOMEM;
    cairn_hash_buf(text, strlen(text), &h);
    cairn_hash_hex(&h, hex);
    free(text);
    return 0;
}
