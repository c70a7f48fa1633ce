/*
 * cmd_submission.c: "cairn submission start|submit|show|list|withdraw": an educator's attempt at
 * a credential, from draft to submitted (or withdrawn).
 */
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "table.h"

static const cairn_cmd_doc_t start_doc = {
    "cairn submission start",
    "--educator E --credential C",
    "Starts a draft submission of educator E (an id or a unique prefix of at least 4\n"
    "characters) for the latest version of credential C. Prints only the new submission's id,\n"
    "so scripts can capture it.\n",
};
static const cairn_cmd_doc_t submit_doc = {
    "cairn submission submit",
    "SUB",
    "Submits a draft for review. Refused, naming them, while required evidence parts are\n"
    "missing.\n",
};
static const cairn_cmd_doc_t show_doc = {
    "cairn submission show",
    "SUB",
    "Shows a submission: state, educator, credential, attempt, and each evidence part with\n"
    "whether it is required and present, its size, file name and hash prefix.\n",
};
static const cairn_cmd_doc_t list_doc = {
    "cairn submission list",
    "[--educator E] [--state draft|submitted|withdrawn]",
    "Lists submissions, newest activity first as the daemon orders them, optionally only one\n"
    "educator's or only those in one state.\n",
};
static const cairn_cmd_doc_t withdraw_doc = {
    "cairn submission withdraw",
    "SUB",
    "Withdraws a draft or submitted submission. It cannot be undone; start a new attempt.\n",
};

static const char *const states[] = {"draft", "submitted", "withdrawn", NULL};

