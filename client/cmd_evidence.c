/*
 * cmd_evidence.c: "cairn evidence add": a file (uploaded in chunks, resumably) or a short text
 * as one evidence part of a draft submission.
 *
 * Before a single byte of a file is read, the submission is looked up: a wrong id, a part the
 * credential does not have, or a submission that is no longer a draft fails at once rather than
 * after hashing a 2 GB video.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "fmt.h"
#include "progress.h"
#include "upload.h"

static const cairn_cmd_doc_t add_doc = {
    "cairn evidence add",
    "SUB --part P (FILE | --text TEXT | --text-file F)",
    "Adds or replaces evidence part P of draft submission SUB: a file of any size (sent in\n"
    "1 MiB chunks; if interrupted, run the same command again and only the chunks the daemon\n"
    "lacks are sent), or a text of at most 64 KiB given inline or read from file F.\n"
    "Prints \"evidence P stored: SIZE bytes, N chunks (M sent, K already there)\" for a file.\n"
    "Progress is shown on stderr when it is a terminal.\n",
};

int cairn_cmd_evidence_add_parse(int argc, char **argv, cairn_evidence_add_args_t *a, char *err,
                                 size_t errlen)
{
    static const char *const pos[] = {"SUB", "FILE", NULL};
    const char *pos_out[2] = {NULL, NULL};

    memset(a, 0, sizeof *a);
    const cairn_opt_t opts[] = {
        {"part", "P", &a->part, NULL},
        {"text", "TEXT", &a->text, NULL},
        {"text-file", "F", &a->text_file, NULL},
        {NULL, NULL, NULL, NULL},
    };
    const cairn_argspec_t spec = {opts, pos, 1, pos_out};
    int rc = cairn_args_parse(&spec, argc, argv, err, errlen);
    if (rc)
        return rc;
    a->submission = pos_out[0];
    a->file = pos_out[1];
    if (!a->part) {
        snprintf(err, errlen, "missing --part P");
        return CAIRN_EINVAL;
    }
    int sources = !!a->file + !!a->text + !!a->text_file;
    if (sources == 0) {
        snprintf(err, errlen, "missing FILE, --text TEXT or --text-file F");
        return CAIRN_EINVAL;
    }
    if (sources > 1) {
        snprintf(err, errlen, "give only one of FILE, --text and --text-file");
        return CAIRN_EINVAL;
    }
    if (a->text && a->text[0] == '\0') {
        snprintf(err, errlen, "--text is empty");
        return CAIRN_EINVAL;
    }
    if (a->text && strlen(a->text) > CAIRN_TEXT_MAX) {
        snprintf(err, errlen, "--text is %zu bytes, over the %u-byte limit", strlen(a->text),
                 CAIRN_TEXT_MAX);
        return CAIRN_EINVAL;
    }
    return 0;
}

/* Looks the submission up and checks part P can be added to it. Leaves its full id in id. */
static int check_submission(cairn_rpc_t *rpc, const cairn_evidence_add_args_t *a, char *id,
                            size_t idlen)
{
    cairn_reply_t reply;
    const msgpack_object_array *parts;
    char names[256] = "";
    size_t used = 0;
    int rc;

    msgpack_packer *pk = cairn_rpc_begin(rpc, "submission.show", 1);
    cairn_mp_pack_kv_str(pk, "id", a->submission);
    if ((rc = cairn_cli_call(rpc, &reply)) != CAIRN_EXIT_OK ||
        (rc = cairn_cli_array(rpc, &reply, "submission.show", "parts", &parts)) != CAIRN_EXIT_OK)
        return rc;

    cairn_strv_t full = cairn_rpc_str(reply.result, "id");
    cairn_strv_t state = cairn_rpc_str(reply.result, "state");
    cairn_fmt_sanitize(id, idlen, full.p, full.len);
    if (full.len == 0 || full.len >= idlen) {
        rc = cairn_rpc_fail(rpc, CAIRN_EPROTO, "cairnd sent a submission.show reply without an id");
    } else if (state.len != 5 || memcmp(state.p, "draft", 5) != 0) {
        char st[32];
        cairn_fmt_sanitize(st, sizeof st, state.p, state.len);
        rc = cairn_rpc_fail(rpc, CAIRN_ESTATE,
                            "submission %s is %s: evidence can be added only to a draft", id, st);
    } else {
        rc = CAIRN_ENOTFOUND;
        for (uint32_t i = 0; i < parts->size && rc; i++) {
            cairn_strv_t p = cairn_rpc_str(&parts->ptr[i], "part");
            if (p.len == strlen(a->part) && memcmp(p.p, a->part, p.len) == 0)
                rc = 0;
            if (used + p.len + 3 < sizeof names)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%.*s", i ? ", " : "",
                                         (int)p.len, p.p);
        }
        if (rc) {
            char cred[80];
            cairn_strv_t c = cairn_rpc_str(reply.result, "credential");
            cairn_fmt_sanitize(cred, sizeof cred, c.p, c.len);
            cairn_fmt_sanitize(names, sizeof names, names, strlen(names));
            rc = cairn_rpc_fail(rpc, CAIRN_ENOTFOUND,
                                "credential %s has no evidence part '%s' (its parts: %s)", cred,
                                a->part, names);
        }
    }
    cairn_reply_free(&reply);
    return rc ? cairn_cli_fail_rpc(rpc) : CAIRN_EXIT_OK;
}

