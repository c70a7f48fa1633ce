/*
 * pair_store.c: pending pairing codes as files in DATADIR/pair (see pair_store.h).
 *
 * File format (text, 0600): "salt <32 hex>\npsk <64 hex>\nexpires <unix ms>\nfailures <n>\n".
 * A file that does not parse is treated as dead, never as pending: a damaged code cannot pair.
 */
#include "pair_store.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/err.h>

#include "fsutil.h"

#define PAIR_FILE_MAX 512
#define CREATE_TRIES 64

static int pair_path(char *out, size_t cap, const char *datadir, const char *sel,
                     const char *suffix)
{
    int n = snprintf(out, cap, "%s/%s/%s%s", datadir, CAIRN_PAIR_DIR, sel, suffix);
    return (n < 0 || (size_t)n >= cap) ? -ENAMETOOLONG : 0;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int write_entry(const char *path, const cairn_pair_entry_t *e)
{
    char buf[PAIR_FILE_MAX], salt[2 * CAIRN_PAIR_SALT_LEN + 1], psk[2 * CAIRN_PAIR_PSK_LEN + 1];
    sodium_bin2hex(salt, sizeof salt, e->salt, sizeof e->salt);
    sodium_bin2hex(psk, sizeof psk, e->psk, sizeof e->psk);
    int n = snprintf(buf, sizeof buf, "salt %s\npsk %s\nexpires %llu\nfailures %u\n", salt, psk,
                     (unsigned long long)e->expires_ms, e->failures);
    int rc = (n < 0 || (size_t)n >= sizeof buf) ? CAIRN_ETOOBIG
                                                : cairn_fs_write_atomic(path, buf, (size_t)n, 0600);
    sodium_memzero(psk, sizeof psk);
    sodium_memzero(buf, sizeof buf);
    return rc;
}

static int read_entry(const char *path, const char *sel, cairn_pair_entry_t *e)
{
    unsigned char *buf;
    size_t len;
    int rc = cairn_fs_read_file(path, PAIR_FILE_MAX, &buf, &len);
    if (rc != 0)
        return rc;
    char text[PAIR_FILE_MAX + 1];
    memcpy(text, buf, len);
    text[len] = '\0';
    sodium_memzero(buf, len);
    free(buf);
    cairn_pair_entry_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.sel, sizeof t.sel, "%s", sel);
    int got = 0;
    for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *end;
        if (strncmp(line, "salt ", 5) == 0 && strlen(line + 5) == 2 * CAIRN_PAIR_SALT_LEN &&
            sodium_hex2bin(t.salt, sizeof t.salt, line + 5, strlen(line + 5), NULL, NULL, NULL) ==
                0)
            got |= 1;
        else if (strncmp(line, "psk ", 4) == 0 && strlen(line + 4) == 2 * CAIRN_PAIR_PSK_LEN &&
                 sodium_hex2bin(t.psk, sizeof t.psk, line + 4, strlen(line + 4), NULL, NULL,
                                NULL) == 0)
            got |= 2;
        else if (strncmp(line, "expires ", 8) == 0) {
            errno = 0;
            t.expires_ms = strtoull(line + 8, &end, 10);
            if (errno == 0 && *end == '\0' && end != line + 8)
                got |= 4;
        } else if (strncmp(line, "failures ", 9) == 0) {
            errno = 0;
            unsigned long f = strtoul(line + 9, &end, 10);
            if (errno == 0 && *end == '\0' && end != line + 9 && f <= CAIRN_PAIR_MAX_FAILURES) {
                t.failures = (unsigned)f;
                got |= 8;
            }
        }
    }
    sodium_memzero(text, sizeof text);
    if (got != 15) {
        sodium_memzero(&t, sizeof t);
        return CAIRN_EINVAL;
    }
    *e = t;
    sodium_memzero(&t, sizeof t);
    return 0;
}

