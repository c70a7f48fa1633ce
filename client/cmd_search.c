/*
 * cmd_search.c: "cairn search PROBLEM": the credentials that fit a problem described in plain
 * words, best first, each with why it was picked (op catalog.search, PROTOCOL.md 2.3).
 *
 * The words may be given quoted or not: every positional is joined with spaces. The client checks
 * the size limit itself, so an over-long search fails before anything is sent; whether the words
 * say anything (not only "the", "my") is the daemon's call, which names them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"

#define SEARCH_QUERY_MAX 512 /* bytes (PROTOCOL.md 2.1, catalog.search) */
#define SEARCH_WORDS_MAX 64  /* positionals joined */

static const cairn_cmd_doc_t search_doc = {
    "cairn search",
    "PROBLEM... [--stack S] [--max-hours N] [--peer-reviewable] [--limit N]",
    "Finds the credentials that fit a problem described in plain words, for example\n"
    "  cairn search \"my students never answer my questions\"\n"
    "Shows the best matches first (5 unless --limit, at most 50), each with its PD hours and\n"
    "a line saying which parts of the credential matched which words. Common words are\n"
    "ignored and a few are widened with synonyms (the table cairnd reads at start-up).\n"
    "Filters: --stack S only credentials of stack S; --max-hours N (or --hours N) at most N\n"
    "PD hours; --peer-reviewable only those peers at a school may review. At most 512 bytes.\n",
};

