/*
 * didkey.c: did:key identifiers for Ed25519 public keys (W3C did:key method): multicodec
 * ed25519-pub (varint 0xed 0x01) then the 32-byte key, base58btc, multibase prefix "z".
 */
#include <cairn/multibase.h>

#include <string.h>

#include <cairn/err.h>

#define PREFIX "did:key:"
#define PREFIX_LEN 8

static size_t key_id(const uint8_t pk[32], char *out)
{
    uint8_t mc[34] = {0xed, 0x01};
    memcpy(mc + 2, pk, 32);
    out[0] = 'z';
    return 1 + cairn_base58_encode(mc, sizeof mc, out + 1);
}

void cairn_didkey_encode(const uint8_t pk[32], char out[CAIRN_DIDKEY_MAX])
{
    memcpy(out, PREFIX, PREFIX_LEN);
    key_id(pk, out + PREFIX_LEN);
}

/* The method-specific id ("z6Mk...", len bytes) into pk. */
static int key_decode(const char *id, size_t len, uint8_t pk[32])
{
    uint8_t mc[34];
    size_t n;
    if (len < 2 || id[0] != 'z')
        return CAIRN_EINVAL;
    if (cairn_base58_decode(id + 1, len - 1, mc, sizeof mc, &n) != 0 || n != sizeof mc ||
        mc[0] != 0xed || mc[1] != 0x01)
        return CAIRN_EINVAL;
    memcpy(pk, mc + 2, 32);
    return 0;
}

int cairn_didkey_decode(const char *did, size_t len, uint8_t pk[32])
{
    if (len <= PREFIX_LEN || memcmp(did, PREFIX, PREFIX_LEN) != 0)
        return CAIRN_EINVAL;
    return key_decode(did + PREFIX_LEN, len - PREFIX_LEN, pk);
}

void cairn_didkey_vm(const uint8_t pk[32], char out[CAIRN_DIDKEY_VM_MAX])
{
    char id[CAIRN_DIDKEY_MAX];
    size_t n = key_id(pk, id); /* 48 characters: always fits twice in CAIRN_DIDKEY_VM_MAX */
    memcpy(out, PREFIX, PREFIX_LEN);
    memcpy(out + PREFIX_LEN, id, n);
    out[PREFIX_LEN + n] = '#';
    memcpy(out + PREFIX_LEN + n + 1, id, n + 1);
}

int cairn_didkey_vm_decode(const char *vm, size_t len, uint8_t pk[32])
{
    const char *hash = memchr(vm, '#', len);
    if (!hash)
        return CAIRN_EINVAL;
    size_t did_len = (size_t)(hash - vm), frag_len = len - did_len - 1;
    if (cairn_didkey_decode(vm, did_len, pk) != 0)
        return CAIRN_EINVAL;
    if (frag_len != did_len - PREFIX_LEN || memcmp(hash + 1, vm + PREFIX_LEN, frag_len) != 0)
        return CAIRN_EINVAL;
    return 0;
}