int cairn_pair_create(const char *datadir, uint64_t ttl_ms, uint64_t now_ms,
                      cairn_pair_code_t *code, cairn_pair_entry_t *entry)
{
    char dir[PATH_MAX], path[PATH_MAX], used[PATH_MAX], dead[PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s/%s", datadir, CAIRN_PAIR_DIR);
    if (n < 0 || (size_t)n >= sizeof dir)
        return -ENAMETOOLONG;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -errno;
    if (sodium_init() < 0)
        return CAIRN_ECRYPTO;
    for (int tries = 0; tries < CREATE_TRIES; tries++) {
        cairn_pair_code_new(code, NULL);
        char sel[CAIRN_PAIR_SELECTOR_CHARS + 1];
        cairn_pair_code_selector(code, sel);
        if (pair_path(path, sizeof path, datadir, sel, "") != 0 ||
            pair_path(used, sizeof used, datadir, sel, ".used") != 0 ||
            pair_path(dead, sizeof dead, datadir, sel, ".dead") != 0)
            return -ENAMETOOLONG;
        /* A selector still named by any file is skipped: a device retrying an old code must
         * never count a wrong attempt against a new one. */
        if (exists(path) || exists(used) || exists(dead))
            continue;
        memset(entry, 0, sizeof *entry);
        memcpy(entry->sel, sel, sizeof sel);
        randombytes_buf(entry->salt, sizeof entry->salt);
        entry->expires_ms = now_ms + ttl_ms;
        int rc = cairn_pair_code_psk(code, entry->salt, entry->psk);
        if (rc == 0)
            rc = write_entry(path, entry);
        if (rc != 0)
            sodium_memzero(code, sizeof *code);
        return rc;
    }
    sodium_memzero(code, sizeof *code);
    return CAIRN_EEXIST;
}

cairn_pair_state_t cairn_pair_lookup(const char *datadir, const char *sel, size_t sel_len,
                                     uint64_t now_ms, cairn_pair_entry_t *e)
{
    char s[CAIRN_PAIR_SELECTOR_CHARS + 1], path[PATH_MAX];
    if (!cairn_pair_selector_valid(sel, sel_len))
        return CAIRN_PAIR_UNKNOWN;
    memcpy(s, sel, sel_len);
    s[sel_len] = '\0';
    if (pair_path(path, sizeof path, datadir, s, "") != 0)
        return CAIRN_PAIR_UNKNOWN;
    int rc = read_entry(path, s, e);
    if (rc == 0)
        return now_ms >= e->expires_ms ? CAIRN_PAIR_EXPIRED : CAIRN_PAIR_PENDING;
    if (rc != -ENOENT)
        return CAIRN_PAIR_DEAD; /* present but unreadable: never usable */
    if (pair_path(path, sizeof path, datadir, s, ".used") == 0 && exists(path))
        return CAIRN_PAIR_USED;
    if (pair_path(path, sizeof path, datadir, s, ".dead") == 0 && exists(path))
        return CAIRN_PAIR_DEAD;
    return CAIRN_PAIR_UNKNOWN;
}

int cairn_pair_fail(const char *datadir, const char *sel, unsigned *left)
{
    char path[PATH_MAX], dead[PATH_MAX];
    cairn_pair_entry_t e;
    if (pair_path(path, sizeof path, datadir, sel, "") != 0 ||
        pair_path(dead, sizeof dead, datadir, sel, ".dead") != 0)
        return -ENAMETOOLONG;
    int rc = read_entry(path, sel, &e);
    if (rc != 0)
        return rc == -ENOENT ? CAIRN_ENOTFOUND : rc;
    e.failures++;
    if (e.failures >= CAIRN_PAIR_MAX_FAILURES) {
        *left = 0;
        rc = write_entry(path, &e); /* the count stays readable in the dead file */
        if (rename(path, dead) != 0 && rc == 0)
            rc = -errno;
        if (rc == 0)
            rc = cairn_fs_fsync_parent(dead);
    } else {
        *left = CAIRN_PAIR_MAX_FAILURES - e.failures;
        rc = write_entry(path, &e);
    }
    sodium_memzero(&e, sizeof e);
    return rc;
}

int cairn_pair_consume(const char *datadir, const char *sel)
{
    char path[PATH_MAX], used[PATH_MAX];
    if (pair_path(path, sizeof path, datadir, sel, "") != 0 ||
        pair_path(used, sizeof used, datadir, sel, ".used") != 0)
        return -ENAMETOOLONG;
    if (rename(path, used) != 0)
        return errno == ENOENT ? CAIRN_EEXIST : -errno;
    return cairn_fs_fsync_parent(used);
}

int cairn_pair_list(const char *datadir, uint64_t now_ms,
                    void (*fn)(void *arg, const cairn_pair_entry_t *e, cairn_pair_state_t st),
                    void *arg)
{
    char dir[PATH_MAX], path[PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s/%s", datadir, CAIRN_PAIR_DIR);
    if (n < 0 || (size_t)n >= sizeof dir)
        return -ENAMETOOLONG;
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : -errno;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (!cairn_pair_selector_valid(name, CAIRN_PAIR_SELECTOR_CHARS))
            continue;
        const char *suffix = name + CAIRN_PAIR_SELECTOR_CHARS;
        cairn_pair_state_t st;
        if (strcmp(suffix, "") == 0)
            st = CAIRN_PAIR_PENDING;
        else if (strcmp(suffix, ".used") == 0)
            st = CAIRN_PAIR_USED;
        else if (strcmp(suffix, ".dead") == 0)
            st = CAIRN_PAIR_DEAD;
        else
            continue;
        char sel[CAIRN_PAIR_SELECTOR_CHARS + 1];
        memcpy(sel, name, CAIRN_PAIR_SELECTOR_CHARS);
        sel[CAIRN_PAIR_SELECTOR_CHARS] = '\0';
        cairn_pair_entry_t e;
        if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
            read_entry(path, sel, &e) != 0) {
            memset(&e, 0, sizeof e);
            memcpy(e.sel, sel, sizeof sel);
            if (st == CAIRN_PAIR_PENDING)
                st = CAIRN_PAIR_DEAD;
        }
        if (st == CAIRN_PAIR_PENDING && now_ms >= e.expires_ms)
            st = CAIRN_PAIR_EXPIRED;
        sodium_memzero(e.psk, sizeof e.psk);
        fn(arg, &e, st);
    }
    closedir(d);
    return 0;
}

const char *cairn_pair_state_name(cairn_pair_state_t st)
{
    switch (st) {
    case CAIRN_PAIR_PENDING:
        return "pending";
    case CAIRN_PAIR_USED:
        return "used";
    case CAIRN_PAIR_EXPIRED:
        return "expired";
    case CAIRN_PAIR_DEAD:
        return "invalidated";
    case CAIRN_PAIR_UNKNOWN:
        break;
    }
    return "unknown";
}
