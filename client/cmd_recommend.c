/*
 * cmd_recommend.c: "cairn recommend" (a leader or a colleague recommends a credential to a
 * teacher, with a note) and "cairn recommendations [accept|dismiss REC]" (what was recommended,
 * and the teacher's answer). Educators are given by name, id or id prefix (PROTOCOL.md 2.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "table.h"

#define NOTE_MAX 1000 /* bytes (recommendation.add) */

static const cairn_cmd_doc_t recommend_doc = {
    "cairn recommend",
    "--to EDUCATOR --credential ID --as EDUCATOR [--note TEXT]",
    "Recommends a credential to an educator, with an optional note (at most 1000 bytes).\n"
    "--as names who recommends: a leader or a teacher (not the same person as --to).\n"
    "Educators are given by name (\"Ada Okafor\"), id or id prefix. Prints the recommendation "
    "id.\n",
};
static const cairn_cmd_doc_t list_doc = {
    "cairn recommendations",
    "[--educator E] [--state open|accepted|dismissed] [--since YYYY-MM-DD] | accept REC [--as E]"
    " | dismiss REC [--as E]",
    "Lists recommendations (all, or those made to educator E; by state; made on or after a\n"
    "date, UTC), oldest first, with who recommended what and their note. accept / dismiss\n"
    "answer one (by id or prefix); with --as, only the educator it was made to may answer.\n",
};

int cairn_cmd_parse_date(const char *s, uint64_t *unix_ms)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 || y > 9999 || m < 1 ||
        m > 12 || d < 1 || d > 31 || strspn(s, "0123456789-") != 10)
        return CAIRN_EINVAL;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    struct tm back;
    /* 2026-02-30 normalises to March: refuse it rather than guess */
    if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL || back.tm_mday != d || back.tm_mon != m - 1)
        return CAIRN_EINVAL;
    *unix_ms = (uint64_t)t * 1000;
    return 0;
}

static int run_recommend(const cairn_cli_t *cli, int argc, char **argv)
{
    const char *to = NULL, *credential = NULL, *as = NULL, *note = NULL;
    const cairn_opt_t opts[] = {
        {"to", "EDUCATOR", &to, NULL}, {"credential", "ID", &credential, NULL},
        {"as", "EDUCATOR", &as, NULL}, {"note", "TEXT", &note, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if (rc == 0 && (to == NULL || credential == NULL || as == NULL)) {
        snprintf(err, sizeof err, "missing %s",
                 to == NULL           ? "--to EDUCATOR"
                 : credential == NULL ? "--credential ID"
                                      : "--as EDUCATOR");
        rc = CAIRN_EINVAL;
    }
    if (rc == 0 && note != NULL && strlen(note) > NOTE_MAX) {
        snprintf(err, sizeof err, "the note is %zu bytes, over the %d-byte limit", strlen(note),
                 NOTE_MAX);
        rc = CAIRN_EINVAL;
    }
    if ((rc = cairn_cli_parsed(&recommend_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "recommendation.add", 3 + (note != NULL));
    cairn_mp_pack_kv_str(pk, "from", as);
    cairn_mp_pack_kv_str(pk, "to", to);
    cairn_mp_pack_kv_str(pk, "credential", credential);
    if (note != NULL)
        cairn_mp_pack_kv_str(pk, "note", note);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    return cairn_cli_print_id(&rpc, &reply, "recommendation.add");
}

static int run_close(const cairn_cli_t *cli, int argc, char **argv, bool accept)
{
    static const char *const pos[] = {"REC", NULL};
    const char *id = NULL, *as = NULL;
    const cairn_opt_t opts[] = {{"as", "EDUCATOR", &as, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, pos, 1, &id};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&list_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(
        &rpc, accept ? "recommendation.accept" : "recommendation.dismiss", 1 + (as != NULL));
    cairn_mp_pack_kv_str(pk, "id", id);
    if (as != NULL)
        cairn_mp_pack_kv_str(pk, "as", as);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    cairn_strv_t v = cairn_rpc_str(reply.result, "id"), st = cairn_rpc_str(reply.result, "state");
    cairn_fmt_put(stdout, v.p, v.len);
    printf(" ");
    cairn_fmt_put(stdout, st.p, st.len);
    putchar('\n');
    return cairn_cli_done(&rpc, &reply);
}

static int run_list(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const heads[] = {"ID", "TO", "CREDENTIAL", "FROM", "STATE", "DATE", "NOTE"};
    const char *educator = NULL, *state = NULL, *since = NULL;
    const cairn_opt_t opts[] = {
        {"educator", "E", &educator, NULL},
        {"state", "S", &state, NULL},
        {"since", "YYYY-MM-DD", &since, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    char err[CAIRN_ARGS_ERR_MAX], when[64];
    uint64_t since_ms = 0;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *list;
    cairn_table_t table;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if (rc == 0 && since != NULL && cairn_cmd_parse_date(since, &since_ms) != 0) {
        snprintf(err, sizeof err, "bad --since '%.40s': expected a date YYYY-MM-DD (UTC)", since);
        rc = CAIRN_EINVAL;
    }
    if ((rc = cairn_cli_parsed(&list_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "recommendation.list",
                                         (educator != NULL) + (state != NULL) + (since != NULL));
    if (educator != NULL)
        cairn_mp_pack_kv_str(pk, "educator", educator);
    if (state != NULL)
        cairn_mp_pack_kv_str(pk, "state", state);
    if (since != NULL)
        cairn_mp_pack_kv_u64(pk, "since", since_ms);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "recommendation.list", "recommendations", &list)) !=
            CAIRN_EXIT_OK)
        return rc;
    if (list->size == 0) {
        printf("no recommendations\n");
        return cairn_cli_done(&rpc, &reply);
    }
    cairn_table_init(&table, 7, heads);
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *r = &list->ptr[i];
        static const char *const keys[] = {"id", "to_name", "credential", "from_name", "state"};
        for (size_t k = 0; k < 5; k++) {
            cairn_strv_t v = cairn_rpc_str(r, keys[k]);
            cairn_table_cell(&table, v.p, v.len);
        }
        cairn_fmt_time(cairn_rpc_u64(r, "created"), when, sizeof when);
        cairn_table_cell(&table, when, strlen(when));
        cairn_strv_t note = cairn_rpc_str(r, "note");
        cairn_table_cell(&table, note.p, note.len);
    }
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    return cairn_cli_done(&rpc, &reply);
}

static int run_recommendations(const cairn_cli_t *cli, int argc, char **argv)
{
    if (argc > 0 && strcmp(argv[0], "accept") == 0)
        return run_close(cli, argc - 1, argv + 1, true);
    if (argc > 0 && strcmp(argv[0], "dismiss") == 0)
        return run_close(cli, argc - 1, argv + 1, false);
    return run_list(cli, argc, argv);
}

const cairn_subcmd_t cairn_cmd_recommend[] = {
    {"recommend", run_recommend, &recommend_doc},
    {"recommendations", run_recommendations, &list_doc},
    {NULL, NULL, NULL},
};
