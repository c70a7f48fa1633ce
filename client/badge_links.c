/*
 * badge_links.c: verification and LinkedIn URLs for a badge (badge_links.h).
 */
#include "badge_links.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int cairn_badge_urlencode(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (o + (plain ? 1 : 3) >= outlen)
            return -1;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (o >= outlen)
        return -1;
    out[o] = '\0';
    return 0;
}

int cairn_badge_verify_url(const struct cairn_badge *b, const char *verify_base, char *out,
                           size_t outlen)
{
    if (strncmp(b->id, "https://", 8) == 0)
        return snprintf(out, outlen, "%s", b->id) < (int)outlen ? 0 : -1;
    if (!verify_base)
        return 1;
    if (strncmp(verify_base, "https://", 8) != 0 || strlen(verify_base) >= outlen)
        return -1;
    size_t n = strlen(verify_base);
    memcpy(out, verify_base, n + 1);
    if (n == 0 || out[n - 1] != '/') {
        if (n + 1 >= outlen)
            return -1;
        out[n++] = '/';
        out[n] = '\0';
    }
    return cairn_badge_urlencode(b->id, out + n, outlen - n);
}

/* Appends "&key=<encoded value>" (or "?key=" first). */
static int param(char *out, size_t outlen, size_t *o, const char *key, const char *value)
{
    int n = snprintf(out + *o, outlen - *o, "&%s=", key);
    if (n < 0 || (size_t)n >= outlen - *o)
        return -1;
    *o += (size_t)n;
    if (cairn_badge_urlencode(value, out + *o, outlen - *o) != 0)
        return -1;
    *o += strlen(out + *o);
    return 0;
}

static void year_month(int64_t ms, char y[8], char m[4])
{
    struct tm tm;
    time_t t = (time_t)(ms / 1000);
    gmtime_r(&t, &tm);
    snprintf(y, 8, "%d", (tm.tm_year + 1900) % 10000);
    snprintf(m, 4, "%d", (tm.tm_mon + 1) % 100);
}

int cairn_badge_linkedin_url(const struct cairn_badge *b, const char *cert_url, char *out,
                             size_t outlen)
{
    char y[8], m[4], ey[8], em[4];
    size_t o;
    int n =
        snprintf(out, outlen, "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME");
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    o = (size_t)n;
    year_month(b->valid_from_ms, y, m);
    int rc = param(out, outlen, &o, "name", b->name) ||
             param(out, outlen, &o, "organizationName", b->issuer_name) ||
             param(out, outlen, &o, "issueYear", y) || param(out, outlen, &o, "issueMonth", m);
    if (!rc && b->valid_until_ms) {
        year_month(b->valid_until_ms, ey, em);
        rc = param(out, outlen, &o, "expirationYear", ey) ||
             param(out, outlen, &o, "expirationMonth", em);
    }
    if (!rc && cert_url)
        rc = param(out, outlen, &o, "certUrl", cert_url);
    if (!rc)
        rc = param(out, outlen, &o, "certId", b->id);
    return rc ? -1 : 0;
}
