/*
 * cmd_stack.c: "cairn stack list|show": the catalog's pathways (stacks), and one pathway's
 * credentials in order with where an educator stands on each (PROTOCOL.md 2.1).
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "table.h"

static const cairn_cmd_doc_t list_doc = {
    "cairn stack list",
    "",
    "Lists the stacks (pathways of credentials that add up to a larger one): id, number of\n"
    "credentials, title.\n",
};
static const cairn_cmd_doc_t show_doc = {
    "cairn stack show",
    "STACK [--educator E]",
    "Shows a stack's credentials in order (id, PD hours, title) and the total PD hours; with\n"
    "--educator (a name, id or id prefix), where that educator stands on each: not started,\n"
    "or the state of their latest attempt (draft, submitted, withdrawn).\n",
};

static int run_list(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const heads[] = {"ID", "CREDENTIALS", "TITLE"};
    const cairn_argspec_t spec = {NULL, NULL, 0, NULL};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *list;
    cairn_table_t table;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&list_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    cairn_rpc_begin(&rpc, "stack.list", 0);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "stack.list", "stacks", &list)) != CAIRN_EXIT_OK)
        return rc;
    if (list->size == 0) {
        printf("no stacks: the catalog has none\n");
        return cairn_cli_done(&rpc, &reply);
    }
    cairn_table_init(&table, 3, heads);
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *s = &list->ptr[i];
        cairn_strv_t v = cairn_rpc_str(s, "id");
        cairn_table_cell(&table, v.p, v.len);
        cairn_table_cellf(&table, "%llu", (unsigned long long)cairn_rpc_u64(s, "credentials"));
        v = cairn_rpc_str(s, "title");
        cairn_table_cell(&table, v.p, v.len);
    }
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    return cairn_cli_done(&rpc, &reply);
}

static double hours_of(const msgpack_object *o)
{
    if (o != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return (double)o->via.u64;
    if (o != NULL && (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32))
        return o->via.f64;
    return -1;
}

static int run_show(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const heads[] = {"#", "ID", "PD HOURS", "STATE", "TITLE"};
    static const char *const pos[] = {"STACK", NULL};
    const char *stack = NULL, *educator = NULL;
    const cairn_opt_t opts[] = {{"educator", "E", &educator, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, pos, 1, &stack};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *list;
    cairn_table_t table;
    double total = 0;
    uint32_t done = 0;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&show_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "stack.show", 1 + (educator != NULL));
    cairn_mp_pack_kv_str(pk, "id", stack);
    if (educator != NULL)
        cairn_mp_pack_kv_str(pk, "educator", educator);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "stack.show", "credentials", &list)) != CAIRN_EXIT_OK)
        return rc;
    cairn_strv_t title = cairn_rpc_str(reply.result, "title"),
                 desc = cairn_rpc_str(reply.result, "description");
    cairn_fmt_put(stdout, title.p, title.len);
    putchar('\n');
    if (desc.len > 0)
        cairn_fmt_wrap(stdout, "", desc.p, desc.len, 0, CAIRN_FMT_WIDTH);
    putchar('\n');
    static const char *const short_heads[] = {"#", "ID", "PD HOURS", "TITLE"};
    cairn_table_init(&table, educator != NULL ? 5 : 4, educator != NULL ? heads : short_heads);
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *c = &list->ptr[i];
        double h = hours_of(cairn_mp_get(c, "pd_hours"));
        cairn_strv_t v = cairn_rpc_str(c, "id");
        cairn_table_cellf(&table, "%u", i + 1);
        cairn_table_cell(&table, v.p, v.len);
        if (h >= 0)
            cairn_table_cellf(&table, "%g", h);
        else
            cairn_table_cellf(&table, "-");
        total += h > 0 ? h : 0;
        if (educator != NULL) {
            v = cairn_rpc_str(c, "state");
            cairn_table_cell(&table, v.p, v.len);
            done += v.len == 9 && memcmp(v.p, "submitted", 9) == 0;
        }
        v = cairn_rpc_str(c, "title");
        if (v.len == 0)
            cairn_table_cellf(&table, "(not in the catalog)");
        else
            cairn_table_cell(&table, v.p, v.len);
    }
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    printf("\n%u credentials, %g PD hours in all", list->size, total);
    if (educator != NULL)
        printf("; %u of %u submitted", done, list->size);
    putchar('\n');
    /* the stack's own badge (stack.complete), when the daemon knows of one */
    const msgpack_object *completed = cairn_mp_get(reply.result, "completed");
    if (educator != NULL && completed != NULL && completed->type == MSGPACK_OBJECT_MAP) {
        cairn_strv_t date = cairn_rpc_str(completed, "date"),
                     award = cairn_rpc_str(completed, "award");
        printf("completed on %.*s (badge %.*s)\n", (int)date.len, date.p, (int)award.len, award.p);
    } else if (educator != NULL) {
        puts("not completed yet");
    }
    return cairn_cli_done(&rpc, &reply);
}

const cairn_subcmd_t cairn_cmd_stack[] = {
    {"list", run_list, &list_doc},
    {"show", run_show, &show_doc},
    {NULL, NULL, NULL},
};
