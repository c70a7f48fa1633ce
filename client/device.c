/*
 * device.c: the device key and known_hosts (see device.h).
 *
 * Files are written to "<name>.tmp.<pid>", fsync'd and renamed, so a crash leaves the old file
 * or the new one, never half of one. A known_hosts line that does not parse is an error naming
 * the line, not something skipped: a silently ignored pin would be an unpinned daemon.
 */
#include "device.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/err.h>

#define KEY_FILE_MAX 256

int cairn_device_home(char *out, size_t cap, bool create, char *err, size_t errlen)
{
    const char *env = getenv("CAIRN_HOME");
    const char *home = getenv("HOME");
    int n;
    if (env != NULL && env[0] != '\0')
        n = snprintf(out, cap, "%s", env);
    else if (home != NULL && home[0] != '\0')
        n = snprintf(out, cap, "%s/.config/cairn", home);
    else {
        snprintf(err, errlen, "neither CAIRN_HOME nor HOME is set: cannot find the device key");
        return CAIRN_EINVAL;
    }
    if (n < 0 || (size_t)n >= cap) {
        snprintf(err, errlen, "the cairn home path is too long");
        return -ENAMETOOLONG;
    }
    if (!create)
        return 0;
    /* mkdir -p, each new level 0700 */
    for (char *p = out + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(out, 0700) != 0 && errno != EEXIST) {
            int e = errno;
            snprintf(err, errlen, "cannot create %s: %s", out, strerror(e));
            *p = saved;
            return -e;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    return 0;
}

/* Writes data to path atomically with mode 0600. */
static int write_atomic(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(e));
        return -e;
    }
    const char *p = data;
    size_t left = len;
    int e = 0;
    while (left > 0 && e == 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno != EINTR)
            e = errno;
        else if (w > 0)
            p += w, left -= (size_t)w;
    }
    if (e == 0 && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e == 0 && rename(tmp, path) != 0)
        e = errno;
    if (e != 0) {
        unlink(tmp);
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
        return -e;
    }
    return 0;
}

/* Reads a small file (at most max bytes) into buf (NUL-terminated). 0, -ENOENT, or another
 * negative code with err filled. */
static int read_small(const char *path, char *buf, size_t max, struct stat *st, char *err,
                      size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        int e = errno;
        if (e != ENOENT)
            snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
        return -e;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || (size_t)st->st_size >= max) {
        close(fd);
        snprintf(err, errlen, "%s is not a regular file of at most %zu bytes", path, max - 1);
        return CAIRN_EINVAL;
    }
    size_t got = 0;
    ssize_t r = 1;
    while (got + 1 < max && r > 0) {
        r = read(fd, buf + got, max - 1 - got);
        if (r < 0 && errno == EINTR)
            r = 1;
        else if (r > 0)
            got += (size_t)r;
    }
    int e = errno;
    close(fd);
    if (r < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
        return -e;
    }
    buf[got] = '\0';
    return 0;
}

int cairn_device_key(bool create, uint8_t pk[32], uint8_t sk[64], char *err, size_t errlen)
{
    char home[PATH_MAX], path[PATH_MAX + 32], buf[KEY_FILE_MAX];
    uint8_t seed[32];
    struct stat st;
    int rc = cairn_device_home(home, sizeof home, create, err, errlen);
    if (rc != 0)
        return rc;
    snprintf(path, sizeof path, "%s/%s", home, CAIRN_DEVICE_KEY_FILE);
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium cannot start");
        return CAIRN_ECRYPTO;
    }
    rc = read_small(path, buf, sizeof buf, &st, err, errlen);
    if (rc == -ENOENT && !create) {
        snprintf(err, errlen, "this device has no key yet (%s): pair it first with `cairn pair`",
                 path);
        return CAIRN_ENOTFOUND;
    }
    if (rc == -ENOENT) {
        randombytes_buf(seed, sizeof seed);
        sodium_bin2hex(buf, sizeof buf, seed, sizeof seed);
        size_t n = strlen(buf);
        buf[n++] = '\n';
        rc = write_atomic(path, buf, n, err, errlen);
        sodium_memzero(buf, sizeof buf);
        if (rc == 0)
            crypto_sign_seed_keypair(pk, sk, seed);
        sodium_memzero(seed, sizeof seed);
        return rc;
    }
    if (rc != 0)
        return rc;
    if ((st.st_mode & 077) != 0) {
        sodium_memzero(buf, sizeof buf);
        snprintf(err, errlen, "%s is readable by others (mode %03o): chmod 600 it", path,
                 (unsigned)(st.st_mode & 0777));
        return CAIRN_ECRYPTO;
    }
    size_t len = strlen(buf);
    while (len > 0 && isspace((unsigned char)buf[len - 1]))
        len--;
    rc = (len == 64 && sodium_hex2bin(seed, sizeof seed, buf, len, NULL, NULL, NULL) == 0)
             ? 0
             : CAIRN_EINVAL;
    sodium_memzero(buf, sizeof buf);
    if (rc != 0) {
        snprintf(err, errlen, "%s is not a device key (64 hex digits)", path);
        return rc;
    }
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof seed);
    return 0;
}

