/*
 * bench_badge.c: Open Badges credentials issued and verified per second on one core (one
 * thread). An issue is the whole of cairn_badge_issue(): JSON, quads, two RDFC-1.0
 * canonicalisations, SHA-256, Ed25519 signature, and the read-back verification it does before
 * returning. A verify is cairn_badge_verify() with a status list (parse, quads, canonicalisation,
 * signature check, revocation bit). Prints "name value unit" lines; target: >= 1,000 issued/s.
 * usage: bench_badge [N]   (default 2000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include <cairn/badge.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    uint8_t pk[32], sk[64];
    char idhash[CAIRN_BADGE_IDHASH_MAX], id[64], err[512];
    if (sodium_init() < 0 || n <= 0)
        return 1;
    crypto_sign_keypair(pk, sk);
    cairn_badge_identity_hash("ada@example.org", "salt", idhash);
    const struct cairn_badge_evidence ev[] = {
        {"urn:cairn:blake2b:8d5b5fa4e0e8a0f7c5b1c0f0b2c6e1e4a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4",
         "Classroom video", "video/mp4, 812 MiB"},
        {"urn:cairn:blake2b:0000000000000000000000000000000000000000000000000000000000000001",
         "Reflection", "text/plain"},
        {"urn:cairn:blake2b:0000000000000000000000000000000000000000000000000000000000000002",
         "Student work", "application/pdf"},
    };
    struct cairn_badge b = {
        .id = id,
        .name = "Wait Time",
        .issuer_name = "Valley Region Hub",
        .identity_hash = idhash,
        .identity_salt = "salt",
        .achievement_id = "urn:cairn:credential:wait-time:3",
        .achievement_name = "Wait Time",
        .achievement_description = "Uses wait time to deepen student thinking.",
        .criteria_narrative = "Competency: uses wait time. Rubric: meets on every criterion.",
        .pd_centihours = 1500,
        .valid_from_ms = INT64_C(1764000000000),
        .status_list_url = "https://hub.example.org/status/1",
        .evidence = ev,
        .nevidence = 3,
    };
    char **docs = calloc((size_t)n, sizeof *docs);
    size_t *lens = calloc((size_t)n, sizeof *lens);
    double t0 = now();
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "urn:uuid:00000000-0000-4000-8000-%012d", i);
        b.status_index = (uint32_t)i;
        if (cairn_badge_issue(&b, sk, b.valid_from_ms, &docs[i], &lens[i], err, sizeof err)) {
            fprintf(stderr, "bench_badge: %s\n", err);
            return 1;
        }
    }
    double issue_s = now() - t0;

    uint8_t *bits = calloc(CAIRN_STATUS_LIST_MIN_BITS / 8, 1);
    char *sl_json;
    size_t sl_len;
    struct cairn_status_list sl;
    if (cairn_status_list_issue(b.status_list_url, bits, CAIRN_STATUS_LIST_MIN_BITS,
                                b.valid_from_ms, sk, &sl_json, &sl_len, err, sizeof err) ||
        cairn_status_list_parse(sl_json, sl_len, &sl, err, sizeof err)) {
        fprintf(stderr, "bench_badge: %s\n", err);
        return 1;
    }
    t0 = now();
    for (int i = 0; i < n; i++) {
        struct cairn_badge_verdict v;
        if (cairn_badge_verify(docs[i], lens[i], &sl, b.valid_from_ms + 1000, &v) != 0 ||
            v.status != CAIRN_BADGE_VALID) {
            fprintf(stderr, "bench_badge: credential %d: %s\n", i, v.reason);
            return 1;
        }
        cairn_badge_verdict_free(&v);
    }
    double verify_s = now() - t0;
    double issue_rate = n / issue_s, verify_rate = n / verify_s;
    printf("badge_issue_rate %.0f credentials/s (target >= 1000; ratio %.2f)\n", issue_rate,
           issue_rate / 1000.0);
    printf("badge_verify_rate %.0f credentials/s\n", verify_rate);
    printf("badge_size %zu bytes\n", lens[0]);
    printf("status_list_size %zu bytes (131072 entries)\n", sl_len);
    for (int i = 0; i < n; i++)
        free(docs[i]);
    free(docs);
    free(lens);
    free(bits);
    free(sl_json);
    cairn_status_list_free(&sl);
    return 0;
}
