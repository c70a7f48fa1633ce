/*
 * config_value.c: the values cairnd.conf and the command line accept (sizes, bounded numbers,
 * host:port, names), each checked completely, with the reason for a refusal. Used by config.c
 * and main.c; no state.
 */
#include "config_value.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

int cairn_config_parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    if (!isdigit((unsigned char)s[0]))
        return CAIRN_EINVAL;
    for (; isdigit((unsigned char)s[i]); i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return CAIRN_EINVAL;
        v = v * 10 + d;
    }
    uint64_t mult = 1;
    const char *suffix = s + i;
    switch (toupper((unsigned char)*suffix)) {
    case '\0':
        break;
    case 'K':
        mult = 1024ull;
        break;
    case 'M':
        mult = 1024ull * 1024;
        break;
    case 'G':
        mult = 1024ull * 1024 * 1024;
        break;
    default:
        return CAIRN_EINVAL;
    }
    if (mult != 1) {
        const char *rest = suffix + 1;
        if (*rest != '\0' && strcmp(rest, "iB") != 0)
            return CAIRN_EINVAL;
    }
    if (v > UINT64_MAX / mult)
        return CAIRN_EINVAL;
    *out = v * mult;
    return 0;
}

int cairn_config_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t v = 0;
    if (s[0] == '\0')
        return CAIRN_EINVAL;
    for (const char *c = s; *c; c++) {
        if (!isdigit((unsigned char)*c) || v > (UINT64_MAX - 9) / 10)
            return CAIRN_EINVAL;
        v = v * 10 + (uint64_t)(*c - '0');
    }
    if (v < lo || v > hi)
        return CAIRN_EINVAL;
    *out = v;
    return 0;
}

int cairn_config_reason(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return CAIRN_EINVAL;
}

static int parse_hostport(const char *s, char host[64], uint16_t *port, bool loopback_only,
                          char *err, size_t errlen)
{
    const char *h = s, *hend, *colon;
    if (s[0] == '[') {
        h = s + 1;
        hend = strchr(h, ']');
        if (hend == NULL || hend[1] != ':')
            return cairn_config_reason(err, errlen, "expected [IPV6]:PORT");
        colon = hend + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return cairn_config_reason(err, errlen, "expected HOST:PORT, e.g. 127.0.0.1:7420");
        hend = colon;
        if (memchr(s, ':', (size_t)(colon - s)) != NULL)
            return cairn_config_reason(err, errlen,
                                       "write an IPv6 address in brackets: [::1]:7420");
    }
    size_t hlen = (size_t)(hend - h);
    if (hlen == 0 || hlen >= 64)
        return cairn_config_reason(err, errlen, "expected HOST:PORT with an IP address as HOST");
    char hbuf[64];
    memcpy(hbuf, h, hlen);
    hbuf[hlen] = '\0';

    uint64_t p;
    if (cairn_config_parse_uint(colon + 1, 0, 65535, &p) != 0)
        return cairn_config_reason(err, errlen,
                                   "port must be a number from 0 to 65535 (0 disables TCP)");

    unsigned char addr[16];
    bool loopback;
    if (inet_pton(AF_INET, hbuf, addr) == 1) {
        loopback = addr[0] == 127;
    } else if (inet_pton(AF_INET6, hbuf, addr) == 1) {
        static const unsigned char v6_loopback[16] = {[15] = 1};
        loopback = memcmp(addr, v6_loopback, 16) == 0;
    } else {
        return cairn_config_reason(err, errlen,
                                   "host '%s' is not an IP address (use 127.0.0.1 or [::1])", hbuf);
    }
    if (!loopback && loopback_only)
        return cairn_config_reason(
            err, errlen,
            "%s is not a loopback address: this version serves the local API on "
            "127.0.0.0/8 or ::1 only (remote access needs the secure channel)",
            hbuf);
    memcpy(host, hbuf, hlen + 1);
    *port = (uint16_t)p;
    return 0;
}

int cairn_config_parse_listen(const char *s, char host[64], uint16_t *port, char *err,
                              size_t errlen)
{
    return parse_hostport(s, host, port, true, err, errlen);
}

int cairn_config_parse_addr(const char *s, char host[64], uint16_t *port, char *err, size_t errlen)
{
    return parse_hostport(s, host, port, false, err, errlen);
}

/* A node name: what `cairn status` and the hub show; one printable line. */
int cairn_config_check_name(const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v);
    if (n == 0)
        return cairn_config_reason(err, errlen, "the name must not be empty");
    if (n >= sizeof(((cairn_config_t *)0)->name))
        return cairn_config_reason(err, errlen, "the name is longer than 127 bytes");
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return cairn_config_reason(err, errlen, "the name contains a control character");
    }
    if (isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]))
        return cairn_config_reason(err, errlen, "the name must not start or end with a space");
    if (strstr(v, " ;") != NULL || strstr(v, "\t;") != NULL || v[0] == ';' || v[0] == '#')
        return cairn_config_reason(err, errlen,
                                   "the name must not contain a comment marker (' ;' or a "
                                   "leading '#')");
    return 0;
}

int cairn_config_check_socket_name(const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v);
    if (n == 0 || n >= sizeof(((cairn_config_t *)0)->socket_name))
        return cairn_config_reason(err, errlen, "expected a file name of 1 to 63 characters");
    if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
        return cairn_config_reason(err, errlen, "expected a file name");
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '/' || !isgraph((unsigned char)v[i]))
            return cairn_config_reason(err, errlen,
                                       "expected a plain file name inside the data dir (no "
                                       "'/', no spaces)");
    }
    return 0;
}

/* Sets one key; on a bad value writes the reason and returns CAIRN_EINVAL. */
