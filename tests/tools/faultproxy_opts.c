/* faultproxy_opts.c: command-line parsing for faultproxy. Every number is checked against a
 * limit, every address is parsed before the loop starts; a bad option is one clear line and
 * exit status 2. It must never start anything: the event loop lives in faultproxy.c. */
#include "faultproxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Sizes beyond this are surely typos; 2^50 bytes still leaves room to add offsets. */
#define FP_MAX_BYTES (UINT64_C(1) << 50)
/* One day: longer delays would only make a test hang. */
#define FP_MAX_MS UINT64_C(86400000)

/* Options that take one number and apply to the directions currently selected. */
struct dir_option {
    const char *name;
    size_t offset; /* of a uint64_t in struct fp_dir_opts */
    uint64_t min, max;
};

static const struct dir_option dir_options[] = {
    {"rate", offsetof(struct fp_dir_opts, rate), 1, FP_MAX_BYTES},
    {"latency", offsetof(struct fp_dir_opts, latency_ms), 0, FP_MAX_MS},
    {"cut-after", offsetof(struct fp_dir_opts, cut_after), 0, FP_MAX_BYTES},
    {"stall-after", offsetof(struct fp_dir_opts, stall_after), 0, FP_MAX_BYTES},
    {"stall-ms", offsetof(struct fp_dir_opts, stall_ms), 1, FP_MAX_MS},
    {"flip-after", offsetof(struct fp_dir_opts, flip_after), 0, FP_MAX_BYTES},
    {"flip-every", offsetof(struct fp_dir_opts, flip_every), 1, FP_MAX_BYTES},
    {"truncate-after", offsetof(struct fp_dir_opts, truncate_after), 0, FP_MAX_BYTES},
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* Parses a whole decimal number within [min, max]. */
static int parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    if (text == NULL || *text < '0' || *text > '9')
        return -EINVAL;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -EINVAL;
    *out = (uint64_t)v;
    return 0;
}

/* Splits "HOST:PORT" or "[V6HOST]:PORT" into host (without brackets) and port text. */
static int split_host_port(const char *text, char *host, size_t hostlen, const char **port)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon == text || colon[1] == '\0')
        return -EINVAL;
    const char *start = text;
    size_t len = (size_t)(colon - text);
    if (text[0] == '[') {
        if (len < 3 || text[len - 1] != ']')
            return -EINVAL;
        start = text + 1;
        len -= 2;
    }
    if (len >= hostlen)
        return -EINVAL;
    memcpy(host, start, len);
    host[len] = '\0';
    *port = colon + 1;
    return 0;
}

/* Listen addresses are IP literals: no resolver surprises about what gets bound. */
static int parse_listen(const char *text, struct fp_opts *opts, char *err, size_t errlen)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port_text = NULL;
    uint64_t port = 0;
    if (split_host_port(text, host, sizeof host, &port_text) != 0 ||
        parse_u64(port_text, 0, 65535, &port) != 0)
        return fail(err, errlen, "--listen %s: expected IP:PORT (PORT 0 = ephemeral)", text);
    memset(&opts->listen_addr, 0, sizeof opts->listen_addr);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&opts->listen_addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&opts->listen_addr;
    bool loopback = false;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
    } else {
        return fail(err, errlen, "--listen %s: %s is not an IP address", text, host);
    }
    if (!loopback && !opts->allow_remote)
        return fail(err, errlen, "--listen %s: not loopback (add --allow-remote before it)", text);
    snprintf(opts->listen_text, sizeof opts->listen_text, "%s", text);
    return 0;
}

/* The target may be a name; it is resolved once, here, at start-up. */
static int parse_target(const char *text, struct fp_opts *opts, char *err, size_t errlen)
{
    char host[256];
    const char *port_text = NULL;
    uint64_t port = 0;
    if (split_host_port(text, host, sizeof host, &port_text) != 0 ||
        parse_u64(port_text, 1, 65535, &port) != 0)
        return fail(err, errlen, "--target %s: expected HOST:PORT", text);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port_text, &hints, &res);
    if (rc != 0 || res == NULL)
        return fail(err, errlen, "--target %s: %s", text, gai_strerror(rc));
    memset(&opts->target_addr, 0, sizeof opts->target_addr);
    memcpy(&opts->target_addr, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    snprintf(opts->target_text, sizeof opts->target_text, "%s", text);
    return 0;
}

/* "MIN:MAX" for --cut-random. */
static int parse_range(const char *text, uint64_t *min, uint64_t *max)
{
    char buf[64];
    const char *colon = strchr(text, ':');
    if (colon == NULL || (size_t)(colon - text) >= sizeof buf)
        return -EINVAL;
    memcpy(buf, text, (size_t)(colon - text));
    buf[colon - text] = '\0';
    if (parse_u64(buf, 0, FP_MAX_BYTES, min) != 0 ||
        parse_u64(colon + 1, 0, FP_MAX_BYTES, max) != 0 || *min > *max)
        return -EINVAL;
    return 0;
}

