/*
 * cmd_transcript.c: "cairn transcript E": an educator's PD-hours transcript (op
 * educator.transcript, PROTOCOL.md 2.1): the credentials earned in a period with totals per
 * calendar year and in all, as a printable page, CSV or JSON.
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "outfmt.h"
#include "table.h"

static const cairn_cmd_doc_t transcript_doc = {
    "cairn transcript",
    "EDUCATOR [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--csv | --json]",
    "Prints an educator's (a name, id or id prefix) PD-hours transcript: the credentials they\n"
    "earned (awarded and not revoked), with version, PD hours, award date and award id, then\n"
    "the PD hours per calendar year and in all. --from and --to bound the award dates (days\n"
    "in the school's time zone, cairnd.conf [school] timezone; both days included). --csv prints "
    "one line per credential (date, credential, version,\n"
    "title, PD hours, award); --json the whole transcript with its totals.\n",
};

static void json_kv(const char *key, cairn_strv_t v, bool comma)
{
    printf("\"%s\": ", key);
    if (v.p != NULL)
        cairn_out_json_str(stdout, v.p, v.len);
    else
        fputs("null", stdout);
    if (comma)
        fputs(", ", stdout);
}

static void print_json(const msgpack_object *r, const msgpack_object_array *list)
{
    const msgpack_object_array *years = NULL;
    fputs("{", stdout);
    json_kv("educator", cairn_rpc_str(r, "educator"), true);
    json_kv("name", cairn_rpc_str(r, "name"), true);
    json_kv("from", cairn_out_opt_str(r, "from"), true);
    json_kv("to", cairn_out_opt_str(r, "to"), true);
    json_kv("timezone", cairn_out_opt_str(r, "timezone"), true);
    fputs("\"awards\": [", stdout);
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *a = &list->ptr[i];
        char date[16];
        cairn_out_row_date(a, date, sizeof date);
        printf("%s{", i ? ", " : "");
        json_kv("award", cairn_rpc_str(a, "award"), true);
        json_kv("credential", cairn_rpc_str(a, "credential"), true);
        printf("\"version\": %llu, ", (unsigned long long)cairn_rpc_u64(a, "version"));
        json_kv("title", cairn_out_opt_str(a, "title"), true);
        printf("\"pd_hours\": %g, \"date\": \"%s\"}", cairn_out_f64(a, "pd_hours"), date);
    }
    fputs("], \"years\": [", stdout);
    if (cairn_mp_get_array(r, "years", UINT32_MAX, &years) == 0)
        for (uint32_t i = 0; i < years->size; i++) {
            const msgpack_object *y = &years->ptr[i];
            printf("%s{\"year\": %llu, \"credentials\": %llu, \"pd_hours\": %g}", i ? ", " : "",
                   (unsigned long long)cairn_rpc_u64(y, "year"),
                   (unsigned long long)cairn_rpc_u64(y, "awards"), cairn_out_f64(y, "pd_hours"));
        }
    printf("], \"total_credentials\": %u, \"total_pd_hours\": %g}\n", list->size,
           cairn_out_f64(r, "total_pd_hours"));
}

static void print_csv(const msgpack_object_array *list)
{
    puts("date,credential,version,title,pd_hours,award");
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *a = &list->ptr[i];
        char date[16];
        cairn_out_row_date(a, date, sizeof date);
        printf("%s,", date);
        cairn_strv_t v = cairn_rpc_str(a, "credential");
        cairn_out_csv(stdout, v.p, v.len);
        printf(",%llu,", (unsigned long long)cairn_rpc_u64(a, "version"));
        v = cairn_out_opt_str(a, "title");
        cairn_out_csv(stdout, v.p, v.len);
        v = cairn_rpc_str(a, "award");
        printf(",%g,%.*s\n", cairn_out_f64(a, "pd_hours"), (int)v.len, v.p);
    }
}

static void print_page(const msgpack_object *r, const msgpack_object_array *list)
{
    static const char *const heads[] = {"DATE",     "CREDENTIAL", "VERSION",
                                        "PD HOURS", "AWARD",      "TITLE"};
    cairn_strv_t name = cairn_rpc_str(r, "name"), id = cairn_rpc_str(r, "educator"),
                 from = cairn_out_opt_str(r, "from"), to = cairn_out_opt_str(r, "to");
    const msgpack_object_array *years = NULL;
    cairn_table_t table;
    fputs("PD transcript: ", stdout);
    cairn_fmt_put(stdout, name.p, name.len);
    printf(" (educator %.*s)\nPeriod: ", (int)id.len, id.p);
    if (from.p == NULL && to.p == NULL)
        fputs("all awards to date", stdout);
    else
        printf("%.*s to %.*s", from.p ? (int)from.len : 14, from.p ? from.p : "the first award",
               to.p ? (int)to.len : 5, to.p ? to.p : "today");
    cairn_strv_t zone = cairn_out_opt_str(r, "timezone");
    if (zone.p == NULL)
        fputs(" (award dates, UTC)\n\n", stdout);
    else {
        fputs(" (award dates, ", stdout);
        cairn_fmt_put(stdout, zone.p, zone.len);
        fputs(")\n\n", stdout);
    }
    if (list->size == 0) {
        puts("no credentials earned in this period");
        return;
    }
    cairn_table_init(&table, 6, heads);
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *a = &list->ptr[i];
        char date[16];
        cairn_out_row_date(a, date, sizeof date);
        cairn_table_cellf(&table, "%s", date);
        cairn_strv_t v = cairn_rpc_str(a, "credential");
        cairn_table_cell(&table, v.p, v.len);
        if (cairn_rpc_u64(a, "version") == 0) /* a stack's own badge (stack.complete) */
            cairn_table_cellf(&table, "stack");
        else
            cairn_table_cellf(&table, "v%llu", (unsigned long long)cairn_rpc_u64(a, "version"));
        cairn_table_cellf(&table, "%g", cairn_out_f64(a, "pd_hours"));
        v = cairn_rpc_str(a, "award");
        cairn_table_cell(&table, v.p, v.len);
        v = cairn_out_opt_str(a, "title");
        if (v.p == NULL)
            cairn_table_cellf(&table, "(not in the catalog)");
        else
            cairn_table_cell(&table, v.p, v.len);
    }
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    puts("\nPD hours per calendar year:");
    if (cairn_mp_get_array(r, "years", UINT32_MAX, &years) == 0)
        for (uint32_t i = 0; i < years->size; i++) {
            const msgpack_object *y = &years->ptr[i];
            printf("  %llu: %llu credential%s, %g PD hours\n",
                   (unsigned long long)cairn_rpc_u64(y, "year"),
                   (unsigned long long)cairn_rpc_u64(y, "awards"),
                   cairn_rpc_u64(y, "awards") == 1 ? "" : "s", cairn_out_f64(y, "pd_hours"));
        }
    printf("Total: %u credential%s, %g PD hours\n", list->size, list->size == 1 ? "" : "s",
           cairn_out_f64(r, "total_pd_hours"));
}