int cairn_cmd_submission_start_parse(int argc, char **argv, cairn_submission_start_args_t *a,
                                     char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    const cairn_opt_t opts[] = {
        {"educator", "E", &a->educator, NULL},
        {"credential", "C", &a->credential, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    int rc = cairn_args_parse(&spec, argc, argv, err, errlen);
    if (rc)
        return rc;
    if (!a->educator) {
        snprintf(err, errlen, "missing --educator E");
        return CAIRN_EINVAL;
    }
    if (!a->credential) {
        snprintf(err, errlen, "missing --credential C");
        return CAIRN_EINVAL;
    }
    return 0;
}

int cairn_cmd_submission_list_parse(int argc, char **argv, cairn_submission_list_args_t *a,
                                    char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    const cairn_opt_t opts[] = {
        {"educator", "E", &a->educator, NULL},
        {"state", "S", &a->state, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    int rc = cairn_args_parse(&spec, argc, argv, err, errlen);
    if (rc)
        return rc;
    if (a->state) {
        size_t i = 0;
        while (states[i] && strcmp(states[i], a->state) != 0)
            i++;
        if (!states[i]) {
            snprintf(err, errlen, "bad --state '%s': expected draft, submitted or withdrawn",
                     a->state);
            return CAIRN_EINVAL;
        }
    }
    return 0;
}

static int run_start(const cairn_cli_t *cli, int argc, char **argv)
{
    cairn_submission_start_args_t a;
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;

    int rc = cairn_cmd_submission_start_parse(argc, argv, &a, err, sizeof err);
    if ((rc = cairn_cli_parsed(&start_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "submission.start", 2);
    cairn_mp_pack_kv_str(pk, "educator", a.educator);
    cairn_mp_pack_kv_str(pk, "credential", a.credential);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    return cairn_cli_print_id(&rpc, &reply, "submission.start");
}

/* The verbs that take only SUB and print "submission <id> <state>". */
static int run_transition(const cairn_cli_t *cli, const cairn_cmd_doc_t *doc, const char *op,
                          int argc, char **argv)
{
    static const char *const pos[] = {"SUB", NULL};
    const char *sub = NULL;
    const cairn_argspec_t spec = {NULL, pos, 1, &sub};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;

    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, op, 1);
    cairn_mp_pack_kv_str(pk, "id", sub);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    cairn_strv_t id = cairn_rpc_str(reply.result, "id");
    cairn_strv_t state = cairn_rpc_str(reply.result, "state");
    printf("submission ");
    cairn_fmt_put(stdout, id.p, id.len);
    putchar(' ');
    cairn_fmt_put(stdout, state.p, state.len);
    putchar('\n');
    return cairn_cli_done(&rpc, &reply);
}

static int run_submit(const cairn_cli_t *cli, int argc, char **argv)
{
    return run_transition(cli, &submit_doc, "submission.submit", argc, argv);
}

static int run_withdraw(const cairn_cli_t *cli, int argc, char **argv)
{
    return run_transition(cli, &withdraw_doc, "submission.withdraw", argc, argv);
}

static void show_field(const char *name, cairn_strv_t v)
{
    printf("%-11s ", name);
    cairn_fmt_put(stdout, v.p, v.len);
    putchar('\n');
}

/* One row of the parts table: part, need, status, size, file, hash prefix. */
static void part_row(cairn_table_t *t, const msgpack_object *p)
{
    cairn_strv_t part = cairn_rpc_str(p, "part");
    bool required = false;
    const msgpack_object *ev = cairn_mp_get(p, "evidence");

    cairn_mp_get_bool(p, "required", &required);
    cairn_table_cell(t, part.p, part.len);
    cairn_table_cellf(t, "%s", required ? "required" : "optional");
    if (!ev || ev->type != MSGPACK_OBJECT_MAP) {
        cairn_table_cellf(t, "%s", "missing");
        for (int i = 0; i < 3; i++)
            cairn_table_cell(t, "", 0);
        return;
    }
    char size[CAIRN_FMT_SIZE_MAX];
    cairn_strv_t type = cairn_rpc_str(ev, "type");
    cairn_strv_t name = cairn_rpc_str(ev, "name");
    cairn_strv_t hash = cairn_rpc_str(ev, "hash");
    cairn_fmt_size(cairn_rpc_u64(ev, "size"), size, sizeof size);
    cairn_table_cellf(t, "%s", "present");
    cairn_table_cellf(t, "%s", size);
    if (type.len == 4 && memcmp(type.p, "text", 4) == 0)
        cairn_table_cellf(t, "%s", "(text)");
    else
        cairn_table_cell(t, name.p, name.len);
    cairn_table_cell(t, hash.p, hash.len < 12 ? hash.len : 12);
}

static int run_show(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const pos[] = {"SUB", NULL};
    static const char *const heads[] = {"PART", "NEED", "STATUS", "SIZE", "FILE", "HASH"};
    const char *sub = NULL;
    const cairn_argspec_t spec = {NULL, pos, 1, &sub};
    char err[CAIRN_ARGS_ERR_MAX], when[48];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *parts;
    cairn_table_t table;

    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&show_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "submission.show", 1);
    cairn_mp_pack_kv_str(pk, "id", sub);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "submission.show", "parts", &parts)) != CAIRN_EXIT_OK)
        return rc;

    const msgpack_object *r = reply.result;
    const msgpack_object *ed = cairn_mp_get(r, "educator");
    cairn_strv_t s;
    show_field("submission", cairn_rpc_str(r, "id"));
    show_field("state", cairn_rpc_str(r, "state"));
    printf("%-11s ", "educator");
    s = cairn_rpc_str(ed, "name");
    cairn_fmt_put(stdout, s.p, s.len);
    s = cairn_rpc_str(ed, "id");
    printf(" (");
    cairn_fmt_put(stdout, s.p, s.len);
    printf(")\n%-11s ", "credential");
    s = cairn_rpc_str(r, "credential");
    cairn_fmt_put(stdout, s.p, s.len);
    printf(" v%llu: ", (unsigned long long)cairn_rpc_u64(r, "version"));
    s = cairn_rpc_str(r, "title");
    cairn_fmt_put(stdout, s.p, s.len);
    printf("\n%-11s %llu\n", "attempt", (unsigned long long)cairn_rpc_u64(r, "attempt"));
    cairn_fmt_time(cairn_rpc_u64(r, "created"), when, sizeof when);
    printf("%-11s %s\n", "created", when);
    cairn_fmt_time(cairn_rpc_u64(r, "updated"), when, sizeof when);
    printf("%-11s %s\n\n", "updated", when);

    cairn_table_init(&table, 6, heads);
    for (uint32_t i = 0; i < parts->size; i++)
        part_row(&table, &parts->ptr[i]);
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    return cairn_cli_done(&rpc, &reply);
}

static int run_list(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const heads[] = {"ID",      "STATE",    "CREDENTIAL",
                                        "ATTEMPT", "EDUCATOR", "UPDATED"};
    cairn_submission_list_args_t a;
    char err[CAIRN_ARGS_ERR_MAX], when[48];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *list;
    cairn_table_t table;

    int rc = cairn_cmd_submission_list_parse(argc, argv, &a, err, sizeof err);
    if ((rc = cairn_cli_parsed(&list_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "submission.list", !!a.educator + !!a.state);
    if (a.educator)
        cairn_mp_pack_kv_str(pk, "educator", a.educator);
    if (a.state)
        cairn_mp_pack_kv_str(pk, "state", a.state);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "submission.list", "submissions", &list)) !=
            CAIRN_EXIT_OK)
        return rc;
    if (list->size == 0) {
        printf("no submissions%s\n", a.educator || a.state ? " match" : " yet");
        return cairn_cli_done(&rpc, &reply);
    }
    cairn_table_init(&table, 6, heads);
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *e = &list->ptr[i];
        cairn_strv_t s = cairn_rpc_str(e, "id");
        cairn_table_cell(&table, s.p, s.len);
        s = cairn_rpc_str(e, "state");
        cairn_table_cell(&table, s.p, s.len);
        s = cairn_rpc_str(e, "credential");
        cairn_table_cellf(&table, "%.*s v%llu", (int)(s.len < 64 ? s.len : 64), s.p,
                          (unsigned long long)cairn_rpc_u64(e, "version"));
        cairn_table_cellf(&table, "%llu", (unsigned long long)cairn_rpc_u64(e, "attempt"));
        s = cairn_rpc_str(e, "educator_name");
        cairn_table_cell(&table, s.p, s.len);
        cairn_fmt_time(cairn_rpc_u64(e, "updated"), when, sizeof when);
        cairn_table_cellf(&table, "%s", when);
    }
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    return cairn_cli_done(&rpc, &reply);
}

const cairn_subcmd_t cairn_cmd_submission[] = {
    {"start", run_start, &start_doc},
    {"submit", run_submit, &submit_doc},
    {"show", run_show, &show_doc},
    {"list", run_list, &list_doc},
    {"withdraw", run_withdraw, &withdraw_doc},
    {NULL, NULL, NULL},
};
