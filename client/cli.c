/*
 * cli.c: the cairn client's entry point: global options, the verb table, and the shared ways of
 * reporting help, usage errors and failures (see cli.h).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairn/err.h>

#include "addr.h"
#include "cmd.h"
#include "fmt.h"

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "0.1.0"
#endif

static const char globals_usage[] = "usage: cairn [--data DIR | --connect HOST:PORT] VERB ...\n";

static const struct {
    const char *name;
    const cairn_subcmd_t *subs;
} groups[] = {
    {"catalog", cairn_cmd_catalog},       {"educator", cairn_cmd_educator},
    {"submission", cairn_cmd_submission}, {"evidence", cairn_cmd_evidence},
    {"bundle", cairn_cmd_bundle},         {"sync", cairn_cmd_sync},
    {"review", cairn_cmd_review},         {"badge", cairn_cmd_badge},
    {"stack", cairn_cmd_stack},
};

/* Verbs without a group word, each file's table. */
static const cairn_subcmd_t *const toplevel[] = {
    cairn_cmd_search,  cairn_cmd_recommend, cairn_cmd_kiosk, cairn_cmd_transcript,
    cairn_cmd_holders, cairn_cmd_staff,     cairn_cmd_report};

static void print_doc_line(FILE *f, const cairn_cmd_doc_t *doc)
{
    fprintf(f, "  %s%s%s\n", doc->prog, doc->usage[0] ? " " : "", doc->usage);
}

static void print_help(FILE *f)
{
    fputs(globals_usage, f);
    fputs(
        "\nThe daemon is found by --data DIR (its socket DIR/cairnd.sock), else --connect\n"
        "HOST:PORT, else the data directory in $CAIRN_DATA. A HOST:PORT pinned in known_hosts by\n"
        "`cairn pair` is reached through the secure channel with this device's key.\n\nVerbs:\n",
        f);
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (const cairn_subcmd_t *s = groups[g].subs; s->name; s++)
            print_doc_line(f, s->doc);
    for (size_t t = 0; t < sizeof toplevel / sizeof toplevel[0]; t++)
        for (const cairn_subcmd_t *s = toplevel[t]; s->name; s++)
            print_doc_line(f, s->doc);
    print_doc_line(f, &cairn_cmd_status_doc);
    print_doc_line(f, &cairn_cmd_hash_doc);
    print_doc_line(f, &cairn_cmd_pair_doc);
    fputs("\nRun \"cairn VERB --help\" for what a verb does.\n", f);
}

int cairn_cli_parse_globals(int argc, char **argv, cairn_cli_t *cli, int *verb, char *err,
                            size_t errlen)
{
    int i = 1;
    cli->data = cli->connect = NULL;
    err[0] = '\0';
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        const char **dest = NULL;
        const char *name = NULL;
        size_t len;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return 1;
        if (strcmp(a, "--version") == 0)
            return 2;
        if (strncmp(a, "--data", (len = 6)) == 0 && (a[len] == '\0' || a[len] == '=')) {
            dest = &cli->data;
            name = "--data DIR";
        } else if (strncmp(a, "--connect", (len = 9)) == 0 && (a[len] == '\0' || a[len] == '=')) {
            dest = &cli->connect;
            name = "--connect HOST:PORT";
        } else {
            snprintf(err, errlen, "unknown option %s (global options come before the verb)", a);
            return CAIRN_EINVAL;
        }
        if (a[len] == '=') {
            *dest = a + len + 1;
        } else if (i + 1 < argc && argv[i + 1][0] != '-') {
            *dest = argv[++i];
        } else {
            snprintf(err, errlen, "missing value for %s", name);
            return CAIRN_EINVAL;
        }
        if (!(*dest)[0]) {
            snprintf(err, errlen, "empty value for %s", name);
            return CAIRN_EINVAL;
        }
    }
    *verb = i;
    return 0;
}

