/*
 * test_badge.c: Open Badges credentials (proto/badge_*.c, eddsa_rdfc.c): issue then verify, and
 * one verdict for each way a credential can be bad: not JSON, truncated, a one-character change
 * in any value, signed by a key that is not the issuer's, not yet valid, expired, revoked, a
 * status list that is not the credential's, an unknown property, an extra context, a wrong type,
 * over the size limit. Also: issuing refuses a model it could not verify, and the output is the
 * same bytes every time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cairn/badge.h"
#include "cairn/err.h"
#include "cairn/multibase.h"
#include "../../proto/badge_internal.h"
#include "../tools/badge_vector.h"

#define T0 INT64_C(1764000000000) /* 2025-11-24T16:00:00Z */
#define DAY INT64_C(86400000)

static uint8_t pk[32], sk[64], pk2[32], sk2[64];
static char idhash[CAIRN_BADGE_IDHASH_MAX];
static const struct cairn_badge_evidence ev[] = {
    {"urn:cairn:blake2b:8d5b5fa4e0e8a0f7c5b1c0f0b2c6e1e4a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4",
     "Classroom video", "video/mp4"},
    {"urn:cairn:blake2b:0000000000000000000000000000000000000000000000000000000000000001",
     "Reflection", NULL},
};

static struct cairn_badge model(void)
{
    struct cairn_badge b = {
        .id = "urn:uuid:6a0f3a8e-3c1b-4d7e-9a55-0f1e2d3c4b5a",
        .name = "Wait Time",
        .issuer_name = "Valley Region Hub",
        .identity_hash = idhash,
        .identity_salt = "salt",
        .achievement_id = "urn:cairn:credential:wait-time:3",
        .achievement_name = "Wait Time",
        .achievement_description = "Uses wait time to deepen student thinking.",
        .criteria_narrative = "Meets on every rubric criterion.",
        .pd_centihours = 1550,
        .valid_from_ms = T0,
        .valid_until_ms = T0 + 365 * DAY,
        .status_list_url = "https://hub.example.org/status/1",
        .status_index = 42,
        .evidence = ev,
        .nevidence = 2,
    };
    return b;
}

static char *issue(const struct cairn_badge *b, size_t *len)
{
    char *json = NULL, err[512];
    int rc = cairn_badge_issue(b, sk, b->valid_from_ms, &json, len, err, sizeof err);
    if (rc)
        fail_msg("issue: %s", err);
    assert_non_null(json);
    return json;
}

static enum cairn_badge_status verify_at(const char *json, size_t len,
                                         const struct cairn_status_list *sl, int64_t now,
                                         char *reason, size_t rlen)
{
    struct cairn_badge_verdict v;
    assert_int_equal(cairn_badge_verify(json, len, sl, now, &v), 0);
    enum cairn_badge_status s = v.status;
    snprintf(reason, rlen, "%s", v.reason);
    cairn_badge_verdict_free(&v);
    return s;
}

static void test_issue_verify(void **state)
{
    (void)state;
    struct cairn_badge b = model();
    size_t len, len2;
    char *json = issue(&b, &len), *again = issue(&b, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(json, again, len); /* deterministic bytes */
    struct cairn_badge_verdict v;
    assert_int_equal(cairn_badge_verify(json, len, NULL, T0 + DAY, &v), 0);
    assert_int_equal(v.status, CAIRN_BADGE_VALID);
    assert_string_equal(v.badge.name, "Wait Time");
    assert_string_equal(v.badge.issuer_name, "Valley Region Hub");
    assert_string_equal(v.badge.identity_hash, idhash);
    assert_int_equal(v.badge.pd_centihours, 1550);
    assert_int_equal(v.badge.valid_from_ms, T0);
    assert_int_equal(v.badge.valid_until_ms, T0 + 365 * DAY);
    assert_int_equal(v.badge.nevidence, 2);
    assert_null(v.badge.evidence[1].description);
    char did[CAIRN_DIDKEY_MAX];
    cairn_didkey_encode(pk, did);
    assert_string_equal(v.issuer_id, did);
    assert_non_null(strstr(v.reason, "valid"));
    cairn_badge_verdict_free(&v);
    assert_non_null(strstr(json, "\"creditsAvailable\": 15.5"));
    assert_non_null(strstr(json, "\"cryptosuite\": \"eddsa-rdfc-2022\""));
    free(json);
    free(again);
}

/* Every byte of every string value, changed to another character: never valid. */
static void test_any_value_change(void **state)
{
    (void)state;
    struct cairn_badge b = model();
    size_t len;
    char *json = issue(&b, &len), reason[512];
    size_t checked = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        /* inside a string value: after `": "` on this line */
        const char *line = json + i;
        while (line > json && line[-1] != '\n')
            line--;
        const char *colon = strstr(line, "\": \"");
        if (!colon || colon >= json + i || json[i] == '"' || json[i] == '\\' ||
            (unsigned char)json[i] >= 0x80 || json[i] == '\n')
            continue;
        if (colon + 4 > json + i)
            continue;
        char orig = json[i];
        json[i] = orig == 'x' ? 'y' : 'x';
        enum cairn_badge_status s = verify_at(json, len, NULL, T0 + DAY, reason, sizeof reason);
        if (s == CAIRN_BADGE_VALID)
            fail_msg("changing byte %zu ('%c') left the credential valid", i, orig);
        json[i] = orig;
        checked++;
    }
    assert_true(checked > 500);
    free(json);
}

