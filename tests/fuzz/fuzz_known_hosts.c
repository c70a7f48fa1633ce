/*
 * fuzz_known_hosts.c: libFuzzer target for the client's known_hosts file (client/device.c: one
 * "HOST PORT KEYHEX" per line, '#' comments), the pins that say which daemon key a device trusts.
 *
 * The input is the file. It is written to $CAIRN_HOME/known_hosts (a directory made once, on
 * /dev/shm when there is one, so the fsync of each put costs little), then:
 *   - a lookup of a host the file cannot name reads every line: 0 (not found) or CAIRN_EINVAL
 *     with "PATH:LINE: ..." for the first line that does not parse (never skipped: a skipped
 *     pin would be an unpinned daemon);
 *   - when every line parses, a put of a new key for "School.Example" 7420 (stored lower-case)
 *     followed by a lookup must find exactly that key, and every other line must survive.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/err.h"
#include "device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char home[96], path[160];

static void must(int ok)
{
    if (!ok)
        abort();
}

static void cleanup(void)
{
    char tmp[200];
    unlink(path);
    /* a put that failed part-way may leave its temp file: "<name>.tmp.<pid>" */
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    unlink(tmp);
    rmdir(home);
}

static void setup(void)
{
    struct stat st;
    const char *tmp = getenv("TMPDIR");
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
                       : tmp != NULL && *tmp                             ? tmp
                                                                         : "/tmp";
    snprintf(home, sizeof home, "%.60s/cairn-fz-kh-XXXXXX", base);
    must(mkdtemp(home) != NULL);
    must(setenv("CAIRN_HOME", home, 1) == 0);
    snprintf(path, sizeof path, "%s/%s", home, CAIRN_KNOWN_HOSTS_FILE);
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    uint8_t key[32], got[32];

    if (home[0] == '\0')
        setup();
    FILE *f = fopen(path, "wb");
    must(f != NULL && fwrite(data, 1, size, f) == size && fclose(f) == 0);

    int rc = cairn_known_host_get("fuzz.invalid", "1", got, err, sizeof err);
    if (rc != 0) {
        /* over the size limit is an I/O refusal; anything else names the line */
        if (size <= CAIRN_KNOWN_HOSTS_MAX &&
            (rc != CAIRN_EINVAL || strncmp(err, path, strlen(path)) != 0 ||
             err[strlen(path)] != ':')) {
            fprintf(stderr, "refusal %d without PATH:LINE: %s\n", rc, err);
            abort();
        }
        return 0;
    }
    memset(key, 0x5a, sizeof key);
    key[0] = (uint8_t)size;
    rc = cairn_known_host_put("School.Example", "7420", key, err, sizeof err);
    if (rc != 0)
        return 0; /* the file plus the new line is over the limit */
    memset(got, 0, sizeof got);
    rc = cairn_known_host_get("school.example", "7420", got, err, sizeof err);
    if (rc != 1 || memcmp(got, key, sizeof key) != 0) {
        fprintf(stderr, "put then get: %d %s\n", rc, err);
        abort();
    }
    return 0;
}