static int run_transcript(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const pos[] = {"EDUCATOR", NULL};
    const char *educator = NULL, *from = NULL, *to = NULL;
    bool csv = false, json = false;
    const cairn_opt_t opts[] = {{"from", "YYYY-MM-DD", &from, NULL},
                                {"to", "YYYY-MM-DD", &to, NULL},
                                {"csv", NULL, NULL, &csv},
                                {"json", NULL, NULL, &json},
                                {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, pos, 1, &educator};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *list;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if (rc == 0 && csv && json) {
        snprintf(err, sizeof err, "give --csv or --json, not both");
        rc = CAIRN_EINVAL;
    }
    if ((rc = cairn_cli_parsed(&transcript_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk =
        cairn_rpc_begin(&rpc, "educator.transcript", 1 + (from != NULL) + (to != NULL));
    cairn_mp_pack_kv_str(pk, "educator", educator);
    if (from != NULL)
        cairn_mp_pack_kv_str(pk, "from", from);
    if (to != NULL)
        cairn_mp_pack_kv_str(pk, "to", to);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "educator.transcript", "awards", &list)) !=
            CAIRN_EXIT_OK)
        return rc;
    if (json)
        print_json(reply.result, list);
    else if (csv)
        print_csv(list);
    else
        print_page(reply.result, list);
    return cairn_cli_done(&rpc, &reply);
}

const cairn_subcmd_t cairn_cmd_transcript[] = {
    {"transcript", run_transcript, &transcript_doc},
    {NULL, NULL, NULL},
};
