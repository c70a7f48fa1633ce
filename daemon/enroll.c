/*
 * enroll.c: enrolment tokens (encode/decode with limits), the hub's token and revocation files,
 * and the school's hub.peer file (enroll.h). Plain files and syscalls: used both by the `cairnd
 * enroll` commands and by the running daemon. Must never log or print a secret.
 */
#include "enroll.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>
#include <sodium.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "fsutil.h"

#define TOKEN_FILE_MAX 1024

static const cairn_mp_limits_t token_limits = {
    .max_depth = 1, .max_container = 8, .max_objects = 16, .max_str = 127, .max_bin = 32};

uint64_t cairn_enroll_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int cairn_enroll_token_encode(const cairn_enroll_token_t *t, char *out, size_t cap)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 6);
    cairn_mp_pack_kv_str(&pk, "a", t->address);
    cairn_mp_pack_kv_bin(&pk, "k", t->hub_pk, 32);
    cairn_mp_pack_kv_bin(&pk, "i", t->id, CAIRN_ENROLL_ID_LEN);
    cairn_mp_pack_kv_bin(&pk, "s", t->secret, 32);
    cairn_mp_pack_kv_u64(&pk, "e", t->expires_ms);
    cairn_mp_pack_kv_str(&pk, "n", t->school);
    size_t plen = strlen(CAIRN_ENROLL_PREFIX);
    size_t need =
        plen + sodium_base64_ENCODED_LEN(sb.size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    int rc = 0;
    if (sb.data == NULL || need > cap || need > CAIRN_ENROLL_TOKEN_MAX) {
        rc = CAIRN_ETOOBIG;
    } else {
        memcpy(out, CAIRN_ENROLL_PREFIX, plen);
        sodium_bin2base64(out + plen, cap - plen, (const unsigned char *)sb.data, sb.size,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    }
    sodium_memzero(sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static int bad(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "not an enrolment token: %s", why);
    return CAIRN_EINVAL;
}

int cairn_enroll_token_decode(const char *s, cairn_enroll_token_t *t, char *err, size_t errlen)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    size_t plen = strlen(CAIRN_ENROLL_PREFIX);
    if (n > CAIRN_ENROLL_TOKEN_MAX)
        return bad(err, errlen, "longer than 1024 characters");
    if (n < plen || memcmp(s, CAIRN_ENROLL_PREFIX, plen) != 0)
        return bad(err, errlen, "it does not start with " CAIRN_ENROLL_PREFIX);
    uint8_t bin[CAIRN_ENROLL_TOKEN_MAX];
    size_t blen = 0;
    if (sodium_base642bin(bin, sizeof bin, s + plen, n - plen, NULL, &blen, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return bad(err, errlen, "bad base64url");
    cairn_mp_doc_t doc;
    int rc = cairn_mp_decode(bin, blen, &token_limits, &doc);
    sodium_memzero(bin, sizeof bin);
    if (rc != 0)
        return bad(err, errlen, "bad encoding or over a limit");
    cairn_enroll_token_t out;
    memset(&out, 0, sizeof out);
    const char *a, *nm;
    const uint8_t *k, *id, *sec;
    size_t alen, nlen, klen, idlen, slen;
    const msgpack_object *m = &doc.root;
    rc = CAIRN_EINVAL;
    if (m->via.map.size != 6)
        bad(err, errlen, "unexpected fields");
    else if (cairn_mp_get_str(m, "a", sizeof out.address - 1, &a, &alen) != 0 || alen == 0)
        bad(err, errlen, "bad hub address");
    else if (cairn_mp_get_bin(m, "k", 32, &k, &klen) != 0 || klen != 32)
        bad(err, errlen, "bad hub key");
    else if (cairn_mp_get_bin(m, "i", CAIRN_ENROLL_ID_LEN, &id, &idlen) != 0 ||
             idlen != CAIRN_ENROLL_ID_LEN)
        bad(err, errlen, "bad token id");
    else if (cairn_mp_get_bin(m, "s", 32, &sec, &slen) != 0 || slen != 32)
        bad(err, errlen, "bad secret");
    else if (cairn_mp_get_u64(m, "e", &out.expires_ms) != 0)
        bad(err, errlen, "bad expiry");
    else if (cairn_mp_get_str(m, "n", sizeof out.school - 1, &nm, &nlen) != 0 || nlen == 0 ||
             memchr(nm, 0, nlen) != NULL || memchr(a, 0, alen) != NULL)
        bad(err, errlen, "bad school name");
    else
        rc = 0;
    if (rc == 0) {
        memcpy(out.address, a, alen);
        memcpy(out.hub_pk, k, 32);
        memcpy(out.id, id, CAIRN_ENROLL_ID_LEN);
        memcpy(out.secret, sec, 32);
        memcpy(out.school, nm, nlen);
        *t = out;
    }
    sodium_memzero(&out, sizeof out);
    cairn_mp_doc_free(&doc);
    return rc;
}

static int token_path(char *out, size_t cap, const char *datadir, const uint8_t *id,
                      const char *suffix)
{
    char hex[2 * CAIRN_ENROLL_ID_LEN + 1];
    sodium_bin2hex(hex, sizeof hex, id, CAIRN_ENROLL_ID_LEN);
    int n = snprintf(out, cap, "%s/%s/%s%s", datadir, CAIRN_ENROLL_DIR, hex, suffix);
    return (n < 0 || (size_t)n >= cap) ? -ENAMETOOLONG : 0;
}

int cairn_enroll_token_store(const char *datadir, const cairn_enroll_token_t *t)
{
    char path[PATH_MAX], buf[TOKEN_FILE_MAX], hex[65];
    int n = snprintf(path, sizeof path, "%s/%s", datadir, CAIRN_ENROLL_DIR);
    if (n < 0 || (size_t)n >= sizeof path)
        return -ENAMETOOLONG;
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return -errno;
    if (token_path(path, sizeof path, datadir, t->id, "") != 0)
        return -ENAMETOOLONG;
    sodium_bin2hex(hex, sizeof hex, t->secret, 32);
    n = snprintf(buf, sizeof buf, "secret %s\nexpires %llu\naddress %s\nschool %s\n", hex,
                 (unsigned long long)t->expires_ms, t->address, t->school);
    sodium_memzero(hex, sizeof hex);
    int rc = (n < 0 || (size_t)n >= sizeof buf) ? CAIRN_ETOOBIG
                                                : cairn_fs_write_atomic(path, buf, (size_t)n, 0600);
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* Parses a token file's lines into t (secret, expiry, address, school). */
static int parse_token_file(const char *path, cairn_enroll_token_t *t)
{
    unsigned char *buf;
    size_t len;
    int rc = cairn_fs_read_file(path, TOKEN_FILE_MAX, &buf, &len);
    if (rc != 0)
        return rc;
    char text[TOKEN_FILE_MAX + 1];
    memcpy(text, buf, len);
    text[len] = '\0';
    sodium_memzero(buf, len);
    free(buf);
    rc = CAIRN_EINVAL;
    int got = 0;
    for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (strncmp(line, "secret ", 7) == 0 &&
            sodium_hex2bin(t->secret, 32, line + 7, strlen(line + 7), NULL, NULL, NULL) == 0)
            got |= 1;
        else if (strncmp(line, "expires ", 8) == 0) {
            t->expires_ms = strtoull(line + 8, NULL, 10);
            got |= 2;
        } else if (strncmp(line, "address ", 8) == 0)
            snprintf(t->address, sizeof t->address, "%s", line + 8);
        else if (strncmp(line, "school ", 7) == 0) {
            snprintf(t->school, sizeof t->school, "%s", line + 7);
            got |= 4;
        }
    }
    if (got == 7)
        rc = 0;
    sodium_memzero(text, sizeof text);
    return rc;
}

cairn_token_state_t cairn_enroll_token_lookup(const char *datadir,
                                              const uint8_t id[CAIRN_ENROLL_ID_LEN],
                                              uint64_t now_ms, cairn_enroll_token_t *t)
{
    char path[PATH_MAX];
    memset(t, 0, sizeof *t);
    memcpy(t->id, id, CAIRN_ENROLL_ID_LEN);
    if (token_path(path, sizeof path, datadir, id, "") == 0 && parse_token_file(path, t) == 0)
        return now_ms >= t->expires_ms ? CAIRN_TOKEN_EXPIRED : CAIRN_TOKEN_PENDING;
    if (token_path(path, sizeof path, datadir, id, ".used") == 0 && parse_token_file(path, t) == 0)
        return CAIRN_TOKEN_USED;
    return CAIRN_TOKEN_UNKNOWN;
}

int cairn_enroll_token_consume(const char *datadir, const uint8_t id[CAIRN_ENROLL_ID_LEN])
{
    char from[PATH_MAX], to[PATH_MAX];
    if (token_path(from, sizeof from, datadir, id, "") != 0 ||
        token_path(to, sizeof to, datadir, id, ".used") != 0)
        return -ENAMETOOLONG;
    /* link + unlink: link fails if .used exists, and of two racing sessions only one links. */
    if (link(from, to) != 0)
        return errno == EEXIST || errno == ENOENT ? CAIRN_EEXIST : -errno;
    unlink(from);
    cairn_fs_fsync_parent(to);
    return 0;
}

const char *cairn_token_state_name(cairn_token_state_t st)
{
    switch (st) {
    case CAIRN_TOKEN_PENDING:
        return "pending";
    case CAIRN_TOKEN_USED:
        return "used";
    case CAIRN_TOKEN_EXPIRED:
        return "expired";
    case CAIRN_TOKEN_UNKNOWN:
        break;
    }
    return "unknown";
}

int cairn_enroll_is_revoked(const char *datadir, const uint8_t pk[32])
{
    char path[PATH_MAX], hex[65];
    sodium_bin2hex(hex, sizeof hex, pk, 32);
    int n = snprintf(path, sizeof path, "%s/%s/%s", datadir, CAIRN_REVOKED_DIR, hex);
    if (n < 0 || (size_t)n >= sizeof path)
        return 1; /* cannot tell: refuse */
    return access(path, F_OK) == 0;
}

int cairn_enroll_hub_peer_write(const char *datadir, const uint8_t pk[32], const char *address)
{
    char path[PATH_MAX], buf[256], hex[65];
    sodium_bin2hex(hex, sizeof hex, pk, 32);
    int n = snprintf(path, sizeof path, "%s/%s", datadir, CAIRN_HUB_PEER_FILE);
    if (n < 0 || (size_t)n >= sizeof path)
        return -ENAMETOOLONG;
    n = snprintf(buf, sizeof buf, "%s %s\n", hex, address);
    if (n < 0 || (size_t)n >= sizeof buf)
        return CAIRN_ETOOBIG;
    return cairn_fs_write_atomic(path, buf, (size_t)n, 0600);
}

int cairn_enroll_hub_peer_read(const char *datadir, uint8_t pk[32], char address[80], char *err,
                               size_t errlen)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%s", datadir, CAIRN_HUB_PEER_FILE);
    if (n < 0 || (size_t)n >= sizeof path)
        return -ENAMETOOLONG;
    unsigned char *buf;
    size_t len;
    int rc = cairn_fs_read_file(path, 255, &buf, &len);
    if (rc == -ENOENT)
        return CAIRN_ENOTFOUND;
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, cairn_strerror(rc));
        return rc;
    }
    char text[256], hex[65], addr[80];
    memcpy(text, buf, len);
    text[len] = '\0';
    free(buf);
    if (sscanf(text, "%64s %79s", hex, addr) != 2 || strlen(hex) != 64 ||
        sodium_hex2bin(pk, 32, hex, 64, NULL, NULL, NULL) != 0) {
        snprintf(err, errlen, "%s: expected '<hub key hex> <HOST:PORT>'", path);
        return CAIRN_EINVAL;
    }
    snprintf(address, 80, "%s", addr);
    return 0;
}
