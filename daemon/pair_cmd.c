/*
 * pair_cmd.c: `cairnd pair --data DIR [--expires 10m] | --list | --revoke DEVICE` (pair_cmd.h).
 *
 * A new code is printed once, to stdout, and never stored: the data dir keeps only its salt and
 * the PSK derived from it (pair_store.h). Listing and revoking use the store; a revocation is
 * seen by a running daemon at the device's next handshake and, for a live connection, within
 * CAIRN_LAN_TICK_MS (lan.h).
 */
#include "pair_cmd.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <cairn/err.h>

#include "config.h"
#include "enroll.h"
#include "identity.h"
#include "pair_store.h"
#include "store.h"
#include "store_devices.h"

#define EXIT_USAGE 2

static const char pair_usage[] = "usage: cairnd pair --data DIR [--expires 10m]\n"
                                 "       cairnd pair --data DIR --list\n"
                                 "       cairnd pair --data DIR --revoke DEVICE\n";

__attribute__((format(printf, 1, 2))) static int pfail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cairnd pair: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_FAILURE;
}

static int pusage(const char *why)
{
    if (why != NULL)
        fprintf(stderr, "cairnd pair: %s\n", why);
    fputs(pair_usage, stderr);
    return EXIT_USAGE;
}

/* "2026-11-25 21:07 UTC" for a unix ms time. */
static void show_time(uint64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(out, cap, "%llu ms", (unsigned long long)ms);
}

static int open_store(const char *data, cairn_store_t **s)
{
    char path[PATH_MAX], err[512];
    uint8_t pk[32];
    if (cairn_identity_load_public(data, pk, err, sizeof err) != 0)
        return pfail("%s", err);
    if (snprintf(path, sizeof path, "%s/cairn.db", data) >= (int)sizeof path)
        return pfail("%s: path too long", data);
    int rc = cairn_store_open(path, pk, s);
    if (rc != 0)
        return pfail("cannot open the store %s: %s", path, cairn_strerror(rc));
    return 0;
}

static int cmd_create(const char *data, const char *expires)
{
    uint64_t ttl = CAIRN_PAIR_TTL_DEFAULT_MS;
    if (expires != NULL &&
        (cairn_parse_duration(expires, &ttl) != 0 || ttl > CAIRN_PAIR_TTL_MAX_MS))
        return pusage("--expires: expected a duration from 1s to 7d, like 30s, 10m or 12h");
    cairn_pair_code_t code;
    cairn_pair_entry_t e;
    int rc = cairn_pair_create(data, ttl, cairn_enroll_now_ms(), &code, &e);
    sodium_memzero(e.psk, sizeof e.psk);
    if (rc == CAIRN_EEXIST)
        return pfail("too many pairing codes on file: remove old ones from %s/%s", data,
                     CAIRN_PAIR_DIR);
    if (rc != 0)
        return pfail("cannot create a pairing code: %s", cairn_strerror(rc));
    char shown[CAIRN_PAIR_CODE_SHOW_LEN + 1], when[64];
    cairn_pair_code_show(&code, shown);
    show_time(e.expires_ms, when, sizeof when);
    printf("%s\n", shown);
    fprintf(stderr,
            "one-time pairing code, valid until %s (%d wrong attempts invalidate it):\n"
            "on the device run: cairn pair HOST[:PORT] %s\n",
            when, CAIRN_PAIR_MAX_FAILURES, shown);
    sodium_memzero(&code, sizeof code);
    sodium_memzero(shown, sizeof shown);
    return 0;
}

static void print_code(void *arg, const cairn_pair_entry_t *e, cairn_pair_state_t st)
{
    (void)arg;
    char when[64] = "-";
    if (e->expires_ms != 0)
        show_time(e->expires_ms, when, sizeof when);
    printf("code %s-..  %-11s  failures %u  expires %s\n", e->sel, cairn_pair_state_name(st),
           e->failures, when);
}

static void print_device(void *arg, const cairn_device_t *d)
{
    (void)arg;
    char hex[65], when[64];
    cairn_identity_hex(d->pk, hex);
    show_time((uint64_t)d->paired_ms, when, sizeof when);
    printf("device %s  %-7s  paired %s  %s\n", hex, d->revoked_ms ? "revoked" : "active", when,
           d->name);
}

static int cmd_list(const char *data)
{
    int rc = cairn_pair_list(data, cairn_enroll_now_ms(), print_code, NULL);
    if (rc != 0)
        return pfail("cannot list pairing codes: %s", cairn_strerror(rc));
    cairn_store_t *s;
    if (open_store(data, &s) != 0)
        return EXIT_FAILURE;
    rc = cairn_store_device_list(s, print_device, NULL);
    cairn_store_close(s);
    if (rc != 0)
        return pfail("cannot list devices: %s", cairn_strerror(rc));
    return 0;
}

static int cmd_revoke(const char *data, const char *which)
{
    cairn_store_t *s;
    if (open_store(data, &s) != 0)
        return EXIT_FAILURE;
    cairn_device_t d;
    char err[256] = "";
    int rc =
        cairn_store_device_revoke(s, which, (int64_t)cairn_enroll_now_ms(), &d, err, sizeof err);
    cairn_store_close(s);
    if (rc != 0)
        return pfail("%s", err[0] ? err : cairn_strerror(rc));
    char hex[65];
    cairn_identity_hex(d.pk, hex);
    printf("revoked device %s \"%s\"\n", hex, d.name);
    return 0;
}

int cairn_pair_main(int argc, char **argv)
{
    const char *data = NULL, *expires = NULL, *revoke = NULL;
    int list = 0;
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--data") == 0)
            slot = &data;
        else if (strcmp(argv[i], "--expires") == 0)
            slot = &expires;
        else if (strcmp(argv[i], "--revoke") == 0)
            slot = &revoke;
        else if (strcmp(argv[i], "--list") == 0)
            list = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return fputs(pair_usage, stdout), 0;
        else
            return pusage("unexpected argument");
        if (slot != NULL) {
            if (i + 1 >= argc || argv[i + 1][0] == '\0')
                return pusage("an option needs a value");
            *slot = argv[++i];
        }
    }
    if (data == NULL)
        return pusage("--data DIR is required");
    if (list + (revoke != NULL) + (expires != NULL) > 1)
        return pusage("give one of --expires, --list and --revoke");
    char path[PATH_MAX], err[512];
    cairn_config_t cfg;
    if (snprintf(path, sizeof path, "%s/cairnd.conf", data) >= (int)sizeof path)
        return pfail("%s: path too long", data);
    if (cairn_config_load(path, &cfg, err, sizeof err) != 0)
        return pfail("%s", err);
    if (list)
        return cmd_list(data);
    if (revoke != NULL)
        return cmd_revoke(data, revoke);
    return cmd_create(data, expires);
}
