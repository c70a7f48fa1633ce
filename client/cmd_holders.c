/*
 * cmd_holders.c: "cairn holders C": who holds a credential (op credential.holders, PROTOCOL.md
 * 2.1): name, school and award date of each award not revoked, oldest first.
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "outfmt.h"
#include "table.h"

static const cairn_cmd_doc_t holders_doc = {
    "cairn holders",
    "CREDENTIAL [--csv]",
    "Lists who holds a credential (awarded, not revoked; any version): name, school, award\n"
    "date (UTC), version and award id, oldest first. At a hub the school is the name the\n"
    "school enrolled with; at a school, this school. --csv: one line per holder.\n",
};

static int run_holders(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const heads[] = {"NAME", "SCHOOL", "AWARDED", "VERSION", "AWARD"};
    static const char *const pos[] = {"CREDENTIAL", NULL};
    const char *cred = NULL;
    bool csv = false;
    const cairn_opt_t opts[] = {{"csv", NULL, NULL, &csv}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, pos, 1, &cred};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *list;
    cairn_table_t table;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&holders_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "credential.holders", 1);
    cairn_mp_pack_kv_str(pk, "credential", cred);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "credential.holders", "holders", &list)) !=
            CAIRN_EXIT_OK)
        return rc;
    if (csv)
        puts("name,school,awarded,version,award,educator");
    else {
        cairn_strv_t title = cairn_rpc_str(reply.result, "title");
        printf("%s: ", cred);
        cairn_fmt_put(stdout, title.p, title.len);
        printf("\n%u holder%s\n", list->size, list->size == 1 ? "" : "s");
        if (list->size > 0)
            putchar('\n');
    }
    cairn_table_init(&table, 5, heads);
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *h = &list->ptr[i];
        char date[16];
        cairn_strv_t name = cairn_out_opt_str(h, "name"), school = cairn_rpc_str(h, "school"),
                     award = cairn_rpc_str(h, "award"), ed = cairn_rpc_str(h, "educator");
        unsigned long long version = (unsigned long long)cairn_rpc_u64(h, "version");
        if (name.p == NULL)
            name = (cairn_strv_t){"(educator not synced here)", 26};
        cairn_out_row_date(h, date, sizeof date);
        if (csv) {
            cairn_out_csv(stdout, name.p, name.len);
            putchar(',');
            cairn_out_csv(stdout, school.p, school.len);
            printf(",%s,%llu,%.*s,%.*s\n", date, version, (int)award.len, award.p, (int)ed.len,
                   ed.p);
            continue;
        }
        cairn_table_cell(&table, name.p, name.len);
        cairn_table_cell(&table, school.p, school.len);
        cairn_table_cellf(&table, "%s", date);
        cairn_table_cellf(&table, "v%llu", version);
        cairn_table_cell(&table, award.p, award.len);
    }
    if (!csv && list->size > 0)
        cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    return cairn_cli_done(&rpc, &reply);
}

const cairn_subcmd_t cairn_cmd_holders[] = {
    {"holders", run_holders, &holders_doc},
    {NULL, NULL, NULL},
};
