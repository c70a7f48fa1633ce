/*
 * config.c: reads and writes cairnd.conf (see config.h) with libinih.
 *
 * Strict on purpose: an unknown section or key, a key set twice, a continuation line or a value
 * out of range is an error naming FILE:LINE, so a typo never silently runs the daemon with a
 * default. Must never start anything or touch any file but the one it is given.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/chunk.h>
#include <cairn/err.h>

#include "config_value.h"
#include "fsutil.h"
#include "log.h"
#include "timezone.h"

enum key_id {
    K_ROLE,
    K_NAME,
    K_LISTEN,
    K_SOCKET,
    K_MAX_CONNECTIONS,
    K_CHUNK_SIZE,
    K_DISK_RESERVE,
    K_WRITE_CONCURRENCY,
    K_LOG_LEVEL,
    K_SYNC_LISTEN,
    K_RECONNECT_MIN,
    K_RECONNECT_MAX,
    K_LAN_LISTEN,
    K_TARGET_DAYS,
    K_CLAIM_HOURS,
    K_PEER_REVIEW,
    K_DOUBLE_BLIND,
    K_UPLOAD_RATE,
    K_UPLOAD_WINDOWS,
    K_PURGE_AFTER_AWARD,
    K_PURGE_AFTER_AGE,
    K_PARTIAL_MAX_AGE,
    K_TIMEZONE,
    K_COUNT
};

static const struct {
    const char *section;
    const char *key;
} config_keys[K_COUNT] = {
    [K_ROLE] = {"node", "role"},
    [K_NAME] = {"node", "name"},
    [K_LISTEN] = {"api", "listen"},
    [K_SOCKET] = {"api", "socket"},
    [K_MAX_CONNECTIONS] = {"api", "max_connections"},
    [K_CHUNK_SIZE] = {"blobs", "chunk_size"},
    [K_DISK_RESERVE] = {"blobs", "disk_reserve"},
    [K_WRITE_CONCURRENCY] = {"blobs", "write_concurrency"},
    [K_LOG_LEVEL] = {"log", "level"},
    [K_SYNC_LISTEN] = {"sync", "listen"},
    [K_RECONNECT_MIN] = {"sync", "reconnect_min_ms"},
    [K_RECONNECT_MAX] = {"sync", "reconnect_max_ms"},
    [K_LAN_LISTEN] = {"api", "lan_listen"},
    [K_TARGET_DAYS] = {"review", "target_days"},
    [K_CLAIM_HOURS] = {"review", "claim_hours"},
    [K_PEER_REVIEW] = {"review", "peer_review"},
    [K_DOUBLE_BLIND] = {"review", "double_blind"},
    [K_UPLOAD_RATE] = {"sync", "upload_rate"},
    [K_UPLOAD_WINDOWS] = {"sync", "upload_windows"},
    [K_PURGE_AFTER_AWARD] = {"blobs", "purge_after_award"},
    [K_PURGE_AFTER_AGE] = {"blobs", "purge_after_age"},
    [K_PARTIAL_MAX_AGE] = {"blobs", "partial_max_age"},
    [K_TIMEZONE] = {"school", "timezone"},
};

static const char *const config_sections[] = {"node", "api",    "blobs", "log",
                                              "sync", "review", "school"};

#define MAX_CONNECTIONS_LIMIT 4096u
#define WRITE_CONCURRENCY_LIMIT 64u
#define LINE_MAX_LEN 1024
#define RECONNECT_LIMIT_MS 3600000u /* an hour: a longer wait looks like a dead link */
#define PURGE_DAYS_LIMIT 36500u     /* a century: beyond that, say off */

typedef struct {
    const char *path;
    cairn_config_t *cfg;
    FILE *fp;
    int line;     /* line the reader handed to inih last: the one being handled */
    int err_line; /* first error found, 0 = none */
    char err[384];
    int seen_line[K_COUNT]; /* 0 = not set in the file */
} parse_t;