/* known_hosts as one buffer. */
static int read_known(char *path, size_t pathcap, bool create, char **text, char *err,
                      size_t errlen)
{
    char home[PATH_MAX];
    struct stat st;
    int rc = cairn_device_home(home, sizeof home, create, err, errlen);
    if (rc != 0)
        return rc;
    snprintf(path, pathcap, "%s/%s", home, CAIRN_KNOWN_HOSTS_FILE);
    *text = malloc(CAIRN_KNOWN_HOSTS_MAX + 1);
    if (*text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    rc = read_small(path, *text, CAIRN_KNOWN_HOSTS_MAX + 1, &st, err, errlen);
    if (rc == -ENOENT) {
        (*text)[0] = '\0';
        rc = 0;
    }
    if (rc != 0) {
        free(*text);
        *text = NULL;
    }
    return rc;
}

/* Parses one non-comment line "HOST PORT KEYHEX". 0 or CAIRN_EINVAL. */
static int parse_line(char *line, char **host, char **port, uint8_t key[32])
{
    char *save = NULL;
    *host = strtok_r(line, " \t", &save);
    *port = strtok_r(NULL, " \t", &save);
    char *hex = strtok_r(NULL, " \t", &save);
    if (*host == NULL || *port == NULL || hex == NULL || strtok_r(NULL, " \t", &save) != NULL ||
        strlen(hex) != 64 || sodium_hex2bin(key, 32, hex, 64, NULL, NULL, NULL) != 0)
        return CAIRN_EINVAL;
    return 0;
}

static void lower(const char *in, char *out, size_t cap)
{
    size_t i = 0;
    for (; in[i] != '\0' && i + 1 < cap; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

int cairn_known_host_get(const char *host, const char *port, uint8_t key[32], char *err,
                         size_t errlen)
{
    char path[PATH_MAX + 32], want[300];
    char *text;
    int rc = read_known(path, sizeof path, false, &text, err, errlen);
    if (rc != 0)
        return rc;
    lower(host, want, sizeof want);
    int found = 0, lineno = 0;
    for (char *line = text, *next; line != NULL && *line != '\0' && found == 0; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        if (line[0] == '#' || line[strspn(line, " \t\r")] == '\0')
            continue;
        char *h, *p;
        uint8_t k[32];
        if (parse_line(line, &h, &p, k) != 0) {
            snprintf(err, errlen, "%s:%d: expected HOST PORT KEY (64 hex digits)", path, lineno);
            found = CAIRN_EINVAL;
        } else if (strcmp(h, want) == 0 && strcmp(p, port) == 0) {
            memcpy(key, k, 32);
            found = 1;
        }
    }
    free(text);
    return found;
}

int cairn_known_host_put(const char *host, const char *port, const uint8_t key[32], char *err,
                         size_t errlen)
{
    char path[PATH_MAX + 32], want[300], hex[65];
    char *text;
    int rc = read_known(path, sizeof path, true, &text, err, errlen);
    if (rc != 0)
        return rc;
    lower(host, want, sizeof want);
    size_t cap = strlen(text) + strlen(want) + strlen(port) + 80;
    char *out = malloc(cap);
    if (out == NULL) {
        free(text);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    size_t o = 0;
    for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char copy[1024], *h, *p;
        uint8_t k[32];
        snprintf(copy, sizeof copy, "%s", line);
        if (line[0] != '#' && parse_line(copy, &h, &p, k) == 0 && strcmp(h, want) == 0 &&
            strcmp(p, port) == 0)
            continue; /* replaced below */
        o += (size_t)snprintf(out + o, cap - o, "%s\n", line);
    }
    sodium_bin2hex(hex, sizeof hex, key, 32);
    o += (size_t)snprintf(out + o, cap - o, "%s %s %s\n", want, port, hex);
    rc = write_atomic(path, out, o, err, errlen);
    free(out);
    free(text);
    return rc;
}
