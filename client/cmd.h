/*
 * cmd.h: the verbs of the cairn client, one group per file (cmd_<group>.c), and the argument
 * parsers of those whose arguments need more than a table, exposed for unit tests.
 *
 * A parser returns 0, 1 for --help, or CAIRN_EINVAL with a one-line message in err naming the
 * bad or missing argument. It only parses: no daemon is needed.
 */
#ifndef CAIRN_CLIENT_CMD_H
#define CAIRN_CLIENT_CMD_H

#include <stddef.h>

#include "cli.h"

extern const cairn_subcmd_t cairn_cmd_catalog[];    /* cmd_catalog.c */
extern const cairn_subcmd_t cairn_cmd_educator[];   /* cmd_educator.c */
extern const cairn_subcmd_t cairn_cmd_submission[]; /* cmd_submission.c */
extern const cairn_subcmd_t cairn_cmd_evidence[];   /* cmd_evidence.c */
extern const cairn_subcmd_t cairn_cmd_bundle[];     /* cmd_bundle.c */
extern const cairn_subcmd_t cairn_cmd_sync[];       /* cmd_sync.c */
/* evidence list, get, prioritize (cmd_evidence_sync.c), in cairn_cmd_evidence's table. */
extern const cairn_cmd_doc_t cairn_evidence_list_doc, cairn_evidence_get_doc,
    cairn_evidence_prioritize_doc;
int cairn_cmd_evidence_list(const cairn_cli_t *cli, int argc, char **argv);
int cairn_cmd_evidence_get(const cairn_cli_t *cli, int argc, char **argv);
int cairn_cmd_evidence_prioritize(const cairn_cli_t *cli, int argc, char **argv);
/* evidence show, purge (cmd_evidence_retention.c). */
extern const cairn_cmd_doc_t cairn_evidence_show_doc, cairn_evidence_purge_doc;
int cairn_cmd_evidence_show(const cairn_cli_t *cli, int argc, char **argv);
int cairn_cmd_evidence_purge(const cairn_cli_t *cli, int argc, char **argv);
extern const cairn_cmd_doc_t cairn_cmd_status_doc; /* cmd_status.c */
int cairn_cmd_status(const cairn_cli_t *cli, int argc, char **argv);
extern const cairn_cmd_doc_t cairn_cmd_hash_doc; /* cmd_hash.c */
int cairn_cmd_hash(const cairn_cli_t *cli, int argc, char **argv);

/* Limits the client checks itself, so a mistake is caught before anything is sent. */
#define CAIRN_CATALOG_MAX (2u * 1024 * 1024) /* catalog.import json */
#define CAIRN_TEXT_MAX (64u * 1024)          /* evidence.add text */

typedef struct {
    const char *name;
    const char *email;
    const char *role;
} cairn_educator_add_args_t;
int cairn_cmd_educator_add_parse(int argc, char **argv, cairn_educator_add_args_t *a, char *err,
                                 size_t errlen);

typedef struct {
    const char *educator;
    const char *credential;
} cairn_submission_start_args_t;
int cairn_cmd_submission_start_parse(int argc, char **argv, cairn_submission_start_args_t *a,
                                     char *err, size_t errlen);

typedef struct {
    const char *educator;
    const char *state;
} cairn_submission_list_args_t;
int cairn_cmd_submission_list_parse(int argc, char **argv, cairn_submission_list_args_t *a,
                                    char *err, size_t errlen);

typedef struct {
    const char *submission;
    const char *part;
    const char *file; /* exactly one of file, text, text_file */
    const char *text;
    const char *text_file;
} cairn_evidence_add_args_t;
int cairn_cmd_evidence_add_parse(int argc, char **argv, cairn_evidence_add_args_t *a, char *err,
                                 size_t errlen);

typedef struct {
    const char *id;
    const char *version; /* decimal, or NULL for the latest */
} cairn_catalog_show_args_t;
int cairn_cmd_catalog_show_parse(int argc, char **argv, cairn_catalog_show_args_t *a, char *err,
                                 size_t errlen);

#endif
