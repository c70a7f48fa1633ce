/*
 * id.h: 128-bit entity ids.
 *
 * An id is 128 random bits. They are not time-ordered on purpose: people type ids by prefix, and
 * with a time prefix (the ULID layout) ids made in the same second share 8 or more characters;
 * random ids are unique in 4 to 6. Creation order lives in the events' HLC. The text form is 26
 * characters of Crockford base32 in lower case ("01jdx3q4c8m6a9v2k5r7t0w1yz"); parsing accepts
 * either case and treats i/l as 1 and o as 0, and refuses anything else.
 */
#ifndef CAIRN_ID_H
#define CAIRN_ID_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_ID_LEN 16
#define CAIRN_ID_TEXT_LEN 26 /* without the terminating NUL */

typedef struct {
    uint8_t b[CAIRN_ID_LEN];
} cairn_id_t;

/* Fills *id with libsodium's randombytes. */
void cairn_id_new(cairn_id_t *id);

/* Writes the 26-character text form and a NUL into out (at least CAIRN_ID_TEXT_LEN + 1 bytes). */
void cairn_id_format(const cairn_id_t *id, char *out);

/* Parses exactly len characters: len must be 26 and the first character 0..7 (the text carries
 * 130 bits, the top two zero). Returns 0 or CAIRN_EINVAL (*id untouched). */
int cairn_id_parse(const char *text, size_t len, cairn_id_t *id);

/* Returns 1 if text[0..len) could be a prefix of an id's text form (1..26 valid characters, the
 * first 0..7), writing the normalised prefix (lower case, i/l as 1, o as 0: what cairn_id_format
 * would print) and a NUL into out (len + 1 bytes). 0 otherwise, out untouched. */
int cairn_id_prefix_normalise(const char *text, size_t len, char *out);

/* Crockford base32 as ids use it, for other short codes (pairing codes): the value of one
 * character (either case; i/l read as 1, o as 0), or -1 for anything else (u included). */
int cairn_crockford_value(char ch);
/* The lower-case character for a 5-bit value (v & 31). */
char cairn_crockford_char(unsigned v);

#endif
