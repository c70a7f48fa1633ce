/*
 * cmd_hash.c: "cairn hash FILE": prints the file's Cairn hash (PROTOCOL.md, file hash), the name
 * the daemon stores it under and `cairnd blob-cat` takes. Needs no daemon.
 */
#include <stdio.h>

#include <cairn/chunk.h>

#include "args.h"
#include "cmd.h"
#include "progress.h"
#include "upload.h"

const cairn_cmd_doc_t cairn_cmd_hash_doc = {
    "cairn hash",
    "FILE",
    "Prints the Cairn hash of FILE: BLAKE2b-256 over its 1 MiB chunk hashes, the name under\n"
    "which a daemon stores it. Needs no daemon.\n",
};

int cairn_cmd_hash(const cairn_cli_t *cli, int argc, char **argv)
{
    (void)cli;
    static const char *const pos[] = {"FILE", NULL};
    const char *file = NULL;
    const cairn_argspec_t spec = {NULL, pos, 1, &file};
    char err[CAIRN_ARGS_ERR_MAX];
    cairn_upload_t *up = NULL;
    cairn_progress_t progress;
    cairn_hash_t h;
    char hex[CAIRN_HASH_HEX_LEN + 1];

    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    if ((rc = cairn_cli_parsed(&cairn_cmd_hash_doc, rc, err)) != CAIRN_CLI_CONTINUE)
        return rc;
    if (cairn_upload_open(&up, file, err, sizeof err) != 0)
        return cairn_cli_fail("%s", err);
    cairn_progress_init(&progress, stderr);
    rc = cairn_upload_hash(up, &progress, &h);
    cairn_upload_close(up);
    if (rc != 0)
        return cairn_cli_fail("%s", err);
    cairn_hash_hex(&h, hex);
    printf("%s\n", hex);
    return CAIRN_EXIT_OK;
}
