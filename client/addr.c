/*
 * addr.c: where the cairn client finds its daemon (see addr.h). Opens nothing.
 */
#include "addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

static int set_unix(const char *dir, cairn_addr_t *out, char *err, size_t errlen)
{
    size_t len = strlen(dir);
    /* "DIR/" and "DIR" name the same socket; avoid "DIR//cairnd.sock" in messages. */
    while (len > 1 && dir[len - 1] == '/')
        len--;
    int n = snprintf(out->path, sizeof out->path, "%.*s/%s", (int)len, dir, CAIRN_SOCKET_NAME);
    if (n < 0 || (size_t)n >= sizeof out->path) {
        snprintf(err, errlen, "data directory path too long for a socket (%zu bytes, at most %zu)",
                 len, sizeof out->path - sizeof CAIRN_SOCKET_NAME - 1);
        return CAIRN_EINVAL;
    }
    out->kind = CAIRN_ADDR_UNIX;
    snprintf(out->show, sizeof out->show, "%s", out->path);
    return 0;
}

int cairn_addr_parse_hostport(const char *s, cairn_addr_t *out)
{
    const char *host = s, *colon;
    size_t hostlen;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return CAIRN_EINVAL;
        host = s + 1;
        hostlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return CAIRN_EINVAL;
        hostlen = (size_t)(colon - s);
        /* An unbracketed IPv6 address would be ambiguous: "::1:80". */
        if (memchr(s, ':', hostlen))
            return CAIRN_EINVAL;
    }
    if (hostlen == 0 || hostlen >= sizeof out->host)
        return CAIRN_EINVAL;

    const char *port = colon + 1;
    size_t portlen = strlen(port);
    if (portlen == 0 || portlen >= sizeof out->port || strspn(port, "0123456789") != portlen)
        return CAIRN_EINVAL;
    long p = strtol(port, NULL, 10);
    if (p < 1 || p > 65535)
        return CAIRN_EINVAL;

    memcpy(out->host, host, hostlen);
    out->host[hostlen] = '\0';
    snprintf(out->port, sizeof out->port, "%ld", p);
    out->kind = CAIRN_ADDR_TCP;
    snprintf(out->show, sizeof out->show, "%s", s);
    return 0;
}

int cairn_addr_resolve(const char *data_opt, const char *connect_opt, const char *env_data,
                       cairn_addr_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    if (data_opt && data_opt[0])
        return set_unix(data_opt, out, err, errlen);
    if (connect_opt && connect_opt[0]) {
        if (cairn_addr_parse_hostport(connect_opt, out) != 0) {
            snprintf(err, errlen, "bad --connect '%s': expected HOST:PORT (port 1..65535)",
                     connect_opt);
            return CAIRN_EINVAL;
        }
        return 0;
    }
    if (env_data && env_data[0])
        return set_unix(env_data, out, err, errlen);
    snprintf(err, errlen, "%s", CAIRN_ADDR_NONE_MSG);
    return CAIRN_ENOTFOUND;
}