/* A malloc'd copy of json with the first from replaced by to; NULL if from is not there. */
static char *replaced(const char *json, const char *from, const char *to)
{
    size_t n = strlen(json), fl = strlen(from), tl = strlen(to), pre = 0;
    while (pre + fl <= n && memcmp(json + pre, from, fl) != 0)
        pre++;
    if (pre + fl > n)
        return NULL;
    char *e = malloc(n + tl + 1);
    if (e != NULL) {
        memcpy(e, json, pre);
        memcpy(e + pre, to, tl);
        memcpy(e + pre + tl, json + pre + fl, n - pre - fl + 1);
    }
    return e;
}

static void test_bad_cases(void **state)
{
    (void)state;
    struct cairn_badge b = model();
    size_t len;
    char *json = issue(&b, &len), reason[512];

    assert_int_equal(verify_at("not json", 8, NULL, T0, reason, sizeof reason),
                     CAIRN_BADGE_NOT_JSON);
    assert_int_equal(verify_at(json, len / 2, NULL, T0, reason, sizeof reason),
                     CAIRN_BADGE_NOT_JSON);
    assert_int_equal(verify_at(json, len, NULL, T0 - 1000, reason, sizeof reason),
                     CAIRN_BADGE_NOT_YET_VALID);
    assert_int_equal(verify_at(json, len, NULL, T0 + 365 * DAY, reason, sizeof reason),
                     CAIRN_BADGE_EXPIRED);
    assert_non_null(strstr(reason, "2026-11-24T16:00:00Z"));

    /* tampered: the achievement's name */
    char *t = strdup(json);
    char *p = strstr(t, "\"name\": \"Wait Time\"");
    p[9] = 'X';
    assert_int_equal(verify_at(t, len, NULL, T0, reason, sizeof reason), CAIRN_BADGE_TAMPERED);
    assert_non_null(strstr(reason, "proof does not verify"));
    free(t);

    /* an unknown property, an extra context, a wrong type, a JSON-LD keyword we do not read */
    static const struct {
        const char *from, *to;
        enum cairn_badge_status want;
        const char *says;
    } edits[] = {
        {"\"name\": \"Wait Time\",", "\"name\": \"Wait Time\", \"extra\": 1,",
         CAIRN_BADGE_UNSUPPORTED, "\"extra\""},
        {"\"https://www.w3.org/ns/credentials/v2\",",
         "\"https://www.w3.org/ns/credentials/v2\", \"https://example.org/ctx\",",
         CAIRN_BADGE_UNSUPPORTED, "@context"},
        {"\"name\": \"Wait Time\",", "\"name\": 7,", CAIRN_BADGE_MALFORMED, "not a string"},
        {"\"hashed\": true", "\"hashed\": false", CAIRN_BADGE_UNSUPPORTED, "hashed"},
        {"\"type\": \"Profile\"", "\"type\": \"Person\"", CAIRN_BADGE_UNSUPPORTED, "issuer.type"},
        {"\"eddsa-rdfc-2022\"", "\"eddsa-jcs-2022\"", CAIRN_BADGE_UNSUPPORTED, "cryptosuite"},
        {"\"validFrom\": \"2025-11-24T16:00:00Z\"", "\"validFrom\": \"2025-11-24T16:00:00.000Z\"",
         CAIRN_BADGE_UNSUPPORTED, "validFrom"},
        {"\"statusListIndex\": \"42\"", "\"statusListIndex\": \"042\"", CAIRN_BADGE_MALFORMED,
         "statusListIndex"},
        {"\"creditsAvailable\": 15.5", "\"creditsAvailable\": 15.555", CAIRN_BADGE_UNSUPPORTED,
         "creditsAvailable"},
        {"\"creditsAvailable\": 15.5", "\"creditsAvailable\": 15.500000001",
         CAIRN_BADGE_UNSUPPORTED, "creditsAvailable"},
        {"\"name\": \"Wait Time\",", "\"name\": \"Wait Time\", \"name\": \"Other\",",
         CAIRN_BADGE_NOT_JSON, "duplicate"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *e = replaced(json, edits[i].from, edits[i].to);
        if (e == NULL)
            fail_msg("edit %zu: \"%s\" not in the credential", i, edits[i].from);
        enum cairn_badge_status s = verify_at(e, strlen(e), NULL, T0, reason, sizeof reason);
        if (s != edits[i].want || !strstr(reason, edits[i].says))
            fail_msg("edit %zu: got %d \"%s\"", i, s, reason);
        free(e);
    }

    /* over the size limit: refused before parsing */
    char *big = malloc(CAIRN_BADGE_JSON_MAX + 2);
    memset(big, ' ', CAIRN_BADGE_JSON_MAX + 1);
    assert_int_equal(verify_at(big, CAIRN_BADGE_JSON_MAX + 1, NULL, T0, reason, sizeof reason),
                     CAIRN_BADGE_MALFORMED);
    free(big);
    free(json);
}

/* Signed with key 2 but claiming the issuer of key 1: the proof verifies, the issuer does not. */
static void test_wrong_issuer(void **state)
{
    (void)state;
    struct cairn_badge b = model();
    char did[CAIRN_DIDKEY_MAX], vm2[CAIRN_DIDKEY_VM_MAX], value[PROOF_VALUE_MAX], err[256];
    struct cairn_rdf_dataset ds;
    cairn_didkey_encode(pk, did);
    cairn_didkey_vm(pk2, vm2);
    json_t *doc = badge_json(&b, did, err, sizeof err);
    assert_non_null(doc);
    cairn_rdf_init(&ds);
    assert_int_equal(badge_model_quads(&b, did, &ds), 0);
    assert_int_equal(eddsa_rdfc_sign(&ds, "2025-11-24T16:00:00Z", vm2, sk2, value), 0);
    cairn_rdf_free(&ds);
    json_object_set_new(doc, "proof", eddsa_rdfc_proof_json("2025-11-24T16:00:00Z", vm2, value));
    char *json = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15)), reason[512];
    json_decref(doc);
    assert_int_equal(verify_at(json, strlen(json), NULL, T0, reason, sizeof reason),
                     CAIRN_BADGE_WRONG_ISSUER);
    free(json);
}

