/*
 * blobs.c: the content-addressed chunk and manifest store on the filesystem (see blobs.h).
 *
 * Invariant: a file in chunks/ is whole and hashes to its name. It is only ever created by a
 * rename from tmp/ after the bytes were verified and fsync'd, and the directory is fsync'd before
 * anyone is told. This module must never block the loop on a chunk write (those run on the
 * thread pool), never leave a temp file behind after a failed write, and never trust a name it
 * did not compute.
 */
#define _GNU_SOURCE /* renameat2 */
#include "blobs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cairn/err.h>

#include "blobs_priv.h"
#include "fsutil.h"
#include "log.h"

/* A stored manifest is at most 65536 x 34 bytes plus its keys; anything bigger is not ours. */
#define MANIFEST_FILE_MAX (4u * 1024 * 1024)

typedef struct {
    uv_work_t work;
    cairn_blobs_t *b;
    cairn_hash_t hash;
    const uint8_t *data;
    size_t len;
    uint64_t seq;
    cairn_blobs_put_cb cb;
    void *arg;
    int status;   /* set by the worker */
    bool created; /* the worker put a new file into chunks/ */
} put_req_t;

static int path_join(char *out, size_t outlen, const char *a, const char *b)
{
    int n = snprintf(out, outlen, "%s/%s", a, b);
    return (n < 0 || (size_t)n >= outlen) ? -ENAMETOOLONG : 0;
}

/* chunks/ab/<hex>, and optionally the subdirectory chunks/ab. */
int cairn_blobs_chunk_paths(const cairn_blobs_t *b, const cairn_hash_t *h, char *file,
                            size_t filelen, char *dir, size_t dirlen)
{
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(h, hex);
    int n = snprintf(file, filelen, "%s/%.2s/%s", b->chunks, hex, hex);
    if (n < 0 || (size_t)n >= filelen)
        return -ENAMETOOLONG;
    if (dir != NULL) {
        n = snprintf(dir, dirlen, "%s/%.2s", b->chunks, hex);
        if (n < 0 || (size_t)n >= dirlen)
            return -ENAMETOOLONG;
    }
    return 0;
}

int cairn_blobs_chunk_path(cairn_blobs_t *b, const cairn_hash_t *h, char *out, size_t outlen)
{
    return cairn_blobs_chunk_paths(b, h, out, outlen, NULL, 0);
}

