/*
 * cmd_review.c: "cairn review queue|claim|show|score|decide": the assessor's loop at the hub.
 * Every verb acts as the assessor named by --as (an id, a prefix or a unique name) or, when it
 * is absent, by $CAIRN_AS; the hub checks who that is (review.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "table.h"

static const cairn_cmd_doc_t queue_doc = {
    "cairn review queue",
    "[--as ASSESSOR]",
    "Lists the submissions waiting for a decision at the hub, oldest first: age against the\n"
    "target ([review] target_days, flagged OVER when past it), who holds a claim and until\n"
    "when. Credentials reviewed double-blind show no teacher or school. A peer reviewer sees\n"
    "only the credentials that allow peer review.\n",
};
static const cairn_cmd_doc_t claim_doc = {
    "cairn review claim",
    "SUB [--as ASSESSOR]",
    "Claims a submission for review. A claim nobody works on expires after [review]\n"
    "claim_hours (48 by default); until then another assessor's claim is refused.\n",
};
static const cairn_cmd_doc_t show_doc = {
    "cairn review show",
    "SUB [--as ASSESSOR]",
    "Shows a submission for review: each evidence part beside its rubric criteria, the text or\n"
    "the file's name, size and hash and whether its bytes are at the hub, and the current\n"
    "score.\n",
};
static const cairn_cmd_doc_t score_doc = {
    "cairn review score",
    "SUB --part P (--meets | --not-yet) [--feedback TEXT | --feedback-file F] [--as ASSESSOR]",
    "Scores one evidence part of a submission you hold the claim on. Feedback is up to 8 KiB\n"
    "and required for --not-yet. A part may be scored again; the latest score counts.\n",
};
static const cairn_cmd_doc_t decide_doc = {
    "cairn review decide",
    "SUB [--as ASSESSOR]",
    "Decides a submission once every part with evidence is scored: meets when every part\n"
    "meets (and the award is issued), not-yet otherwise. The decision, feedback and award\n"
    "reach the teacher's school with the next sync.\n",
};

#define FEEDBACK_FILE_MAX (64u * 1024) /* the hub says precisely when over its 8 KiB limit */

