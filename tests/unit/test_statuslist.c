/*
 * test_statuslist.c: Bitstring Status Lists (proto/statuslist.c): round trip of random bits at
 * the minimum and a larger size, the spec's bit order (index 0 is the first byte's most
 * significant bit), sizes refused at issue, a tampered list refused by its proof, and signed
 * lists whose encodedList is hostile (not base64url, not gzip, a gzip bomb past the limit,
 * bytes after the gzip member, under the 16 KiB minimum) each refused with a message.
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
#include <zlib.h>

#include "cairn/badge.h"
#include "cairn/err.h"
#include "cairn/multibase.h"
#include "../../proto/badge_internal.h"

#define T0 INT64_C(1764000000000)
#define URL "https://hub.example.org/status/1"

static uint8_t pk[32], sk[64];

static void round_trip(size_t nbits)
{
    uint8_t *bits = malloc(nbits / 8);
    char *json, err[256];
    size_t len;
    struct cairn_status_list sl;
    randombytes_buf(bits, nbits / 8);
    assert_int_equal(
        cairn_status_list_issue(URL, bits, nbits, T0, sk, &json, &len, err, sizeof err), 0);
    if (cairn_status_list_parse(json, len, &sl, err, sizeof err) != 0)
        fail_msg("%zu bits: %s", nbits, err);
    assert_string_equal(sl.id, URL);
    assert_int_equal(sl.nbits, nbits);
    assert_memory_equal(sl.issuer_pk, pk, 32);
    assert_int_equal(sl.valid_from_ms, T0);
    for (uint32_t i = 0; i < nbits; i += 7)
        assert_int_equal(cairn_status_list_get(&sl, i), (bits[i / 8] >> (7 - i % 8)) & 1);
    assert_int_equal(cairn_status_list_get(&sl, (uint32_t)nbits), -1);
    cairn_status_list_free(&sl);
    free(json);
    free(bits);
}

static void test_round_trip(void **state)
{
    (void)state;
    round_trip(CAIRN_STATUS_LIST_MIN_BITS);
    round_trip(CAIRN_STATUS_LIST_MIN_BITS * 8);
}

static void test_bit_order(void **state)
{
    (void)state;
    uint8_t *bits = calloc(CAIRN_STATUS_LIST_MIN_BITS / 8, 1);
    char *json, err[256];
    size_t len;
    struct cairn_status_list sl;
    bits[0] = 0x80; /* index 0 */
    bits[1] = 0x01; /* index 15 */
    assert_int_equal(cairn_status_list_issue(URL, bits, CAIRN_STATUS_LIST_MIN_BITS, T0, sk, &json,
                                             &len, err, sizeof err),
                     0);
    assert_int_equal(cairn_status_list_parse(json, len, &sl, err, sizeof err), 0);
    assert_int_equal(cairn_status_list_get(&sl, 0), 1);
    assert_int_equal(cairn_status_list_get(&sl, 1), 0);
    assert_int_equal(cairn_status_list_get(&sl, 14), 0);
    assert_int_equal(cairn_status_list_get(&sl, 15), 1);
    assert_non_null(strstr(json, "\"encodedList\": \"uH4sI")); /* u + base64url(gzip magic) */
    cairn_status_list_free(&sl);
    free(json);
    free(bits);
}

static void test_issue_refuses(void **state)
{
    (void)state;
    uint8_t *bits = calloc(CAIRN_STATUS_LIST_MIN_BITS / 8, 1);
    char *json, err[256];
    size_t len;
    assert_int_equal(cairn_status_list_issue(URL, bits, CAIRN_STATUS_LIST_MIN_BITS - 8, T0, sk,
                                             &json, &len, err, sizeof err),
                     CAIRN_EINVAL);
    assert_int_equal(cairn_status_list_issue(URL, bits, CAIRN_STATUS_LIST_MIN_BITS + 1, T0, sk,
                                             &json, &len, err, sizeof err),
                     CAIRN_EINVAL);
    assert_int_equal(cairn_status_list_issue(URL "#frag", bits, CAIRN_STATUS_LIST_MIN_BITS, T0, sk,
                                             &json, &len, err, sizeof err),
                     CAIRN_EINVAL);
    free(bits);
}