static bool is_hex_name(const char *s, size_t want)
{
    size_t i = 0;
    for (; s[i] != '\0'; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return i == want;
}

/* Creates dir if missing; a new directory is made durable by fsyncing its parent. */
int cairn_blobs_ensure_dir(const char *dir)
{
    if (mkdir(dir, 0700) == 0)
        return cairn_fs_fsync_parent(dir);
    if (errno != EEXIST)
        return -errno;
    struct stat st;
    if (stat(dir, &st) != 0)
        return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* Whatever is in tmp/ at start-up was being written when the last process died: debris. */
static int remove_debris(const char *tmp)
{
    DIR *d = opendir(tmp);
    if (d == NULL)
        return -errno;
    struct dirent *e;
    unsigned removed = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            removed++;
        else
            cairn_log_warn("blobs: cannot remove debris %s/%s: %s", tmp, e->d_name,
                           strerror(errno));
    }
    closedir(d);
    if (removed > 0)
        cairn_log_info("blobs: removed %u unfinished temp file(s) from %s", removed, tmp);
    return 0;
}

/* Counts the stored chunks and their bytes once at open; afterwards puts keep the sums. */
static int scan_usage(cairn_blobs_t *b)
{
    DIR *top = opendir(b->chunks);
    if (top == NULL)
        return -errno;
    struct dirent *sub;
    while ((sub = readdir(top)) != NULL) {
        if (!is_hex_name(sub->d_name, 2))
            continue;
        int fd = openat(dirfd(top), sub->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            continue;
        DIR *d = fdopendir(fd);
        if (d == NULL) {
            close(fd);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            struct stat st;
            if (!is_hex_name(e->d_name, CAIRN_HASH_HEX_LEN))
                continue;
            if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISREG(st.st_mode)) {
                b->bytes += (uint64_t)st.st_size;
                b->nchunks++;
            }
        }
        closedir(d);
    }
    closedir(top);
    return 0;
}

static int set_paths(cairn_blobs_t *b, const char *datadir)
{
    int rc = path_join(b->root, sizeof b->root, datadir, "blobs");
    if (rc == 0)
        rc = path_join(b->chunks, sizeof b->chunks, b->root, "chunks");
    if (rc == 0)
        rc = path_join(b->manifests, sizeof b->manifests, b->root, "manifests");
    if (rc == 0)
        rc = path_join(b->tmp, sizeof b->tmp, b->root, "tmp");
    if (rc == 0)
        rc = path_join(b->partial, sizeof b->partial, b->root, "partial");
    return rc;
}

int cairn_blobs_open(uv_loop_t *loop, const char *datadir, uint64_t disk_reserve,
                     cairn_blobs_t **out)
{
    cairn_blobs_t *b = calloc(1, sizeof *b);
    if (b == NULL)
        return -ENOMEM;
    b->loop = loop;
    b->reserve = disk_reserve;
    int rc = set_paths(b, datadir);
    if (rc == 0)
        rc = cairn_blobs_ensure_dir(b->root);
    if (rc == 0)
        rc = cairn_blobs_ensure_dir(b->chunks);
    if (rc == 0)
        rc = cairn_blobs_ensure_dir(b->manifests);
    if (rc == 0)
        rc = cairn_blobs_ensure_dir(b->tmp);
    if (rc == 0)
        rc = cairn_blobs_ensure_dir(b->partial);
    if (rc == 0)
        rc = remove_debris(b->tmp);
    if (rc == 0)
        rc = scan_usage(b);
    if (rc != 0) {
        free(b);
        return rc;
    }
    *out = b;
    return 0;
}

int cairn_blobs_open_readonly(const char *datadir, cairn_blobs_t **out)
{
    cairn_blobs_t *b = calloc(1, sizeof *b);
    if (b == NULL)
        return -ENOMEM;
    b->readonly = true;
    int rc = set_paths(b, datadir);
    struct stat st;
    if (rc == 0 && stat(b->manifests, &st) != 0)
        rc = errno == ENOENT ? CAIRN_EDATADIR : -errno;
    if (rc != 0) {
        free(b);
        return rc;
    }
    *out = b;
    return 0;
}

void cairn_blobs_close(cairn_blobs_t *b)
{
    if (b == NULL)
        return;
    /* The caller runs the loop until every put has called back before closing. */
    if (b->inflight != 0)
        cairn_log_error("blobs: closed with %u chunk write(s) in flight", b->inflight);
    free(b);
}

bool cairn_blobs_chunk_has(cairn_blobs_t *b, const cairn_hash_t *h)
{
    char path[PATH_MAX];
    struct stat st;
    if (cairn_blobs_chunk_paths(b, h, path, sizeof path, NULL, 0) != 0)
        return false;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int disk_free_at(const char *dir, uint64_t *free_bytes)
{
    struct statvfs vfs;
    if (statvfs(dir, &vfs) != 0)
        return -errno;
    *free_bytes = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
    return 0;
}

int cairn_blobs_disk_free(cairn_blobs_t *b, uint64_t *free_bytes)
{
    return disk_free_at(b->root, free_bytes);
}

int cairn_blobs_reserve_check_at(const char *dir, uint64_t reserve, uint64_t need)
{
    uint64_t avail = 0;
    int rc = disk_free_at(dir, &avail);
    if (rc != 0)
        return rc;
    if (avail < reserve || avail - reserve < need)
        return CAIRN_ENOSPACE;
    return 0;
}

int cairn_blobs_reserve_check(cairn_blobs_t *b, uint64_t need)
{
    return cairn_blobs_reserve_check_at(b->root, b->reserve, need);
}

void cairn_blobs_usage(cairn_blobs_t *b, uint64_t *bytes, uint64_t *chunks)
{
    *bytes = b->bytes;
    *chunks = b->nchunks;
}

/* Moves tmp to final unless final exists (then *created is false). Both are in one filesystem. */
int cairn_blobs_rename_noreplace(const char *tmp, const char *final, bool *created)
{
    *created = false;
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0) {
        *created = true;
        return 0;
    }
    if (errno == EEXIST) {
        unlink(tmp); /* another writer stored the same bytes first */
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS)
        return -errno;
    /* A filesystem without RENAME_NOREPLACE: replacing identical bytes is harmless. */
    struct stat st;
    bool existed = stat(final, &st) == 0;
    if (rename(tmp, final) != 0)
        return -errno;
    *created = !existed;
    return 0;
}

/* Writes data to the new file tmp with O_DIRECT when data and len allow it: the bytes go from
 * data to the disk without a copy into the page cache (a third of the hub's CPU for a chunk,
 * docs/decisions.md "Chunk writes"). Refused by the filesystem: 1 (tmp removed), else 0 or
 * -errno with tmp left for the caller. */
static int write_direct(const char *tmp, const void *data, size_t len, int *fdp)
{
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
    if ((uintptr_t)data % CAIRN_BLOBS_DIRECT_ALIGN != 0 || len % CAIRN_BLOBS_DIRECT_ALIGN != 0)
        return 1;
    int fd = open(tmp, flags | O_DIRECT, 0600);
    if (fd < 0) {
        int e = errno;
        if (e != EINVAL)
            return -e;
        unlink(tmp); /* some filesystems refuse O_DIRECT only after creating the file */
        return 1;
    }
    *fdp = fd;
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0;) { /* one request for the chunk, not slices */
        ssize_t n = pwrite(fd, (const char *)data + off, len - off, (off_t)off);
        if (n > 0)
            off += (size_t)n;
        else if (n == 0 || errno != EINTR)
            rc = n == 0 ? -EIO : -errno;
    }
    if (rc == -EINVAL) { /* the device wants another alignment: buffered instead */
        close(fd);
        *fdp = -1;
        unlink(tmp);
        return 1;
    }
    return rc;
}