static void test_revocation(void **state)
{
    (void)state;
    struct cairn_badge b = model();
    size_t len, sl_len;
    char *json = issue(&b, &len), *sl_json, err[512], reason[512];
    uint8_t *bits = calloc(CAIRN_STATUS_LIST_MIN_BITS / 8, 1);
    struct cairn_status_list sl;

    assert_int_equal(cairn_status_list_issue(b.status_list_url, bits, CAIRN_STATUS_LIST_MIN_BITS,
                                             T0, sk, &sl_json, &sl_len, err, sizeof err),
                     0);
    assert_int_equal(cairn_status_list_parse(sl_json, sl_len, &sl, err, sizeof err), 0);
    assert_int_equal(verify_at(json, len, &sl, T0, reason, sizeof reason), CAIRN_BADGE_VALID);
    cairn_status_list_free(&sl);
    free(sl_json);

    bits[42 / 8] |= 0x80 >> (42 % 8);
    assert_int_equal(cairn_status_list_issue(b.status_list_url, bits, CAIRN_STATUS_LIST_MIN_BITS,
                                             T0, sk, &sl_json, &sl_len, err, sizeof err),
                     0);
    assert_int_equal(cairn_status_list_parse(sl_json, sl_len, &sl, err, sizeof err), 0);
    assert_int_equal(verify_at(json, len, &sl, T0, reason, sizeof reason), CAIRN_BADGE_REVOKED);
    assert_non_null(strstr(reason, "index 42"));
    cairn_status_list_free(&sl);
    free(sl_json);

    /* another list (another URL), or the same URL signed by another issuer */
    assert_int_equal(cairn_status_list_issue("https://hub.example.org/status/2", bits,
                                             CAIRN_STATUS_LIST_MIN_BITS, T0, sk, &sl_json, &sl_len,
                                             err, sizeof err),
                     0);
    assert_int_equal(cairn_status_list_parse(sl_json, sl_len, &sl, err, sizeof err), 0);
    assert_int_equal(verify_at(json, len, &sl, T0, reason, sizeof reason),
                     CAIRN_BADGE_STATUS_MISMATCH);
    cairn_status_list_free(&sl);
    free(sl_json);
    assert_int_equal(cairn_status_list_issue(b.status_list_url, bits, CAIRN_STATUS_LIST_MIN_BITS,
                                             T0, sk2, &sl_json, &sl_len, err, sizeof err),
                     0);
    assert_int_equal(cairn_status_list_parse(sl_json, sl_len, &sl, err, sizeof err), 0);
    assert_int_equal(verify_at(json, len, &sl, T0, reason, sizeof reason),
                     CAIRN_BADGE_STATUS_MISMATCH);
    assert_non_null(strstr(reason, "another issuer"));
    cairn_status_list_free(&sl);
    free(sl_json);
    free(bits);
    free(json);
}

