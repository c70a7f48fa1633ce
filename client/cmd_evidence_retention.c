/*
 * cmd_evidence_retention.c: "cairn evidence show" (one file part in detail: here, partial,
 * missing, or purged on which date and why) and "cairn evidence purge" (apply the retention
 * rules now: PROTOCOL.md 2.1, [blobs] purge_after_award / purge_after_age).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"

const cairn_cmd_doc_t cairn_evidence_show_doc = {
    "cairn evidence show",
    "SUB PART",
    "Shows evidence file PART of submission SUB: name, size, hash and whether its bytes are\n"
    "here (complete, partial, missing) or were purged by retention, and when.\n",
};

const cairn_cmd_doc_t cairn_evidence_purge_doc = {
    "cairn evidence purge",
    "",
    "Applies the retention rules now ([blobs] purge_after_award and purge_after_age; the daemon\n"
    "also does every 10 minutes): video bytes go, manifests, hashes and reviews stay. A file\n"
    "whose review is pending is never purged.\n",
};

static void row(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void row(const char *label, const char *fmt, ...)
{
    va_list ap;
    printf("%-10s ", label);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

int cairn_cmd_evidence_show(const cairn_cli_t *cli, int argc, char **argv)
{
    static const char *const pos[] = {"SUB", "PART", NULL};
    const char *pos_out[2] = {NULL, NULL};
    char err[CAIRN_ARGS_ERR_MAX], size[CAIRN_FMT_SIZE_MAX], text[300];
    const cairn_argspec_t spec = {NULL, pos, 2, pos_out};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&cairn_evidence_show_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&rpc, "evidence.show", 2);
    cairn_mp_pack_kv_str(pk, "submission", pos_out[0]);
    cairn_mp_pack_kv_str(pk, "part", pos_out[1]);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    const msgpack_object *r = reply.result;
    cairn_strv_t s = cairn_rpc_str(r, "submission");
    row("submission", "%s", cairn_fmt_sanitize(text, sizeof text, s.p, s.len));
    s = cairn_rpc_str(r, "part");
    row("part", "%s", cairn_fmt_sanitize(text, sizeof text, s.p, s.len));
    s = cairn_rpc_str(r, "name");
    cairn_fmt_size(cairn_rpc_u64(r, "size"), size, sizeof size);
    row("file", "%s (%s)", s.len ? cairn_fmt_sanitize(text, sizeof text, s.p, s.len) : "-", size);
    s = cairn_rpc_str(r, "hash");
    row("hash", "%s", cairn_fmt_sanitize(text, sizeof text, s.p, s.len));
    s = cairn_rpc_str(r, "state");
    uint64_t chunks = cairn_rpc_u64(r, "chunks"), held = cairn_rpc_u64(r, "chunks_held");
    if (s.len == 6 && memcmp(s.p, "purged", 6) == 0) {
        time_t t = (time_t)(cairn_rpc_u64(r, "purged_at") / 1000);
        struct tm tm;
        char when[40];
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
        cairn_strv_t why = cairn_rpc_str(r, "purge_reason");
        row("bytes", "purged on %s (%s); manifest, hashes and reviews kept", when,
            cairn_fmt_sanitize(text, sizeof text, why.p, why.len));
    } else {
        row("bytes", "%s, %llu of %llu chunks here",
            cairn_fmt_sanitize(text, sizeof text, s.p, s.len), (unsigned long long)held,
            (unsigned long long)chunks);
    }
    return cairn_cli_done(&rpc, &reply);
}

int cairn_cmd_evidence_purge(const cairn_cli_t *cli, int argc, char **argv)
{
    char err[CAIRN_ARGS_ERR_MAX], size[CAIRN_FMT_SIZE_MAX];
    const cairn_argspec_t spec = {NULL, NULL, 0, NULL};
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&cairn_evidence_purge_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    cairn_rpc_t rpc;
    cairn_reply_t reply;
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK)
        return rc;
    cairn_rpc_begin(&rpc, "evidence.purge", 0);
    if ((rc = cairn_cli_call(&rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    const msgpack_object *r = reply.result;
    const msgpack_object *en = cairn_mp_get(r, "enabled");
    if (en != NULL && en->type == MSGPACK_OBJECT_BOOLEAN && !en->via.boolean) {
        printf(
            "retention is off ([blobs] purge_after_award and purge_after_age): nothing purged\n");
        return cairn_cli_done(&rpc, &reply);
    }
    cairn_fmt_size(cairn_rpc_u64(r, "bytes"), size, sizeof size);
    printf("purged %llu files (%llu chunks, %s freed); %llu due but kept: review pending",
           (unsigned long long)cairn_rpc_u64(r, "files"),
           (unsigned long long)cairn_rpc_u64(r, "chunks"), size,
           (unsigned long long)cairn_rpc_u64(r, "kept_pending"));
    uint64_t not_at_hub = cairn_rpc_u64(r, "kept_not_at_hub"); /* 0 when absent (older cairnd) */
    if (not_at_hub > 0)
        printf("; %llu due but kept: not yet at the hub", (unsigned long long)not_at_hub);
    printf("\n");
    return cairn_cli_done(&rpc, &reply);
}
