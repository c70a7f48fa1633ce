/*
 * fuzz_config.c: libFuzzer target for the cairnd.conf parser (daemon/config.c with libinih),
 * fed the input as the file itself through fmemopen().
 *
 * Checked on every input, beyond "no crash, no sanitizer report":
 *   - a refusal is CAIRN_ECONFIG with a message that starts with the file's name and, when it
 *     names a line ("FILE:LINE: ..."), a line the file has;
 *   - a refusal leaves the caller's config untouched (nothing partially applied);
 *   - an accepted file gives a config that keeps the documented bounds (strings terminated,
 *     reconnect_min_ms <= reconnect_max_ms, a known role and log level), and loading it again
 *     gives the same config.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/err.h"
#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.conf"

static int load(const uint8_t *data, size_t size, cairn_config_t *cfg, char *err, size_t errlen)
{
    FILE *fp = fmemopen((void *)data, size, "r");
    if (fp == NULL)
        abort();
    int rc = cairn_config_load_stream(fp, NAME, cfg, err, errlen);
    fclose(fp);
    return rc;
}

static int terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_config_t cfg, again;
    char err[512];

    if (size == 0)
        return 0; /* fmemopen() refuses an empty buffer; the empty file is a unit test */
    memset(&cfg, 0xa5, sizeof cfg);
    err[0] = '\0';
    int rc = load(data, size, &cfg, err, sizeof err);
    if (rc != 0) {
        if (rc != CAIRN_ECONFIG || strncmp(err, NAME ":", sizeof NAME) != 0) {
            fprintf(stderr, "refusal %d without the file's name: %s\n", rc, err);
            abort();
        }
        const char *after = err + sizeof NAME;
        if (*after >= '0' && *after <= '9') {
            long line = strtol(after, NULL, 10);
            size_t lines = 1;
            for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
            if (line < 1 || (size_t)line > lines) {
                fprintf(stderr, "refusal names line %ld of a %zu-line file: %s\n", line, lines,
                        err);
                abort();
            }
        }
        for (size_t i = 0; i < sizeof cfg; i++) {
            if (((const uint8_t *)&cfg)[i] != 0xa5)
                abort(); /* a refused file changed the caller's config */
        }
        return 0;
    }
    if (!terminated(cfg.name, sizeof cfg.name) ||
        !terminated(cfg.listen_host, sizeof cfg.listen_host) ||
        !terminated(cfg.socket_name, sizeof cfg.socket_name) ||
        !terminated(cfg.sync_host, sizeof cfg.sync_host) ||
        !terminated(cfg.lan_host, sizeof cfg.lan_host) ||
        !terminated(cfg.review_peer, sizeof cfg.review_peer) ||
        !terminated(cfg.review_blind, sizeof cfg.review_blind))
        abort();
    if (cfg.name[0] == '\0' || (cfg.role != CAIRN_ROLE_SCHOOL && cfg.role != CAIRN_ROLE_HUB) ||
        cfg.reconnect_min_ms > cfg.reconnect_max_ms || cfg.log_level < CAIRN_LOG_DEBUG ||
        cfg.log_level > CAIRN_LOG_ERROR)
        abort();
    memset(&again, 0, sizeof again);
    if (load(data, size, &again, err, sizeof err) != 0 || memcmp(&cfg, &again, sizeof cfg) != 0)
        abort(); /* the same file, the same config */
    return 0;
}
