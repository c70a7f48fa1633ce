/*
 * badge_vector.h: PROTOCOL.md 10.6's test vector, shared by tests/unit/test_badge.c (which checks
 * its bytes) and tests/tools/badge_tool.c (which hands it to the npm verifier). Tests only.
 */
#ifndef CAIRN_TESTS_BADGE_VECTOR_H
#define CAIRN_TESTS_BADGE_VECTOR_H

#include <sodium.h>

#include <cairn/badge.h>

/* The key (seed bytes 0..31) and the credential. */
static inline struct cairn_badge badge_vector(uint8_t pk[32], uint8_t sk[64])
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    crypto_sign_seed_keypair(pk, sk, seed);
    struct cairn_badge b = {
        .id = "urn:uuid:00000000-0000-4000-8000-000000000001",
        .name = "Wait Time",
        .issuer_name = "Valley Region Hub",
        .subject_id = "did:example:ada",
        .achievement_id = "urn:cairn:credential:wait-time:1",
        .achievement_name = "Wait Time",
        .achievement_description = "Uses wait time to deepen student thinking.",
        .criteria_narrative = "Meets on every rubric criterion.",
        .pd_centihours = 150,
        .valid_from_ms = INT64_C(1767225600000), /* 2026-01-01T00:00:00Z */
    };
    return b;
}

#endif
