/*
 * fuzz_badge_verify.c: libFuzzer target for the decoders of untrusted badge files: the
 * credential verifier (strict JSON -> model, quads, RDFC-1.0, proof), the status list reader
 * (including gzip inflation, bounded), and the N-Quads parser + RDFC-1.0 on arbitrary datasets
 * (bounded by the blank node, call and permutation limits).
 *
 * Properties checked on every input, beyond "no crash, no sanitizer report, no leak":
 *   - every verdict has a reason that starts with its status's name;
 *   - a credential whose signature held has its parsed fields (name, issuer, achievement), and
 *     its canonical N-Quads can be produced again;
 *   - canonicalising the same N-Quads twice gives the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <cairn/badge.h>
#include <cairn/rdf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW INT64_C(1764086400000) /* 2025-11-25T16:00:00Z */

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_badge_verify: property broken: %s\n", what);
        abort();
    }
}

static void canon_twice(const char *s, size_t size)
{
    struct cairn_rdf_dataset ds;
    char err[128], *a = NULL, *b = NULL;
    size_t alen, blen;
    cairn_rdf_init(&ds);
    if (cairn_rdf_parse_nquads(s, size, &ds, err, sizeof err) == 0 &&
        cairn_rdfc_canonize(&ds, &a, &alen) == 0) {
        check(cairn_rdfc_canonize(&ds, &b, &blen) == 0, "second canonicalisation failed");
        check(alen == blen && memcmp(a, b, alen) == 0, "canonicalisation is not deterministic");
    }
    free(a);
    free(b);
    cairn_rdf_free(&ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (sodium_init() < 0)
            abort();
        ready = 1;
    }
    const char *s = (const char *)data;
    struct cairn_badge_verdict v;
    if (cairn_badge_verify(s, size, NULL, NOW, &v) == 0) {
        const char *name = cairn_badge_status_name(v.status);
        check(strncmp(v.reason, name, strlen(name)) == 0, "reason does not name the verdict");
        if (v.status == CAIRN_BADGE_VALID || v.status == CAIRN_BADGE_EXPIRED ||
            v.status == CAIRN_BADGE_NOT_YET_VALID) {
            char *nq, err[256];
            size_t nlen;
            check(v.badge.name && v.badge.issuer_name && v.badge.achievement_id,
                  "a verified credential without its fields");
            check(cairn_badge_nquads(s, size, &nq, &nlen, err, sizeof err) == 0,
                  "a verified credential has no N-Quads");
            free(nq);
        }
        cairn_badge_verdict_free(&v);
    }
    struct cairn_status_list sl;
    char err[256];
    if (cairn_status_list_parse(s, size, &sl, err, sizeof err) == 0) {
        check(sl.nbits >= CAIRN_STATUS_LIST_MIN_BITS, "a status list under the minimum");
        cairn_status_list_free(&sl);
    }
    if (size <= 64 * 1024)
        canon_twice(s, size);
    return 0;
}
