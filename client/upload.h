/*
 * upload.h: sending a file to cairnd as evidence (PROTOCOL.md section 2.2).
 *
 * Pass 1 hashes the file chunk by chunk (two threads) and names it by cairn_file_hash; blob.begin
 * tells us which chunks the daemon lacks; pass 2 re-reads only those and sends them with up to
 * CAIRN_UPLOAD_WINDOW chunk.put requests in flight; then blob.commit and evidence.add. Memory is
 * one chunk buffer plus the chunk hash list (32 bytes a chunk), whatever the file's size. A rerun
 * after any crash repeats the same steps and sends only what is still missing.
 */
#ifndef CAIRN_CLIENT_UPLOAD_H
#define CAIRN_CLIENT_UPLOAD_H

#include <stdint.h>

#include <cairn/chunk.h>

#include "progress.h"
#include "rpc.h"

/* chunk.put requests in flight at once: enough to keep the daemon's disk busy while the next
 * chunk is read and sent, few enough that its replies never back up. */
#define CAIRN_UPLOAD_WINDOW 8

typedef struct {
    uint64_t size;     /* bytes in the file */
    uint32_t chunks;   /* chunks in the file */
    uint32_t sent;     /* chunks this run sent */
    uint32_t present;  /* chunks the daemon already held */
    cairn_hash_t hash; /* the whole file's hash */
} cairn_upload_result_t;

typedef struct cairn_upload cairn_upload_t;

/* Opens the file at path and checks it can be uploaded: it exists, is readable, is a regular
 * file, and is not over the size one manifest can describe. Returns 0 with *up (free it with
 * cairn_upload_close()), or a negative code with a one-line reason in err. */
int cairn_upload_open(cairn_upload_t **up, const char *path, char *err, size_t errlen);

/* Uploads the opened file and adds it as evidence part of submission (a full id). Returns 0 with
 * *res filled, or a negative code with rpc->err saying what failed: the file (unreadable, changed
 * during the upload), the connection, or the daemon's own error (no space, wrong state, ...).
 * progress may be NULL. */
int cairn_upload_send(cairn_upload_t *up, cairn_rpc_t *rpc, const char *submission,
                      const char *part, cairn_progress_t *progress, cairn_upload_result_t *res);

/* Pass 1 only: the file's Cairn hash (cairn_file_hash), as `cairn hash FILE` prints it. Returns 0
 * or a negative code with the reason in the err buffer given to cairn_upload_open(). */
int cairn_upload_hash(cairn_upload_t *up, cairn_progress_t *progress, cairn_hash_t *out);

void cairn_upload_close(cairn_upload_t *up);

#endif
