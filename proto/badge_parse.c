/*
 * badge_parse.c: the strict JSON -> model reader of OpenBadgeCredentials. It accepts exactly the
 * shapes badge_json.c writes (a "type" may also be a single string, and members may come in any
 * order), because only for those do we know the quads a JSON-LD processor would produce.
 */
#include "badge_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

/* A fixed string member ("achievementType": "MicroCredential"). */
static void fixed(struct strict *st, const json_t *obj, const char *path, const char *key,
                  const char *want)
{
    const char *s = strict_string(st, obj, path, key, 1);
    if (s && strcmp(s, want) != 0)
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "%s.%s is \"%.40s\", not \"%s\"", path, key, s,
                    want);
}

static void credits(struct strict *st, const json_t *a, struct cairn_badge *b)
{
    const json_t *v = json_object_get(a, "creditsAvailable");
    double x;
    if (!v || st->code)
        return;
    if (json_is_integer(v))
        x = (double)json_integer_value(v);
    else if (json_is_real(v))
        x = json_real_value(v);
    else {
        strict_fail(st, CAIRN_BADGE_MALFORMED,
                    "credentialSubject.achievement.creditsAvailable is not a number");
        return;
    }
    double c = round(x * 100.0);
    /* Exactly the double that hundredths give: another one (15.5000001) would be written in
     * N-Quads from its own value by JSON-LD, not from ours. */
    if (!(x > 0) || c > CAIRN_BADGE_PD_CENTIHOURS_MAX || c / 100.0 != x) {
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED,
                    "credentialSubject.achievement.creditsAvailable %g is not a positive "
                    "number of hours with at most two decimals, up to 10000",
                    x);
        return;
    }
    b->pd_centihours = (uint32_t)c;
}

static void achievement(struct strict *st, const json_t *s, struct cairn_badge *b)
{
    static const char *const keys[] = {"id",          "type",     "achievementType",  "name",
                                       "description", "criteria", "creditsAvailable", NULL};
    static const char *const crit_keys[] = {"narrative", NULL};
    static const char *const type[] = {"Achievement", NULL};
    const char *path = "credentialSubject.achievement";
    const json_t *a = json_object_get(s, "achievement");
    if (!a) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "credentialSubject has no \"achievement\"");
        return;
    }
    if (strict_object(st, a, path, keys) || strict_type(st, a, path, type))
        return;
    b->achievement_id = strict_iri(st, a, path, "id", 1);
    fixed(st, a, path, "achievementType", "MicroCredential");
    b->achievement_name = strict_string(st, a, path, "name", 1);
    b->achievement_description = strict_string(st, a, path, "description", 1);
    const json_t *crit = json_object_get(a, "criteria");
    if (!crit && !st->code) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "%s has no \"criteria\"", path);
        return;
    }
    if (strict_object(st, crit, "credentialSubject.achievement.criteria", crit_keys))
        return;
    b->criteria_narrative =
        strict_string(st, crit, "credentialSubject.achievement.criteria", "narrative", 1);
    credits(st, a, b);
}

static void identity(struct strict *st, const json_t *s, struct cairn_badge *b)
{
    static const char *const keys[] = {"type",   "identityHash", "identityType",
                                       "hashed", "salt",         NULL};
    static const char *const type[] = {"IdentityObject", NULL};
    const char *path = "credentialSubject.identifier[0]";
    const json_t *list = json_object_get(s, "identifier");
    if (!list || st->code)
        return;
    if (!json_is_array(list) || json_array_size(list) != 1) {
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED,
                    "credentialSubject.identifier is not an array of one IdentityObject");
        return;
    }
    const json_t *id = json_array_get(list, 0);
    if (strict_object(st, id, path, keys) || strict_type(st, id, path, type))
        return;
    b->identity_hash = strict_string(st, id, path, "identityHash", 1);
    fixed(st, id, path, "identityType", "emailAddress");
    b->identity_salt = strict_string(st, id, path, "salt", 0);
    if (!st->code && json_object_get(id, "hashed") != json_true())
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "%s.hashed is not true", path);
}

static void subject(struct strict *st, const json_t *doc, struct cairn_badge *b)
{
    static const char *const keys[] = {"id", "type", "identifier", "achievement", NULL};
    static const char *const type[] = {"AchievementSubject", NULL};
    const json_t *s = json_object_get(doc, "credentialSubject");
    if (!s) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "the credential has no credentialSubject");
        return;
    }
    if (strict_object(st, s, "credentialSubject", keys) ||
        strict_type(st, s, "credentialSubject", type))
        return;
    b->subject_id = strict_iri(st, s, "credentialSubject", "id", 0);
    identity(st, s, b);
    if (!st->code && !b->subject_id && !b->identity_hash)
        strict_fail(st, CAIRN_BADGE_MALFORMED, "credentialSubject has neither id nor identifier");
    achievement(st, s, b);
}

/* "17": decimal, no sign, no leading zero, fits uint32. */
static int parse_index(const char *s, uint32_t *v)
{
    uint64_t x = 0;
    if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 10)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    if (x > UINT32_MAX)
        return -1;
    *v = (uint32_t)x;
    return 0;
}

