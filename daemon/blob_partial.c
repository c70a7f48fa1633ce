/*
 * blob_partial.c: chunks arriving from a sync peer, appended in order under blobs/partial/ and
 * adopted into chunks/ only after the whole chunk hashed to its name (see blob_partial.h).
 *
 * Must never let an unverified byte into chunks/, and never block the loop on the hash or the
 * fsync (adoption runs on the thread pool).
 */
#include "blob_partial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairn/err.h>

#include "blobs_priv.h"
#include "fsutil.h"

typedef struct {
    uv_work_t work;
    cairn_blobs_t *b;
    cairn_hash_t hash;
    uint32_t len;
    cairn_blobs_put_cb cb;
    void *arg;
    int status;
    bool created;
    bool hashed; /* the caller hashed the bytes as it wrote them: only the length is checked */
} adopt_req_t;

static int partial_path(const cairn_blobs_t *b, const cairn_hash_t *h, char *out, size_t outlen)
{
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(h, hex);
    int n = snprintf(out, outlen, "%s/%s", b->partial, hex);
    return (n < 0 || (size_t)n >= outlen) ? -ENAMETOOLONG : 0;
}

int cairn_blobs_partial_open(cairn_blobs_t *b, const cairn_hash_t *h, uint32_t len, int *fd,
                             uint64_t *have)
{
    char path[PATH_MAX];
    if (b->readonly)
        return CAIRN_EINVAL;
    int rc = partial_path(b, h, path, sizeof path);
    if (rc != 0)
        return rc;
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0)
        return -errno;
    struct stat st;
    if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = errno ? -errno : -EINVAL;
        close(f);
        return rc;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size > len) {
        if (ftruncate(f, 0) != 0) {
            rc = -errno;
            close(f);
            return rc;
        }
        size = 0;
    }
    *fd = f;
    *have = size;
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

/* Hashes exactly len bytes of fd; CAIRN_EHASH if the file is not len bytes hashing to want. */
static int verify_fd(int fd, uint32_t len, const cairn_hash_t *want)
{
    enum { BLOCK = 64 * 1024 };
    uint8_t *buf = malloc(BLOCK);
    if (buf == NULL)
        return -ENOMEM;
    cairn_hasher_t hs;
    cairn_hasher_init(&hs);
    uint64_t off = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, BLOCK, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (n == 0)
            break;
        off += (uint64_t)n;
        if (off > len) {
            rc = CAIRN_EHASH;
            break;
        }
        cairn_hasher_update(&hs, buf, (size_t)n);
    }
    free(buf);
    cairn_hash_t got;
    cairn_hasher_final(&hs, &got);
    if (rc == 0 && (off != len || sodium_memcmp(got.b, want->b, CAIRN_HASH_LEN) != 0))
        rc = CAIRN_EHASH;
    return rc;
}

/* Thread pool: verify, fsync, rename into chunks/, fsync the directory. */
static void adopt_work(uv_work_t *w)
{
    adopt_req_t *r = w->data;
    const cairn_blobs_t *b = r->b;
    char path[PATH_MAX], final[PATH_MAX], dir[PATH_MAX];
    int rc = partial_path(b, &r->hash, path, sizeof path);
    if (rc == 0)
        rc = cairn_blobs_chunk_paths(b, &r->hash, final, sizeof final, dir, sizeof dir);
    int fd = rc == 0 ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
    if (rc == 0 && fd < 0)
        rc = -errno;
    if (rc == 0 && r->hashed) {
        struct stat st;
        if (fstat(fd, &st) != 0)
            rc = -errno;
        else if ((uint64_t)st.st_size != r->len)
            rc = CAIRN_EHASH;
    } else if (rc == 0) {
        rc = verify_fd(fd, r->len, &r->hash);
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (fd >= 0)
        close(fd);
    if (rc == CAIRN_EHASH) {
        unlink(path);
    } else if (rc == 0) {
        struct stat st;
        if (stat(final, &st) == 0 && S_ISREG(st.st_mode)) {
            unlink(path); /* stored meanwhile (a LAN upload of the same bytes) */
        } else {
            rc = cairn_blobs_ensure_dir(dir);
            if (rc == 0)
                rc = cairn_blobs_rename_noreplace(path, final, &r->created);
            if (rc == 0)
                rc = cairn_fs_fsync_dir(dir);
        }
    }
    r->status = rc;
}

static void adopt_done(uv_work_t *w, int status)
{
    adopt_req_t *r = w->data;
    cairn_blobs_write_done(r->b, r->created, r->len);
    int rc = status == UV_ECANCELED ? UV_ECANCELED : r->status;
    cairn_blobs_put_cb cb = r->cb;
    void *arg = r->arg;
    free(r);
    cb(arg, rc);
}

int cairn_blobs_partial_adopt(cairn_blobs_t *b, const cairn_hash_t *h, uint32_t len, bool hashed,
                              cairn_blobs_put_cb cb, void *arg)
{
    if (b->readonly)
        return CAIRN_EINVAL;
    if (len == 0 || len > CAIRN_CHUNK_SIZE_MAX)
        return CAIRN_ETOOBIG;
    adopt_req_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -ENOMEM;
    r->b = b;
    r->hash = *h;
    r->len = len;
    r->hashed = hashed;
    r->cb = cb;
    r->arg = arg;
    r->work.data = r;
    int rc = uv_queue_work(b->loop, &r->work, adopt_work, adopt_done);
    if (rc != 0) {
        free(r);
        return rc;
    }
    b->inflight++;
    return 0;
}