/* Writes data to a fresh temp file and fsyncs it. On failure removes it. */
static int write_temp(const char *tmp, const void *data, size_t len)
{
    int fd = -1;
    int rc = write_direct(tmp, data, len, &fd);
    if (rc == 1) {
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            return -errno;
        rc = cairn_fs_write_all(fd, data, len);
    } else if (fd < 0) {
        return rc;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc != 0)
        unlink(tmp);
    return rc;
}

/* Thread pool: verify, write, fsync, rename, fsync. Touches only the request and b's paths. */
static void put_work(uv_work_t *w)
{
    put_req_t *r = w->data;
    const cairn_blobs_t *b = r->b;
    char final[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX];
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_t got;

    cairn_hash_buf(r->data, r->len, &got);
    if (sodium_memcmp(got.b, r->hash.b, CAIRN_HASH_LEN) != 0) {
        r->status = CAIRN_EHASH;
        return;
    }
    int rc = cairn_blobs_chunk_paths(b, &r->hash, final, sizeof final, dir, sizeof dir);
    if (rc == 0) {
        struct stat st;
        if (stat(final, &st) == 0 && S_ISREG(st.st_mode)) {
            r->status = 0; /* already stored: nothing to write */
            return;
        }
    }
    if (rc == 0)
        rc = cairn_blobs_reserve_check_at(b->root, b->reserve, r->len);
    if (rc == 0) {
        cairn_hash_hex(&r->hash, hex);
        int n = snprintf(tmp, sizeof tmp, "%s/%s.%llu", b->tmp, hex, (unsigned long long)r->seq);
        if (n < 0 || (size_t)n >= sizeof tmp)
            rc = -ENAMETOOLONG;
    }
    if (rc == 0)
        rc = write_temp(tmp, r->data, r->len);
    if (rc == 0) {
        rc = cairn_blobs_ensure_dir(dir);
        if (rc == 0)
            rc = cairn_blobs_rename_noreplace(tmp, final, &r->created);
        if (rc != 0)
            unlink(tmp);
    }
    if (rc == 0)
        rc = cairn_fs_fsync_dir(dir);
    r->status = rc;
}

void cairn_blobs_write_done(cairn_blobs_t *b, bool created, size_t len)
{
    b->inflight--;
    if (created) {
        b->bytes += len;
        b->nchunks++;
    }
}

