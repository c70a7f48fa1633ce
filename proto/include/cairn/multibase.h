/*
 * multibase.h: the encodings Open Badges credentials use: base58btc ("z..." multibase, did:key,
 * proof values) and base64url without padding ("u..." multibase, status lists), and did:key
 * identifiers for Ed25519 public keys.
 *
 * Decoders take a length and an output capacity and never write past it; they accept only the
 * canonical form (no whitespace, no padding), so one value has one encoding.
 */
#ifndef CAIRN_MULTIBASE_H
#define CAIRN_MULTIBASE_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed to base58-encode n bytes (upper bound, without NUL). */
#define CAIRN_BASE58_LEN(n) ((n)*138 / 100 + 1)

/* base58btc (Bitcoin alphabet) of in[0..n) into out (room for CAIRN_BASE58_LEN(n) + 1 with NUL).
 * Returns the length written (without the NUL). */
size_t cairn_base58_encode(const uint8_t *in, size_t n, char *out);
/* Decodes len characters; at most max bytes. Returns 0 with *n set, CAIRN_EINVAL (a character
 * outside the alphabet) or CAIRN_ETOOBIG (more than max bytes). */
int cairn_base58_decode(const char *in, size_t len, uint8_t *out, size_t max, size_t *n);

/* Characters needed to base64url-encode n bytes without padding (without NUL). */
#define CAIRN_BASE64URL_LEN(n) (((n)*4 + 2) / 3)
size_t cairn_base64url_encode(const uint8_t *in, size_t n, char *out);
/* Same contract as cairn_base58_decode; refuses "=" padding and non-zero trailing bits. */
int cairn_base64url_decode(const char *in, size_t len, uint8_t *out, size_t max, size_t *n);

/* did:key for an Ed25519 public key: "did:key:z6Mk..." (multicodec 0xed01 + key, base58btc). */
#define CAIRN_DIDKEY_MAX 64 /* with the NUL; the identifier itself is 56 characters */
void cairn_didkey_encode(const uint8_t pk[32], char out[CAIRN_DIDKEY_MAX]);
/* Parses "did:key:z6Mk..." (len bytes) into the public key. Returns 0 or CAIRN_EINVAL. */
int cairn_didkey_decode(const char *did, size_t len, uint8_t pk[32]);
/* The verification method of a did:key: "did:key:z6Mk...#z6Mk...". */
#define CAIRN_DIDKEY_VM_MAX 128
void cairn_didkey_vm(const uint8_t pk[32], char out[CAIRN_DIDKEY_VM_MAX]);
/* Parses a verification method; the fragment must repeat the key. Returns 0 or CAIRN_EINVAL. */
int cairn_didkey_vm_decode(const char *vm, size_t len, uint8_t pk[32]);

#endif
