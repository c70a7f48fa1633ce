/*
 * cmd_report.c: "cairn report" at a hub: per school or per credential, the awards, the
 * submissions in review and the median review turnaround in days (op hub.report, PROTOCOL.md
 * 2.1).
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "outfmt.h"
#include "table.h"

static const cairn_cmd_doc_t report_doc = {
    "cairn report",
    "[--by school|credential] [--csv]",
    "At a hub: per school (default; the name it enrolled with, else its node id) or per\n"
    "credential, the awards (not revoked), the submissions in review (submitted or being\n"
    "reviewed), how many were decided and the median review turnaround in days (from the\n"
    "submit to the first decision), then the totals. --csv: key, name, awards, in_review,\n"
    "decided, median_days (empty when none was decided), without the total line.\n",
};

static void put_row(cairn_table_t *t, const msgpack_object *g, bool is_total)
{
    cairn_strv_t name = cairn_out_opt_str(g, "name"), key = cairn_rpc_str(g, "key");
    const msgpack_object *m = cairn_mp_get(g, "median_days");
    if (is_total)
        cairn_table_cellf(t, "(all)");
    else if (name.p != NULL)
        cairn_table_cell(t, name.p, name.len);
    else
        cairn_table_cellf(t, "school %.12s", key.p);
    cairn_table_cellf(t, "%llu", (unsigned long long)cairn_rpc_u64(g, "awards"));
    cairn_table_cellf(t, "%llu", (unsigned long long)cairn_rpc_u64(g, "in_review"));
    cairn_table_cellf(t, "%llu", (unsigned long long)cairn_rpc_u64(g, "decided"));
    if (m != NULL && m->type != MSGPACK_OBJECT_NIL)
        cairn_table_cellf(t, "%.1f", cairn_out_f64(g, "median_days"));
    else
        cairn_table_cellf(t, "-");
}

static void put_csv(const msgpack_object *g)
{
    cairn_strv_t name = cairn_out_opt_str(g, "name"), key = cairn_rpc_str(g, "key");
    const msgpack_object *m = cairn_mp_get(g, "median_days");
    cairn_out_csv(stdout, key.p, key.len);
    putchar(',');
    cairn_out_csv(stdout, name.p, name.len);
    printf(",%llu,%llu,%llu,", (unsigned long long)cairn_rpc_u64(g, "awards"),
           (unsigned long long)cairn_rpc_u64(g, "in_review"),
           (unsigned long long)cairn_rpc_u64(g, "decided"));
    if (m != NULL && m->type != MSGPACK_OBJECT_NIL)
        printf("%.3f", cairn_out_f64(g, "median_days"));
    putchar('\n');
}

static int run_report(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const school_heads[] = {"SCHOOL", "AWARDS", "IN REVIEW", "DECIDED",
                                               "MEDIAN DAYS"};
    static const char *const cred_heads[] = {"CREDENTIAL", "AWARDS", "IN REVIEW", "DECIDED",
                                             "MEDIAN DAYS"};
    const char *by = NULL;
    bool csv = false;
    const cairn_opt_t opts[] = {{"by", "school|credential", &by, NULL},
                                {"csv", NULL, NULL, &csv},
                                {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *groups;
    cairn_table_t table;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if (rc == 0 && by != NULL && strcmp(by, "school") != 0 && strcmp(by, "credential") != 0) {
        snprintf(err, sizeof err, "bad --by '%.40s': expected school or credential", by);
        rc = CAIRN_EINVAL;
    }
    if ((rc = cairn_cli_parsed(&report_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "hub.report", by != NULL);
    if (by != NULL)
        cairn_mp_pack_kv_str(pk, "by", by);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "hub.report", "groups", &groups)) != CAIRN_EXIT_OK)
        return rc;
    const msgpack_object *total = cairn_mp_get(reply.result, "total");
    bool by_cred = by != NULL && strcmp(by, "credential") == 0;
    if (csv) {
        puts("key,name,awards,in_review,decided,median_days");
        for (uint32_t i = 0; i < groups->size; i++)
            put_csv(&groups->ptr[i]);
        return cairn_cli_done(&rpc, &reply);
    }
    cairn_table_init(&table, 5, by_cred ? cred_heads : school_heads);
    for (uint32_t i = 0; i < groups->size; i++)
        put_row(&table, &groups->ptr[i], false);
    if (total != NULL)
        put_row(&table, total, true);
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    return cairn_cli_done(&rpc, &reply);
}

const cairn_subcmd_t cairn_cmd_report[] = {
    {"report", run_report, &report_doc},
    {NULL, NULL, NULL},
};