void cairn_config_defaults(cairn_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->role = CAIRN_ROLE_SCHOOL;
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = 0; /* loopback TCP is opt-in: it has no authentication */
    snprintf(cfg->socket_name, sizeof cfg->socket_name, "cairnd.sock");
    cfg->max_connections = 64;
    cfg->chunk_size = CAIRN_CHUNK_SIZE;
    cfg->disk_reserve = 1024ull * 1024 * 1024;
    cfg->write_concurrency = 4;
    cfg->log_level = CAIRN_LOG_INFO;
    snprintf(cfg->sync_host, sizeof cfg->sync_host, "127.0.0.1");
    cfg->sync_port = 7421;
    cfg->sync_enabled = 1;
    cfg->reconnect_min_ms = 500;
    cfg->reconnect_max_ms = 60000;
    cfg->review_target_days = 14;
    cfg->review_claim_hours = 48;
    cfg->purge_after_award_days = -1;
    cfg->purge_after_age_days = -1;
    cfg->partial_max_age_days = 30;
}

const char *cairn_role_name(cairn_role_t role)
{
    switch (role) {
    case CAIRN_ROLE_SCHOOL:
        return "school";
    case CAIRN_ROLE_HUB:
        return "hub";
    }
    return "?";
}

/* Records the first error only: later ones are usually consequences of it. */
__attribute__((format(printf, 3, 4))) static void fail_at(parse_t *p, int line, const char *fmt,
                                                          ...)
{
    if (p->err_line != 0)
        return;
    p->err_line = line;
    int n = snprintf(p->err, sizeof p->err, "%s:%d: ", p->path, line);
    if (n < 0 || (size_t)n >= sizeof p->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, sizeof p->err - (size_t)n, fmt, ap);
    va_end(ap);
}

/* A value quoted in an error message: bounded, control characters replaced. */
static void quote_value(const char *v, char *out, size_t outlen)
{
    size_t i = 0;
    for (; v[i] != '\0' && i + 4 < outlen && i < 48; i++)
        out[i] = isprint((unsigned char)v[i]) ? v[i] : '?';
    if (v[i] != '\0' && i + 4 < outlen) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
}

