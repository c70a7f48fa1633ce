/*
 * cmd_catalog.c: "cairn catalog import|list|show": the micro-credentials this node knows.
 *
 * show renders the credential's JSON (as imported, returned verbatim by the daemon) as a page a
 * teacher can read: what the competency is, how to do it, what evidence to gather and how it is
 * judged. The JSON is parsed defensively: a field missing or of the wrong type is left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "table.h"

static const cairn_cmd_doc_t import_doc = {
    "cairn catalog import",
    "FILE",
    "Imports a cairn-catalog/1 JSON document (at most 2 MiB): new credentials and new versions\n"
    "are added, identical ones left alone. Prints what changed.\n",
};
static const cairn_cmd_doc_t list_doc = {
    "cairn catalog list",
    "[--stack S]",
    "Lists the latest version of each credential (id, version, PD hours, title), or only those\n"
    "in stack S.\n",
};
static const cairn_cmd_doc_t show_doc = {
    "cairn catalog show",
    "ID [--version N]",
    "Shows a credential: its competency, key method and components, research, resources, the\n"
    "evidence to submit and the rubric it is judged by. The latest version unless N is given.\n",
};

static int run_import(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const pos[] = {"FILE", NULL};
    const char *path = NULL;
    const cairn_argspec_t spec = {NULL, pos, 1, &path};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    char *json = NULL;
    size_t len = 0;

    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&import_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_read_file(path, CAIRN_CATALOG_MAX, "a catalog", &json, &len)) != 0)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK) {
        free(json);
        return rc;
    }
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "catalog.import", 1);
    cairn_mp_pack_kv_strn(pk, "json", json, len);
    free(json);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    printf("imported: %llu new, %llu new versions, %llu unchanged\n",
           (unsigned long long)cairn_rpc_u64(reply.result, "added"),
           (unsigned long long)cairn_rpc_u64(reply.result, "versioned"),
           (unsigned long long)cairn_rpc_u64(reply.result, "unchanged"));
    return cairn_cli_done(&rpc, &reply);
}

/* PD hours may be whole or not ("7.5"); anything else shows as "-". */
static void hours_cell(cairn_table_t *t, const msgpack_object *o)
{
    if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        cairn_table_cellf(t, "%llu", (unsigned long long)o->via.u64);
    else if (o && (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32))
        cairn_table_cellf(t, "%g", o->via.f64);
    else
        cairn_table_cellf(t, "-");
}

static int run_list(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const heads[] = {"ID", "VERSION", "PD HOURS", "TITLE"};
    const char *stack = NULL;
    const cairn_opt_t opts[] = {{"stack", "S", &stack, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
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
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "catalog.list", !!stack);
    if (stack)
        cairn_mp_pack_kv_str(pk, "stack", stack);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "catalog.list", "credentials", &list)) != CAIRN_EXIT_OK)
        return rc;
    if (list->size == 0) {
        printf(stack ? "no credentials in that stack\n"
                     : "the catalog is empty: import one with \"cairn catalog import FILE\"\n");
        return cairn_cli_done(&rpc, &reply);
    }
    cairn_table_init(&table, 4, heads);
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *c = &list->ptr[i];
        cairn_strv_t s = cairn_rpc_str(c, "id");
        cairn_table_cell(&table, s.p, s.len);
        cairn_table_cellf(&table, "%llu", (unsigned long long)cairn_rpc_u64(c, "version"));
        hours_cell(&table, cairn_mp_get(c, "pd_hours"));
        s = cairn_rpc_str(c, "title");
        cairn_table_cell(&table, s.p, s.len);
    }
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    return cairn_cli_done(&rpc, &reply);
}

