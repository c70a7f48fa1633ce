/*
 * blobs_priv.h: what the blob store's own files (blobs.c, blob_partial.c) share and nobody else
 * may touch: the store's paths and usage counters, and the durable-rename helpers.
 */
#ifndef CAIRN_BLOBS_PRIV_H
#define CAIRN_BLOBS_PRIV_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blobs.h"

struct cairn_blobs {
    uv_loop_t *loop;
    bool readonly;
    char root[PATH_MAX];      /* DATADIR/blobs */
    char chunks[PATH_MAX];    /* DATADIR/blobs/chunks */
    char manifests[PATH_MAX]; /* DATADIR/blobs/manifests */
    char tmp[PATH_MAX];       /* DATADIR/blobs/tmp */
    char partial[PATH_MAX];   /* DATADIR/blobs/partial: chunks arriving from a peer, in order */
    uint64_t reserve;
    uint64_t bytes, nchunks; /* usage: loop thread only */
    uint64_t tmp_seq;        /* unique temp names within this process */
    uint32_t inflight;       /* chunk puts and adoptions queued or running */
};

/* chunks/ab/<hex>, and optionally the subdirectory chunks/ab (dir may be NULL). */
int cairn_blobs_chunk_paths(const cairn_blobs_t *b, const cairn_hash_t *h, char *file,
                            size_t filelen, char *dir, size_t dirlen);
/* Creates dir if missing; a new directory is made durable by fsyncing its parent. */
int cairn_blobs_ensure_dir(const char *dir);
/* CAIRN_ENOSPACE if storing need bytes under dir would leave less than reserve free. */
int cairn_blobs_reserve_check_at(const char *dir, uint64_t reserve, uint64_t need);
/* Moves tmp to final unless final exists (then *created is false and tmp is removed). */
int cairn_blobs_rename_noreplace(const char *tmp, const char *final, bool *created);
/* On the loop thread, once a chunk write (put or partial adopt) finished: one write fewer in
 * flight and, when it created the chunk file, len more bytes and one more chunk stored. */
void cairn_blobs_write_done(cairn_blobs_t *b, bool created, size_t len);

#endif