static int set_key(cairn_config_t *cfg, enum key_id k, const char *v, char *why, size_t whylen)
{
    uint64_t n;
    switch (k) {
    case K_ROLE:
        if (strcmp(v, "school") == 0)
            cfg->role = CAIRN_ROLE_SCHOOL;
        else if (strcmp(v, "hub") == 0)
            cfg->role = CAIRN_ROLE_HUB;
        else
            return cairn_config_reason(why, whylen, "expected school or hub");
        return 0;
    case K_NAME:
        if (cairn_config_check_name(v, why, whylen) != 0)
            return CAIRN_EINVAL;
        snprintf(cfg->name, sizeof cfg->name, "%s", v);
        return 0;
    case K_LISTEN:
        return cairn_config_parse_listen(v, cfg->listen_host, &cfg->listen_port, why, whylen);
    case K_SOCKET:
        if (cairn_config_check_socket_name(v, why, whylen) != 0)
            return CAIRN_EINVAL;
        snprintf(cfg->socket_name, sizeof cfg->socket_name, "%s", v);
        return 0;
    case K_MAX_CONNECTIONS:
        if (cairn_config_parse_uint(v, 1, MAX_CONNECTIONS_LIMIT, &n) != 0)
            return cairn_config_reason(why, whylen, "expected a number from 1 to %u",
                                       MAX_CONNECTIONS_LIMIT);
        cfg->max_connections = (uint32_t)n;
        return 0;
    case K_CHUNK_SIZE:
        if (cairn_config_parse_size(v, &n) != 0 || n < CAIRN_CHUNK_SIZE_MIN ||
            n > CAIRN_CHUNK_SIZE_MAX)
            return cairn_config_reason(why, whylen,
                                       "expected a size from 64K to 2M (bytes, or with a K or "
                                       "M suffix)");
        cfg->chunk_size = (uint32_t)n;
        return 0;
    case K_DISK_RESERVE:
        if (cairn_config_parse_size(v, &n) != 0)
            return cairn_config_reason(why, whylen,
                                       "expected a size in bytes, or with a K, M or G suffix "
                                       "(e.g. 1G)");
        cfg->disk_reserve = n;
        return 0;
    case K_WRITE_CONCURRENCY:
        if (cairn_config_parse_uint(v, 1, WRITE_CONCURRENCY_LIMIT, &n) != 0)
            return cairn_config_reason(why, whylen, "expected a number from 1 to %u",
                                       WRITE_CONCURRENCY_LIMIT);
        cfg->write_concurrency = (uint32_t)n;
        return 0;
    case K_LOG_LEVEL:
        if (cairn_log_level_parse(v, &cfg->log_level) != 0)
            return cairn_config_reason(why, whylen, "expected debug, info, warn or error");
        return 0;
    case K_SYNC_LISTEN:
        if (cairn_config_parse_addr(v, cfg->sync_host, &cfg->sync_port, why, whylen) != 0)
            return CAIRN_EINVAL;
        cfg->sync_enabled = cfg->sync_port != 0;
        return 0;
    case K_RECONNECT_MIN:
    case K_RECONNECT_MAX:
        if (cairn_config_parse_uint(v, 10, RECONNECT_LIMIT_MS, &n) != 0)
            return cairn_config_reason(why, whylen, "expected milliseconds from 10 to %u",
                                       RECONNECT_LIMIT_MS);
        if (k == K_RECONNECT_MIN)
            cfg->reconnect_min_ms = (uint32_t)n;
        else
            cfg->reconnect_max_ms = (uint32_t)n;
        return 0;
    case K_LAN_LISTEN:
        if (cairn_config_parse_addr(v, cfg->lan_host, &cfg->lan_port, why, whylen) != 0)
            return CAIRN_EINVAL;
        cfg->lan_enabled = cfg->lan_port != 0;
        return 0;
    case K_TARGET_DAYS:
    case K_CLAIM_HOURS:
        if (cairn_config_parse_uint(v, 1, 3650, &n) != 0)
            return cairn_config_reason(why, whylen, "expected a whole number from 1 to 3650");
        *(k == K_TARGET_DAYS ? &cfg->review_target_days : &cfg->review_claim_hours) = (uint32_t)n;
        return 0;
    case K_PEER_REVIEW:
    case K_DOUBLE_BLIND:
        if (strlen(v) >= sizeof cfg->review_peer)
            return cairn_config_reason(why, whylen,
                                       "expected credential ids, at most 511 bytes in all");
        snprintf(k == K_PEER_REVIEW ? cfg->review_peer : cfg->review_blind, sizeof cfg->review_peer,
                 "%s", v);
        return 0;
    case K_UPLOAD_RATE:
        if (cairn_config_parse_size(v, &n) != 0)
            return cairn_config_reason(
                why, whylen,
                "expected bytes per second, or with a K, M or G suffix (e.g. 250K); "
                "0 = no cap");
        cfg->upload_rate = n;
        return 0;
    case K_UPLOAD_WINDOWS:
        return cairn_window_parse(v, &cfg->upload_window, why, whylen);
    case K_PURGE_AFTER_AWARD:
    case K_PURGE_AFTER_AGE:
    case K_PARTIAL_MAX_AGE: {
        int32_t *days = k == K_PURGE_AFTER_AWARD ? &cfg->purge_after_award_days
                        : k == K_PURGE_AFTER_AGE ? &cfg->purge_after_age_days
                                                 : &cfg->partial_max_age_days;
        if (strcmp(v, "off") == 0) {
            *days = -1;
            return 0;
        }
        if (cairn_config_parse_uint(v, 0, PURGE_DAYS_LIMIT, &n) != 0)
            return cairn_config_reason(why, whylen, "expected off or a number of days from 0 to %u",
                                       PURGE_DAYS_LIMIT);
        *days = (int32_t)n;
        return 0;
    }
    case K_TIMEZONE:
        if (cairn_timezone_check(v, why, whylen) != 0)
            return CAIRN_EINVAL;
        snprintf(cfg->timezone, sizeof cfg->timezone, "%s", v);
        return 0;
    case K_COUNT:
        break;
    }
    return CAIRN_EINVAL;
}

static bool section_known(const char *section)
{
    for (size_t i = 0; i < sizeof config_sections / sizeof config_sections[0]; i++) {
        if (strcmp(section, config_sections[i]) == 0)
            return true;
    }
    return false;
}

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
    parse_t *p = user;
    if (section[0] == '\0') {
        fail_at(p, p->line,
                "key '%s' outside any section (put it under [node], [api], "
                "[blobs], [log], [sync], [review] or [school])",
                name);
        return 1;
    }
    if (!section_known(section))
        return 1; /* reported by the reader at the section's header */
    for (int k = 0; k < K_COUNT; k++) {
        if (strcmp(section, config_keys[k].section) != 0 || strcmp(name, config_keys[k].key) != 0)
            continue;
        if (p->seen_line[k] != 0) {
            fail_at(p, p->line, "key '%s' in [%s] is set twice (first on line %d)", name, section,
                    p->seen_line[k]);
            return 1;
        }
        p->seen_line[k] = p->line;
        char why[200] = "";
        if (set_key(p->cfg, (enum key_id)k, value, why, sizeof why) != 0) {
            char q[64];
            quote_value(value, q, sizeof q);
            fail_at(p, p->line, "bad value '%s' for %s in [%s]: %s", q, name, section, why);
        }
        return 1;
    }
    fail_at(p, p->line, "unknown key '%s' in [%s]", name, section);
    return 1;
}