int cairn_cmd_catalog_show_parse(int argc, char **argv, cairn_catalog_show_args_t *a, char *err,
                                 size_t errlen)
{
    static const char *const pos[] = {"ID", NULL};
    memset(a, 0, sizeof *a);
    const cairn_opt_t opts[] = {{"version", "N", &a->version, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, pos, 1, &a->id};
    int rc = cairn_args_parse(&spec, argc, argv, err, errlen);
    if (rc)
        return rc;
    if (a->version) {
        size_t n = strlen(a->version);
        if (n == 0 || n > 9 || strspn(a->version, "0123456789") != n || atol(a->version) < 1) {
            snprintf(err, errlen, "bad --version '%s': expected a number from 1", a->version);
            return CAIRN_EINVAL;
        }
    }
    return 0;
}

/* A string field of a JSON object, or NULL. */
static const char *jstr(const json_t *o, const char *key, size_t *len)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

static void heading(const char *title)
{
    printf("\n%s\n", title);
}

/* A heading and an indented, wrapped paragraph; nothing if the field is absent. */
static void paragraph(const json_t *cred, const char *key, const char *title)
{
    size_t len;
    const char *s = jstr(cred, key, &len);
    if (!s)
        return;
    heading(title);
    cairn_fmt_wrap(stdout, "  ", s, len, 2, CAIRN_FMT_WIDTH);
}

static void bullets(const json_t *cred, const char *key, const char *title)
{
    const json_t *arr = json_object_get(cred, key);
    size_t i;
    const json_t *v;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return;
    heading(title);
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v))
            cairn_fmt_wrap(stdout, "  - ", json_string_value(v), json_string_length(v), 4,
                           CAIRN_FMT_WIDTH);
    }
}

static void resources(const json_t *cred)
{
    const json_t *arr = json_object_get(cred, "resources");
    size_t i, len = 0;
    const json_t *r;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return;
    heading("Resources");
    json_array_foreach(arr, i, r)
    {
        const char *s = json_is_string(r) ? json_string_value(r) : jstr(r, "title", &len);
        if (json_is_string(r))
            len = json_string_length(r);
        if (s)
            cairn_fmt_wrap(stdout, "  - ", s, len, 4, CAIRN_FMT_WIDTH);
        if (!json_is_string(r) && (s = jstr(r, "url", &len)) != NULL)
            cairn_fmt_wrap(stdout, "    ", s, len, 4, CAIRN_FMT_WIDTH);
    }
}

static void evidence_parts(const json_t *cred)
{
    const json_t *arr = json_object_get(cred, "evidence");
    size_t i, len, klen;
    const json_t *p;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return;
    heading("Evidence to submit");
    json_array_foreach(arr, i, p)
    {
        const char *part = jstr(p, "part", &len), *kind = jstr(p, "kind", &klen);
        if (!part)
            continue;
        printf("  ");
        cairn_fmt_put(stdout, part, len);
        printf(" (");
        if (kind) {
            cairn_fmt_put(stdout, kind, klen);
            printf(", ");
        }
        printf("%s)\n", json_is_true(json_object_get(p, "required")) ? "required" : "optional");
        const char *d = jstr(p, "description", &len);
        if (d)
            cairn_fmt_wrap(stdout, "    ", d, len, 4, CAIRN_FMT_WIDTH);
    }
}

static void rubric(const json_t *cred)
{
    const json_t *arr = json_object_get(cred, "rubric");
    size_t i, len, clen;
    const json_t *r;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return;
    heading("Rubric");
    json_array_foreach(arr, i, r)
    {
        const char *part = jstr(r, "part", &len), *crit = jstr(r, "criterion", &clen);
        char first[96] = "  ";
        if (part) {
            cairn_fmt_sanitize(first + 2, sizeof first - 4, part, len);
            strcat(first, ": ");
        }
        cairn_fmt_wrap(stdout, first, crit ? crit : "", crit ? clen : 0, 4, CAIRN_FMT_WIDTH);
        const char *meets = jstr(r, "meets", &len);
        if (meets)
            cairn_fmt_wrap(stdout, "    Meets: ", meets, len, 4, CAIRN_FMT_WIDTH);
    }
}

/* The stacks a credential belongs to, from a catalog.list reply; "" if none or unknown. */
static void stacks_of(const cairn_reply_t *list, const char *id, char *out, size_t outlen)
{
    const msgpack_object_array *creds, *stacks;
    size_t used = 0;
    out[0] = '\0';
    if (cairn_mp_get_array(list->result, "credentials", UINT32_MAX, &creds) != 0)
        return;
    for (uint32_t i = 0; i < creds->size; i++) {
        cairn_strv_t cid = cairn_rpc_str(&creds->ptr[i], "id");
        if (cid.len != strlen(id) || memcmp(cid.p, id, cid.len) != 0 ||
            cairn_mp_get_array(&creds->ptr[i], "stacks", UINT32_MAX, &stacks) != 0)
            continue;
        for (uint32_t k = 0; k < stacks->size; k++) {
            const msgpack_object *s = &stacks->ptr[k];
            if (s->type != MSGPACK_OBJECT_STR || used + s->via.str.size + 3 >= outlen)
                continue;
            used += (size_t)snprintf(out + used, outlen - used, "%s%.*s", used ? ", " : "",
                                     (int)s->via.str.size, s->via.str.ptr);
        }
        return;
    }
}

