/*
 * badge_strict.c: strict readers for the JSON of credentials. We only accept the document shapes
 * we can turn into the same quads a JSON-LD processor would (badge_model.c), so anything else
 * is refused with its property path: a key we do not know ("unsupported"), a wrong type or a
 * missing member ("malformed"). The first problem wins; later calls do nothing.
 */
#include "badge_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/multibase.h>

void strict_fail(struct strict *st, enum cairn_badge_status code, const char *fmt, ...)
{
    if (st->code != CAIRN_BADGE_VALID)
        return;
    va_list ap;
    st->code = code;
    va_start(ap, fmt);
    vsnprintf(st->msg, sizeof st->msg, fmt, ap);
    va_end(ap);
}

int strict_object(struct strict *st, const json_t *obj, const char *path,
                  const char *const *allowed)
{
    const char *key;
    json_t *v;
    if (st->code)
        return -1;
    if (!json_is_object(obj)) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "%s is not an object", path);
        return -1;
    }
    json_object_foreach((json_t *)obj, key, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i]) {
            strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "unknown property \"%.60s\" in %s", key, path);
            return -1;
        }
    }
    return 0;
}

const char *strict_string(struct strict *st, const json_t *obj, const char *path, const char *key,
                          int required)
{
    return strict_string_max(st, obj, path, key, required, CAIRN_BADGE_TEXT_MAX);
}

const char *strict_string_max(struct strict *st, const json_t *obj, const char *path,
                              const char *key, int required, size_t max)
{
    const json_t *v = json_object_get(obj, key);
    if (st->code)
        return NULL;
    if (!v) {
        if (required)
            strict_fail(st, CAIRN_BADGE_MALFORMED, "%s has no \"%s\"", path, key);
        return NULL;
    }
    if (!json_is_string(v)) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "%s.%s is not a string", path, key);
        return NULL;
    }
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len == 0 || len > max || strlen(s) != len) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "%s.%s is %s (limit %zu bytes)", path, key,
                    len == 0    ? "empty"
                    : len > max ? "too long"
                                : "a string with a NUL character",
                    max);
        return NULL;
    }
    return s;
}

const char *strict_iri(struct strict *st, const json_t *obj, const char *path, const char *key,
                       int required)
{
    const char *s = strict_string(st, obj, path, key, required);
    if (s && !badge_iri_ok(s)) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "%s.%s is not an absolute IRI", path, key);
        return NULL;
    }
    return s;
}

int strict_type(struct strict *st, const json_t *obj, const char *path, const char *const *want)
{
    const json_t *t = json_object_get(obj, "type");
    size_t nwant = 0;
    if (st->code)
        return -1;
    while (want[nwant])
        nwant++;
    if (!t) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "%s has no \"type\"", path);
        return -1;
    }
    if (json_is_string(t) && nwant == 1 && strcmp(json_string_value(t), want[0]) == 0)
        return 0;
    int ok = json_is_array(t) && json_array_size(t) == nwant;
    for (size_t i = 0; ok && i < nwant; i++) {
        const json_t *e = json_array_get(t, i);
        ok = json_is_string(e);
        /* each wanted type exactly once */
        size_t hits = 0;
        for (size_t k = 0; ok && k < nwant; k++)
            hits += strcmp(json_string_value(e), want[k]) == 0;
        for (size_t k = 0; ok && k < i; k++)
            ok = strcmp(json_string_value(json_array_get(t, k)), json_string_value(e)) != 0;
        ok = ok && hits == 1;
    }
    if (!ok) {
        char list[200] = "";
        for (size_t i = 0; i < nwant; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     want[i]);
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "%s.type is not [%s]", path, list);
        return -1;
    }
    return 0;
}

int strict_time(struct strict *st, const json_t *obj, const char *path, const char *key,
                int required, int64_t *ms, const char **text)
{
    const char *s = strict_string(st, obj, path, key, required);
    *ms = 0;
    if (text)
        *text = s;
    if (!s)
        return st->code ? -1 : 0;
    if (badge_time_parse(s, ms) != 0) {
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED,
                    "%s.%s \"%.40s\" is not a UTC time of the form 2026-01-31T12:00:00Z", path, key,
                    s);
        return -1;
    }
    return 0;
}

int strict_context(struct strict *st, const json_t *doc, const char *const *want)
{
    const json_t *c = json_object_get(doc, "@context");
    size_t n = 0;
    while (want[n])
        n++;
    if (!c) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "the document has no \"@context\"");
        return -1;
    }
    int ok = json_is_array(c) && json_array_size(c) == n;
    for (size_t i = 0; ok && i < n; i++) {
        const json_t *e = json_array_get(c, i);
        ok = json_is_string(e) && strcmp(json_string_value(e), want[i]) == 0;
    }
    if (!ok) {
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "@context is not [%s%s%s]", want[0],
                    n > 1 ? ", " : "", n > 1 ? want[1] : "");
        return -1;
    }
    return 0;
}

int strict_proof(struct strict *st, const json_t *doc, struct proof_parts *p)
{
    static const char *const keys[] = {
        "type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue", NULL};
    const json_t *proof = json_object_get(doc, "proof");
    memset(p, 0, sizeof *p);
    if (st->code)
        return -1;
    if (!proof) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "the credential has no \"proof\" (unsigned)");
        return -1;
    }
    if (json_is_array(proof)) {
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "proof is a set of proofs; we support one");
        return -1;
    }
    if (strict_object(st, proof, "proof", keys))
        return -1;
    const char *type = strict_string(st, proof, "proof", "type", 1);
    const char *suite = strict_string(st, proof, "proof", "cryptosuite", 1);
    const char *purpose = strict_string(st, proof, "proof", "proofPurpose", 1);
    int64_t ms;
    strict_time(st, proof, "proof", "created", 1, &ms, &p->created);
    p->vm = strict_iri(st, proof, "proof", "verificationMethod", 1);
    p->value = strict_string(st, proof, "proof", "proofValue", 1);
    if (st->code)
        return -1;
    if (strcmp(type, "DataIntegrityProof") != 0)
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "proof.type \"%.40s\" (not DataIntegrityProof)",
                    type);
    else if (strcmp(suite, "eddsa-rdfc-2022") != 0)
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED,
                    "proof.cryptosuite \"%.40s\" (we verify eddsa-rdfc-2022)", suite);
    else if (strcmp(purpose, "assertionMethod") != 0)
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "proof.proofPurpose \"%.40s\"", purpose);
    else if (cairn_didkey_vm_decode(p->vm, strlen(p->vm), p->pk) != 0)
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED,
                    "proof.verificationMethod is not an Ed25519 did:key (did:key:z6Mk...#z6Mk...)");
    return st->code ? -1 : 0;
}

int json_put_str(json_t *obj, const char *key, const char *s)
{
    if (!s)
        return 0;
    return json_object_set_new(obj, key, json_string(s));
}
