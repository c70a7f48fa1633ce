/*
 * blob_read.c: stream a stored file out of the chunk store, verifying every chunk.
 * Must never trust a chunk file's bytes without hashing them: disks rot.
 */
#include "blob_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairn/err.h>

#include "fsutil.h"

/* Reads exactly want bytes of one chunk file into buf. */
static int read_chunk(const char *path, uint8_t *buf, size_t want)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? CAIRN_EINCOMPLETE : -errno;
    size_t got = 0;
    int rc = 0;
    while (got < want) {
        ssize_t n = read(fd, buf + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : CAIRN_EHASH; /* short chunk: cannot match its hash */
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    return rc;
}

int cairn_blob_read_to_fd(cairn_blobs_t *b, const cairn_hash_t *file_hash, int fd)
{
    cairn_manifest_t m;
    int rc = cairn_blobs_manifest_get(b, file_hash, &m);
    if (rc < 0)
        return rc;
    uint8_t *buf = malloc(m.chunk_size ? m.chunk_size : 1);
    if (!buf) {
        cairn_manifest_free(&m);
        return -ENOMEM;
    }
    uint64_t left = m.size;
    for (uint32_t i = 0; i < m.nchunks && rc == 0; i++) {
        size_t want = left < m.chunk_size ? (size_t)left : m.chunk_size;
        char path[4096];
        cairn_hash_t got;
        rc = cairn_blobs_chunk_path(b, &m.chunks[i], path, sizeof path);
        if (rc == 0)
            rc = read_chunk(path, buf, want);
        if (rc == 0) {
            cairn_hash_buf(buf, want, &got);
            if (sodium_memcmp(got.b, m.chunks[i].b, CAIRN_HASH_LEN) != 0)
                rc = CAIRN_EHASH;
        }
        if (rc == 0)
            rc = cairn_fs_write_all(fd, buf, want);
        left -= want;
    }
    free(buf);
    cairn_manifest_free(&m);
    return rc;
}