int cairn_cmd_review_score_parse(int argc, char **argv, cairn_review_score_args_t *a, char *err,
                                 size_t errlen)
{
    static const char *const pos[] = {"SUB", NULL};
    memset(a, 0, sizeof *a);
    const cairn_opt_t opts[] = {
        {"part", "P", &a->part, NULL},
        {"meets", NULL, NULL, &a->meets},
        {"not-yet", NULL, NULL, &a->not_yet},
        {"feedback", "TEXT", &a->feedback, NULL},
        {"feedback-file", "F", &a->feedback_file, NULL},
        {"as", "ASSESSOR", &a->as, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, pos, 1, &a->submission};
    int rc = cairn_args_parse(&spec, argc, argv, err, errlen);
    if (rc)
        return rc;
    if (!a->part) {
        snprintf(err, errlen, "missing --part P");
        return CAIRN_EINVAL;
    }
    if (a->meets == a->not_yet) {
        snprintf(err, errlen, "give exactly one of --meets and --not-yet");
        return CAIRN_EINVAL;
    }
    if (a->feedback && a->feedback_file) {
        snprintf(err, errlen, "give at most one of --feedback and --feedback-file");
        return CAIRN_EINVAL;
    }
    return 0;
}

/* --as, else $CAIRN_AS, else NULL. */
static const char *acting(const char *as)
{
    const char *env = getenv("CAIRN_AS");
    return as != NULL ? as : env != NULL && env[0] != '\0' ? env : NULL;
}

/* Parses "SUB [--as A]" and connects. */
static int sub_and_as(const cairn_cli_t *cli, const cairn_cmd_doc_t *doc, int argc, char **argv,
                      bool want_sub, const char **sub, const char **as, cairn_rpc_t *rpc)
{
    static const char *const pos[] = {"SUB", NULL};
    char err[CAIRN_ARGS_ERR_MAX];
    const cairn_opt_t opts[] = {{"as", "ASSESSOR", as, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, want_sub ? pos : NULL, want_sub ? 1 : 0, sub};
    *as = NULL;
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    *as = acting(*as);
    return cairn_cli_connect(cli, rpc);
}

static void age_text(uint64_t age_ms, uint64_t target_ms, bool over, char *out, size_t outlen)
{
    uint64_t days = age_ms / 86400000u;
    if (days > 0)
        snprintf(out, outlen, "%llud / %llud%s", (unsigned long long)days,
                 (unsigned long long)(target_ms / 86400000u), over ? " OVER" : "");
    else
        snprintf(out, outlen, "%lluh / %llud%s", (unsigned long long)(age_ms / 3600000u),
                 (unsigned long long)(target_ms / 86400000u), over ? " OVER" : "");
}

/* "Name until 2026-11-27 17:11 UTC", "Name (expired ...)", or "-". */
static void claim_text(const msgpack_object *row, char *out, size_t outlen)
{
    const msgpack_object *c = cairn_mp_get(row, "claim");
    char when[48], name[64];
    bool live = false;
    if (c == NULL || c->type != MSGPACK_OBJECT_MAP) {
        snprintf(out, outlen, "-");
        return;
    }
    cairn_strv_t n = cairn_rpc_str(c, "name");
    if (n.len == 0)
        n = cairn_rpc_str(c, "assessor");
    cairn_fmt_sanitize(name, sizeof name, n.p, n.len);
    cairn_mp_get_bool(c, "live", &live);
    cairn_fmt_time(cairn_rpc_u64(c, "expires") << 16, when, sizeof when);
    snprintf(out, outlen, "%s %s %s", name, live ? "until" : "expired", when);
}

static int run_queue(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const heads[] = {"ID",    "CREDENTIAL", "ATTEMPT", "AGE",
                                        "STATE", "TEACHER",    "SCHOOL",  "CLAIM"};
    const char *sub = NULL, *as;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *list;
    cairn_table_t table;
    int rc = sub_and_as(cli, &queue_doc, argc, argv, false, &sub, &as, &rpc);
    if (rc != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "review.queue", as != NULL);
    if (as != NULL)
        cairn_mp_pack_kv_str(pk, "as", as);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "review.queue", "queue", &list)) != CAIRN_EXIT_OK)
        return rc;
    if (list->size == 0) {
        printf("the review queue is empty\n");
        return cairn_cli_done(&rpc, &reply);
    }
    cairn_table_init(&table, 8, heads);
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *e = &list->ptr[i];
        char text[160];
        bool over = false, blind = false;
        cairn_strv_t s = cairn_rpc_str(e, "id");
        cairn_table_cell(&table, s.p, s.len);
        s = cairn_rpc_str(e, "credential");
        cairn_table_cellf(&table, "%.*s v%llu", (int)(s.len < 64 ? s.len : 64), s.p,
                          (unsigned long long)cairn_rpc_u64(e, "version"));
        cairn_table_cellf(&table, "%llu", (unsigned long long)cairn_rpc_u64(e, "attempt"));
        cairn_mp_get_bool(e, "over", &over);
        cairn_mp_get_bool(e, "blind", &blind);
        age_text(cairn_rpc_u64(e, "age_ms"), cairn_rpc_u64(e, "target_ms"), over, text,
                 sizeof text);
        cairn_table_cellf(&table, "%s", text);
        s = cairn_rpc_str(e, "state");
        cairn_table_cell(&table, s.p, s.len);
        if (blind) {
            cairn_table_cellf(&table, "%s", "(blind)");
            cairn_table_cellf(&table, "%s", "(blind)");
        } else {
            s = cairn_rpc_str(e, "educator_name");
            cairn_table_cell(&table, s.p, s.len);
            s = cairn_rpc_str(e, "school");
            cairn_table_cell(&table, s.p, s.len);
        }
        claim_text(e, text, sizeof text);
        cairn_table_cellf(&table, "%s", text);
    }
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    if (cairn_rpc_u64(reply.result, "more") > 0)
        printf("... and %llu more\n", (unsigned long long)cairn_rpc_u64(reply.result, "more"));
    return cairn_cli_done(&rpc, &reply);
}