static void set_defaults(struct fp_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->seed = 1;
    for (int d = 0; d < FP_DIRECTIONS; d++) {
        opts->dir[d].cut_after = FP_NONE;
        opts->dir[d].cut_random_min = FP_NONE;
        opts->dir[d].cut_random_max = FP_NONE;
        opts->dir[d].stall_after = FP_NONE;
        opts->dir[d].flip_after = FP_NONE;
        opts->dir[d].truncate_after = FP_NONE;
    }
}

/* Checks combinations that no single option can check. */
static int check_opts(struct fp_opts *opts, bool have_listen, bool have_target, char *err,
                      size_t errlen)
{
    if (!have_listen || !have_target)
        return fail(err, errlen, "--listen and --target are both required");
    for (int d = 0; d < FP_DIRECTIONS; d++) {
        const struct fp_dir_opts *o = &opts->dir[d];
        const char *name = d == FP_UP ? "up" : "down";
        if ((o->stall_after == FP_NONE) != (o->stall_ms == 0))
            return fail(err, errlen, "%s: --stall-after and --stall-ms go together", name);
        if (o->cut_after != FP_NONE && o->cut_random_min != FP_NONE)
            return fail(err, errlen, "%s: --cut-after and --cut-random exclude each other", name);
    }
    return 0;
}

int faultproxy_opts_parse(struct fp_opts *opts, int argc, char **argv, char *err, size_t errlen)
{
    set_defaults(opts);
    bool have_listen = false, have_target = false;
    bool scope[FP_DIRECTIONS] = {true, true}; /* directions that the next options apply to */
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0)
            return fail(err, errlen, "unexpected argument '%s'", arg);
        /* "--name=value" or "--name value"; "--up-name" applies one option to one direction. */
        char name[64];
        const char *value = NULL;
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        if (name_len >= sizeof name)
            return fail(err, errlen, "unknown option '%s'", arg);
        memcpy(name, arg + 2, name_len);
        name[name_len] = '\0';
        if (eq)
            value = eq + 1;

        if (strcmp(name, "up") == 0 || strcmp(name, "down") == 0 || strcmp(name, "both") == 0) {
            scope[FP_UP] = name[0] != 'd';
            scope[FP_DOWN] = name[0] != 'u';
            continue;
        }
        if (strcmp(name, "allow-remote") == 0 || strcmp(name, "check") == 0 ||
            strcmp(name, "help") == 0) {
            if (name[0] == 'a')
                opts->allow_remote = true;
            else if (name[0] == 'c')
                opts->check_only = true;
            else
                opts->help = true;
            continue;
        }
        if (value == NULL) {
            if (i + 1 >= argc)
                return fail(err, errlen, "--%s needs a value", name);
            value = argv[++i];
        }

        int rc = 0;
        if (strcmp(name, "listen") == 0) {
            rc = parse_listen(value, opts, err, errlen);
            have_listen = rc == 0;
            if (rc != 0)
                return rc;
            continue;
        }
        if (strcmp(name, "target") == 0) {
            rc = parse_target(value, opts, err, errlen);
            have_target = rc == 0;
            if (rc != 0)
                return rc;
            continue;
        }
        if (strcmp(name, "port-file") == 0) {
            opts->port_file = value;
            continue;
        }
        uint64_t *global = NULL;
        uint64_t gmin = 0, gmax = FP_MAX_BYTES;
        if (strcmp(name, "seed") == 0) {
            global = &opts->seed;
            gmax = UINT64_MAX - 1;
        } else if (strcmp(name, "drop-connections") == 0) {
            global = &opts->drop_connections;
        } else if (strcmp(name, "cut-every-ms") == 0) {
            global = &opts->cut_every_ms;
            gmin = 1;
            gmax = FP_MAX_MS;
        }
        if (global != NULL) {
            if (parse_u64(value, gmin, gmax, global) != 0)
                return fail(err, errlen, "--%s %s: expected a number in [%llu, %llu]", name, value,
                            (unsigned long long)gmin, (unsigned long long)gmax);
            continue;
        }

        /* Per-direction options, optionally prefixed "up-" or "down-" for this one option. */
        bool apply[FP_DIRECTIONS] = {scope[FP_UP], scope[FP_DOWN]};
        const char *base = name;
        if (strncmp(name, "up-", 3) == 0) {
            base = name + 3;
            apply[FP_UP] = true;
            apply[FP_DOWN] = false;
        } else if (strncmp(name, "down-", 5) == 0) {
            base = name + 5;
            apply[FP_UP] = false;
            apply[FP_DOWN] = true;
        }
        if (strcmp(base, "cut-random") == 0) {
            uint64_t min = 0, max = 0;
            if (parse_range(value, &min, &max) != 0)
                return fail(err, errlen, "--%s %s: expected MIN_BYTES:MAX_BYTES", name, value);
            for (int d = 0; d < FP_DIRECTIONS; d++) {
                if (apply[d]) {
                    opts->dir[d].cut_random_min = min;
                    opts->dir[d].cut_random_max = max;
                }
            }
            continue;
        }
        const struct dir_option *found = NULL;
        for (size_t k = 0; k < sizeof dir_options / sizeof dir_options[0]; k++) {
            if (strcmp(base, dir_options[k].name) == 0)
                found = &dir_options[k];
        }
        if (found == NULL)
            return fail(err, errlen, "unknown option '--%s' (try --help)", name);
        uint64_t v = 0;
        if (parse_u64(value, found->min, found->max, &v) != 0)
            return fail(err, errlen, "--%s %s: expected a number in [%llu, %llu]", name, value,
                        (unsigned long long)found->min, (unsigned long long)found->max);
        for (int d = 0; d < FP_DIRECTIONS; d++) {
            if (apply[d])
                *(uint64_t *)((char *)&opts->dir[d] + found->offset) = v;
        }
    }
    if (opts->help)
        return 0;
    return check_opts(opts, have_listen, have_target, err, errlen);
}

