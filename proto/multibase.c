/*
 * multibase.c: base58btc and base64url (no padding), canonical forms only (multibase.h).
 */
#include <cairn/multibase.h>

#include <string.h>

#include <cairn/err.h>

static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Quadratic long division: inputs are keys and signatures (32-70 bytes), never bulk data. */
size_t cairn_base58_encode(const uint8_t *in, size_t n, char *out)
{
    uint8_t digits[CAIRN_BASE58_LEN(128)];
    size_t zeros = 0, nd = 0;
    if (n > 128)
        n = 128; /* callers encode at most 128 bytes; the buffer above is sized for that */
    while (zeros < n && in[zeros] == 0)
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = in[i];
        for (size_t j = 0; j < nd; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    size_t len = 0;
    for (size_t i = 0; i < zeros; i++)
        out[len++] = '1';
    for (size_t i = nd; i > 0; i--)
        out[len++] = b58[digits[i - 1]];
    out[len] = '\0';
    return len;
}

int cairn_base58_decode(const char *in, size_t len, uint8_t *out, size_t max, size_t *n)
{
    uint8_t bytes[256];
    size_t zeros = 0, nb = 0;
    if (len > 256 * 138 / 100)
        return CAIRN_ETOOBIG;
    while (zeros < len && in[zeros] == '1')
        zeros++;
    for (size_t i = zeros; i < len; i++) {
        const char *p = in[i] ? memchr(b58, in[i], sizeof b58 - 1) : NULL;
        if (!p)
            return CAIRN_EINVAL;
        unsigned carry = (unsigned)(p - b58);
        for (size_t j = 0; j < nb; j++) {
            carry += (unsigned)bytes[j] * 58;
            bytes[j] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        while (carry) {
            if (nb == sizeof bytes)
                return CAIRN_ETOOBIG;
            bytes[nb++] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
    }
    if (zeros + nb > max)
        return CAIRN_ETOOBIG;
    memset(out, 0, zeros);
    for (size_t i = 0; i < nb; i++)
        out[zeros + i] = bytes[nb - 1 - i];
    *n = zeros + nb;
    return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t cairn_base64url_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
    }
    out[o] = '\0';
    return o;
}

static int b64val(char c)
{
    const char *p = c ? memchr(b64, c, 64) : NULL;
    return p ? (int)(p - b64) : -1;
}

int cairn_base64url_decode(const char *in, size_t len, uint8_t *out, size_t max, size_t *n)
{
    if (len % 4 == 1)
        return CAIRN_EINVAL;
    size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (need > max)
        return CAIRN_ETOOBIG;
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val(in[i]);
        if (v < 0)
            return CAIRN_EINVAL;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)
        return CAIRN_EINVAL; /* non-zero trailing bits: not the canonical encoding */
    *n = o;
    return 0;
}