static void test_tampered(void **state)
{
    (void)state;
    uint8_t *bits = calloc(CAIRN_STATUS_LIST_MIN_BITS / 8, 1);
    char *json, err[256];
    size_t len;
    struct cairn_status_list sl;
    assert_int_equal(cairn_status_list_issue(URL, bits, CAIRN_STATUS_LIST_MIN_BITS, T0, sk, &json,
                                             &len, err, sizeof err),
                     0);
    char *p = strstr(json, "status/1\"");
    p[7] = '2';
    assert_int_equal(cairn_status_list_parse(json, len, &sl, err, sizeof err), CAIRN_ECRYPTO);
    assert_non_null(strstr(err, "tampered"));
    assert_int_equal(cairn_status_list_parse(json, len / 2, &sl, err, sizeof err), CAIRN_EJSON);
    free(json);
    free(bits);
}

/* A correctly signed list whose encodedList is enc (and validUntil until, unless NULL). */
static char *signed_list_until(const char *enc, const char *until)
{
    char did[CAIRN_DIDKEY_MAX], vm[CAIRN_DIDKEY_VM_MAX], value[PROOF_VALUE_MAX];
    const char *t = "2025-11-24T16:00:00Z";
    struct cairn_rdf_dataset ds;
    cairn_didkey_encode(pk, did);
    cairn_didkey_vm(pk, vm);
    struct status_list_doc d = {.id = URL,
                                .issuer_did = did,
                                .valid_from = t,
                                .valid_until = until,
                                .subject = URL "#list",
                                .encoded = enc};
    cairn_rdf_init(&ds);
    assert_int_equal(status_list_quads(&d, &ds), 0);
    assert_int_equal(eddsa_rdfc_sign(&ds, t, vm, sk, value), 0);
    cairn_rdf_free(&ds);
    json_t *doc = json_pack("{s:[s],s:s,s:[s,s],s:s,s:s,s:{s:s,s:s,s:s,s:s},s:o}", "@context",
                            CAIRN_BADGE_CONTEXT_VC2, "id", URL, "type", "VerifiableCredential",
                            "BitstringStatusListCredential", "issuer", did, "validFrom", t,
                            "credentialSubject", "id", URL "#list", "type", "BitstringStatusList",
                            "statusPurpose", "revocation", "encodedList", enc, "proof",
                            eddsa_rdfc_proof_json(t, vm, value));
    assert_non_null(doc);
    if (until)
        json_object_set_new(doc, "validUntil", json_string(until));
    char *json = json_dumps(doc, 0);
    json_decref(doc);
    return json;
}

static char *signed_list(const char *enc)
{
    return signed_list_until(enc, NULL);
}

static char *gz_encoded(const uint8_t *data, size_t n, const char *trailer)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    uint8_t *gz = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)n;
    z.next_out = gz;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = z.total_out;
    deflateEnd(&z);
    if (trailer) {
        memcpy(gz + len, trailer, strlen(trailer));
        len += strlen(trailer);
    }
    char *enc = malloc(CAIRN_BASE64URL_LEN(len) + 2);
    enc[0] = 'u';
    cairn_base64url_encode(gz, len, enc + 1);
    free(gz);
    return enc;
}

