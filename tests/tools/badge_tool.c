/*
 * badge_tool.c: test helper for the Open Badges interop test (tests/integration/
 * t_badge_interop.sh). Never installed, never linked into cairnd or cairn.
 *
 *   badge_tool issue-set DIR   issues a fixed set of credentials (hostile text, several evidence
 *                              parts, with and without validUntil, revoked and not) and a status
 *                              list into DIR, with a deterministic test key; writes NAME.json
 *                              and NAME.nq (our canonical N-Quads) for each, and list.txt
 *                              (all but expired.json, which every verifier must refuse)
 *   badge_tool nquads FILE     prints the canonical N-Quads of a credential (without proof)
 *   badge_tool canon FILE.nq   prints RDFC-1.0 of any N-Quads file
 *   badge_tool tamper IN OUT   copies IN changing one character of the first "name" value
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <cairn/badge.h>
#include <cairn/rdf.h>

#include "badge_vector.h"

#define T0 INT64_C(1764000000000) /* 2025-11-24T16:00:00Z */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(16u << 20);
    *len = buf ? fread(buf, 1, (16u << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[*len] = '\0';
    return buf;
}

static int spit(const char *dir, const char *name, const char *ext, const char *s, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s%s", dir, name[0] ? "/" : "", name, ext);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(s, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "badge_tool: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

static int emit(const char *dir, FILE *list, const char *name, const char *json, size_t len)
{
    char *nq, err[256];
    size_t nlen;
    if (cairn_badge_nquads(json, len, &nq, &nlen, err, sizeof err) != 0) {
        fprintf(stderr, "badge_tool: %s: %s\n", name, err);
        return 1;
    }
    int rc = spit(dir, name, ".json", json, len) || spit(dir, name, ".nq", nq, nlen);
    free(nq);
    if (list)
        fprintf(list, "%s\n", name);
    return rc;
}

/* PROTOCOL.md 10.7's test vector (key seed 00 01 .. 1f), so the npm verifier checks it too. */
static int protocol_vector(const char *dir, FILE *list)
{
    uint8_t pk[32], sk[64];
    struct cairn_badge b = badge_vector(pk, sk);
    char *json, err[512];
    size_t len;
    if (cairn_badge_issue(&b, sk, b.valid_from_ms, &json, &len, err, sizeof err) != 0) {
        fprintf(stderr, "badge_tool: vector: %s\n", err);
        return 1;
    }
    int rc = emit(dir, list, "vector", json, len);
    free(json);
    return rc;
}

static int issue_set(const char *dir)
{
    uint8_t seed[32], pk[32], sk[64];
    crypto_hash_sha256(seed, (const unsigned char *)"cairn interop test key", 22);
    crypto_sign_seed_keypair(pk, sk, seed);
    char idhash[CAIRN_BADGE_IDHASH_MAX], path[4096];
    cairn_badge_identity_hash("ada.okafor@example.org", "f00dfeedcafe", idhash);
    static const char long_text[] =
        "Long narrative. The teacher pauses three to five seconds after each question. ";
    char *longer = malloc(40 * sizeof long_text + 1);
    longer[0] = '\0';
    for (int i = 0; i < 40; i++)
        strcat(longer, long_text);
    const struct cairn_badge_evidence ev[] = {
        {"urn:cairn:blake2b:8d5b5fa4e0e8a0f7c5b1c0f0b2c6e1e4a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4",
         "Classroom video", "video/mp4, 812 MiB, part \"video\""},
        {"urn:cairn:blake2b:0000000000000000000000000000000000000000000000000000000000000001",
         "Reflection", "text/plain; \"quoted\" \\ back\\slash\nnew line\ttab"},
        {"ni:///sha-256;f4OxZX_x_FO5LcGBSKHWXfwtSx-j1ncoSt3SABJtkGk",
         "Student work \xf0\x9f\x93\x9d", NULL},
    };
    struct cairn_badge base = {
        .id = "urn:uuid:6a0f3a8e-3c1b-4d7e-9a55-0f1e2d3c4b5a",
        .name = "Wait Time",
        .description = "Uses wait time to deepen student thinking.",
        .issuer_name = "Valley Region Hub",
        .identity_hash = idhash,
        .identity_salt = "f00dfeedcafe",
        .achievement_id = "urn:cairn:credential:wait-time:3",
        .achievement_name = "Wait Time",
        .achievement_description = "Competency: uses wait time to deepen student thinking.",
        .criteria_narrative = "Competency: uses wait time.\nRubric: meets when every criterion "
                              "is at \"meets\". PD hours: 15.",
        .pd_centihours = 1500,
        .valid_from_ms = T0,
        .status_list_url = "https://hub.example.org/status/1",
        .status_index = 8,
        .evidence = ev,
        .nevidence = 3,
    };
    struct {
        const char *name;
        struct cairn_badge b;
    } set[8];
    size_t n = 0;
    set[n].name = "plain", set[n++].b = base;
    set[n] = set[0], set[n].name = "hostile";
    set[n].b.name = "Quotes \" backslash \\ newline \n tab \t cr \r bell \x07 del \x7f";
    set[n].b.description = "Non-ASCII: \xc3\xa9l\xc3\xa8ve, \xe6\x97\xa5\xe6\x9c\xac, emoji "
                           "\xf0\x9f\x8e\x93\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x8f\xab, "
                           "private use \xee\x80\x80";
    set[n].b.issuer_name = "Hub \"Valley\" \\ R\xc3\xa9gion";
    set[n++].b.criteria_narrative = longer;
    set[n] = set[0], set[n].name = "expiring";
    set[n].b.valid_until_ms = T0 + INT64_C(3650) * 86400 * 1000; /* valid for ten years */
    set[n].b.pd_centihours = 250;                                /* 2.5 hours */
    set[n++].b.id = "https://hub.example.org/badges/6a0f3a8e";
    set[n] = set[0], set[n].name = "subject-id";
    set[n].b.subject_id = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    set[n].b.identity_hash = NULL, set[n].b.identity_salt = NULL;
    set[n].b.nevidence = 0, set[n].b.description = NULL;
    set[n].b.pd_centihours = 5;
    set[n++].b.status_list_url = NULL;
    set[n] = set[0], set[n].name = "revoked";
    set[n].b.id = "urn:uuid:00000000-0000-4000-8000-000000000007";
    set[n++].b.status_index = 7;
    /* a stack's own badge, shaped as award.c's cairn_award_sign_stack makes it: the stack as the
     * achievement, criteria listing its credentials, their awards as evidence, no PD hours */
    static const struct cairn_badge_evidence stack_ev[] = {
        {"urn:cairn:award:01jdx3q4c8m6a9v2k5r7t0w1y1", "Credential: Two-Way Family Communication",
         "family-partnership, award 01jdx3q4c8m6a9v2k5r7t0w1y1"},
        {"urn:cairn:award:01jdx3q4c8m6a9v2k5r7t0w1y2", "Credential: District Communication Plan",
         "district-communication-plan, award 01jdx3q4c8m6a9v2k5r7t0w1y2"},
    };
    set[n] = set[0], set[n].name = "stack";
    set[n].b.id = "https://hub.example.org/badges/01jdx3q4c8m6a9v2k5r7t0w1y9";
    set[n].b.name = set[n].b.achievement_name = "Leadership and Community";
    set[n].b.description = "Awarded for earning every credential of the stack \"Leadership and "
                           "Community\".";
    set[n].b.achievement_id = "https://hub.example.org/stacks/leadership-community";
    set[n].b.achievement_description = "Communication with families and the public.";
    set[n].b.criteria_narrative =
        "Earned every credential of the stack, each a badge of its own:\n- Two-Way Family "
        "Communication (family-partnership): https://hub.example.org/badges/"
        "01jdx3q4c8m6a9v2k5r7t0w1y1\n- District Communication Plan (district-communication-plan): "
        "https://hub.example.org/badges/01jdx3q4c8m6a9v2k5r7t0w1y2";
    set[n].b.pd_centihours = 0;
    set[n].b.status_index = 9;
    set[n].b.evidence = stack_ev;
    set[n++].b.nevidence = 2;
    set[n] = set[0], set[n].name = "expired"; /* not in list.txt: every verifier refuses it */
    set[n++].b.valid_until_ms = T0 + INT64_C(86400000);

    snprintf(path, sizeof path, "%s/list.txt", dir);
    FILE *list = fopen(path, "w");
    if (!list)
        return 1;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        char *json, err[512];
        size_t len;
        if (cairn_badge_issue(&set[i].b, sk, set[i].b.valid_from_ms, &json, &len, err,
                              sizeof err) != 0) {
            fprintf(stderr, "badge_tool: %s: %s\n", set[i].name, err);
            rc = 1;
            break;
        }
        rc = emit(dir, strcmp(set[i].name, "expired") ? list : NULL, set[i].name, json, len);
        free(json);
    }
    if (!rc)
        rc = protocol_vector(dir, list);
    uint8_t *bits = calloc(CAIRN_STATUS_LIST_MIN_BITS / 8, 1);
    bits[0] = 0x01;   /* index 7 revoked */
    bits[100] = 0x80; /* index 800 revoked */
    char *json, err[512];
    size_t len;
    if (!rc && cairn_status_list_issue("https://hub.example.org/status/1", bits,
                                       CAIRN_STATUS_LIST_MIN_BITS, T0, sk, &json, &len, err,
                                       sizeof err) != 0) {
        fprintf(stderr, "badge_tool: status list: %s\n", err);
        rc = 1;
    } else if (!rc) {
        rc = emit(dir, list, "statuslist", json, len);
        free(json);
    }
    free(bits);
    free(longer);
    fclose(list);
    return rc;
}

static int tamper(const char *in, const char *out)
{
    size_t len;
    char *s = slurp(in, &len);
    char *p = s ? strstr(s, "\"name\": \"") : NULL;
    if (!p) {
        fprintf(stderr, "badge_tool: no \"name\" in %s\n", in);
        free(s);
        return 1;
    }
    p += 9;
    *p = *p == 'X' ? 'Y' : 'X';
    int rc = spit(out, "", "", s, len);
    free(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    if (argc == 3 && strcmp(argv[1], "issue-set") == 0)
        return issue_set(argv[2]);
    if (argc == 4 && strcmp(argv[1], "tamper") == 0)
        return tamper(argv[2], argv[3]);
    if (argc == 3 && (strcmp(argv[1], "nquads") == 0 || strcmp(argv[1], "canon") == 0)) {
        size_t len, nlen;
        char *s = slurp(argv[2], &len), *nq = NULL, err[512];
        int rc = s ? 0 : 1;
        if (!rc && strcmp(argv[1], "nquads") == 0) {
            rc = cairn_badge_nquads(s, len, &nq, &nlen, err, sizeof err);
        } else if (!rc) {
            struct cairn_rdf_dataset ds;
            cairn_rdf_init(&ds);
            rc = cairn_rdf_parse_nquads(s, len, &ds, err, sizeof err);
            if (!rc)
                rc = cairn_rdfc_canonize(&ds, &nq, &nlen);
            if (rc && !err[0])
                snprintf(err, sizeof err, "canonicalisation failed");
            cairn_rdf_free(&ds);
        }
        if (rc)
            fprintf(stderr, "badge_tool: %s: %s\n", argv[2], s ? err : "cannot read");
        else
            fwrite(nq, 1, nlen, stdout);
        free(s);
        free(nq);
        return rc ? 1 : 0;
    }
    fprintf(stderr, "usage: badge_tool issue-set DIR | nquads FILE | canon FILE.nq | tamper IN "
                    "OUT\n");
    return 2;
}
