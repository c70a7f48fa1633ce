/*
 * cmd_staff.c: "cairn staff": teachers and leaders by credentials (a stack's, or all) with where
 * each stands: earned, in review, not yet, in progress, recommended or - (op staff.view,
 * PROTOCOL.md 2.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "outfmt.h"
#include "table.h"

#define ID_HEADS_MAX 6 /* more credentials than this: numbered columns and a legend */

static const cairn_cmd_doc_t staff_doc = {
    "cairn staff",
    "[--stack S] [--csv]",
    "Shows the teachers and leaders against the credentials of stack S (in its order) or of\n"
    "the whole catalog, one cell each: earned, in review, not yet (decided not yet), in\n"
    "progress (a draft), recommended (an open recommendation) or - (nothing, withdrawn or\n"
    "revoked). With more than 6 credentials the columns are numbered and a legend follows.\n"
    "--csv: name, role, educator id, then one column per credential id.\n",
};

static void print_csv(const msgpack_object_array *creds, const msgpack_object_array *eds)
{
    fputs("name,role,educator", stdout);
    for (uint32_t k = 0; k < creds->size; k++) {
        cairn_strv_t id = cairn_rpc_str(&creds->ptr[k], "id");
        putchar(',');
        cairn_out_csv(stdout, id.p, id.len);
    }
    putchar('\n');
    for (uint32_t i = 0; i < eds->size; i++) {
        const msgpack_object *e = &eds->ptr[i];
        const msgpack_object_array *cells = NULL;
        cairn_strv_t v = cairn_rpc_str(e, "name");
        cairn_out_csv(stdout, v.p, v.len);
        v = cairn_rpc_str(e, "role");
        printf(",%.*s,", (int)v.len, v.p);
        v = cairn_rpc_str(e, "id");
        printf("%.*s", (int)v.len, v.p);
        if (cairn_mp_get_array(e, "cells", creds->size, &cells) == 0)
            for (uint32_t k = 0; k < cells->size; k++) {
                const msgpack_object *c = &cells->ptr[k];
                if (c->type == MSGPACK_OBJECT_STR)
                    printf(",%.*s", (int)c->via.str.size, c->via.str.ptr);
                else
                    fputs(",?", stdout);
            }
        putchar('\n');
    }
}

static int print_table(const msgpack_object_array *creds, const msgpack_object_array *eds)
{
    size_t ncols = 2 + creds->size;
    bool numbered = creds->size > ID_HEADS_MAX;
    char **heads = calloc(ncols, sizeof *heads);
    cairn_table_t table;
    int rc = 0;
    if (heads == NULL)
        return cairn_cli_fail("out of memory");
    heads[0] = strdup("NAME");
    heads[1] = strdup("ROLE");
    for (uint32_t k = 0; k < creds->size; k++) {
        cairn_strv_t id = cairn_rpc_str(&creds->ptr[k], "id");
        char num[16];
        snprintf(num, sizeof num, "%u", k + 1);
        heads[2 + k] = numbered ? strdup(num) : strndup(id.p, id.len);
    }
    for (size_t c = 0; c < ncols; c++)
        if (heads[c] == NULL)
            rc = 1;
    if (rc == 0) {
        cairn_table_init(&table, ncols, (const char *const *)heads);
        for (uint32_t i = 0; i < eds->size; i++) {
            const msgpack_object *e = &eds->ptr[i];
            const msgpack_object_array *cells = NULL;
            cairn_strv_t v = cairn_rpc_str(e, "name");
            cairn_table_cell(&table, v.p, v.len);
            v = cairn_rpc_str(e, "role");
            cairn_table_cell(&table, v.p, v.len);
            bool ok = cairn_mp_get_array(e, "cells", creds->size, &cells) == 0;
            for (uint32_t k = 0; k < creds->size; k++) {
                const msgpack_object *c = ok && k < cells->size ? &cells->ptr[k] : NULL;
                if (c != NULL && c->type == MSGPACK_OBJECT_STR)
                    cairn_table_cell(&table, c->via.str.ptr, c->via.str.size);
                else
                    cairn_table_cellf(&table, "?");
            }
        }
        cairn_table_print(&table, stdout);
        cairn_table_free(&table);
        if (numbered) {
            putchar('\n');
            for (uint32_t k = 0; k < creds->size; k++) {
                cairn_strv_t id = cairn_rpc_str(&creds->ptr[k], "id"),
                             title = cairn_out_opt_str(&creds->ptr[k], "title");
                printf("%3u  ", k + 1);
                cairn_fmt_put(stdout, id.p, id.len);
                fputs("  ", stdout);
                if (title.p != NULL)
                    cairn_fmt_put(stdout, title.p, title.len);
                else
                    fputs("(not in the catalog)", stdout);
                putchar('\n');
            }
        }
    }
    for (size_t c = 0; c < ncols; c++)
        free(heads[c]);
    free(heads);
    return rc == 0 ? 0 : cairn_cli_fail("out of memory");
}

static int run_staff(const cairn_cli_t *cli, int argc, char **argv)
{
    const char *stack = NULL;
    bool csv = false;
    const cairn_opt_t opts[] = {
        {"stack", "S", &stack, NULL}, {"csv", NULL, NULL, &csv}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *creds, *eds;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&staff_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "staff.view", stack != NULL);
    if (stack != NULL)
        cairn_mp_pack_kv_str(pk, "stack", stack);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "staff.view", "credentials", &creds)) !=
            CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "staff.view", "educators", &eds)) != CAIRN_EXIT_OK)
        return rc;
    if (csv) {
        print_csv(creds, eds);
    } else if (eds->size == 0) {
        puts("no teachers or leaders yet");
    } else if (print_table(creds, eds) != 0) {
        cairn_reply_free(&reply);
        cairn_rpc_close(&rpc);
        return CAIRN_EXIT_FAIL;
    }
    return cairn_cli_done(&rpc, &reply);
}

const cairn_subcmd_t cairn_cmd_staff[] = {
    {"staff", run_staff, &staff_doc},
    {NULL, NULL, NULL},
};