static void put_done(uv_work_t *w, int status)
{
    put_req_t *r = w->data;
    cairn_blobs_write_done(r->b, r->created, r->len);
    int rc = status == UV_ECANCELED ? UV_ECANCELED : r->status;
    cairn_blobs_put_cb cb = r->cb;
    void *arg = r->arg;
    free(r);
    cb(arg, rc);
}

int cairn_blobs_chunk_put(cairn_blobs_t *b, const cairn_hash_t *h, const uint8_t *data, size_t len,
                          cairn_blobs_put_cb cb, void *arg)
{
    if (b->readonly)
        return CAIRN_EINVAL;
    if (len == 0 || len > CAIRN_CHUNK_SIZE_MAX)
        return CAIRN_ETOOBIG;
    put_req_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -ENOMEM;
    r->b = b;
    r->hash = *h;
    r->data = data;
    r->len = len;
    r->seq = ++b->tmp_seq;
    r->cb = cb;
    r->arg = arg;
    r->work.data = r;
    int rc = uv_queue_work(b->loop, &r->work, put_work, put_done);
    if (rc != 0) {
        free(r);
        return rc;
    }
    b->inflight++;
    return 0;
}

static int manifest_path(const cairn_blobs_t *b, const cairn_hash_t *h, char *out, size_t outlen)
{
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(h, hex);
    return path_join(out, outlen, b->manifests, hex);
}

int cairn_blobs_manifest_put(cairn_blobs_t *b, const cairn_manifest_t *m)
{
    if (b->readonly)
        return CAIRN_EINVAL;
    char final[PATH_MAX], tmp[PATH_MAX];
    int rc = manifest_path(b, &m->file_hash, final, sizeof final);
    if (rc != 0)
        return rc;
    for (uint32_t i = 0; i < m->nchunks; i++) {
        if (!cairn_blobs_chunk_has(b, &m->chunks[i]))
            return CAIRN_EINCOMPLETE;
    }
    struct stat st;
    if (stat(final, &st) == 0)
        return 0; /* stored before: a manifest is named by its content's hash */

    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    rc = cairn_manifest_encode(m, &sb);
    if (rc == 0) {
        char hex[CAIRN_HASH_HEX_LEN + 1];
        cairn_hash_hex(&m->file_hash, hex);
        int n = snprintf(tmp, sizeof tmp, "%s/manifest-%s.%llu", b->tmp, hex,
                         (unsigned long long)++b->tmp_seq);
        if (n < 0 || (size_t)n >= sizeof tmp)
            rc = -ENAMETOOLONG;
    }
    if (rc == 0)
        rc = write_temp(tmp, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    if (rc == 0) {
        bool created;
        rc = cairn_blobs_rename_noreplace(tmp, final, &created);
        if (rc != 0)
            unlink(tmp);
    }
    if (rc == 0)
        rc = cairn_fs_fsync_dir(b->manifests);
    return rc;
}

bool cairn_blobs_manifest_has(cairn_blobs_t *b, const cairn_hash_t *file_hash)
{
    char path[PATH_MAX];
    struct stat st;
    return manifest_path(b, file_hash, path, sizeof path) == 0 && stat(path, &st) == 0 &&
           S_ISREG(st.st_mode);
}

int cairn_blobs_manifest_get(cairn_blobs_t *b, const cairn_hash_t *file_hash, cairn_manifest_t *out)
{
    char path[PATH_MAX];
    int rc = manifest_path(b, file_hash, path, sizeof path);
    if (rc != 0)
        return rc;
    unsigned char *buf = NULL;
    size_t len = 0;
    rc = cairn_fs_read_file(path, MANIFEST_FILE_MAX, &buf, &len);
    if (rc == -ENOENT)
        return CAIRN_ENOTFOUND;
    if (rc == -EFBIG)
        return CAIRN_ETOOBIG;
    if (rc != 0)
        return rc;
    cairn_manifest_t m;
    rc = cairn_manifest_decode(buf, len, &m);
    free(buf);
    if (rc != 0)
        return rc;
    if (sodium_memcmp(m.file_hash.b, file_hash->b, CAIRN_HASH_LEN) != 0) {
        cairn_manifest_free(&m);
        return CAIRN_EHASH; /* a manifest stored under another file's name */
    }
    *out = m;
    return 0;
}
