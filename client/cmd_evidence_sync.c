/*
 * cmd_evidence_sync.c: "cairn evidence list", "get" and "prioritize": evidence files as a whole
 * and their journey to the hub (PROTOCOL.md 2.1, 8.3). At a school, list shows how far each file
 * got to the hub and an ETA; at a hub, assessors get a complete file out, or are told how much has
 * arrived; prioritize asks the hub to fetch a submission's evidence first.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "table.h"

const cairn_cmd_doc_t cairn_evidence_list_doc = {
    "cairn evidence list",
    "[SUB]",
    "Lists evidence files (of submission SUB, or all): part, size, how much of each is held\n"
    "here (complete, partial, missing, purged) and, at a school, how far it has got to the hub\n"
    "with an ETA at the current rate.\n",
};

const cairn_cmd_doc_t cairn_evidence_get_doc = {
    "cairn evidence get",
    "SUB PART --out F",
    "Writes evidence file PART of submission SUB to F (on this machine), checking every chunk\n"
    "as it is read. At a hub, a file that has not fully arrived yet is refused with how much is\n"
    "here; a purged file is refused saying so.\n",
};

const cairn_cmd_doc_t cairn_evidence_prioritize_doc = {
    "cairn evidence prioritize",
    "SUB",
    "At a hub: fetch the evidence of submission SUB from its school before any other.\n",
};

static void hub_cell(cairn_table_t *t, const msgpack_object *f)
{
    const msgpack_object *hub = cairn_mp_get(f, "hub");
    char eta[32];
    if (hub == NULL || hub->type != MSGPACK_OBJECT_MAP) {
        cairn_table_cell(t, "-", 1);
        return;
    }
    uint64_t size = cairn_rpc_u64(f, "size"), held = cairn_rpc_u64(hub, "held");
    const msgpack_object *done = cairn_mp_get(hub, "done");
    if (done != NULL && done->type == MSGPACK_OBJECT_BOOLEAN && done->via.boolean) {
        cairn_table_cell(t, "complete", 8);
    } else if (cairn_mp_get(hub, "eta_s") != NULL) {
        cairn_fmt_duration(cairn_rpc_u64(hub, "eta_s"), eta, sizeof eta);
        cairn_table_cellf(t, "%.0f%%, ETA %s", size ? 100.0 * (double)held / (double)size : 100.0,
                          eta);
    } else {
        cairn_table_cellf(t, "%.0f%%", size ? 100.0 * (double)held / (double)size : 100.0);
    }
}

int cairn_cmd_evidence_list(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const heads[] = {"SUBMISSION", "PART", "SIZE", "HERE", "TO HUB", "HASH"};
    static const char *const pos[] = {"SUB", NULL};
    const char *pos_out[1] = {NULL};
    char err[CAIRN_ARGS_ERR_MAX], size[CAIRN_FMT_SIZE_MAX];
    const cairn_argspec_t spec = {NULL, pos, 0, pos_out};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&cairn_evidence_list_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *list;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "evidence.list", pos_out[0] ? 1 : 0);
    if (pos_out[0])
        cairn_mp_pack_kv_str(pk, "submission", pos_out[0]);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "evidence.list", "files", &list)) != CAIRN_EXIT_OK)
        return rc;
    if (list->size == 0) {
        printf("no evidence files\n");
        return cairn_cli_done(&rpc, &reply);
    }
    cairn_table_t table;
    cairn_table_init(&table, 6, heads);
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *f = &list->ptr[i];
        cairn_strv_t s = cairn_rpc_str(f, "submission");
        cairn_table_cell(&table, s.p, s.len);
        s = cairn_rpc_str(f, "part");
        cairn_table_cell(&table, s.p, s.len);
        uint64_t total = cairn_rpc_u64(f, "size"), held = cairn_rpc_u64(f, "held");
        cairn_fmt_size(total, size, sizeof size);
        cairn_table_cell(&table, size, strlen(size));
        s = cairn_rpc_str(f, "state");
        if (s.len == 7 && memcmp(s.p, "partial", 7) == 0)
            cairn_table_cellf(&table, "partial %.0f%%",
                              total ? 100.0 * (double)held / (double)total : 0.0);
        else
            cairn_table_cell(&table, s.p, s.len);
        hub_cell(&table, f);
        s = cairn_rpc_str(f, "hash");
        cairn_table_cell(&table, s.p, s.len > 16 ? 16 : s.len);
    }
    cairn_table_print(&table, stdout);
    cairn_table_free(&table);
    return cairn_cli_done(&rpc, &reply);
}

/* F as an absolute path: the daemon writes it and resolves nothing against our directory. */
static int absolute(const char *f, char *out, size_t outlen)
{
    if (f[0] == '/') {
        if (strlen(f) >= outlen)
            return -ENAMETOOLONG;
        snprintf(out, outlen, "%s", f);
        return 0;
    }
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return -errno;
    int n = snprintf(out, outlen, "%s/%s", cwd, f);
    return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

int cairn_cmd_evidence_get(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const pos[] = {"SUB", "PART", NULL};
    const char *pos_out[2] = {NULL, NULL}, *out = NULL;
    char err[CAIRN_ARGS_ERR_MAX], path[PATH_MAX], size[CAIRN_FMT_SIZE_MAX];
    const cairn_opt_t opts[] = {{"out", "F", &out, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, pos, 2, pos_out};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if (rc == 0 && out == NULL) {
        snprintf(err, sizeof err, "missing --out F");
        rc = CAIRN_EINVAL;
    }
    if ((rc = cairn_cli_parsed(&cairn_evidence_get_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if (absolute(out, path, sizeof path) != 0)
        return cairn_cli_fail("--out %s: path too long", out);
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "evidence.get", 3);
    cairn_mp_pack_kv_str(pk, "submission", pos_out[0]);
    cairn_mp_pack_kv_str(pk, "part", pos_out[1]);
    cairn_mp_pack_kv_str(pk, "out", path);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    cairn_fmt_size(cairn_rpc_u64(reply.result, "size"), size, sizeof size);
    cairn_strv_t h = cairn_rpc_str(reply.result, "hash");
    printf("wrote %s (%s, hash %.*s)\n", path, size, (int)(h.len > 16 ? 16 : h.len), h.p);
    return cairn_cli_done(&rpc, &reply);
}

int cairn_cmd_evidence_prioritize(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const pos[] = {"SUB", NULL};
    const char *pos_out[1] = {NULL};
    char err[CAIRN_ARGS_ERR_MAX];
    const cairn_argspec_t spec = {NULL, pos, 1, pos_out};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&cairn_evidence_prioritize_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "evidence.prioritize", 1);
    cairn_mp_pack_kv_str(pk, "submission", pos_out[0]);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    cairn_strv_t s = cairn_rpc_str(reply.result, "submission");
    printf("evidence of %.*s goes first: %llu files, %llu still to fetch\n", (int)s.len, s.p,
           (unsigned long long)cairn_rpc_u64(reply.result, "files"),
           (unsigned long long)cairn_rpc_u64(reply.result, "to_fetch"));
    return cairn_cli_done(&rpc, &reply);
}
