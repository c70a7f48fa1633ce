/*
 * cmd.h: the verbs of the cairn client, one group per file (cmd_<group>.c), and the argument
 * parsers of those whose arguments need more than a table, exposed for unit tests.
 *
 * A parser returns 0, 1 for --help, or CAIRN_EINVAL with a one-line message in err naming the
 * bad or missing argument. It only parses: no daemon is needed.
 */
#ifndef CAIRN_CLIENT_CMD_H
#define CAIRN_CLIENT_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

extern const cairn_subcmd_t cairn_cmd_catalog[];    /* cmd_catalog.c */
extern const cairn_subcmd_t cairn_cmd_educator[];   /* cmd_educator.c */
extern const cairn_subcmd_t cairn_cmd_submission[]; /* cmd_submission.c */
extern const cairn_subcmd_t cairn_cmd_evidence[];   /* cmd_evidence.c */
extern const cairn_subcmd_t cairn_cmd_bundle[];     /* cmd_bundle.c */
extern const cairn_subcmd_t cairn_cmd_sync[];       /* cmd_sync.c */
extern const cairn_subcmd_t cairn_cmd_review[];     /* cmd_review.c */
extern const cairn_subcmd_t cairn_cmd_badge[];      /* cmd_badge.c (verify: offline) */
/* cmd_badge_award.c: the badge verbs that need the daemon, and the status list lookup. */
extern const cairn_cmd_doc_t cairn_badge_list_doc, cairn_badge_export_doc, cairn_badge_revoke_doc,
    cairn_badge_status_doc;
int cairn_badge_run_list(const cairn_cli_t *cli, int argc, char **argv);
int cairn_badge_run_export(const cairn_cli_t *cli, int argc, char **argv);
int cairn_badge_run_revoke(const cairn_cli_t *cli, int argc, char **argv);
int cairn_badge_run_status_list(const cairn_cli_t *cli, int argc, char **argv);
/* The status list for url as last synced to the daemon cli names: 0 with *json (caller frees),
 * 1 when there is no daemon or it holds none. Quiet. */
int cairn_badge_fetch_status(const cairn_cli_t *cli, const char *url, char **json, size_t *len);
/* evidence list, get, prioritize (cmd_evidence_sync.c), in cairn_cmd_evidence's table. */
extern const cairn_cmd_doc_t cairn_evidence_list_doc, cairn_evidence_get_doc,
    cairn_evidence_prioritize_doc;
int cairn_cmd_evidence_list(const cairn_cli_t *cli, int argc, char **argv);
int cairn_cmd_evidence_get(const cairn_cli_t *cli, int argc, char **argv);
int cairn_cmd_evidence_prioritize(const cairn_cli_t *cli, int argc, char **argv);
extern const cairn_subcmd_t cairn_cmd_stack[]; /* cmd_stack.c */
/* Top-level verbs (cairn VERB ..., no group word), one table per file. */
extern const cairn_subcmd_t cairn_cmd_search[];     /* cmd_search.c: search */
extern const cairn_subcmd_t cairn_cmd_recommend[];  /* cmd_recommend.c: recommend(ations) */
extern const cairn_subcmd_t cairn_cmd_kiosk[];      /* kiosk_main.c: kiosk */
extern const cairn_subcmd_t cairn_cmd_transcript[]; /* cmd_transcript.c: transcript */
extern const cairn_subcmd_t cairn_cmd_holders[];    /* cmd_holders.c: holders */
extern const cairn_subcmd_t cairn_cmd_staff[];      /* cmd_staff.c: staff */
extern const cairn_subcmd_t cairn_cmd_report[];     /* cmd_report.c: report */
/* evidence show, purge (cmd_evidence_retention.c). */
extern const cairn_cmd_doc_t cairn_evidence_show_doc, cairn_evidence_purge_doc;
int cairn_cmd_evidence_show(const cairn_cli_t *cli, int argc, char **argv);
int cairn_cmd_evidence_purge(const cairn_cli_t *cli, int argc, char **argv);
extern const cairn_cmd_doc_t cairn_cmd_status_doc; /* cmd_status.c */
int cairn_cmd_status(const cairn_cli_t *cli, int argc, char **argv);
extern const cairn_cmd_doc_t cairn_cmd_hash_doc; /* cmd_hash.c */
int cairn_cmd_hash(const cairn_cli_t *cli, int argc, char **argv);
extern const cairn_cmd_doc_t cairn_cmd_pair_doc; /* cmd_pair.c */
int cairn_cmd_pair(const cairn_cli_t *cli, int argc, char **argv);
/* After cairn_rpc_open() to a TCP address: when known_hosts pins it, runs the secure channel
 * with the device key (*secured true). 0, or a negative code with rpc->err. */
int cairn_cli_connect_secure(const cairn_addr_t *addr, cairn_rpc_t *rpc, bool *secured);
extern const cairn_cmd_doc_t cairn_cmd_educator_pin_doc; /* cmd_pin.c */
int cairn_cmd_educator_pin(const cairn_cli_t *cli, int argc, char **argv);

/* Limits the client checks itself, so a mistake is caught before anything is sent. */
#define CAIRN_CATALOG_MAX (2u * 1024 * 1024) /* catalog.import json */
#define CAIRN_TEXT_MAX (64u * 1024)          /* evidence.add text */

typedef struct {
    const char *name;
    const char *email;
    const char *role;
    bool peer; /* --peer: a trained peer reviewer (role assessor, scope peer) */
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
    const char *submission;
    const char *part;
    bool meets, not_yet;
    const char *feedback;
    const char *feedback_file;
    const char *as;
} cairn_review_score_args_t;
int cairn_cmd_review_score_parse(int argc, char **argv, cairn_review_score_args_t *a, char *err,
                                 size_t errlen);

typedef struct {
    const char *submission;
    bool no_keep_met;
} cairn_submission_resubmit_args_t;
int cairn_cmd_submission_resubmit_parse(int argc, char **argv, cairn_submission_resubmit_args_t *a,
                                        char *err, size_t errlen);

typedef struct {
    const char *id;
    const char *version; /* decimal, or NULL for the latest */
} cairn_catalog_show_args_t;
int cairn_cmd_catalog_show_parse(int argc, char **argv, cairn_catalog_show_args_t *a, char *err,
                                 size_t errlen);

/* "YYYY-MM-DD" (UTC) to unix milliseconds; CAIRN_EINVAL for anything else or a day that does
 * not exist (2026-02-30). */
int cairn_cmd_parse_date(const char *s, uint64_t *unix_ms);

typedef struct {
    char query[512 + 1]; /* the words joined with spaces */
    const char *stack;
    bool has_max_hours;
    unsigned long max_hours;
    bool peer_reviewable;
    unsigned limit; /* 0: the daemon's default */
} cairn_search_args_t;
int cairn_cmd_search_parse(int argc, char **argv, cairn_search_args_t *a, char *err, size_t errlen);

#endif
