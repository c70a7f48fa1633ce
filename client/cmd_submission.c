/*
 * cmd_submission.c: "cairn submission start|submit|show|list|withdraw|resubmit": an educator's
 * attempt at a credential, from draft to submitted (or withdrawn), its review as the school
 * sees it, and the next attempt after a not-yet.
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
    "whether it is required and present, its size, file name and hash prefix; once reviewed,\n"
    "each part's verdict and feedback, the decision, the award, and any event that lost a\n"
    "concurrency rule (e.g. a withdrawal that crossed a decision).\n",
};
static const cairn_cmd_doc_t resubmit_doc = {
    "cairn submission resubmit",
    "SUB [--no-keep-met]",
    "Opens the next attempt of a submission decided not-yet and prints its id. The parts that\n"
    "met are carried over (the same stored files, nothing uploaded again) unless\n"
    "--no-keep-met; add new evidence for the others, then \"cairn submission submit\".\n",
};
static const cairn_cmd_doc_t list_doc = {
    "cairn submission list",
    "[--educator E] [--state draft|submitted|in-review|not-yet|meets|awarded|withdrawn]",
    "Lists submissions, newest activity first as the daemon orders them, optionally only one\n"
    "educator's or only those in one state.\n",
};
static const cairn_cmd_doc_t withdraw_doc = {
    "cairn submission withdraw",
    "SUB",
    "Withdraws a draft or submitted submission. It cannot be undone; start a new attempt.\n",
};

static const char *const states[] = {"draft",   "submitted", "withdrawn", "in-review",
                                     "not-yet", "meets",     "awarded",   NULL};

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
            snprintf(err, errlen,
                     "bad --state '%s': expected draft, submitted, in-review, not-yet, meets,"
                     " awarded or withdrawn",
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

/* The review as the school sees it: verdicts and feedback per part (the current score of each
 * part, earlier ones marked superseded), decisions, award, attempts, notes. */
static void show_review(const msgpack_object *rv)
{
    char when[48];
    if (rv == NULL || rv->type != MSGPACK_OBJECT_MAP)
        return;
    const msgpack_object *scores = cairn_mp_get(rv, "scores");
    const msgpack_object *decisions = cairn_mp_get(rv, "decisions");
    const msgpack_object *award = cairn_mp_get(rv, "award");
    const msgpack_object *notes = cairn_mp_get(rv, "notes");
    cairn_strv_t prev = cairn_rpc_str(rv, "previous"), next = cairn_rpc_str(rv, "next");
    if (prev.len > 0) {
        printf("%-11s ", "previous");
        cairn_fmt_put(stdout, prev.p, prev.len);
        putchar('\n');
    }
    if (scores != NULL && scores->type == MSGPACK_OBJECT_ARRAY && scores->via.array.size > 0) {
        printf("\nreview\n");
        for (uint32_t i = 0; i < scores->via.array.size; i++) {
            const msgpack_object *sc = &scores->via.array.ptr[i];
            bool current = false;
            cairn_mp_get_bool(sc, "current", &current);
            cairn_strv_t part = cairn_rpc_str(sc, "part"), v = cairn_rpc_str(sc, "verdict");
            cairn_strv_t fb = cairn_rpc_str(sc, "feedback");
            cairn_fmt_time(cairn_rpc_u64(sc, "at"), when, sizeof when);
            printf("  ");
            cairn_fmt_put_padded(stdout, part.p, part.len, 12);
            cairn_fmt_put_padded(stdout, v.p, v.len, 8);
            printf("%s%s\n", when, current ? "" : " (superseded by a later score)");
            if (fb.len > 0)
                cairn_fmt_wrap(stdout, "    feedback ", fb.p, fb.len, 13, CAIRN_FMT_WIDTH);
        }
    }
    if (decisions != NULL && decisions->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < decisions->via.array.size; i++) {
            const msgpack_object *d = &decisions->via.array.ptr[i];
            bool counts = false;
            cairn_mp_get_bool(d, "counts", &counts);
            cairn_strv_t o = cairn_rpc_str(d, "outcome"), parts = cairn_rpc_str(d, "parts");
            cairn_fmt_time(cairn_rpc_u64(d, "at"), when, sizeof when);
            printf("%-11s ", "decision");
            cairn_fmt_put(stdout, o.p, o.len);
            printf(" (%s)%s\n", when, counts ? "" : " (does not count: see notes)");
            if (parts.len > 0) /* every part's verdict, carried ones included */
                cairn_fmt_wrap(stdout, "  parts     ", parts.p, parts.len, 12, CAIRN_FMT_WIDTH);
        }
    }
    if (award != NULL && award->type == MSGPACK_OBJECT_MAP) {
        cairn_strv_t id = cairn_rpc_str(award, "id"), a = cairn_rpc_str(award, "achievement");
        bool void_ = false;
        cairn_mp_get_bool(award, "void", &void_);
        printf("%-11s ", "award");
        cairn_fmt_put(stdout, id.p, id.len);
        printf(" for ");
        cairn_fmt_put(stdout, a.p, a.len);
        printf("%s\n", void_ ? " (void: the submission was withdrawn first)" : "");
    }
    if (next.len > 0) {
        printf("%-11s ", "next");
        cairn_fmt_put(stdout, next.p, next.len);
        putchar('\n');
    }
    if (notes != NULL && notes->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < notes->via.array.size; i++) {
            const msgpack_object *n = &notes->via.array.ptr[i];
            if (n->type == MSGPACK_OBJECT_STR)
                cairn_fmt_wrap(stdout, "note        ", n->via.str.ptr, n->via.str.size, 12,
                               CAIRN_FMT_WIDTH);
        }
    }
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
    show_review(cairn_mp_get(r, "review"));
    return cairn_cli_done(&rpc, &reply);
}

int cairn_cmd_submission_resubmit_parse(int argc, char **argv, cairn_submission_resubmit_args_t *a,
                                        char *err, size_t errlen)
{
    static const char *const pos[] = {"SUB", NULL};
    memset(a, 0, sizeof *a);
    const cairn_opt_t opts[] = {
        {"no-keep-met", NULL, NULL, &a->no_keep_met},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, pos, 1, &a->submission};
    return cairn_args_parse(&spec, argc, argv, err, errlen);
}

static int run_resubmit(const cairn_cli_t *cli, int argc, char **argv)
{
    cairn_submission_resubmit_args_t a;
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    int rc = cairn_cmd_submission_resubmit_parse(argc, argv, &a, err, sizeof err);
    if ((rc = cairn_cli_parsed(&resubmit_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "submission.resubmit", 2);
    cairn_mp_pack_kv_str(pk, "id", a.submission);
    cairn_mp_pack_kv_bool(pk, "keep_met", !a.no_keep_met);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    /* The id alone on stdout (scripts capture it); what was carried over on stderr. */
    cairn_strv_t kept = cairn_rpc_str(reply.result, "kept");
    fprintf(stderr, "attempt %llu; kept from the previous attempt: ",
            (unsigned long long)cairn_rpc_u64(reply.result, "attempt"));
    cairn_fmt_put(stderr, kept.len > 0 ? kept.p : "none", kept.len > 0 ? kept.len : 4);
    fputc('\n', stderr);
    return cairn_cli_print_id(&rpc, &reply, "submission.resubmit");
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
    {"resubmit", run_resubmit, &resubmit_doc},
    {NULL, NULL, NULL},
};
