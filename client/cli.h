/*
 * cli.h: what every verb of the cairn client shares: exit codes, the global options, how a verb
 * documents itself, how usage errors and failures are reported.
 *
 * Output conventions: results on stdout (ids alone on their line where scripts capture them),
 * every error as one "cairn: ..." line on stderr. Exit 0 on success, 1 on any failure, 2 on a
 * usage error (which names the bad or missing argument).
 */
#ifndef CAIRN_CLIENT_CLI_H
#define CAIRN_CLIENT_CLI_H

#include <stddef.h>

#include "rpc.h"

#define CAIRN_EXIT_OK 0
#define CAIRN_EXIT_FAIL 1
#define CAIRN_EXIT_USAGE 2
/* Returned by cairn_cli_parsed() when the verb should go on and run. */
#define CAIRN_CLI_CONTINUE (-1)

/* The global options, given before the verb. */
typedef struct {
    const char *data;     /* --data DIR */
    const char *connect;  /* --connect HOST:PORT */
    const char *env_data; /* $CAIRN_DATA, read once at start */
} cairn_cli_t;

/* A verb's documentation. */
typedef struct {
    const char *prog;  /* "cairn educator add" */
    const char *usage; /* "--name N [--email E] [--role teacher|leader|assessor]" */
    const char *help;  /* what it does and prints, for --help; may be NULL */
} cairn_cmd_doc_t;

/* One verb of a group ("add" in "cairn educator add"). */
typedef struct {
    const char *name;
    int (*run)(const cairn_cli_t *cli, int argc, char **argv); /* argv: the words after name */
    const cairn_cmd_doc_t *doc;
} cairn_subcmd_t;

/* The whole client: returns the process exit status. */
int cairn_cli_main(int argc, char **argv);

/* Parses the global options at the start of argv[1..argc). Returns 0 with *verb the index of the
 * first word after them (argc if none), 1 for -h/--help, 2 for --version, or CAIRN_EINVAL with a
 * one-line message in err. Does not read the environment. */
int cairn_cli_parse_globals(int argc, char **argv, cairn_cli_t *cli, int *verb, char *err,
                            size_t errlen);

/* Runs the verb of a group named by argv[0], or prints the group's verbs. */
int cairn_cli_dispatch(const cairn_cli_t *cli, const char *group, const cairn_subcmd_t *subs,
                       int argc, char **argv);

/* Acts on a verb's parse result (0, 1 for --help, or an error with err): prints the help
 * (CAIRN_EXIT_OK) or the error and usage line (CAIRN_EXIT_USAGE), else CAIRN_CLI_CONTINUE. */
int cairn_cli_parsed(const cairn_cmd_doc_t *doc, int rc, const char *err);

/* Finds the daemon and connects. Returns CAIRN_EXIT_OK, or prints why not and returns the exit
 * status (no daemon given: usage; cannot reach it: failure). */
int cairn_cli_connect(const cairn_cli_t *cli, cairn_rpc_t *rpc);

/* cairn_rpc_call(). On failure prints the error, frees the reply, closes the connection and
 * returns CAIRN_EXIT_FAIL; else CAIRN_EXIT_OK. */
int cairn_cli_call(cairn_rpc_t *rpc, cairn_reply_t *reply);

/* Finds the array key in a successful reply to op. When it is missing, does what
 * cairn_cli_call() does on failure. */
int cairn_cli_array(cairn_rpc_t *rpc, cairn_reply_t *reply, const char *op, const char *key,
                    const msgpack_object_array **a);

/* Frees the reply, closes the connection, returns CAIRN_EXIT_OK. */
int cairn_cli_done(cairn_rpc_t *rpc, cairn_reply_t *reply);

/* Prints the "id" of a successful reply to op alone on a line (for scripts to capture), then
 * does what cairn_cli_done() does; on a reply without an id, what cairn_cli_call() does. */
int cairn_cli_print_id(cairn_rpc_t *rpc, cairn_reply_t *reply, const char *op);

/* Reads a whole regular file of 1 to max bytes into a heap buffer (caller frees), refusing a
 * bigger one from its size before reading anything. what names the limit in messages ("a
 * catalog"). Returns CAIRN_EXIT_OK, or prints why not and returns CAIRN_EXIT_FAIL. */
int cairn_cli_read_file(const char *path, size_t max, const char *what, char **out, size_t *len);

/* Prints "cairn: <rpc->err>", closes the connection, returns CAIRN_EXIT_FAIL. */
int cairn_cli_fail_rpc(cairn_rpc_t *rpc);

/* Prints "cairn: <message>", returns CAIRN_EXIT_FAIL. */
int cairn_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
