/*
 * badge_json.c: an OpenBadgeCredential model as JSON (the document badge_model.c turns into
 * quads), after checking the model is one our strict parser reads back unchanged.
 * Key order is fixed by construction (jansson keeps insertion order), so the same model always
 * gives the same bytes.
 */
#include "badge_internal.h"

#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

static int check_text(const char *s, const char *what, int required, char *err, size_t errlen)
{
    if (!s) {
        if (required)
            snprintf(err, errlen, "badge: %s is missing", what);
        return required ? CAIRN_EINVAL : 0;
    }
    size_t len = strlen(s);
    if (len == 0 || len > CAIRN_BADGE_TEXT_MAX) {
        snprintf(err, errlen, "badge: %s is %s", what, len ? "over 64 KiB" : "empty");
        return CAIRN_EINVAL;
    }
    if (!badge_utf8_ok(s)) {
        snprintf(err, errlen, "badge: %s is not valid UTF-8", what);
        return CAIRN_EINVAL;
    }
    return 0;
}

static int check_iri(const char *s, const char *what, int required, char *err, size_t errlen)
{
    int rc = check_text(s, what, required, err, errlen);
    if (!rc && s && !badge_iri_ok(s)) {
        snprintf(err, errlen, "badge: %s \"%.80s\" is not an absolute IRI", what, s);
        rc = CAIRN_EINVAL;
    }
    return rc;
}

/* Everything the parser would refuse is refused here first, so we never sign what we cannot
 * verify. */
static int check(const struct cairn_badge *b, char *err, size_t errlen)
{
    char t[BADGE_TIME_MAX];
    int rc = check_iri(b->id, "id", 1, err, errlen);
    if (!rc)
        rc = check_text(b->name, "name", 1, err, errlen);
    if (!rc)
        rc = check_text(b->description, "description", 0, err, errlen);
    if (!rc)
        rc = check_text(b->issuer_name, "issuer_name", 1, err, errlen);
    if (!rc)
        rc = check_iri(b->subject_id, "subject_id", 0, err, errlen);
    if (!rc)
        rc = check_text(b->identity_hash, "identity_hash", 0, err, errlen);
    if (!rc)
        rc = check_text(b->identity_salt, "identity_salt", 0, err, errlen);
    if (!rc && !b->subject_id && !b->identity_hash) {
        snprintf(err, errlen, "badge: the earner needs a subject_id or an identity_hash");
        rc = CAIRN_EINVAL;
    }
    if (!rc && b->identity_salt && !b->identity_hash) {
        snprintf(err, errlen, "badge: identity_salt without identity_hash");
        rc = CAIRN_EINVAL;
    }
    if (!rc)
        rc = check_iri(b->achievement_id, "achievement_id", 1, err, errlen);
    if (!rc)
        rc = check_text(b->achievement_name, "achievement_name", 1, err, errlen);
    if (!rc)
        rc = check_text(b->achievement_description, "achievement_description", 1, err, errlen);
    if (!rc)
        rc = check_text(b->criteria_narrative, "criteria_narrative", 1, err, errlen);
    if (!rc)
        rc = check_iri(b->status_list_url, "status_list_url", 0, err, errlen);
    if (!rc && b->status_list_url && strchr(b->status_list_url, '#')) {
        snprintf(err, errlen, "badge: status_list_url has a fragment");
        rc = CAIRN_EINVAL;
    }
    if (!rc && b->pd_centihours > CAIRN_BADGE_PD_CENTIHOURS_MAX) {
        snprintf(err, errlen, "badge: pd_centihours %u over %d", b->pd_centihours,
                 CAIRN_BADGE_PD_CENTIHOURS_MAX);
        rc = CAIRN_EINVAL;
    }
    if (!rc && (badge_time_format(b->valid_from_ms, t) ||
                (b->valid_until_ms && badge_time_format(b->valid_until_ms, t)))) {
        snprintf(err, errlen, "badge: a validity time is outside 1970..9999");
        rc = CAIRN_EINVAL;
    }
    if (!rc && b->valid_until_ms && b->valid_until_ms / 1000 <= b->valid_from_ms / 1000) {
        snprintf(err, errlen, "badge: valid_until is not after valid_from");
        rc = CAIRN_EINVAL;
    }
    if (!rc && b->nevidence > CAIRN_BADGE_EVIDENCE_MAX) {
        snprintf(err, errlen, "badge: %zu evidence entries, over %u", b->nevidence,
                 CAIRN_BADGE_EVIDENCE_MAX);
        rc = CAIRN_EINVAL;
    }
    for (size_t i = 0; !rc && i < b->nevidence; i++) {
        rc = check_iri(b->evidence[i].id, "evidence id", 1, err, errlen);
        if (!rc)
            rc = check_text(b->evidence[i].name, "evidence name", 0, err, errlen);
        if (!rc)
            rc = check_text(b->evidence[i].description, "evidence description", 0, err, errlen);
        for (size_t k = 0; !rc && k < i; k++) {
            if (strcmp(b->evidence[k].id, b->evidence[i].id) == 0) {
                snprintf(err, errlen, "badge: evidence %.80s listed twice", b->evidence[i].id);
                rc = CAIRN_EINVAL;
            }
        }
    }
    return rc;
}

