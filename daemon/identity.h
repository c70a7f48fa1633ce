/*
 * identity.h: the node's Ed25519 identity in its data dir.
 *
 *   DATADIR/identity.key   the 64-byte libsodium secret key (seed || public key), mode 0600
 *   DATADIR/identity.pub   the public key as 64 lower-case hex characters and a newline
 *
 * The public key is the node id (PROTOCOL.md section 3). The secret key never leaves this
 * process: it is not logged, not sent, and wiped when the daemon exits.
 */
#ifndef CAIRN_IDENTITY_H
#define CAIRN_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_IDENTITY_KEY_FILE "identity.key"
#define CAIRN_IDENTITY_PUB_FILE "identity.pub"

/* Generates a keypair (crypto_sign_keypair) and writes both files durably (temp, fsync, rename,
 * directory fsync). Refuses with CAIRN_EEXIST if identity.key exists. 0 or a negative code. */
int cairn_identity_create(const char *datadir, uint8_t pk[32], uint8_t sk[64]);

/* Loads and checks the identity: refuses a key file that group or others may access, of the
 * wrong size, or whose halves or identity.pub disagree. On error writes one line into err.
 * Returns 0, CAIRN_EDATADIR (missing), CAIRN_ECRYPTO (inconsistent or unsafe) or -errno. */
int cairn_identity_load(const char *datadir, uint8_t pk[32], uint8_t sk[64], char *err,
                        size_t errlen);

/* Reads only identity.pub (for tools that need the node id but not the key). */
int cairn_identity_load_public(const char *datadir, uint8_t pk[32], char *err, size_t errlen);

/* The node id as 64 lower-case hex characters and a NUL. */
void cairn_identity_hex(const uint8_t pk[32], char out[65]);

#endif
