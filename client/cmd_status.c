/*
 * cmd_status.c: "cairn status": is the daemon up, what is it, how full is it.
 *
 * Sends hello and status together (pipelined) and prints both replies as one page, ending with
 * how sync stands: the link to the hub (link, last sync, lag, queue) and, at a hub, its schools.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"

const cairn_cmd_doc_t cairn_cmd_status_doc = {
    "cairn status",
    "",
    "Shows whether cairnd is up, its role, node id, name and uptime, submissions per state,\n"
    "the numbers of educators, credentials and events, the space the blob store uses and\n"
    "the disk has left above its reserve, and sync: at a school the link to its hub (up or\n"
    "down), the last completed sync, the lag (events the hub lacks) and the unsent queue; at\n"
    "a hub the schools enrolled and connected and the change sets refused by rights.\n",
};

static void label(const char *name)
{
    printf("%-13s ", name);
}

static void line_str(const msgpack_object *m, const char *key, const char *name)
{
    cairn_strv_t v = cairn_rpc_str(m, key);
    label(name);
    cairn_fmt_put(stdout, v.p, v.len);
    putchar('\n');
}

static void line_u64(const msgpack_object *m, const char *key, const char *name)
{
    label(name);
    printf("%llu\n", (unsigned long long)cairn_rpc_u64(m, key));
}

/* "1 draft, 2 submitted, 0 withdrawn", in the daemon's order, so states added later show too. */
static void line_states(const msgpack_object *m)
{
    const msgpack_object *states = cairn_mp_get(m, "submissions");
    label("submissions");
    if (!states || states->type != MSGPACK_OBJECT_MAP || states->via.map.size == 0) {
        printf("none\n");
        return;
    }
    for (uint32_t i = 0; i < states->via.map.size; i++) {
        const msgpack_object_kv *kv = &states->via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            continue;
        printf("%s%llu ", i ? ", " : "", (unsigned long long)kv->val.via.u64);
        cairn_fmt_put(stdout, kv->key.via.str.ptr, kv->key.via.str.size);
    }
    putchar('\n');
}

/* The "sync" map (PROTOCOL.md 2.1), as a few labelled lines; nothing when absent. */
static void print_sync(const msgpack_object *st)
{
    const msgpack_object *sy = cairn_mp_get(st, "sync");
    char a[CAIRN_FMT_SIZE_MAX], ago[32];
    if (sy == NULL || sy->type != MSGPACK_OBJECT_MAP)
        return;
    if (cairn_mp_get(sy, "schools_enrolled") != NULL) {
        label("schools");
        printf("%llu enrolled, %llu connected\n",
               (unsigned long long)cairn_rpc_u64(sy, "schools_enrolled"),
               (unsigned long long)cairn_rpc_u64(sy, "schools_connected"));
        line_u64(sy, "rights_rejected", "rights denied");
    }
    cairn_strv_t link = cairn_rpc_str(sy, "link");
    if (link.len == 0)
        return;
    cairn_strv_t hub = cairn_rpc_str(sy, "hub");
    label("link");
    cairn_fmt_put(stdout, link.p, link.len);
    if (hub.len > 0)
        printf(" (hub %.*s)", (int)(hub.len > 16 ? 16 : hub.len), hub.p);
    putchar('\n');
    if (hub.len == 0)
        return;
    uint64_t last = cairn_rpc_u64(sy, "last_sync_ms");
    label("last sync");
    if (last == 0) {
        printf("never\n");
    } else {
        uint64_t now = (uint64_t)time(NULL) * 1000;
        cairn_fmt_duration(now > last ? (now - last) / 1000 : 0, ago, sizeof ago);
        printf("%s ago\n", ago);
    }
    label("lag");
    printf("%llu events the hub lacks\n", (unsigned long long)cairn_rpc_u64(sy, "lag"));
    cairn_fmt_size(cairn_rpc_u64(sy, "queue"), a, sizeof a);
    label("sync queue");
    printf("%s unsent\n", a);
    if (cairn_mp_get(sy, "next_retry_ms") != NULL) {
        label("next retry");
        printf("in %.1f s\n", (double)cairn_rpc_u64(sy, "next_retry_ms") / 1000.0);
    }
}

/* The "evidence" map: chunk sync counters (exact bytes, for scripts too) and, at a school, each
 * file's progress to the hub with its ETA. */