int cairn_cli_parsed(const cairn_cmd_doc_t *doc, int rc, const char *err)
{
    if (rc == 1) {
        printf("usage: %s %s\n", doc->prog, doc->usage);
        if (doc->help)
            printf("\n%s", doc->help);
        return CAIRN_EXIT_OK;
    }
    if (rc != 0) {
        fprintf(stderr, "cairn: %s: %s\nusage: %s %s\n", doc->prog + strlen("cairn "), err,
                doc->prog, doc->usage);
        return CAIRN_EXIT_USAGE;
    }
    return CAIRN_CLI_CONTINUE;
}

int cairn_cli_dispatch(const cairn_cli_t *cli, const char *group, const cairn_subcmd_t *subs,
                       int argc, char **argv)
{
    bool help = argc > 0 && (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0);
    if (argc > 0 && !help) {
        for (const cairn_subcmd_t *s = subs; s->name; s++) {
            if (strcmp(s->name, argv[0]) == 0)
                return s->run(cli, argc - 1, argv + 1);
        }
    }
    FILE *f = help ? stdout : stderr;
    if (!help) {
        if (argc == 0)
            fprintf(f, "cairn: %s: missing verb\n", group);
        else
            fprintf(f, "cairn: %s: unknown verb '%s'\n", group, argv[0]);
    }
    fprintf(f, "usage:\n");
    for (const cairn_subcmd_t *s = subs; s->name; s++)
        print_doc_line(f, s->doc);
    return help ? CAIRN_EXIT_OK : CAIRN_EXIT_USAGE;
}

int cairn_cli_connect(const cairn_cli_t *cli, cairn_rpc_t *rpc)
{
    cairn_addr_t addr;
    char err[CAIRN_RPC_ERR_MAX];
    int rc = cairn_addr_resolve(cli->data, cli->connect, cli->env_data, &addr, err, sizeof err);
    if (rc) {
        fprintf(stderr, "cairn: %s\n", err);
        /* Not saying which daemon is a usage error; a malformed one too. */
        return CAIRN_EXIT_USAGE;
    }
    if (cairn_rpc_open(rpc, &addr) != 0)
        return cairn_cli_fail_rpc(rpc);
    bool secured = false;
    if (addr.kind == CAIRN_ADDR_TCP && cairn_cli_connect_secure(&addr, rpc, &secured) != 0)
        return cairn_cli_fail_rpc(rpc);
    return CAIRN_EXIT_OK;
}

int cairn_cli_call(cairn_rpc_t *rpc, cairn_reply_t *reply)
{
    if (cairn_rpc_call(rpc, reply) == 0)
        return CAIRN_EXIT_OK;
    cairn_reply_free(reply);
    return cairn_cli_fail_rpc(rpc);
}

int cairn_cli_array(cairn_rpc_t *rpc, cairn_reply_t *reply, const char *op, const char *key,
                    const msgpack_object_array **a)
{
    if (cairn_mp_get_array(reply->result, key, UINT32_MAX, a) == 0)
        return CAIRN_EXIT_OK;
    cairn_reply_free(reply);
    cairn_rpc_fail(rpc, CAIRN_EPROTO, "cairnd sent a %s reply without \"%s\"", op, key);
    return cairn_cli_fail_rpc(rpc);
}

int cairn_cli_done(cairn_rpc_t *rpc, cairn_reply_t *reply)
{
    cairn_reply_free(reply);
    cairn_rpc_close(rpc);
    return CAIRN_EXIT_OK;
}

int cairn_cli_print_id(cairn_rpc_t *rpc, cairn_reply_t *reply, const char *op)
{
    cairn_strv_t id = cairn_rpc_str(reply->result, "id");
    if (id.len == 0) {
        cairn_reply_free(reply);
        cairn_rpc_fail(rpc, CAIRN_EPROTO, "cairnd sent a %s reply without an id", op);
        return cairn_cli_fail_rpc(rpc);
    }
    cairn_fmt_put(stdout, id.p, id.len);
    putchar('\n');
    return cairn_cli_done(rpc, reply);
}

