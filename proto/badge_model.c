/*
 * badge_model.c: an OpenBadgeCredential's RDF quads, generated from the typed model with the
 * IRIs that the VC 2.0 and OB 3.0.3 contexts give each term we use; plus the dateTime and IRI
 * forms the model allows. This file and the JSON writer (badge_json.c) must describe the same
 * document: tests/interop compares our canonical N-Quads with jsonld.js's for each shape.
 *
 * Blank nodes: the credential subject without an id, its IdentityObject, and the criteria.
 */
#include "badge_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairn/err.h>

int badge_time_format(int64_t ms, char out[BADGE_TIME_MAX])
{
    struct tm tm;
    time_t t = (time_t)(ms / 1000);
    if (ms < 0 || ms > INT64_C(253402300799000) || !gmtime_r(&t, &tm))
        return CAIRN_EINVAL;
    /* the range check above keeps every field at its width */
    snprintf(out, BADGE_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100);
    return 0;
}

static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int badge_time_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, se;
    if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[19] != 'Z' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
        digits(s + 8, 2, &d) || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
        digits(s + 17, 2, &se))
        return CAIRN_EINVAL;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 59)
        return CAIRN_EINVAL;
    /* days from civil (Howard Hinnant's algorithm) */
    int yy = mo <= 2 ? y - 1 : y;
    int era = yy / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    *ms = ((days * 86400) + h * 3600 + mi * 60 + se) * 1000;
    return 0;
}

int badge_iri_ok(const char *s)
{
    const char *p = s;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        return 0;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '+' || *p == '-' || *p == '.')
        p++;
    if (*p != ':' || !p[1])
        return 0;
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f || strchr("<>\"{}|^`\\", c))
            return 0;
    }
    return 1;
}

int badge_utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t c = *p;
        int n = c < 0x80             ? 0
                : (c & 0xe0) == 0xc0 ? 1
                : (c & 0xf0) == 0xe0 ? 2
                : (c & 0xf8) == 0xf0 ? 3
                                     : -1;
        if (n < 0)
            return 0;
        c &= n == 0 ? 0x7f : n == 1 ? 0x1f : n == 2 ? 0x0f : 0x07;
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            c = (c << 6) | (p[i] & 0x3f);
        }
        static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
        if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
            return 0;
        p += n + 1;
    }
    return 1;
}

/* JSON-LD writes an integral number as an integer literal and any other as a canonical double
 * ("1.5E0", JavaScript's toExponential(15) with trailing zeros cut), keeping the term's type. */
void badge_credits_lexical(uint32_t centihours, char out[32])
{
    if (centihours % 100 == 0) {
        snprintf(out, 32, "%u", centihours / 100);
        return;
    }
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.15e", centihours / 100.0);
    char *e = strchr(tmp, 'e');
    int exp = atoi(e + 1);
    char *z = e;
    while (z[-1] == '0' && z[-2] != '.')
        z--;
    *z = '\0';
    snprintf(out, 32, "%.20sE%d", tmp, exp);
}

static void add(struct cairn_rdf_dataset *ds, struct cairn_rdf_term s, const char *p,
                struct cairn_rdf_term o)
{
    struct cairn_rdf_quad q = {s, cairn_rdf_iri(p), o, {CAIRN_RDF_NONE, NULL, NULL, NULL}};
    cairn_rdf_add(ds, &q); /* errors are sticky in ds->err */
}

static void type(struct cairn_rdf_dataset *ds, struct cairn_rdf_term s, const char *iri)
{
    add(ds, s, CAIRN_RDF_TYPE, cairn_rdf_iri(iri));
}

static void text(struct cairn_rdf_dataset *ds, struct cairn_rdf_term s, const char *p,
                 const char *v)
{
    if (v)
        add(ds, s, p, cairn_rdf_literal(v, NULL));
}