/* The issuer refuses models its own verifier would not read back. */
static void test_issue_refuses(void **state)
{
    (void)state;
    char *json, err[512];
    size_t len;
    struct cairn_badge b = model();
    b.id = "not an iri";
    assert_int_equal(cairn_badge_issue(&b, sk, T0, &json, &len, err, sizeof err), CAIRN_EINVAL);
    assert_non_null(strstr(err, "id"));
    b = model();
    b.achievement_name = "bad \xff utf-8";
    assert_int_equal(cairn_badge_issue(&b, sk, T0, &json, &len, err, sizeof err), CAIRN_EINVAL);
    assert_non_null(strstr(err, "UTF-8"));
    b = model();
    b.identity_hash = NULL;
    assert_int_equal(cairn_badge_issue(&b, sk, T0, &json, &len, err, sizeof err), CAIRN_EINVAL);
    b = model();
    b.valid_until_ms = b.valid_from_ms;
    assert_int_equal(cairn_badge_issue(&b, sk, T0, &json, &len, err, sizeof err), CAIRN_EINVAL);
    b = model();
    struct cairn_badge_evidence twice[2] = {ev[0], ev[0]};
    b.evidence = twice;
    assert_int_equal(cairn_badge_issue(&b, sk, T0, &json, &len, err, sizeof err), CAIRN_EINVAL);
    assert_non_null(strstr(err, "twice"));
}

static void test_identity_hash_and_times(void **state)
{
    (void)state;
    char h[CAIRN_BADGE_IDHASH_MAX];
    /* sha256("ada@example.orgabc") */
    cairn_badge_identity_hash("ada@example.org", "abc", h);
    uint8_t d[32];
    char hex[65];
    crypto_hash_sha256(d, (const unsigned char *)"ada@example.orgabc", 18);
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    assert_int_equal(strncmp(h, "sha256$", 7), 0);
    assert_string_equal(h + 7, hex);

    char t[BADGE_TIME_MAX];
    int64_t ms;
    assert_int_equal(badge_time_format(T0, t), 0);
    assert_string_equal(t, "2025-11-24T16:00:00Z");
    assert_int_equal(badge_time_parse(t, &ms), 0);
    assert_int_equal(ms, T0);
    assert_int_equal(badge_time_parse("2024-02-29T23:59:59Z", &ms), 0);
    assert_int_equal(badge_time_parse("2025-02-29T00:00:00Z", &ms), CAIRN_EINVAL);
    assert_int_equal(badge_time_parse("2025-11-24 16:00:00Z", &ms), CAIRN_EINVAL);
    assert_int_equal(badge_time_parse("2025-11-24T16:00:00+01:00", &ms), CAIRN_EINVAL);
    char lex[32];
    badge_credits_lexical(1500, lex);
    assert_string_equal(lex, "15");
    badge_credits_lexical(250, lex);
    assert_string_equal(lex, "2.5E0");
    badge_credits_lexical(5, lex);
    assert_string_equal(lex, "5.0E-2");
    badge_credits_lexical(123456, lex);
    assert_string_equal(lex, "1.23456E3");
}

