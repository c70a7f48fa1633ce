/*
 * paircode.c: one-time pairing codes and the PSK derived from them (see cairn/paircode.h).
 *
 * Never logs or keeps a code: the caller owns the buffers and wipes them.
 */
#include "cairn/paircode.h"

#include <string.h>

#include <sodium.h>

#include "cairn/err.h"
#include "cairn/id.h"

#define PSK_LABEL "cairn-pair-v1:"

void cairn_pair_code_new(cairn_pair_code_t *code, const char *sel)
{
    for (int i = 0; i < CAIRN_PAIR_CODE_CHARS; i++) {
        if (sel != NULL && i < CAIRN_PAIR_SELECTOR_CHARS)
            code->c[i] = sel[i];
        else
            code->c[i] = cairn_crockford_char(randombytes_uniform(32));
    }
    code->c[CAIRN_PAIR_CODE_CHARS] = '\0';
}

void cairn_pair_code_show(const cairn_pair_code_t *code, char *out)
{
    size_t o = 0;
    for (int i = 0; i < CAIRN_PAIR_CODE_CHARS; i++) {
        if (i > 0 && i % 4 == 0)
            out[o++] = '-';
        char ch = code->c[i];
        out[o++] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
    }
    out[o] = '\0';
}

int cairn_pair_code_parse(const char *text, cairn_pair_code_t *code)
{
    cairn_pair_code_t c;
    int n = 0;
    size_t len = strnlen(text, CAIRN_PAIR_CODE_INPUT_MAX + 1);
    if (len > CAIRN_PAIR_CODE_INPUT_MAX)
        return CAIRN_EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '-' || text[i] == ' ')
            continue;
        int v = cairn_crockford_value(text[i]);
        if (v < 0 || n == CAIRN_PAIR_CODE_CHARS)
            return CAIRN_EINVAL;
        c.c[n++] = cairn_crockford_char((unsigned)v);
    }
    if (n != CAIRN_PAIR_CODE_CHARS)
        return CAIRN_EINVAL;
    c.c[n] = '\0';
    *code = c;
    return 0;
}

int cairn_pair_selector_valid(const char *s, size_t len)
{
    if (len != CAIRN_PAIR_SELECTOR_CHARS)
        return 0;
    for (size_t i = 0; i < len; i++) {
        int v = cairn_crockford_value(s[i]);
        if (v < 0 || cairn_crockford_char((unsigned)v) != s[i])
            return 0;
    }
    return 1;
}

void cairn_pair_code_selector(const cairn_pair_code_t *code, char sel[3])
{
    memcpy(sel, code->c, CAIRN_PAIR_SELECTOR_CHARS);
    sel[CAIRN_PAIR_SELECTOR_CHARS] = '\0';
}

int cairn_pair_code_psk(const cairn_pair_code_t *code, const uint8_t salt[CAIRN_PAIR_SALT_LEN],
                        uint8_t psk[CAIRN_PAIR_PSK_LEN])
{
    char pw[sizeof PSK_LABEL - 1 + CAIRN_PAIR_CODE_CHARS];
    memcpy(pw, PSK_LABEL, sizeof PSK_LABEL - 1);
    memcpy(pw + sizeof PSK_LABEL - 1, code->c, CAIRN_PAIR_CODE_CHARS);
    if (sodium_init() < 0)
        return CAIRN_ECRYPTO;
    int rc = crypto_pwhash(psk, CAIRN_PAIR_PSK_LEN, pw, sizeof pw, salt,
                           crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                           crypto_pwhash_ALG_ARGON2ID13);
    sodium_memzero(pw, sizeof pw);
    return rc == 0 ? 0 : CAIRN_ECRYPTO;
}
