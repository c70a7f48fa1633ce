/*
 * cmd_educator.c: "cairn educator add" and "cairn educator list".
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "table.h"

static const cairn_cmd_doc_t add_doc = {
    "cairn educator add",
    "--name N [--email E] [--role teacher|leader|assessor] [--peer]",
    "Adds an educator to this node and prints the new id alone on a line.\n"
    "The role is teacher unless given. At a hub, an assessor added here may review\n"
    "(cairn review ... --as NAME); --peer makes a trained peer reviewer, who may review only\n"
    "credentials that allow peer review.\n",
};
static const cairn_cmd_doc_t list_doc = {
    "cairn educator list",
    "",
    "Lists this school's educators: id, role, name, email.\n",
};

static const char *const roles[] = {"teacher", "leader", "assessor", NULL};

int cairn_cmd_educator_add_parse(int argc, char **argv, cairn_educator_add_args_t *a, char *err,
                                 size_t errlen)
{
    memset(a, 0, sizeof *a);
    const cairn_opt_t opts[] = {
        {"name", "N", &a->name, NULL}, {"email", "E", &a->email, NULL},
        {"role", "R", &a->role, NULL}, {"peer", NULL, NULL, &a->peer},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    int rc = cairn_args_parse(&spec, argc, argv, err, errlen);
    if (rc)
        return rc;
    if (!a->name) {
        snprintf(err, errlen, "missing --name N");
        return CAIRN_EINVAL;
    }
    size_t len = strlen(a->name);
    if (len == 0 || len > 200) {
        snprintf(err, errlen, "--name must be 1 to 200 bytes, not %zu", len);
        return CAIRN_EINVAL;
    }
    if (a->email && strlen(a->email) > 254) {
        snprintf(err, errlen, "--email must be at most 254 bytes");
        return CAIRN_EINVAL;
    }
    if (a->role) {
        size_t i = 0;
        while (roles[i] && strcmp(roles[i], a->role) != 0)
            i++;
        if (!roles[i]) {
            snprintf(err, errlen, "bad --role '%s': expected teacher, leader or assessor", a->role);
            return CAIRN_EINVAL;
        }
    }
    if (a->peer && (a->role == NULL || strcmp(a->role, "assessor") != 0)) {
        snprintf(err, errlen, "--peer needs --role assessor");
        return CAIRN_EINVAL;
    }
    return 0;
}

static int run_add(const cairn_cli_t *cli, int argc, char **argv)
{
    cairn_educator_add_args_t a;
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;

    int rc = cairn_cmd_educator_add_parse(argc, argv, &a, err, sizeof err);
    if ((rc = cairn_cli_parsed(&add_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;

    msgpack_packer *pk =
        cairn_rpc_begin(&rpc, "educator.add", 1 + !!a.email + !!a.role + (uint32_t)a.peer);
    cairn_mp_pack_kv_str(pk, "name", a.name);
    if (a.email)
        cairn_mp_pack_kv_str(pk, "email", a.email);
    if (a.role)
        cairn_mp_pack_kv_str(pk, "role", a.role);
    if (a.peer)
        cairn_mp_pack_kv_str(pk, "scope", "peer");
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    return cairn_cli_print_id(&rpc, &reply, "educator.add");
}

static int run_list(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const heads[] = {"ID", "ROLE", "NAME", "EMAIL"};
    static const char *const keys[] = {"id", "role", "name", "email"};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *list;
    const cairn_argspec_t spec = {NULL, NULL, 0, NULL};
    cairn_table_t table;

    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&list_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    cairn_rpc_begin(&rpc, "educator.list", 0);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "educator.list", "educators", &list)) != CAIRN_EXIT_OK)
        return rc;

    if (list->size == 0) {
        printf("no educators yet: add one with \"cairn educator add --name N\"\n");
        return cairn_cli_done(&rpc, &reply);
    }
    cairn_table_init(&table, 4, heads);
    for (uint32_t i = 0; i < list->size; i++) {
        for (size_t k = 0; k < 4; k++) {
            cairn_strv_t v = cairn_rpc_str(&list->ptr[i], keys[k]);
            cairn_strv_t scope = cairn_rpc_str(&list->ptr[i], "scope");
            if (k == 1 && scope.len > 0)
                cairn_table_cellf(&table, "%.*s (%.*s)", (int)(v.len < 16 ? v.len : 16), v.p,
                                  (int)(scope.len < 16 ? scope.len : 16), scope.p);
            else
                cairn_table_cell(&table, v.p, v.len);
        }
    }
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    return cairn_cli_done(&rpc, &reply);
}

const cairn_subcmd_t cairn_cmd_educator[] = {
    {"add", run_add, &add_doc},
    {"list", run_list, &list_doc},
    {"pin", cairn_cmd_educator_pin, &cairn_cmd_educator_pin_doc}, /* cmd_pin.c */
    {NULL, NULL, NULL},
};