static void status(struct strict *st, const json_t *doc, struct cairn_badge *b)
{
    static const char *const keys[] = {
        "id", "type", "statusPurpose", "statusListIndex", "statusListCredential", NULL};
    static const char *const type[] = {"BitstringStatusListEntry", NULL};
    const char *path = "credentialStatus";
    const json_t *s = json_object_get(doc, path);
    if (!s || strict_object(st, s, path, keys) || strict_type(st, s, path, type))
        return;
    const char *id = strict_iri(st, s, path, "id", 1);
    fixed(st, s, path, "statusPurpose", "revocation");
    const char *index = strict_string(st, s, path, "statusListIndex", 1);
    b->status_list_url = strict_iri(st, s, path, "statusListCredential", 1);
    if (st->code)
        return;
    if (parse_index(index, &b->status_index) != 0) {
        strict_fail(st, CAIRN_BADGE_MALFORMED,
                    "credentialStatus.statusListIndex \"%.20s\" is not a decimal index", index);
        return;
    }
    size_t ul = strlen(b->status_list_url);
    char tail[16];
    snprintf(tail, sizeof tail, "#%u", b->status_index);
    if (strchr(b->status_list_url, '#') || strncmp(id, b->status_list_url, ul) != 0 ||
        strcmp(id + ul, tail) != 0)
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED,
                    "credentialStatus.id is not statusListCredential#statusListIndex");
}

static void evidence(struct strict *st, const json_t *doc, struct cairn_badge *b,
                     struct cairn_badge_evidence **ev)
{
    static const char *const keys[] = {"id", "type", "name", "description", NULL};
    static const char *const type[] = {"Evidence", NULL};
    const json_t *list = json_object_get(doc, "evidence");
    if (!list || st->code)
        return;
    if (!json_is_array(list)) {
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "evidence is not an array");
        return;
    }
    size_t n = json_array_size(list);
    if (n > CAIRN_BADGE_EVIDENCE_MAX) {
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "%zu evidence entries, over %u", n,
                    CAIRN_BADGE_EVIDENCE_MAX);
        return;
    }
    if (n == 0)
        return;
    *ev = calloc(n, sizeof **ev);
    if (!*ev) {
        strict_fail(st, CAIRN_BADGE_MALFORMED, "out of memory");
        return;
    }
    for (size_t i = 0; i < n && !st->code; i++) {
        char path[32];
        const json_t *e = json_array_get(list, i);
        snprintf(path, sizeof path, "evidence[%zu]", i);
        if (strict_object(st, e, path, keys) || strict_type(st, e, path, type))
            return;
        (*ev)[i].id = strict_iri(st, e, path, "id", 1);
        (*ev)[i].name = strict_string(st, e, path, "name", 0);
        (*ev)[i].description = strict_string(st, e, path, "description", 0);
        for (size_t k = 0; k < i && !st->code; k++)
            if (strcmp((*ev)[k].id, (*ev)[i].id) == 0)
                strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "%s repeats the id of evidence[%zu]", path,
                            k);
    }
    b->evidence = *ev;
    b->nevidence = n;
}

int badge_parse(struct strict *st, const json_t *doc, struct cairn_badge *b,
                struct cairn_badge_evidence **ev, const char **issuer_id)
{
    static const char *const keys[] = {"@context",
                                       "id",
                                       "type",
                                       "name",
                                       "description",
                                       "issuer",
                                       "validFrom",
                                       "validUntil",
                                       "credentialSubject",
                                       "credentialStatus",
                                       "evidence",
                                       "proof",
                                       NULL};
    static const char *const ctx[] = {CAIRN_BADGE_CONTEXT_VC2, CAIRN_BADGE_CONTEXT_OB3, NULL};
    static const char *const type[] = {"VerifiableCredential", "OpenBadgeCredential", NULL};
    static const char *const issuer_keys[] = {"id", "type", "name", NULL};
    static const char *const profile[] = {"Profile", NULL};
    memset(b, 0, sizeof *b);
    *ev = NULL;
    *issuer_id = NULL;
    if (strict_object(st, doc, "the credential", keys) || strict_context(st, doc, ctx) ||
        strict_type(st, doc, "the credential", type))
        return -1;
    b->id = strict_iri(st, doc, "the credential", "id", 1);
    b->name = strict_string(st, doc, "the credential", "name", 1);
    b->description = strict_string(st, doc, "the credential", "description", 0);
    const json_t *issuer = json_object_get(doc, "issuer");
    if (!issuer && !st->code)
        strict_fail(st, CAIRN_BADGE_MALFORMED, "the credential has no issuer");
    if (!st->code && json_is_string(issuer))
        strict_fail(st, CAIRN_BADGE_UNSUPPORTED, "issuer is a bare id, not a Profile object");
    if (!strict_object(st, issuer, "issuer", issuer_keys) &&
        !strict_type(st, issuer, "issuer", profile)) {
        *issuer_id = strict_iri(st, issuer, "issuer", "id", 1);
        b->issuer_name = strict_string(st, issuer, "issuer", "name", 1);
    }
    strict_time(st, doc, "the credential", "validFrom", 1, &b->valid_from_ms, NULL);
    strict_time(st, doc, "the credential", "validUntil", 0, &b->valid_until_ms, NULL);
    subject(st, doc, b);
    status(st, doc, b);
    evidence(st, doc, b, ev);
    return st->code ? -1 : 0;
}
