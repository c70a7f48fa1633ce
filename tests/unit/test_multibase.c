/*
 * test_multibase.c: base58btc and base64url (proto/multibase.c) and did:key (proto/didkey.c):
 * known vectors, round trips of every length, leading zeros, and refusal of every non-canonical
 * or foreign input (characters outside the alphabet, padding, stray trailing bits, the wrong
 * multicodec, a fragment that is not the key).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "cairn/err.h"
#include "cairn/multibase.h"

static void test_base58_vectors(void **state)
{
    (void)state;
    char out[CAIRN_BASE58_LEN(64) + 1];
    uint8_t back[64];
    size_t n;
    cairn_base58_encode((const uint8_t *)"hello world", 11, out);
    assert_string_equal(out, "StV1DL6CwTryKyV");
    cairn_base58_encode((const uint8_t *)"\0\0\x01", 3, out);
    assert_string_equal(out, "112");
    cairn_base58_encode((const uint8_t *)"", 0, out);
    assert_string_equal(out, "");
    assert_int_equal(cairn_base58_decode("StV1DL6CwTryKyV", 15, back, sizeof back, &n), 0);
    assert_int_equal(n, 11);
    assert_memory_equal(back, "hello world", 11);
    for (const char *bad = "0OIl+/ "; *bad; bad++) {
        char s[4] = {'2', *bad, '3', 0};
        assert_int_equal(cairn_base58_decode(s, 3, back, sizeof back, &n), CAIRN_EINVAL);
    }
    assert_int_equal(cairn_base58_decode("StV1DL6CwTryKyV", 15, back, 10, &n), CAIRN_ETOOBIG);
}

static void test_round_trips(void **state)
{
    (void)state;
    uint8_t in[70], back[70];
    char out[CAIRN_BASE58_LEN(70) + CAIRN_BASE64URL_LEN(70) + 2];
    size_t n;
    for (size_t len = 0; len <= sizeof in; len++) {
        randombytes_buf(in, len);
        if (len > 2)
            in[0] = 0; /* a leading zero byte */
        size_t el = cairn_base58_encode(in, len, out);
        assert_int_equal(cairn_base58_decode(out, el, back, sizeof back, &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(back, in, len);
        el = cairn_base64url_encode(in, len, out);
        assert_int_equal(el, CAIRN_BASE64URL_LEN(len));
        assert_null(strchr(out, '='));
        assert_int_equal(cairn_base64url_decode(out, el, back, sizeof back, &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(back, in, len);
    }
}

static void test_base64url(void **state)
{
    (void)state;
    char out[16];
    uint8_t back[16];
    size_t n;
    cairn_base64url_encode((const uint8_t *)"fo", 2, out);
    assert_string_equal(out, "Zm8");
    cairn_base64url_encode((const uint8_t *)"\xfb\xff", 2, out);
    assert_string_equal(out, "-_8");
    assert_int_equal(cairn_base64url_decode("Zg==", 4, back, sizeof back, &n), CAIRN_EINVAL);
    assert_int_equal(cairn_base64url_decode("Zh", 2, back, sizeof back, &n), CAIRN_EINVAL);
    assert_int_equal(cairn_base64url_decode("Z", 1, back, sizeof back, &n), CAIRN_EINVAL);
    assert_int_equal(cairn_base64url_decode("Zm+v", 4, back, sizeof back, &n), CAIRN_EINVAL);
    assert_int_equal(cairn_base64url_decode("Zm9vYmFy", 8, back, 5, &n), CAIRN_ETOOBIG);
}

static void test_didkey(void **state)
{
    (void)state;
    /* The did:key specification's Ed25519 example. */
    static const char did[] = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
    uint8_t pk[32], pk2[32];
    char out[CAIRN_DIDKEY_MAX], vm[CAIRN_DIDKEY_VM_MAX];
    assert_int_equal(cairn_didkey_decode(did, strlen(did), pk), 0);
    cairn_didkey_encode(pk, out);
    assert_string_equal(out, did);
    cairn_didkey_vm(pk, vm);
    assert_string_equal(vm, "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
                            "#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp");
    assert_int_equal(cairn_didkey_vm_decode(vm, strlen(vm), pk2), 0);
    assert_memory_equal(pk, pk2, 32);

    /* a fresh key round-trips and starts z6Mk */
    uint8_t sk[64];
    crypto_sign_keypair(pk, sk);
    cairn_didkey_encode(pk, out);
    assert_int_equal(strncmp(out, "did:key:z6Mk", 12), 0);
    assert_int_equal(cairn_didkey_decode(out, strlen(out), pk2), 0);
    assert_memory_equal(pk, pk2, 32);

    /* refused: another method, another multicodec (X25519 z6LS...), base64 instead of base58,
     * a truncated key, a fragment naming another key */
    static const char *const bad[] = {
        "did:web:example.org",
        "did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc",
        "did:key:u7QE",
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDoo",
        "did:key:",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cairn_didkey_decode(bad[i], strlen(bad[i]), pk2), CAIRN_EINVAL);
    char other[CAIRN_DIDKEY_VM_MAX];
    snprintf(other, sizeof other, "%s#%s", did, out + 8);
    assert_int_equal(cairn_didkey_vm_decode(other, strlen(other), pk2), CAIRN_EINVAL);
    assert_int_equal(cairn_didkey_vm_decode(did, strlen(did), pk2), CAIRN_EINVAL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base58_vectors),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_base64url),
        cmocka_unit_test(test_didkey),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