static json_t *types(const char *a, const char *b)
{
    json_t *t = json_array();
    json_array_append_new(t, json_string(a));
    if (b)
        json_array_append_new(t, json_string(b));
    return t;
}

static json_t *achievement_json(const struct cairn_badge *b)
{
    json_t *a = json_object(), *crit = json_object();
    json_put_str(a, "id", b->achievement_id);
    json_object_set_new(a, "type", types("Achievement", NULL));
    json_put_str(a, "achievementType", "MicroCredential");
    json_put_str(a, "name", b->achievement_name);
    json_put_str(a, "description", b->achievement_description);
    json_put_str(crit, "narrative", b->criteria_narrative);
    json_object_set_new(a, "criteria", crit);
    if (b->pd_centihours % 100 == 0 && b->pd_centihours)
        json_object_set_new(a, "creditsAvailable", json_integer(b->pd_centihours / 100));
    else if (b->pd_centihours)
        json_object_set_new(a, "creditsAvailable", json_real(b->pd_centihours / 100.0));
    return a;
}

static json_t *subject_json(const struct cairn_badge *b)
{
    json_t *s = json_object();
    json_put_str(s, "id", b->subject_id);
    json_object_set_new(s, "type", types("AchievementSubject", NULL));
    if (b->identity_hash) {
        json_t *id = json_object(), *list = json_array();
        json_put_str(id, "type", "IdentityObject");
        json_put_str(id, "identityHash", b->identity_hash);
        json_put_str(id, "identityType", "emailAddress");
        json_object_set_new(id, "hashed", json_true());
        json_put_str(id, "salt", b->identity_salt);
        json_array_append_new(list, id);
        json_object_set_new(s, "identifier", list);
    }
    json_object_set_new(s, "achievement", achievement_json(b));
    return s;
}

static json_t *status_json(const struct cairn_badge *b)
{
    char entry[CAIRN_BADGE_TEXT_MAX + 16], index[16];
    json_t *st = json_object();
    snprintf(index, sizeof index, "%u", b->status_index);
    snprintf(entry, sizeof entry, "%s#%u", b->status_list_url, b->status_index);
    json_put_str(st, "id", entry);
    json_put_str(st, "type", "BitstringStatusListEntry");
    json_put_str(st, "statusPurpose", "revocation");
    json_put_str(st, "statusListIndex", index);
    json_put_str(st, "statusListCredential", b->status_list_url);
    return st;
}

/* The unsigned document; NULL with err when the model is invalid (or on ENOMEM, or a string
 * that is not UTF-8, which jansson refuses). */
json_t *badge_json(const struct cairn_badge *b, const char *issuer_did, char *err, size_t errlen)
{
    char t[BADGE_TIME_MAX];
    if (check(b, err, errlen) != 0)
        return NULL;
    json_t *d = json_object(), *issuer = json_object();
    json_object_set_new(d, "@context", types(CAIRN_BADGE_CONTEXT_VC2, CAIRN_BADGE_CONTEXT_OB3));
    json_put_str(d, "id", b->id);
    json_object_set_new(d, "type", types("VerifiableCredential", "OpenBadgeCredential"));
    json_put_str(d, "name", b->name);
    json_put_str(d, "description", b->description);
    json_put_str(issuer, "id", issuer_did);
    json_put_str(issuer, "type", "Profile");
    json_put_str(issuer, "name", b->issuer_name);
    json_object_set_new(d, "issuer", issuer);
    badge_time_format(b->valid_from_ms, t);
    json_put_str(d, "validFrom", t);
    if (b->valid_until_ms) {
        badge_time_format(b->valid_until_ms, t);
        json_put_str(d, "validUntil", t);
    }
    json_object_set_new(d, "credentialSubject", subject_json(b));
    if (b->status_list_url)
        json_object_set_new(d, "credentialStatus", status_json(b));
    if (b->nevidence) {
        json_t *list = json_array();
        for (size_t i = 0; i < b->nevidence; i++) {
            json_t *e = json_object();
            json_put_str(e, "id", b->evidence[i].id);
            json_object_set_new(e, "type", types("Evidence", NULL));
            json_put_str(e, "name", b->evidence[i].name);
            json_put_str(e, "description", b->evidence[i].description);
            json_array_append_new(list, e);
        }
        json_object_set_new(d, "evidence", list);
    }
    return d;
}