#define VECTOR_PROOF                                                                               \
    "z3iUi6yoBQhJTcLPE2YdYfryZESKKbjhWUBgHpoQ1WmwxGQtzuq5Ge89tGHy7KD5Rg6nScEotm63WGvN63oAD7uSz\""

/* PROTOCOL.md 10.7: a fixed key and a minimal credential give these exact bytes. */
static void test_protocol_vector(void **state)
{
    (void)state;
    uint8_t vpk[32], vsk[64];
    struct cairn_badge b = badge_vector(vpk, vsk);
    char *json, err[256], *nq;
    size_t len, nlen;
    assert_int_equal(cairn_badge_issue(&b, vsk, b.valid_from_ms, &json, &len, err, sizeof err), 0);
    assert_int_equal(cairn_badge_nquads(json, len, &nq, &nlen, err, sizeof err), 0);
    uint8_t h[32];
    char hex[65];
    crypto_hash_sha256(h, (const unsigned char *)nq, nlen);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    char did[CAIRN_DIDKEY_MAX];
    cairn_didkey_encode(vpk, did);
    const char *pv = strstr(json, "\"proofValue\": \"");
    assert_non_null(pv);
    assert_string_equal(did, "did:key:z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd");
    assert_string_equal(hex, "8dc06057227d3bd5fe399dc7011031cd47ca028785d95e508ac53a270558ae23");
    assert_int_equal(strncmp(pv + 15, VECTOR_PROOF, strlen(VECTOR_PROOF)), 0);
    free(nq);
    free(json);

    /* the proof options' canonical form, hashed */
    char po[1024], *canon;
    size_t clen;
    struct cairn_rdf_dataset ds;
    snprintf(po, sizeof po,
             "_:p <" CAIRN_RDF_TYPE "> <" SEC_NS "DataIntegrityProof> .\n"
             "_:p <" DCTERMS_CREATED "> \"2026-01-01T00:00:00Z\"^^<" XSD_DATETIME "> .\n"
             "_:p <" SEC_NS "cryptosuite> \"eddsa-rdfc-2022\"^^<" SEC_NS "cryptosuiteString> .\n"
             "_:p <" SEC_NS "proofPurpose> <" SEC_NS "assertionMethod> .\n"
             "_:p <" SEC_NS "verificationMethod> <%s#%s> .\n",
             did, did + 8);
    cairn_rdf_init(&ds);
    assert_int_equal(cairn_rdf_parse_nquads(po, strlen(po), &ds, err, sizeof err), 0);
    assert_int_equal(cairn_rdfc_canonize(&ds, &canon, &clen), 0);
    crypto_hash_sha256(h, (const unsigned char *)canon, clen);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    assert_string_equal(hex, "5df22552f7aa4d1b04f119d22277bdefb5d02cd7184ac2741d99b1d24da88fe1");
    free(canon);
    cairn_rdf_free(&ds);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    uint8_t seed[32] = {1};
    crypto_sign_seed_keypair(pk, sk, seed);
    seed[0] = 2;
    crypto_sign_seed_keypair(pk2, sk2, seed);
    cairn_badge_identity_hash("ada@example.org", "salt", idhash);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_verify),
        cmocka_unit_test(test_any_value_change),
        cmocka_unit_test(test_bad_cases),
        cmocka_unit_test(test_wrong_issuer),
        cmocka_unit_test(test_revocation),
        cmocka_unit_test(test_issue_refuses),
        cmocka_unit_test(test_identity_hash_and_times),
        cmocka_unit_test(test_protocol_vector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