static void print_credential(const json_t *cred, const char *stacks)
{
    size_t len;
    const char *title = jstr(cred, "title", &len);
    const json_t *hours = json_object_get(cred, "pd_hours");
    const json_t *tags = json_object_get(cred, "tags");

    if (title)
        cairn_fmt_wrap(stdout, "", title, len, 0, CAIRN_FMT_WIDTH);
    const char *id = jstr(cred, "id", &len);
    if (id)
        cairn_fmt_put(stdout, id, len);
    printf(", version %lld", (long long)json_integer_value(json_object_get(cred, "version")));
    if (json_is_number(hours))
        printf(", %g PD hours", json_number_value(hours));
    putchar('\n');
    if (stacks[0])
        cairn_fmt_wrap(stdout, "Stacks: ", stacks, strlen(stacks), 8, CAIRN_FMT_WIDTH);
    if (json_is_array(tags) && json_array_size(tags) > 0) {
        char buf[512];
        size_t used = 0, i;
        const json_t *t;
        json_array_foreach(tags, i, t)
        {
            if (json_is_string(t) && used + json_string_length(t) + 3 < sizeof buf)
                used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", used ? ", " : "",
                                         json_string_value(t));
        }
        if (used)
            cairn_fmt_wrap(stdout, "Tags: ", buf, used, 6, CAIRN_FMT_WIDTH);
    }
    paragraph(cred, "competency", "Competency");
    paragraph(cred, "key_method", "Key method");
    bullets(cred, "method_components", "Method components");
    paragraph(cred, "research", "Research");
    resources(cred);
    evidence_parts(cred);
    rubric(cred);
}

static int run_show(const cairn_cli_t *cli, int argc, char **argv)
{
    cairn_catalog_show_args_t a;
    char err[CAIRN_ARGS_ERR_MAX], stacks[512];
    cairn_rpc_t rpc;
    cairn_reply_t show, list;

    int rc = cairn_cmd_catalog_show_parse(argc, argv, &a, err, sizeof err);
    if ((rc = cairn_cli_parsed(&show_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    /* Pipelined: the credential, and the list that says which stacks it is in. */
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "catalog.show", 1 + !!a.version);
    cairn_mp_pack_kv_str(pk, "id", a.id);
    if (a.version)
        cairn_mp_pack_kv_u64(pk, "version", (uint64_t)atol(a.version));
    if (cairn_rpc_send(&rpc) != 0)
        return cairn_cli_fail_rpc(&rpc);
    cairn_rpc_begin(&rpc, "catalog.list", 0);
    if (cairn_rpc_send(&rpc) != 0)
        return cairn_cli_fail_rpc(&rpc);
    if (cairn_rpc_recv(&rpc, &show) != 0) {
        cairn_reply_free(&show);
        return cairn_cli_fail_rpc(&rpc);
    }
    /* The stacks are a nicety: without them the page is still whole. */
    stacks[0] = '\0';
    if (cairn_rpc_recv(&rpc, &list) == 0) {
        char id[80];
        cairn_strv_t v = cairn_rpc_str(show.result, "id");
        stacks_of(&list, cairn_fmt_sanitize(id, sizeof id, v.p, v.len), stacks, sizeof stacks);
    }
    cairn_reply_free(&list);

    const char *json;
    size_t len;
    json_error_t jerr;
    json_t *cred = NULL;
    if (cairn_mp_get_str(show.result, "json", SIZE_MAX, &json, &len) == 0)
        cred = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(cred)) {
        json_decref(cred);
        cairn_reply_free(&show);
        cairn_rpc_fail(&rpc, CAIRN_EPROTO, "cairnd sent a credential that is not a JSON object");
        return cairn_cli_fail_rpc(&rpc);
    }
    print_credential(cred, stacks);
    json_decref(cred);
    return cairn_cli_done(&rpc, &show);
}

const cairn_subcmd_t cairn_cmd_catalog[] = {
    {"import", run_import, &import_doc},
    {"list", run_list, &list_doc},
    {"show", run_show, &show_doc},
    {NULL, NULL, NULL},
};
