/*
 * paircode.h: the one-time code that pairs a classroom device with a school's cairnd
 * (PROTOCOL.md section 10b).
 *
 * A code is 12 Crockford base32 characters, shown in three groups of four ("7K2M-QX4P-9T3W"):
 * the first 2 are the selector (10 bits, not secret: they travel in clear in the LAN hello so
 * the daemon knows which pending code to run the handshake with), the other 10 are the secret
 * (50 bits from the random generator). The channel PSK is Argon2id over the whole code with a
 * random 16-byte salt the daemon keeps with the code: a peer that sees one handshake transcript
 * built on the code (an attacker posing as the daemon) can test guesses only at Argon2id's cost.
 * Pure functions, no I/O; reading a code accepts either case, i/l as 1, o as 0, and ignores
 * dashes and spaces.
 */
#ifndef CAIRN_PAIRCODE_H
#define CAIRN_PAIRCODE_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_PAIR_CODE_CHARS 12    /* selector + secret */
#define CAIRN_PAIR_SELECTOR_CHARS 2 /* 10 bits */
#define CAIRN_PAIR_SECRET_BITS 50
#define CAIRN_PAIR_CODE_SHOW_LEN 14 /* "XXXX-XXXX-XXXX" without the NUL */
#define CAIRN_PAIR_CODE_INPUT_MAX 64
#define CAIRN_PAIR_SALT_LEN 16
#define CAIRN_PAIR_PSK_LEN 32

typedef struct {
    char c[CAIRN_PAIR_CODE_CHARS + 1]; /* normalised: lower case, NUL-terminated */
} cairn_pair_code_t;

/* A fresh random code whose selector is sel (2 normalised characters), or random when sel is
 * NULL. */
void cairn_pair_code_new(cairn_pair_code_t *code, const char *sel);

/* "XXXX-XXXX-XXXX" in upper case and a NUL (out: CAIRN_PAIR_CODE_SHOW_LEN + 1 bytes). */
void cairn_pair_code_show(const cairn_pair_code_t *code, char *out);

/* Reads a code as a person types it: exactly 12 Crockford characters once dashes and spaces are
 * dropped (at most CAIRN_PAIR_CODE_INPUT_MAX characters in all). Returns 0 or CAIRN_EINVAL (*code
 * untouched). */
int cairn_pair_code_parse(const char *text, cairn_pair_code_t *code);

/* Is s exactly a normalised selector (2 characters of the lower-case alphabet)? 1 or 0. Checked
 * before a selector from the network names a file. */
int cairn_pair_selector_valid(const char *s, size_t len);

/* The selector of a code: 2 characters and a NUL. */
void cairn_pair_code_selector(const cairn_pair_code_t *code, char sel[3]);

/* The channel PSK: Argon2id13 (crypto_pwhash, OPSLIMIT/MEMLIMIT_INTERACTIVE: 2 passes over
 * 64 MiB) of "cairn-pair-v1:" followed by the 12 normalised characters, with salt. Takes about
 * a tenth of a second. Returns 0, or CAIRN_ECRYPTO (out of memory inside libsodium). */
int cairn_pair_code_psk(const cairn_pair_code_t *code, const uint8_t salt[CAIRN_PAIR_SALT_LEN],
                        uint8_t psk[CAIRN_PAIR_PSK_LEN]);

#endif