int cairn_cmd_search_parse(int argc, char **argv, cairn_search_args_t *a, char *err, size_t errlen)
{
    static const char *const pos[SEARCH_WORDS_MAX + 1] = {
        "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM",
        "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM",
        "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM",
        "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM",
        "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM",
        "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM",
        "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM",
        "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM", "PROBLEM",
        NULL};
    const char *words[SEARCH_WORDS_MAX] = {NULL};
    const char *hours = NULL, *hours2 = NULL, *limit = NULL;
    memset(a, 0, sizeof *a);
    const cairn_opt_t opts[] = {
        {"stack", "S", &a->stack, NULL}, {"max-hours", "N", &hours, NULL},
        {"hours", "N", &hours2, NULL},   {"peer-reviewable", NULL, NULL, &a->peer_reviewable},
        {"limit", "N", &limit, NULL},    {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, pos, 1, words};
    int rc = cairn_args_parse(&spec, argc, argv, err, errlen);
    if (rc != 0)
        return rc;
    if (hours != NULL && hours2 != NULL) {
        snprintf(err, errlen, "give --max-hours or --hours, not both");
        return CAIRN_EINVAL;
    }
    if (hours2 != NULL)
        hours = hours2;
    if (hours != NULL) {
        size_t n = strlen(hours);
        if (n == 0 || n > 5 || strspn(hours, "0123456789") != n) {
            snprintf(err, errlen, "bad --max-hours '%s': expected whole hours, 0 to 10000", hours);
            return CAIRN_EINVAL;
        }
        a->max_hours = strtoul(hours, NULL, 10);
        a->has_max_hours = true;
        if (a->max_hours > 10000) {
            snprintf(err, errlen, "bad --max-hours '%s': expected whole hours, 0 to 10000", hours);
            return CAIRN_EINVAL;
        }
    }
    if (limit != NULL) {
        size_t n = strlen(limit);
        if (n == 0 || n > 2 || strspn(limit, "0123456789") != n || atoi(limit) < 1 ||
            atoi(limit) > 50) {
            snprintf(err, errlen, "bad --limit '%s': expected 1 to 50", limit);
            return CAIRN_EINVAL;
        }
        a->limit = (unsigned)atoi(limit);
    }
    /* Join the words; the size check is on the joined text, what the daemon gets. */
    size_t len = 0;
    for (size_t i = 0; i < SEARCH_WORDS_MAX && words[i] != NULL; i++) {
        size_t w = strlen(words[i]);
        if (len + (len > 0) + w > SEARCH_QUERY_MAX) {
            snprintf(err, errlen,
                     "the search is over %d bytes: describe the problem in fewer words",
                     SEARCH_QUERY_MAX);
            return CAIRN_EINVAL;
        }
        if (len > 0)
            a->query[len++] = ' ';
        memcpy(a->query + len, words[i], w);
        len += w;
    }
    a->query[len] = '\0';
    if (strspn(a->query, " \t\r\n") == len) {
        snprintf(err, errlen,
                 "empty search: describe the problem in a few words, e.g. "
                 "\"my students never answer my questions\"");
        return CAIRN_EINVAL;
    }
    return 0;
}

/* "silent, participation" from an array of strings. */
static void print_words(const msgpack_object *result, const char *key)
{
    const msgpack_object_array *a;
    if (cairn_mp_get_array(result, key, UINT32_MAX, &a) != 0)
        return;
    for (uint32_t i = 0; i < a->size; i++) {
        if (a->ptr[i].type != MSGPACK_OBJECT_STR)
            continue;
        printf("%s", i ? ", " : "");
        cairn_fmt_put(stdout, a->ptr[i].via.str.ptr, a->ptr[i].via.str.size);
    }
}

static void print_hours(const msgpack_object *o)
{
    if (o != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        printf("%llu PD hours", (unsigned long long)o->via.u64);
    else if (o != NULL && (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32))
        printf("%g PD hours", o->via.f64);
}

static int run_search(const cairn_cli_t *cli, int argc, char **argv)
{
    cairn_search_args_t a;
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *hits, *syn;

    int rc = cairn_cmd_search_parse(argc, argv, &a, err, sizeof err);
    if ((rc = cairn_cli_parsed(&search_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(
        &rpc, "catalog.search", 1 + !!a.stack + a.has_max_hours + a.peer_reviewable + !!a.limit);
    cairn_mp_pack_kv_str(pk, "q", a.query);
    if (a.stack)
        cairn_mp_pack_kv_str(pk, "stack", a.stack);
    if (a.has_max_hours)
        cairn_mp_pack_kv_u64(pk, "max_hours", a.max_hours);
    if (a.peer_reviewable)
        cairn_mp_pack_kv_bool(pk, "peer_reviewable", true);
    if (a.limit)
        cairn_mp_pack_kv_u64(pk, "limit", a.limit);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "catalog.search", "hits", &hits)) != CAIRN_EXIT_OK)
        return rc;
    printf("searched for: ");
    print_words(reply.result, "words");
    if (cairn_mp_get_array(reply.result, "synonyms", UINT32_MAX, &syn) == 0 && syn->size > 0) {
        printf(" (and ");
        print_words(reply.result, "synonyms");
        printf(")");
    }
    putchar('\n');
    if (hits->size == 0)
        printf("no credential matches%s: try other words%s\n",
               a.stack || a.has_max_hours || a.peer_reviewable ? " with these filters" : "",
               a.stack || a.has_max_hours || a.peer_reviewable ? " or fewer filters" : "");
    for (uint32_t i = 0; i < hits->size; i++) {
        const msgpack_object *h = &hits->ptr[i];
        cairn_strv_t id = cairn_rpc_str(h, "id"), title = cairn_rpc_str(h, "title"),
                     why = cairn_rpc_str(h, "why");
        printf("%u. ", i + 1);
        cairn_fmt_put(stdout, id.p, id.len);
        printf("  ");
        cairn_fmt_put(stdout, title.p, title.len);
        printf(" (");
        print_hours(cairn_mp_get(h, "pd_hours"));
        printf(")\n");
        cairn_fmt_wrap(stdout, "   why: ", why.p, why.len, 8, CAIRN_FMT_WIDTH);
    }
    return cairn_cli_done(&rpc, &reply);
}

const cairn_subcmd_t cairn_cmd_search[] = {
    {"search", run_search, &search_doc},
    {NULL, NULL, NULL},
};
