/*
 * cmd_sync.c: "cairn sync now": ask the daemon to sync with its hub at once (op sync.now,
 * PROTOCOL.md 2.1) and print one line saying how the round went. Exit 1 when no session with
 * the hub was up at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"

#define SYNC_TIMEOUT_MAX_S 600.0

static const cairn_cmd_doc_t now_doc = {
    "cairn sync now",
    "[--timeout S]",
    "Connects to the hub now (starting the reconnect backoff over) and waits until this round\n"
    "is complete: vectors exchanged and what each side lacks sent and acknowledged. Prints\n"
    "whether the hub was reached, the events sent and received and the lag (events the hub\n"
    "still lacks). Gives up after S seconds (default 10). Exits 1 when the hub was not reached.\n",
};

/* "2", "0.5": seconds in (0, 600], into milliseconds. */
static int parse_timeout(const char *s, uint64_t *ms)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v > 0.0) || v > SYNC_TIMEOUT_MAX_S)
        return CAIRN_EINVAL;
    *ms = (uint64_t)(v * 1000.0);
    if (*ms == 0)
        *ms = 1;
    return 0;
}

static int run_now(const cairn_cli_t *cli, int argc, char **argv)
{
    const char *timeout = NULL;
    char err[CAIRN_ARGS_ERR_MAX];
    uint64_t ms = 10000;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    const cairn_opt_t opts[] = {
        {"timeout", "S", &timeout, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if (rc == 0 && timeout != NULL && parse_timeout(timeout, &ms) != 0) {
        snprintf(err, sizeof err, "--timeout %s: expected seconds, more than 0 and at most %.0f",
                 timeout, SYNC_TIMEOUT_MAX_S);
        rc = CAIRN_EINVAL;
    }
    if ((rc = cairn_cli_parsed(&now_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "sync.now", timeout != NULL ? 1 : 0);
    if (timeout != NULL)
        cairn_mp_pack_kv_u64(pk, "timeout_ms", ms);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    const msgpack_object *conn = cairn_mp_get(reply.result, "connected");
    bool connected = conn != NULL && conn->type == MSGPACK_OBJECT_BOOLEAN && conn->via.boolean;
    cairn_strv_t error = cairn_rpc_str(reply.result, "error");
    printf("%s: %llu events sent, %llu received, lag %llu", connected ? "synced" : "not connected",
           (unsigned long long)cairn_rpc_u64(reply.result, "sent"),
           (unsigned long long)cairn_rpc_u64(reply.result, "received"),
           (unsigned long long)cairn_rpc_u64(reply.result, "lag"));
    if (error.len > 0) {
        printf(" (");
        cairn_fmt_put(stdout, error.p, error.len);
        putchar(')');
    }
    putchar('\n');
    cairn_cli_done(&rpc, &reply);
    return connected ? CAIRN_EXIT_OK : CAIRN_EXIT_FAIL;
}

const cairn_subcmd_t cairn_cmd_sync[] = {
    {"now", run_now, &now_doc},
    {NULL, NULL, NULL},
};