static void achievement(struct cairn_rdf_dataset *ds, const struct cairn_badge *b,
                        struct cairn_rdf_term subject)
{
    struct cairn_rdf_term a = cairn_rdf_iri(b->achievement_id), crit = cairn_rdf_blank("criteria");
    add(ds, subject, OB_NS "achievement", a);
    type(ds, a, OB_NS "Achievement");
    text(ds, a, OB_NS "achievementType", "MicroCredential");
    text(ds, a, SCHEMA_NS "name", b->achievement_name);
    text(ds, a, SCHEMA_NS "description", b->achievement_description);
    add(ds, a, OB_NS "Criteria", crit); /* the context maps "criteria" to ...#Criteria */
    text(ds, crit, OB_NS "narrative", b->criteria_narrative);
    if (b->pd_centihours) {
        char lex[32];
        badge_credits_lexical(b->pd_centihours, lex);
        add(ds, a, OB_NS "creditsAvailable", cairn_rdf_literal(lex, XSD_FLOAT_OB));
    }
}

static void subject(struct cairn_rdf_dataset *ds, const struct cairn_badge *b,
                    struct cairn_rdf_term cred)
{
    struct cairn_rdf_term s =
        b->subject_id ? cairn_rdf_iri(b->subject_id) : cairn_rdf_blank("subject");
    add(ds, cred, VC_NS "credentialSubject", s);
    type(ds, s, OB_NS "AchievementSubject");
    if (b->identity_hash) {
        struct cairn_rdf_term id = cairn_rdf_blank("identity");
        add(ds, s, OB_NS "identifier", id);
        type(ds, id, OB_NS "IdentityObject");
        add(ds, id, OB_NS "hashed", cairn_rdf_literal("true", XSD_BOOLEAN_OB));
        text(ds, id, OB_NS "identityHash", b->identity_hash);
        text(ds, id, OB_NS "identityType", "emailAddress");
        text(ds, id, OB_NS "salt", b->identity_salt);
    }
    achievement(ds, b, s);
}

int badge_model_quads(const struct cairn_badge *b, const char *issuer_did,
                      struct cairn_rdf_dataset *ds)
{
    char t[BADGE_TIME_MAX];
    struct cairn_rdf_term cred = cairn_rdf_iri(b->id), issuer = cairn_rdf_iri(issuer_did);
    type(ds, cred, VC_NS "VerifiableCredential");
    type(ds, cred, OB_NS "OpenBadgeCredential");
    text(ds, cred, SCHEMA_NS "name", b->name);
    text(ds, cred, SCHEMA_NS "description", b->description);
    add(ds, cred, VC_NS "issuer", issuer);
    type(ds, issuer, OB_NS "Profile");
    text(ds, issuer, SCHEMA_NS "name", b->issuer_name);
    if (badge_time_format(b->valid_from_ms, t) != 0)
        return CAIRN_EINVAL;
    add(ds, cred, VC_NS "validFrom", cairn_rdf_literal(t, XSD_DATETIME));
    if (b->valid_until_ms) {
        if (badge_time_format(b->valid_until_ms, t) != 0)
            return CAIRN_EINVAL;
        add(ds, cred, VC_NS "validUntil", cairn_rdf_literal(t, XSD_DATETIME));
    }
    subject(ds, b, cred);
    if (b->status_list_url) {
        char entry[CAIRN_BADGE_TEXT_MAX + 16], index[16];
        snprintf(index, sizeof index, "%u", b->status_index);
        snprintf(entry, sizeof entry, "%s#%u", b->status_list_url, b->status_index);
        struct cairn_rdf_term st = cairn_rdf_iri(entry);
        add(ds, cred, VC_NS "credentialStatus", st);
        type(ds, st, STATUS_NS "BitstringStatusListEntry");
        text(ds, st, STATUS_NS "statusPurpose", "revocation");
        text(ds, st, STATUS_NS "statusListIndex", index);
        add(ds, st, STATUS_NS "statusListCredential", cairn_rdf_iri(b->status_list_url));
    }
    for (size_t i = 0; i < b->nevidence; i++) {
        struct cairn_rdf_term e = cairn_rdf_iri(b->evidence[i].id);
        add(ds, cred, VC_NS "evidence", e);
        type(ds, e, OB_NS "Evidence");
        text(ds, e, SCHEMA_NS "name", b->evidence[i].name);
        text(ds, e, SCHEMA_NS "description", b->evidence[i].description);
    }
    return ds->err;
}
