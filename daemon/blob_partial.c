/*
 * blob_partial.c: the partial files of chunks arriving from a sync peer (see blob_partial.h):
 * read back to resume, written at a cut or on a slow transfer, removed once the chunk is stored.
 *
 * Nothing here writes into chunks/: only cairn_blobs_chunk_put does, after the hash.
 */
#include "blob_partial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairn/err.h>

#include "blobs_priv.h"

static int partial_path(const cairn_blobs_t *b, const cairn_hash_t *h, char *out, size_t outlen)
{
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(h, hex);
    int n = snprintf(out, outlen, "%s/%s", b->partial, hex);
    return (n < 0 || (size_t)n >= outlen) ? -ENAMETOOLONG : 0;
}

int cairn_blobs_partial_read(cairn_blobs_t *b, const cairn_hash_t *h, uint8_t *buf, uint32_t cap,
                             uint64_t *have)
{
    char path[PATH_MAX];
    *have = 0;
    int rc = partial_path(b, h, path, sizeof path);
    if (rc != 0)
        return rc;
    int f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (f < 0)
        return errno == ENOENT ? 0 : -errno;
    struct stat st;
    if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = errno ? -errno : -EINVAL;
        close(f);
        return rc;
    }
    if ((uint64_t)st.st_size > cap) { /* cannot be ours: overwritten from 0 */
        close(f);
        return 0;
    }
    uint64_t got = 0;
    while (got < (uint64_t)st.st_size) {
        ssize_t n = pread(f, buf + got, (size_t)((uint64_t)st.st_size - got), (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* shorter than it was: what was read is what there is */
        got += (uint64_t)n;
    }
    close(f);
    *have = got;
    return 0;
}

int cairn_blobs_partial_write(cairn_blobs_t *b, const cairn_hash_t *h, int *fd, const uint8_t *buf,
                              uint64_t from, uint64_t to)
{
    if (b->readonly)
        return CAIRN_EINVAL;
    if (*fd < 0) {
        char path[PATH_MAX];
        int rc = partial_path(b, h, path, sizeof path);
        if (rc != 0)
            return rc;
        int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (from == 0 ? O_TRUNC : 0);
        *fd = open(path, flags, 0600);
        if (*fd < 0)
            return -errno;
    }
    while (from < to) {
        ssize_t n = pwrite(*fd, buf + from, (size_t)(to - from), (off_t)from);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        from += (uint64_t)n;
    }
    return 0;
}

int cairn_blobs_partial_remove(cairn_blobs_t *b, const cairn_hash_t *h)
{
    char path[PATH_MAX];
    int rc = partial_path(b, h, path, sizeof path);
    if (rc == 0 && unlink(path) != 0 && errno != ENOENT)
        rc = -errno;
    return rc;
}