void faultproxy_opts_usage(FILE *out)
{
    fputs(
        "usage: faultproxy --listen IP:PORT --target HOST:PORT [options]\n"
        "  --listen IP:PORT        loopback only unless --allow-remote comes first; PORT 0 = any\n"
        "  --port-file FILE        write the bound port (decimal and newline) to FILE\n"
        "  --target HOST:PORT      where every accepted connection is forwarded\n"
        "  --up | --down | --both  directions the following options apply to (default both);\n"
        "                          --up-OPTION / --down-OPTION applies one option to one side\n"
        "                          up = client to target, down = target to client\n"
        "  --rate BYTES_PER_SEC    token bucket\n"
        "  --latency MS            hold every chunk MS before forwarding it, order preserved\n"
        "  --cut-after BYTES       RST both sides once BYTES were forwarded (and delivered)\n"
        "  --cut-random MIN:MAX    like --cut-after, BYTES drawn per connection (see --seed)\n"
        "  --stall-after BYTES --stall-ms MS   stop forwarding at BYTES for MS, once\n"
        "  --flip-after BYTES      flip one bit of the byte at offset BYTES\n"
        "  --flip-every BYTES      flip one bit of the bytes at offsets N, 2N, 3N, ...\n"
        "  --truncate-after BYTES  forward BYTES, then end that direction with EOF (FIN) and\n"
        "                          drop what follows (a stream cut short, not reset)\n"
        "  --cut-every-ms MS       RST every connection MS after it opened\n"
        "  --drop-connections N    RST the first N connections as soon as they are accepted\n"
        "  --seed N                randomness for flipped bits and --cut-random (default 1)\n"
        "  --check                 print the configuration and exit\n"
        "signals: SIGUSR1 toggles link down (cut all, refuse new), SIGUSR2 cuts all once,\n"
        "         SIGTERM/SIGINT exit 0\n",
        out);
}

static void print_value(FILE *out, const char *name, uint64_t v)
{
    if (v == FP_NONE)
        fprintf(out, " %s=off", name);
    else
        fprintf(out, " %s=%llu", name, (unsigned long long)v);
}

void faultproxy_opts_print(const struct fp_opts *opts, FILE *out)
{
    fprintf(out,
            "listen=%s target=%s port-file=%s seed=%llu cut-every-ms=%llu "
            "drop-connections=%llu\n",
            opts->listen_text, opts->target_text, opts->port_file ? opts->port_file : "-",
            (unsigned long long)opts->seed, (unsigned long long)opts->cut_every_ms,
            (unsigned long long)opts->drop_connections);
    for (int d = 0; d < FP_DIRECTIONS; d++) {
        const struct fp_dir_opts *o = &opts->dir[d];
        fprintf(out, "%s:", d == FP_UP ? "up" : "down");
        print_value(out, "rate", o->rate);
        print_value(out, "latency", o->latency_ms);
        print_value(out, "cut-after", o->cut_after);
        if (o->cut_random_min == FP_NONE)
            fprintf(out, " cut-random=off");
        else
            fprintf(out, " cut-random=%llu:%llu", (unsigned long long)o->cut_random_min,
                    (unsigned long long)o->cut_random_max);
        print_value(out, "stall-after", o->stall_after);
        print_value(out, "stall-ms", o->stall_ms);
        print_value(out, "flip-after", o->flip_after);
        print_value(out, "flip-every", o->flip_every);
        print_value(out, "truncate-after", o->truncate_after);
        fputc('\n', out);
    }
}