static void print_evidence(const msgpack_object *st)
{
    const msgpack_object *ev = cairn_mp_get(st, "evidence");
    char a[CAIRN_FMT_SIZE_MAX], eta[32];
    if (ev == NULL || ev->type != MSGPACK_OBJECT_MAP)
        return;
    label("evidence");
    printf("sent %llu B, received %llu B, stored %llu B in %llu chunks (%llu bad), "
           "%llu files complete, %llu resumed\n",
           (unsigned long long)cairn_rpc_u64(ev, "bytes_sent"),
           (unsigned long long)cairn_rpc_u64(ev, "bytes_received"),
           (unsigned long long)cairn_rpc_u64(ev, "bytes_stored"),
           (unsigned long long)cairn_rpc_u64(ev, "chunks_stored"),
           (unsigned long long)cairn_rpc_u64(ev, "chunks_bad"),
           (unsigned long long)cairn_rpc_u64(ev, "files_complete"),
           (unsigned long long)cairn_rpc_u64(ev, "resumed"));
    if (cairn_rpc_u64(ev, "files_at_hub") > 0) {
        label("evidence hub");
        printf("%llu files complete at the hub (as it reported; kept across restarts)\n",
               (unsigned long long)cairn_rpc_u64(ev, "files_at_hub"));
    }
    cairn_fmt_size(cairn_rpc_u64(ev, "rate"), a, sizeof a);
    label("evidence rate");
    printf("%s/s", a);
    if (cairn_rpc_u64(ev, "upload_rate") > 0) {
        cairn_fmt_size(cairn_rpc_u64(ev, "upload_rate"), a, sizeof a);
        printf(" (upload capped at %s/s)", a);
    }
    printf(", change sets waited behind at most %llu B\n",
           (unsigned long long)cairn_rpc_u64(ev, "event_wait_max"));
    const msgpack_object *files = cairn_mp_get(ev, "files");
    if (files == NULL || files->type != MSGPACK_OBJECT_ARRAY)
        return;
    for (uint32_t i = 0; i < files->via.array.size; i++) {
        const msgpack_object *f = &files->via.array.ptr[i];
        cairn_strv_t h = cairn_rpc_str(f, "hash");
        uint64_t held = cairn_rpc_u64(f, "held"), size = cairn_rpc_u64(f, "size");
        cairn_fmt_size(size, a, sizeof a);
        label("to hub");
        printf("%.*s  %3.0f%% of %s", (int)(h.len > 16 ? 16 : h.len), h.p,
               size ? 100.0 * (double)held / (double)size : 100.0, a);
        const msgpack_object *done = cairn_mp_get(f, "done");
        if (done != NULL && done->type == MSGPACK_OBJECT_BOOLEAN && done->via.boolean) {
            printf("  complete\n");
        } else if (cairn_mp_get(f, "eta_s") != NULL) {
            cairn_fmt_duration(cairn_rpc_u64(f, "eta_s"), eta, sizeof eta);
            printf("  ETA %s\n", eta);
        } else {
            printf("  waiting\n");
        }
    }
}

static void print_status(const cairn_rpc_t *rpc, const msgpack_object *hello,
                         const msgpack_object *st)
{
    char a[CAIRN_FMT_SIZE_MAX], b[CAIRN_FMT_SIZE_MAX], up[32];
    cairn_strv_t version = cairn_rpc_str(hello, "version");

    printf("cairnd is up at %s (%s", rpc->where, version.len ? "cairnd " : "");
    cairn_fmt_put(stdout, version.p, version.len);
    printf("%sprotocol %llu)\n", version.len ? ", " : "",
           (unsigned long long)cairn_rpc_u64(hello, "proto"));
    line_str(st, "role", "role");
    line_str(st, "name", "name");
    line_str(st, "node", "node");
    cairn_fmt_duration(cairn_rpc_u64(st, "uptime_ms") / 1000, up, sizeof up);
    label("uptime");
    printf("%s\n", up);
    line_states(st);
    line_u64(st, "educators", "educators");
    line_u64(st, "credentials", "credentials");
    line_u64(st, "events", "events");
    cairn_fmt_size(cairn_rpc_u64(st, "blob_bytes"), a, sizeof a);
    label("blob store");
    printf("%s in %llu chunks\n", a, (unsigned long long)cairn_rpc_u64(st, "blob_chunks"));
    cairn_fmt_size(cairn_rpc_u64(st, "disk_free"), a, sizeof a);
    cairn_fmt_size(cairn_rpc_u64(st, "disk_reserve"), b, sizeof b);
    label("disk free");
    printf("%s (reserve %s)\n", a, b);
    print_sync(st);
    print_evidence(st);
}

int cairn_cmd_status(const cairn_cli_t *cli, int argc, char **argv)
{
    char err[CAIRN_ARGS_ERR_MAX];
    const cairn_argspec_t spec = {NULL, NULL, 0, NULL};
    cairn_rpc_t rpc;
    cairn_reply_t hello, status;

    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&cairn_cmd_status_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    cairn_rpc_begin(&rpc, "hello", 0);
    if (cairn_rpc_send(&rpc) != 0)
        return cairn_cli_fail_rpc(&rpc);
    cairn_rpc_begin(&rpc, "status", 0);
    if (cairn_rpc_send(&rpc) != 0)
        return cairn_cli_fail_rpc(&rpc);
    if (cairn_rpc_recv(&rpc, &hello) != 0) {
        cairn_reply_free(&hello);
        return cairn_cli_fail_rpc(&rpc);
    }
    if (cairn_rpc_recv(&rpc, &status) != 0) {
        cairn_reply_free(&hello);
        cairn_reply_free(&status);
        return cairn_cli_fail_rpc(&rpc);
    }
    print_status(&rpc, hello.result, status.result);
    cairn_reply_free(&hello);
    return cairn_cli_done(&rpc, &status);
}