/*
 * inih's line reader, wrapped so we know the line number of every pair and see what inih would
 * silently accept: unknown sections with no keys, over-long lines (inih would split them) and
 * indented continuation lines (inih would hand them over as the previous key again).
 */
static char *read_line(char *str, int num, void *stream)
{
    parse_t *p = stream;
    char buf[LINE_MAX_LEN];
    if (fgets(buf, sizeof buf, p->fp) == NULL)
        return NULL;
    p->line++;
    size_t len = strlen(buf);
    bool complete = len > 0 && buf[len - 1] == '\n';
    if (!complete && !feof(p->fp)) {
        int c;
        while ((c = fgetc(p->fp)) != EOF && c != '\n')
            len++;
    }
    size_t content = complete ? len - 1 : len;
    if (content >= (size_t)num - 1) {
        fail_at(p, p->line, "line is longer than %d characters", num - 2);
        snprintf(str, (size_t)num, "\n");
        return str;
    }
    const char *s = buf;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s != '\0' && *s != '\n' && *s != '\r' && *s != '#' && *s != ';') {
        if (s != buf)
            fail_at(p, p->line,
                    "a line must not start with a space (continuation lines are "
                    "not supported)");
        if (*s == '[') {
            const char *end = strchr(s, ']');
            if (end != NULL) {
                char name[64];
                size_t n = (size_t)(end - s - 1);
                if (n >= sizeof name)
                    n = sizeof name - 1;
                memcpy(name, s + 1, n);
                name[n] = '\0';
                if (!section_known(name))
                    fail_at(p, p->line,
                            "unknown section [%s] (expected [node], [api], "
                            "[blobs], [log], [sync], [review] or [school])",
                            name);
            }
        }
    }
    snprintf(str, (size_t)num, "%s", buf);
    return str;
}

int cairn_config_load(const char *path, cairn_config_t *cfg, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "re");
    if (fp == NULL) {
        int e = -errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-e));
        return e;
    }
    int rc = cairn_config_load_stream(fp, path, cfg, err, errlen);
    fclose(fp);
    return rc;
}

int cairn_config_load_stream(FILE *fp, const char *path, cairn_config_t *cfg, char *err,
                             size_t errlen)
{
    parse_t p = {.path = path, .fp = fp};
    cairn_config_t out;
    cairn_config_defaults(&out);
    p.cfg = &out;
    int rc = ini_parse_stream(read_line, &p, on_pair, &p);
    if (ferror(p.fp) != 0) {
        snprintf(err, errlen, "%s: read error", path);
        return -EIO;
    }
    if (rc > 0 && (p.err_line == 0 || rc < p.err_line)) {
        p.err_line = 0;
        fail_at(&p, rc, "syntax error: expected 'key = value', '[section]' or a comment");
    }
    if (rc < 0 && p.err_line == 0) {
        snprintf(err, errlen, "%s: cannot parse (error %d)", path, rc);
        return CAIRN_ECONFIG;
    }
    if (p.err_line != 0) {
        snprintf(err, errlen, "%s", p.err);
        return CAIRN_ECONFIG;
    }
    if (out.reconnect_min_ms > out.reconnect_max_ms) {
        snprintf(err, errlen, "%s:%d: reconnect_min_ms (%u) is above reconnect_max_ms (%u)", path,
                 p.seen_line[K_RECONNECT_MIN] ? p.seen_line[K_RECONNECT_MIN]
                                              : p.seen_line[K_RECONNECT_MAX],
                 out.reconnect_min_ms, out.reconnect_max_ms);
        return CAIRN_ECONFIG;
    }
    /* role and name say who this node is: never defaulted. */
    if (p.seen_line[K_ROLE] == 0 || p.seen_line[K_NAME] == 0) {
        snprintf(err, errlen, "%s: missing key '%s' in [node]", path,
                 p.seen_line[K_ROLE] == 0 ? "role" : "name");
        return CAIRN_ECONFIG;
    }
    *cfg = out;
    return 0;
}
