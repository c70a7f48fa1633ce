/*
 * id.c: 128-bit entity ids in the ULID layout and their Crockford base32 text form.
 *
 * The 128 bits are written as a 130-bit big-endian number (two zero bits in front) in 26 groups
 * of 5 bits, so the first character only ever carries 3 bits and is 0..7. Parsing is strict: a
 * text that does not round-trip to exactly 128 bits is refused, never truncated.
 */
#include "cairn/id.h"
#include "cairn/err.h"

#include <sodium.h>
#include <string.h>

#define ID_BITS (CAIRN_ID_LEN * 8)
#define TEXT_BITS (CAIRN_ID_TEXT_LEN * 5) /* 130: two padding bits in front */
#define PAD_BITS (TEXT_BITS - ID_BITS)

static const char alphabet[32] = "0123456789abcdefghjkmnpqrstvwxyz";

/* Value of one Crockford character, or -1. Upper case, i/l (1) and o (0) are accepted. */
static int decode_char(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'A' && ch <= 'Z')
        ch = (char)(ch - 'A' + 'a');
    switch (ch) {
    case 'i':
    case 'l':
        return 1;
    case 'o':
        return 0;
    case 'u':
        return -1;
    default:
        break;
    }
    for (int v = 10; v < 32; v++) {
        if (alphabet[v] == ch)
            return v;
    }
    return -1;
}

int cairn_crockford_value(char ch)
{
    return decode_char(ch);
}

char cairn_crockford_char(unsigned v)
{
    return alphabet[v & 31];
}

/* Bit k (0 = most significant) of the 130-bit text value. */
static unsigned text_bit(const cairn_id_t *id, unsigned k)
{
    if (k < PAD_BITS)
        return 0;
    k -= PAD_BITS;
    return (id->b[k / 8] >> (7 - k % 8)) & 1u;
}

void cairn_id_new(cairn_id_t *id)
{
    randombytes_buf(id->b, CAIRN_ID_LEN);
}

void cairn_id_format(const cairn_id_t *id, char *out)
{
    for (unsigned c = 0; c < CAIRN_ID_TEXT_LEN; c++) {
        unsigned v = 0;
        for (unsigned k = 0; k < 5; k++)
            v = (v << 1) | text_bit(id, c * 5 + k);
        out[c] = alphabet[v];
    }
    out[CAIRN_ID_TEXT_LEN] = '\0';
}

int cairn_id_parse(const char *text, size_t len, cairn_id_t *id)
{
    cairn_id_t tmp;
    int v[CAIRN_ID_TEXT_LEN];

    if (text == NULL || len != CAIRN_ID_TEXT_LEN)
        return CAIRN_EINVAL;
    for (size_t i = 0; i < len; i++) {
        if ((v[i] = decode_char(text[i])) < 0)
            return CAIRN_EINVAL;
    }
    if (v[0] > 7) /* the two padding bits must be zero */
        return CAIRN_EINVAL;

    memset(&tmp, 0, sizeof tmp);
    for (unsigned k = PAD_BITS; k < TEXT_BITS; k++) {
        unsigned bit = ((unsigned)v[k / 5] >> (4 - k % 5)) & 1u;
        unsigned pos = k - PAD_BITS;
        tmp.b[pos / 8] |= (uint8_t)(bit << (7 - pos % 8));
    }
    *id = tmp;
    return 0;
}

int cairn_id_prefix_normalise(const char *text, size_t len, char *out)
{
    if (text == NULL || len == 0 || len > CAIRN_ID_TEXT_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        int v = decode_char(text[i]);
        if (v < 0 || (i == 0 && v > 7))
            return 0;
    }
    for (size_t i = 0; i < len; i++)
        out[i] = alphabet[decode_char(text[i])];
    out[len] = '\0';
    return 1;
}