/* claim and decide: SUB, --as; print one line from the result. */
static int run_write(const cairn_cli_t *cli, const cairn_cmd_doc_t *doc, const char *op, int argc,
                     char **argv)
{
    const char *sub = NULL, *as;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    char when[48];
    int rc = sub_and_as(cli, doc, argc, argv, true, &sub, &as, &rpc);
    if (rc != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, op, 1 + (as != NULL));
    cairn_mp_pack_kv_str(pk, "id", sub);
    if (as != NULL)
        cairn_mp_pack_kv_str(pk, "as", as);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    cairn_strv_t id = cairn_rpc_str(reply.result, "id");
    printf("submission ");
    cairn_fmt_put(stdout, id.p, id.len);
    if (strcmp(op, "review.claim") == 0) {
        cairn_fmt_time(cairn_rpc_u64(reply.result, "expires") << 16, when, sizeof when);
        printf(" claimed until %s\n", when);
    } else {
        cairn_strv_t outcome = cairn_rpc_str(reply.result, "outcome");
        cairn_strv_t award = cairn_rpc_str(reply.result, "award");
        printf(" decided ");
        cairn_fmt_put(stdout, outcome.p, outcome.len);
        if (award.len > 0) {
            printf(": award ");
            cairn_fmt_put(stdout, award.p, award.len);
        }
        putchar('\n');
    }
    return cairn_cli_done(&rpc, &reply);
}

static int run_claim(const cairn_cli_t *cli, int argc, char **argv)
{
    return run_write(cli, &claim_doc, "review.claim", argc, argv);
}

static int run_decide(const cairn_cli_t *cli, int argc, char **argv)
{
    return run_write(cli, &decide_doc, "review.decide", argc, argv);
}

static void show_part(const msgpack_object *p)
{
    cairn_strv_t s = cairn_rpc_str(p, "part");
    cairn_strv_t kind = cairn_rpc_str(p, "kind");
    const msgpack_object *rubric = cairn_mp_get(p, "rubric");
    const msgpack_object *ev = cairn_mp_get(p, "evidence");
    const msgpack_object *score = cairn_mp_get(p, "score");
    char size[CAIRN_FMT_SIZE_MAX];
    printf("\npart ");
    cairn_fmt_put(stdout, s.p, s.len);
    printf(" (");
    cairn_fmt_put(stdout, kind.p, kind.len);
    printf(")\n");
    if (rubric != NULL && rubric->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < rubric->via.array.size; i++) {
            const msgpack_object *r = &rubric->via.array.ptr[i];
            cairn_strv_t c = cairn_rpc_str(r, "criterion"), m = cairn_rpc_str(r, "meets");
            cairn_fmt_wrap(stdout, "  criterion  ", c.p, c.len, 13, CAIRN_FMT_WIDTH);
            cairn_fmt_wrap(stdout, "  meets      ", m.p, m.len, 13, CAIRN_FMT_WIDTH);
        }
    }
    if (ev == NULL || ev->type != MSGPACK_OBJECT_MAP) {
        printf("  evidence   (none)\n");
    } else {
        cairn_strv_t type = cairn_rpc_str(ev, "type");
        cairn_fmt_size(cairn_rpc_u64(ev, "size"), size, sizeof size);
        if (type.len == 4 && memcmp(type.p, "text", 4) == 0) {
            cairn_strv_t t = cairn_rpc_str(ev, "text");
            cairn_fmt_wrap(stdout, "  text       ", t.p, t.len, 13, CAIRN_FMT_WIDTH);
        } else {
            bool present = false;
            cairn_strv_t n = cairn_rpc_str(ev, "name"), h = cairn_rpc_str(ev, "hash");
            cairn_mp_get_bool(ev, "present", &present);
            printf("  file       ");
            cairn_fmt_put(stdout, n.p, n.len);
            printf(", %s, hash ", size);
            cairn_fmt_put(stdout, h.p, h.len);
            printf("\n  bytes      %s\n", present ? "present at the hub" : "not at the hub yet");
        }
    }
    if (score != NULL && score->type == MSGPACK_OBJECT_MAP) {
        cairn_strv_t v = cairn_rpc_str(score, "verdict"), f = cairn_rpc_str(score, "feedback");
        bool carried = false;
        cairn_mp_get_bool(score, "carried", &carried);
        printf("  score      ");
        cairn_fmt_put(stdout, v.p, v.len);
        printf("%s\n", carried ? " (unchanged since it met in the previous attempt)" : "");
        if (f.len > 0)
            cairn_fmt_wrap(stdout, "  feedback   ", f.p, f.len, 13, CAIRN_FMT_WIDTH);
    } else {
        printf("  score      (not scored)\n");
    }
}

