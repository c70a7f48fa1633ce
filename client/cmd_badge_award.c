/*
 * cmd_badge_award.c: the "cairn badge" verbs that need the daemon's awards:
 *   list [--educator E]            awards held by this node (a school: its teachers' awards)
 *   export AWARD --out F.json      the signed Open Badges credential, written to a file
 *   revoke AWARD --reason R        (hub) revoke; the re-signed status list syncs to schools
 *   status-list URL --out F.json   the last status list this node holds for URL
 * and cairn_badge_fetch_status(), which `badge verify` uses to check revocation against the
 * status list last synced to the local daemon when no --status-list file is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairn/err.h>

#include "addr.h"
#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "rpc.h"

const cairn_cmd_doc_t cairn_badge_list_doc = {
    "cairn badge list",
    "[--educator E]",
    "Lists the awards this node holds, oldest first: award id, teacher, credential, issue date,\n"
    "and whether it is revoked. At a school these are its teachers' badges, synced from the hub.\n",
};
const cairn_cmd_doc_t cairn_badge_export_doc = {
    "cairn badge export",
    "AWARD --out F.json",
    "Writes the award's signed Open Badges 3.0 credential to F.json (an existing file is not\n"
    "overwritten). Anyone can check it with `cairn badge verify F.json` or any Verifiable\n"
    "Credentials verifier that supports eddsa-rdfc-2022.\n",
};
const cairn_cmd_doc_t cairn_badge_revoke_doc = {
    "cairn badge revoke",
    "AWARD --reason R",
    "At the hub that issued it: revokes an award. The hub re-signs its status list, which\n"
    "reaches every school with the next sync; `cairn badge verify` then reports it revoked.\n",
};
const cairn_cmd_doc_t cairn_badge_status_doc = {
    "cairn badge status-list",
    "URL --out F.json",
    "Writes the signed status list for URL (a credential's statusListCredential) as last\n"
    "synced to this node, for `cairn badge verify --status-list` on another machine.\n",
};

/* Writes len bytes to a new file (refusing to overwrite), fsync'd. */
static int write_new(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return cairn_cli_fail("%s: %s", path, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            close(fd);
            unlink(path);
            return cairn_cli_fail("%s: %s", path, strerror(e));
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(path);
        return cairn_cli_fail("%s: %s", path, strerror(errno));
    }
    return CAIRN_EXIT_OK;
}

static void day(uint64_t ms, char out[16])
{
    struct tm tm;
    time_t t = (time_t)(ms / 1000);
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

int cairn_badge_run_list(const cairn_cli_t *cli, int argc, char **argv)
{
    const char *educator = NULL;
    char err[CAIRN_ARGS_ERR_MAX], date[16];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const msgpack_object_array *awards;
    const cairn_opt_t opts[] = {{"educator", "E", &educator, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&cairn_badge_list_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "badge.list", educator != NULL);
    if (educator != NULL)
        cairn_mp_pack_kv_str(pk, "educator", educator);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(&rpc, &reply, "badge.list", "awards", &awards)) != CAIRN_EXIT_OK)
        return rc;
    if (awards->size == 0)
        printf("no awards\n");
    for (uint32_t i = 0; i < awards->size; i++) {
        const msgpack_object *a = &awards->ptr[i];
        cairn_strv_t id = cairn_rpc_str(a, "id"), name = cairn_rpc_str(a, "name");
        cairn_strv_t title = cairn_rpc_str(a, "title"), ach = cairn_rpc_str(a, "achievement");
        cairn_strv_t revoked = cairn_rpc_str(a, "revoked");
        day(cairn_rpc_u64(a, "issued"), date);
        cairn_fmt_put(stdout, id.p, id.len);
        printf("  %s  ", date);
        cairn_fmt_put(stdout, name.p, name.len);
        printf("  ");
        if (title.len > 0)
            cairn_fmt_put(stdout, title.p, title.len);
        else
            cairn_fmt_put(stdout, ach.p, ach.len);
        if (revoked.len > 0) {
            printf("  [");
            cairn_fmt_put(stdout, revoked.p, revoked.len);
            putchar(']');
        }
        putchar('\n');
    }
    return cairn_cli_done(&rpc, &reply);
}