static void test_hostile_lists(void **state)
{
    (void)state;
    struct cairn_status_list sl;
    char err[256];
    size_t big = CAIRN_STATUS_LIST_MAX_BITS / 8 + 1;
    uint8_t *zeros = calloc(big, 1);
    char *bomb = gz_encoded(zeros, big, NULL);
    char *small = gz_encoded(zeros, 1000, NULL);
    char *trailing = gz_encoded(zeros, CAIRN_STATUS_LIST_MIN_BITS / 8, "junk");
    char *ok = gz_encoded(zeros, CAIRN_STATUS_LIST_MIN_BITS / 8, NULL);
    const struct {
        const char *enc, *says;
    } cases[] = {
        {"zNotBase64url", "base64url"},
        {"u!!!!", "base64url"},
        {"uAAAAAAAA", "gzip"},
        {bomb, "gzip"},
        {trailing, "gzip"},
        {small, "minimum"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = signed_list(cases[i].enc);
        assert_int_equal(cairn_status_list_parse(json, strlen(json), &sl, err, sizeof err),
                         CAIRN_EJSON);
        if (!strstr(err, cases[i].says))
            fail_msg("case %zu: %s", i, err);
        free(json);
    }
    char *json = signed_list(ok);
    assert_int_equal(cairn_status_list_parse(json, strlen(json), &sl, err, sizeof err), 0);
    cairn_status_list_free(&sl);
    free(json);
    free(zeros);
    free(bomb);
    free(small);
    free(trailing);
    free(ok);
}

/* A list with validUntil: after that date a "not revoked" is not trusted; "revoked" still is. */
static void test_list_out_of_date(void **state)
{
    (void)state;
    uint8_t *zeros = calloc(CAIRN_STATUS_LIST_MIN_BITS / 8, 1);
    char *clean = gz_encoded(zeros, CAIRN_STATUS_LIST_MIN_BITS / 8, NULL);
    zeros[0] = 0x80; /* index 0 revoked */
    char *revoked = gz_encoded(zeros, CAIRN_STATUS_LIST_MIN_BITS / 8, NULL);
    char idhash[CAIRN_BADGE_IDHASH_MAX], *badge, err[512];
    size_t blen;
    cairn_badge_identity_hash("ada@example.org", "s", idhash);
    struct cairn_badge b = {
        .id = "urn:uuid:1",
        .name = "N",
        .issuer_name = "Hub",
        .identity_hash = idhash,
        .achievement_id = "urn:cairn:credential:x:1",
        .achievement_name = "A",
        .achievement_description = "D",
        .criteria_narrative = "C",
        .valid_from_ms = T0,
        .status_list_url = URL,
        .status_index = 0,
    };
    assert_int_equal(cairn_badge_issue(&b, sk, T0, &badge, &blen, err, sizeof err), 0);
    const int64_t until = INT64_C(1764086400000); /* 2025-11-25T16:00:00Z */
    for (int r = 0; r < 2; r++) {
        char *json = signed_list_until(r ? revoked : clean, "2025-11-25T16:00:00Z");
        struct cairn_status_list sl;
        struct cairn_badge_verdict v;
        assert_int_equal(cairn_status_list_parse(json, strlen(json), &sl, err, sizeof err), 0);
        assert_int_equal(sl.valid_until_ms, until);
        assert_int_equal(cairn_badge_verify(badge, blen, &sl, until - 1, &v), 0);
        assert_int_equal(v.status, r ? CAIRN_BADGE_REVOKED : CAIRN_BADGE_VALID);
        cairn_badge_verdict_free(&v);
        assert_int_equal(cairn_badge_verify(badge, blen, &sl, until, &v), 0);
        assert_int_equal(v.status, r ? CAIRN_BADGE_REVOKED : CAIRN_BADGE_STATUS_MISMATCH);
        if (!r)
            assert_non_null(strstr(v.reason, "out of date"));
        cairn_badge_verdict_free(&v);
        cairn_status_list_free(&sl);
        free(json);
    }
    free(badge);
    free(clean);
    free(revoked);
    free(zeros);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    crypto_sign_keypair(pk, sk);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_bit_order),
        cmocka_unit_test(test_issue_refuses), cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_hostile_lists), cmocka_unit_test(test_list_out_of_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
