/*
 * blob_remove.c: removing a chunk from the store (retention, retention.h). Only the caller knows
 * that no live file lists the chunk; this file keeps the usage counters right.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairn/err.h>

#include "blobs_priv.h"

int cairn_blobs_chunk_remove(cairn_blobs_t *b, const cairn_hash_t *h, uint64_t *freed)
{
    char path[PATH_MAX];
    struct stat st;
    *freed = 0;
    if (b->readonly)
        return CAIRN_EINVAL;
    int rc = cairn_blobs_chunk_paths(b, h, path, sizeof path, NULL, 0);
    if (rc != 0)
        return rc;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -errno;
    if (unlink(path) != 0)
        return -errno;
    *freed = (uint64_t)st.st_size;
    b->bytes = b->bytes >= *freed ? b->bytes - *freed : 0;
    if (b->nchunks > 0)
        b->nchunks--;
    return 0;
}