/* One positional and a required --out: export and status-list. */
static int id_and_out(const cairn_cmd_doc_t *doc, const char *posname, int argc, char **argv,
                      const char **id, const char **out)
{
    const char *pos[] = {posname, NULL};
    char err[CAIRN_ARGS_ERR_MAX];
    const cairn_opt_t opts[] = {{"out", "F.json", out, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, pos, 1, id};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if (rc == 0 && *out == NULL) {
        snprintf(err, sizeof err, "missing --out F.json");
        rc = CAIRN_EINVAL;
    }
    return cairn_cli_parsed(doc, rc, err);
}

/* Calls op with {key: value} and writes the str field `field` of the reply to out. */
static int fetch_to_file(const cairn_cli_t *cli, const char *op, const char *key, const char *value,
                         const char *field, const char *out)
{
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    int rc = cairn_cli_connect(cli, &rpc);
    if (rc != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, op, 1);
    cairn_mp_pack_kv_str(pk, key, value);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    cairn_strv_t json = cairn_rpc_str(reply.result, field);
    rc = json.len > 0 ? write_new(out, json.p, json.len)
                      : cairn_cli_fail("cairnd sent a %s reply without \"%s\"", op, field);
    if (rc == CAIRN_EXIT_OK)
        printf("wrote %s (%zu bytes)\n", out, json.len);
    cairn_reply_free(&reply);
    cairn_rpc_close(&rpc);
    return rc;
}

int cairn_badge_run_export(const cairn_cli_t *cli, int argc, char **argv)
{
    const char *id = NULL, *out = NULL;
    int rc = id_and_out(&cairn_badge_export_doc, "AWARD", argc, argv, &id, &out);
    if (rc != CAIRN_CLI_CONTINUE)
        return rc;
    return fetch_to_file(cli, "badge.get", "id", id, "credential", out);
}

int cairn_badge_run_status_list(const cairn_cli_t *cli, int argc, char **argv)
{
    const char *url = NULL, *out = NULL;
    int rc = id_and_out(&cairn_badge_status_doc, "URL", argc, argv, &url, &out);
    if (rc != CAIRN_CLI_CONTINUE)
        return rc;
    return fetch_to_file(cli, "badge.status", "url", url, "json", out);
}

int cairn_badge_run_revoke(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const pos[] = {"AWARD", NULL};
    const char *id = NULL, *reason = NULL;
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const cairn_opt_t opts[] = {{"reason", "R", &reason, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, pos, 1, &id};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if (rc == 0 && (reason == NULL || reason[0] == '\0')) {
        snprintf(err, sizeof err, "missing --reason R (the teacher and verifiers see it)");
        rc = CAIRN_EINVAL;
    }
    if ((rc = cairn_cli_parsed(&cairn_badge_revoke_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "badge.revoke", 2);
    cairn_mp_pack_kv_str(pk, "id", id);
    cairn_mp_pack_kv_str(pk, "reason", reason);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    cairn_strv_t rid = cairn_rpc_str(reply.result, "id");
    printf("revoked ");
    cairn_fmt_put(stdout, rid.p, rid.len);
    printf(": the status list goes to the schools with the next sync\n");
    return cairn_cli_done(&rpc, &reply);
}

int cairn_badge_fetch_status(const cairn_cli_t *cli, const char *url, char **json, size_t *len)
{
    cairn_addr_t addr;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    char err[CAIRN_RPC_ERR_MAX];
    bool secured = false;
    *json = NULL;
    *len = 0;
    if (cairn_addr_resolve(cli->data, cli->connect, cli->env_data, &addr, err, sizeof err) != 0 ||
        cairn_rpc_open(&rpc, &addr) != 0)
        return 1;
    if (addr.kind == CAIRN_ADDR_TCP && cairn_cli_connect_secure(&addr, &rpc, &secured) != 0) {
        cairn_rpc_close(&rpc);
        return 1;
    }
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "badge.status", 1);
    cairn_mp_pack_kv_str(pk, "url", url);
    int rc = 1;
    if (cairn_rpc_call(&rpc, &reply) == 0) {
        cairn_strv_t s = cairn_rpc_str(reply.result, "json");
        if (s.len > 0 && (*json = malloc(s.len + 1)) != NULL) {
            memcpy(*json, s.p, s.len);
            (*json)[s.len] = '\0';
            *len = s.len;
            rc = 0;
        }
    }
    cairn_reply_free(&reply);
    cairn_rpc_close(&rpc);
    return rc;
}
