/*
 * cmd_bundle.c: "cairn bundle export" and "cairn bundle import": USB-stick sync (PROTOCOL.md 9).
 *
 * The daemon reads and writes the file itself, so the path is on the daemon's machine (the school
 * box where the stick is plugged in); a relative path is made absolute here, against the client's
 * working directory, which is the same machine when the client talks to a local daemon.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"

static const cairn_cmd_doc_t export_doc = {
    "cairn bundle export",
    "--out PATH [--to PEER]",
    "Writes a sealed bundle of everything the peer lacks (by the last vector it sent) to PATH,\n"
    "encrypted to the peer and signed by this node. A school's peer is its hub; a hub names the\n"
    "school with --to (its name or a prefix of its node id). PATH is on the daemon's machine.\n",
};
static const cairn_cmd_doc_t import_doc = {
    "cairn bundle import",
    "PATH",
    "Verifies and applies a bundle from an enrolled peer, all or nothing, and prints how many\n"
    "events were applied. Importing the same bundle again changes nothing.\n",
};

/* PATH made absolute against the working directory (the file need not exist). */
static int absolute(const char *path, char *out, size_t len)
{
    char cwd[PATH_MAX];
    if (path[0] == '\0')
        return CAIRN_EINVAL;
    if (path[0] == '/')
        return (size_t)snprintf(out, len, "%s", path) < len ? 0 : CAIRN_EINVAL;
    if (getcwd(cwd, sizeof cwd) == NULL)
        return CAIRN_EINVAL;
    return (size_t)snprintf(out, len, "%s/%s", cwd, path) < len ? 0 : CAIRN_EINVAL;
}

static int run_export(const cairn_cli_t *cli, int argc, char **argv)
{
    const char *out = NULL, *to = NULL;
    char err[CAIRN_ARGS_ERR_MAX], path[PATH_MAX + 2];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const cairn_opt_t opts[] = {
        {"out", "PATH", &out, NULL},
        {"to", "PEER", &to, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if (rc == 0 && out == NULL) {
        snprintf(err, sizeof err, "missing --out PATH");
        rc = CAIRN_EINVAL;
    }
    if ((rc = cairn_cli_parsed(&export_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if (absolute(out, path, sizeof path) != 0)
        return cairn_cli_fail("bad --out path '%s'", out);
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "bundle.export", 1 + (to != NULL));
    cairn_mp_pack_kv_str(pk, "out", path);
    if (to != NULL)
        cairn_mp_pack_kv_str(pk, "to", to);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    cairn_strv_t peer = cairn_rpc_str(reply.result, "to");
    printf("wrote %s: %llu events in %llu partitions, %llu bytes, for node %.*s\n", path,
           (unsigned long long)cairn_rpc_u64(reply.result, "events"),
           (unsigned long long)cairn_rpc_u64(reply.result, "partitions"),
           (unsigned long long)cairn_rpc_u64(reply.result, "bytes"),
           (int)(peer.len > 16 ? 16 : peer.len), peer.p ? peer.p : "");
    return cairn_cli_done(&rpc, &reply);
}

static int run_import(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const pos[] = {"PATH", NULL};
    const char *file = NULL;
    char err[CAIRN_ARGS_ERR_MAX], path[PATH_MAX + 2];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const cairn_argspec_t spec = {NULL, pos, 1, &file};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&import_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if (absolute(file, path, sizeof path) != 0)
        return cairn_cli_fail("bad path '%s'", file);
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "bundle.import", 1);
    cairn_mp_pack_kv_str(pk, "path", path);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    const msgpack_object *already = cairn_mp_get(reply.result, "already");
    cairn_strv_t from = cairn_rpc_str(reply.result, "from");
    if (already != NULL && already->type == MSGPACK_OBJECT_BOOLEAN && already->via.boolean)
        printf("already imported: nothing changed (from node %.*s)\n",
               (int)(from.len > 16 ? 16 : from.len), from.p ? from.p : "");
    else
        printf("imported from node %.*s: %llu events applied, %llu already held\n",
               (int)(from.len > 16 ? 16 : from.len), from.p ? from.p : "",
               (unsigned long long)cairn_rpc_u64(reply.result, "applied"),
               (unsigned long long)cairn_rpc_u64(reply.result, "skipped"));
    return cairn_cli_done(&rpc, &reply);
}

const cairn_subcmd_t cairn_cmd_bundle[] = {
    {"export", run_export, &export_doc},
    {"import", run_import, &import_doc},
    {NULL, NULL, NULL},
};