int cairn_cli_read_file(const char *path, size_t max, const char *what, char **out, size_t *len)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return cairn_cli_fail("cannot open %s: %s", path, strerror(errno));
    memset(&st, 0, sizeof st); /* a failed fstat then reads as "not a regular file" */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cairn_cli_fail("%s is %s", path,
                              S_ISDIR(st.st_mode) ? "a directory, not a file"
                                                  : "not a regular file");
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return cairn_cli_fail("%s is %llu bytes, over the %zu-byte limit for %s", path,
                              (unsigned long long)st.st_size, max, what);
    }
    /* One byte over the limit, so a file that grew since fstat is caught, not cut short. */
    char *buf = malloc(max + 1);
    size_t got = 0;
    ssize_t r = 1;
    while (buf && got <= max && r > 0) {
        r = read(fd, buf + got, max + 1 - got);
        if (r < 0 && errno == EINTR)
            r = 1;
        else if (r > 0)
            got += (size_t)r;
    }
    int e = errno;
    close(fd);
    if (!buf)
        return cairn_cli_fail("out of memory reading %s", path);
    if (r < 0 || got > max || got == 0) {
        free(buf);
        if (r < 0)
            return cairn_cli_fail("cannot read %s: %s", path, strerror(e));
        if (got == 0)
            return cairn_cli_fail("%s is empty", path);
        return cairn_cli_fail("%s grew past the %zu-byte limit for %s while being read", path, max,
                              what);
    }
    *out = buf;
    *len = got;
    return CAIRN_EXIT_OK;
}

int cairn_cli_fail_rpc(cairn_rpc_t *rpc)
{
    fprintf(stderr, "cairn: %s\n", rpc->err);
    cairn_rpc_close(rpc);
    return CAIRN_EXIT_FAIL;
}

int cairn_cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("cairn: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CAIRN_EXIT_FAIL;
}

int cairn_cli_main(int argc, char **argv)
{
    cairn_cli_t cli;
    char err[CAIRN_RPC_ERR_MAX];
    int verb;

    int rc = cairn_cli_parse_globals(argc, argv, &cli, &verb, err, sizeof err);
    if (rc == 1) {
        print_help(stdout);
        return CAIRN_EXIT_OK;
    }
    if (rc == 2) {
        printf("cairn %s (protocol 1)\n", CAIRN_VERSION);
        return CAIRN_EXIT_OK;
    }
    if (rc) {
        fprintf(stderr, "cairn: %s\n%s", err, globals_usage);
        return CAIRN_EXIT_USAGE;
    }
    if (verb >= argc) {
        fprintf(stderr, "cairn: missing verb\n");
        print_help(stderr);
        return CAIRN_EXIT_USAGE;
    }
    cli.env_data = getenv("CAIRN_DATA");

    const char *name = argv[verb];
    if (strcmp(name, "help") == 0) {
        print_help(stdout);
        return CAIRN_EXIT_OK;
    }
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        if (strcmp(name, groups[g].name) == 0)
            return cairn_cli_dispatch(&cli, name, groups[g].subs, argc - verb - 1, argv + verb + 1);
    }
    for (size_t t = 0; t < sizeof toplevel / sizeof toplevel[0]; t++)
        for (const cairn_subcmd_t *s = toplevel[t]; s->name; s++)
            if (strcmp(name, s->name) == 0)
                return s->run(&cli, argc - verb - 1, argv + verb + 1);
    if (strcmp(name, "status") == 0)
        return cairn_cmd_status(&cli, argc - verb - 1, argv + verb + 1);
    if (strcmp(name, "hash") == 0)
        return cairn_cmd_hash(&cli, argc - verb - 1, argv + verb + 1);
    if (strcmp(name, "pair") == 0)
        return cairn_cmd_pair(&cli, argc - verb - 1, argv + verb + 1);
    fprintf(stderr, "cairn: unknown verb '%s'\n%s", name, globals_usage);
    return CAIRN_EXIT_USAGE;
}