static int add_text(cairn_rpc_t *rpc, const char *id, const char *part, const char *text,
                    size_t len)
{
    cairn_reply_t reply;
    int rc;
    msgpack_packer *pk = cairn_rpc_begin(rpc, "evidence.add", 3);
    cairn_mp_pack_kv_str(pk, "submission", id);
    cairn_mp_pack_kv_str(pk, "part", part);
    cairn_mp_pack_kv_strn(pk, "text", text, len);
    if ((rc = cairn_cli_call(rpc, &reply)) != CAIRN_EXIT_OK)
        return rc;
    printf("evidence %s stored: %llu bytes of text\n", part,
           (unsigned long long)cairn_rpc_u64(reply.result, "size"));
    return cairn_cli_done(rpc, &reply);
}

static int run_add(const cairn_cli_t *cli, int argc, char **argv)
{
    cairn_evidence_add_args_t a;
    char err[CAIRN_ARGS_ERR_MAX], id[64];
    cairn_rpc_t rpc;
    cairn_upload_t *up = NULL;
    char *text = NULL;
    size_t textlen = 0;

    int rc = cairn_cmd_evidence_add_parse(argc, argv, &a, err, sizeof err);
    if ((rc = cairn_cli_parsed(&add_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    /* The file or text is checked before connecting: a mistake there needs no daemon. */
    if (a.text_file && (rc = cairn_cli_read_file(a.text_file, CAIRN_TEXT_MAX, "text evidence",
                                                 &text, &textlen)) != 0)
        return rc;
    if (a.file && cairn_upload_open(&up, a.file, err, sizeof err) != 0)
        return cairn_cli_fail("%s", err);
    if ((rc = cairn_cli_connect(cli, &rpc)) != CAIRN_EXIT_OK ||
        (rc = check_submission(&rpc, &a, id, sizeof id)) != CAIRN_EXIT_OK) {
        free(text);
        cairn_upload_close(up);
        return rc;
    }
    if (!up) {
        rc = a.text ? add_text(&rpc, id, a.part, a.text, strlen(a.text))
                    : add_text(&rpc, id, a.part, text, textlen);
        free(text);
        return rc;
    }

    cairn_progress_t progress;
    cairn_upload_result_t res;
    cairn_progress_init(&progress, stderr);
    rc = cairn_upload_send(up, &rpc, id, a.part, &progress, &res);
    cairn_upload_close(up);
    if (rc == -ECONNRESET || rc == -EPIPE) {
        /* The one failure a teacher fixes by simply trying again: say so. */
        size_t n = strlen(rpc.err);
        snprintf(rpc.err + n, sizeof rpc.err - n,
                 "; run the same command again to resume (chunks already stored are kept)");
    }
    if (rc)
        return cairn_cli_fail_rpc(&rpc);
    printf("evidence %s stored: %llu bytes, %u chunks (%u sent, %u already there)\n", a.part,
           (unsigned long long)res.size, res.chunks, res.sent, res.present);
    cairn_rpc_close(&rpc);
    return CAIRN_EXIT_OK;
}

const cairn_subcmd_t cairn_cmd_evidence[] = {
    {"add", run_add, &add_doc},
    {"list", cairn_cmd_evidence_list, &cairn_evidence_list_doc},
    {"get", cairn_cmd_evidence_get, &cairn_evidence_get_doc},
    {"prioritize", cairn_cmd_evidence_prioritize, &cairn_evidence_prioritize_doc},
    {"show", cairn_cmd_evidence_show, &cairn_evidence_show_doc},
    {"purge", cairn_cmd_evidence_purge, &cairn_evidence_purge_doc},
    {NULL, NULL, NULL},
};