static int run_show(const cairn_cli_t *cli, int argc, char **argv)
{
    const char *sub = NULL, *as;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *parts;
    char text[160];
    bool blind = false;
    int rc = sub_and_as(cli, &show_doc, argc, argv, true, &sub, &as, &rpc);
    if (rc != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "review.show", 1 + (as != NULL));
    cairn_mp_pack_kv_str(pk, "id", sub);
    if (as != NULL)
        cairn_mp_pack_kv_str(pk, "as", as);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "review.show", "parts", &parts)) != CAIRN_EXIT_OK)
        return rc;
    const msgpack_object *r = reply.result;
    cairn_strv_t s = cairn_rpc_str(r, "id");
    printf("%-11s ", "submission");
    cairn_fmt_put(stdout, s.p, s.len);
    s = cairn_rpc_str(r, "credential");
    printf("\n%-11s ", "credential");
    cairn_fmt_put(stdout, s.p, s.len);
    printf(" v%llu: ", (unsigned long long)cairn_rpc_u64(r, "version"));
    s = cairn_rpc_str(r, "title");
    cairn_fmt_put(stdout, s.p, s.len);
    s = cairn_rpc_str(r, "state");
    printf("\n%-11s %llu\n%-11s ", "attempt", (unsigned long long)cairn_rpc_u64(r, "attempt"),
           "state");
    cairn_fmt_put(stdout, s.p, s.len);
    cairn_mp_get_bool(r, "blind", &blind);
    const msgpack_object *ed = cairn_mp_get(r, "educator");
    if (blind || ed == NULL) {
        printf("\n%-11s (double-blind: teacher and school hidden)\n", "teacher");
    } else {
        s = cairn_rpc_str(ed, "name");
        printf("\n%-11s ", "teacher");
        cairn_fmt_put(stdout, s.p, s.len);
        s = cairn_rpc_str(r, "school");
        printf("\n%-11s ", "school");
        cairn_fmt_put(stdout, s.p, s.len);
        putchar('\n');
    }
    claim_text(r, text, sizeof text);
    printf("%-11s %s\n", "claim", text);
    for (uint32_t i = 0; i < parts->size; i++)
        show_part(&parts->ptr[i]);
    return cairn_cli_done(&rpc, &reply);
}

static int run_score(const cairn_cli_t *cli, int argc, char **argv)
{
    cairn_review_score_args_t a;
    char err[CAIRN_ARGS_ERR_MAX], *file_text = NULL;
    size_t file_len = 0;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    int rc = cairn_cmd_review_score_parse(argc, argv, &a, err, sizeof err);
    if ((rc = cairn_cli_parsed(&score_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if (a.feedback_file != NULL && cairn_cli_read_file(a.feedback_file, FEEDBACK_FILE_MAX,
                                                       "feedback", &file_text, &file_len) != 0)
        return CAIRN_EXIT_FAIL;
    const char *as = acting(a.as);
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK) {
        free(file_text);
        return rc;
    }
    bool has_feedback = a.feedback != NULL || file_text != NULL;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "review.score", 3 + has_feedback + (as != NULL));
    cairn_mp_pack_kv_str(pk, "id", a.submission);
    cairn_mp_pack_kv_str(pk, "part", a.part);
    cairn_mp_pack_kv_str(pk, "verdict", a.meets ? "meets" : "not-yet");
    if (file_text != NULL)
        cairn_mp_pack_kv_strn(pk, "feedback", file_text, file_len);
    else if (a.feedback != NULL)
        cairn_mp_pack_kv_str(pk, "feedback", a.feedback);
    if (as != NULL)
        cairn_mp_pack_kv_str(pk, "as", as);
    free(file_text);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    cairn_strv_t id = cairn_rpc_str(reply.result, "id");
    cairn_strv_t part = cairn_rpc_str(reply.result, "part");
    cairn_strv_t verdict = cairn_rpc_str(reply.result, "verdict");
    printf("submission ");
    cairn_fmt_put(stdout, id.p, id.len);
    printf(" part ");
    cairn_fmt_put(stdout, part.p, part.len);
    putchar(' ');
    cairn_fmt_put(stdout, verdict.p, verdict.len);
    putchar('\n');
    return cairn_cli_done(&rpc, &reply);
}

const cairn_subcmd_t cairn_cmd_review[] = {
    {"queue", run_queue, &queue_doc},    {"claim", run_claim, &claim_doc},
    {"show", run_show, &show_doc},       {"score", run_score, &score_doc},
    {"decide", run_decide, &decide_doc}, {NULL, NULL, NULL},
};
