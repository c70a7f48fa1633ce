/*
 * upload.c: sending a file to cairnd as evidence, resumably (see upload.h).
 *
 * What it must never do: store bytes that differ from what it hashed (each chunk travels under
 * its pass-1 hash and the daemon verifies it, so a file edited mid-upload aborts with EHASH
 * rather than storing a mixture), or hold more than a chunk per thread of the file in memory.
 */
#include "upload.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairn/err.h>

#include "fmt.h"
#include "media.h"

struct cairn_upload {
    cairn_rpc_t *rpc;
    cairn_progress_t *progress;
    char *err; /* where failures are described: the caller's buffer, then rpc->err */
    size_t errlen;
    const char *path;
    int fd;
    uint64_t size;
    uint32_t chunk_size;
    uint32_t count;
    cairn_hash_t hash;
    cairn_hash_t *chunks; /* count hashes from pass 1 */
    uint8_t *buf;         /* the one chunk buffer */
    uint32_t *missing;    /* indexes the daemon lacks, ascending */
    uint32_t nmissing;
};
typedef struct cairn_upload upload_t;

static int fail(upload_t *u, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(upload_t *u, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->err, u->errlen, fmt, ap);
    va_end(ap);
    return code;
}

static uint32_t chunk_len(const upload_t *u, uint32_t index)
{
    uint64_t off = (uint64_t)index * u->chunk_size;
    uint64_t left = u->size - off;
    return left < u->chunk_size ? (uint32_t)left : u->chunk_size;
}

static int open_file(upload_t *u)
{
    struct stat st;
    /* O_NONBLOCK: opening a FIFO must not hang; it is refused just below anyway. */
    u->fd = open(u->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (u->fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return fail(u, -e, "no such file: %s", u->path);
        return fail(u, -e, "cannot open %s: %s", u->path, strerror(e));
    }
    if (fstat(u->fd, &st) != 0)
        return fail(u, -errno, "cannot stat %s: %s", u->path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return fail(u, CAIRN_EINVAL, "%s is a directory, not a file", u->path);
    if (!S_ISREG(st.st_mode))
        return fail(u, CAIRN_EINVAL, "%s is not a regular file", u->path);
    u->size = (uint64_t)st.st_size;
    int rc = cairn_chunk_count(u->size, u->chunk_size, &u->count);
    if (rc) {
        char max[CAIRN_FMT_SIZE_MAX];
        cairn_fmt_size((uint64_t)CAIRN_MANIFEST_MAX_CHUNKS * u->chunk_size, max, sizeof max);
        return fail(u, rc, "%s is %llu bytes, over the %s limit for one file", u->path,
                    (unsigned long long)u->size, max);
    }
    return 0;
}

/* The file must still have the size it had at the start, or the chunk list is wrong. */
static int check_size(upload_t *u)
{
    struct stat st;
    if (fstat(u->fd, &st) != 0)
        return fail(u, -errno, "cannot stat %s: %s", u->path, strerror(errno));
    if ((uint64_t)st.st_size != u->size)
        return fail(u, CAIRN_EHASH,
                    "%s changed during the upload (was %llu bytes, now %llu); "
                    "run the command again once it is no longer being written",
                    u->path, (unsigned long long)u->size, (unsigned long long)st.st_size);
    return 0;
}

/* Reads chunk index into buf (u->buf, or a hashing thread's own), all of it. */
static int read_chunk_into(upload_t *u, uint32_t index, uint8_t *buf)
{
    uint32_t len = chunk_len(u, index), got = 0;
    off_t off = (off_t)((uint64_t)index * u->chunk_size);
    while (got < len) {
        ssize_t r = pread(u->fd, buf + got, len - got, off + got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return fail(u, -errno, "cannot read %s: %s", u->path, strerror(errno));
        }
        if (r == 0)
            return fail(u, CAIRN_EHASH,
                        "%s changed during the upload (it got shorter); "
                        "run the command again once it is no longer being written",
                        u->path);
        got += (uint32_t)r;
    }
    return 0;
}

static int read_chunk(upload_t *u, uint32_t index)
{
    return read_chunk_into(u, index, u->buf);
}

/* The second hashing thread of pass 1: it hashes the odd chunks into u->chunks with a buffer of
 * its own while the caller hashes the even ones. Each writes only its own entries. */
typedef struct {
    upload_t *u;
    uint8_t *buf;
    int rc;
    char err[256];
} hash_worker_t;

static void *hash_odd_chunks(void *arg)
{
    hash_worker_t *w = arg;
    upload_t *u = w->u;
    /* Its own error buffer: fail() writes to u->err, which the main thread also uses. */
    upload_t mine = *u;
    mine.err = w->err;
    mine.errlen = sizeof w->err;
    for (uint32_t i = 1; i < u->count && w->rc == 0; i += 2) {
        w->rc = read_chunk_into(&mine, i, w->buf);
        if (w->rc == 0)
            cairn_hash_buf(w->buf, chunk_len(u, i), &u->chunks[i]);
    }
    return NULL;
}

/* Pass 1: every chunk's hash, then the file hash over the chunk list (cairn_file_hash), so each
 * byte is hashed once. Two threads share the work: hashing is the client's whole cost on a LAN.
 * Memory: one chunk buffer per thread. */
static int hash_file(upload_t *u)
{
    hash_worker_t w = {.u = u, .rc = 0, .err = ""};
    pthread_t thread;
    bool threaded = false;
    int rc = 0;

    posix_fadvise(u->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (u->progress)
        cairn_progress_start(u->progress, "hashing", u->size);
    if (u->count > 1 && (w.buf = malloc(u->chunk_size)) != NULL)
        threaded = pthread_create(&thread, NULL, hash_odd_chunks, &w) == 0;
    uint32_t step = threaded ? 2 : 1;
    for (uint32_t i = 0; i < u->count && rc == 0; i += step) {
        if ((rc = read_chunk(u, i)) != 0)
            break;
        uint32_t len = chunk_len(u, i);
        cairn_hash_buf(u->buf, len, &u->chunks[i]);
        if (u->progress) /* the other thread keeps pace; report both halves */
            cairn_progress_update(u->progress, (uint64_t)i * u->chunk_size + len);
    }
    if (threaded) {
        pthread_join(thread, NULL);
        if (rc == 0 && w.rc != 0) {
            rc = w.rc;
            snprintf(u->err, u->errlen, "%s", w.err);
        }
    }
    free(w.buf);
    if (rc)
        return rc;
    cairn_file_hash(u->size, u->chunk_size, u->chunks, u->count, &u->hash);
    return check_size(u);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* blob.begin: sends the chunk list, keeps the daemon's list of missing indexes once checked. */
static int begin_blob(upload_t *u)
{
    cairn_reply_t reply;
    const msgpack_object_array *missing;

    msgpack_packer *pk = cairn_rpc_begin(u->rpc, "blob.begin", 4);
    cairn_mp_pack_kv_bin(pk, "hash", u->hash.b, CAIRN_HASH_LEN);
    cairn_mp_pack_kv_u64(pk, "size", u->size);
    cairn_mp_pack_kv_u64(pk, "chunk_size", u->chunk_size);
    cairn_mp_pack_cstr(pk, "chunks");
    msgpack_pack_array(pk, u->count);
    for (uint32_t i = 0; i < u->count; i++)
        msgpack_pack_bin_with_body(pk, u->chunks[i].b, CAIRN_HASH_LEN);

    int rc = cairn_rpc_call(u->rpc, &reply);
    if (rc)
        goto out;
    if (cairn_mp_get_array(reply.result, "missing", u->count, &missing) != 0) {
        rc = fail(u, CAIRN_EPROTO,
                  "cairnd sent a bad blob.begin reply: \"missing\" is not a list of "
                  "at most %u chunk indexes",
                  u->count);
        goto out;
    }
    for (uint32_t i = 0; i < missing->size; i++) {
        const msgpack_object *o = &missing->ptr[i];
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 >= u->count) {
            rc = fail(u, CAIRN_EPROTO,
                      "cairnd sent a bad blob.begin reply: missing[%u] is not a chunk "
                      "index below %u",
                      i, u->count);
            goto out;
        }
        u->missing[i] = (uint32_t)o->via.u64;
    }
    u->nmissing = missing->size;
    /* Ascending order reads the file front to back; a repeated index would be sent twice. */
    qsort(u->missing, u->nmissing, sizeof u->missing[0], cmp_u32);
    for (uint32_t i = 1; i < u->nmissing; i++) {
        if (u->missing[i] == u->missing[i - 1]) {
            rc = fail(u, CAIRN_EPROTO, "cairnd sent a bad blob.begin reply: chunk %u listed twice",
                      u->missing[i]);
            goto out;
        }
    }
out:
    cairn_reply_free(&reply);
    return rc;
}

/* Reads one chunk.put acknowledgement. The daemon hashes every chunk it receives: a mismatch
 * means the file changed since pass 1 hashed it. */
static int take_ack(upload_t *u, uint32_t index)
{
    cairn_reply_t reply;
    bool stored;
    int rc = cairn_rpc_recv(u->rpc, &reply);
    if (rc == CAIRN_EHASH) {
        cairn_reply_free(&reply);
        return fail(u, CAIRN_EHASH,
                    "%s changed during the upload (chunk %u differs from when it was hashed); "
                    "run the command again once it is no longer being written",
                    u->path, index);
    }
    if (rc == 0 && cairn_mp_get_bool(reply.result, "stored", &stored) != 0)
        rc = fail(u, CAIRN_EPROTO, "cairnd sent a bad chunk.put reply for chunk %u: no \"stored\"",
                  index);
    cairn_reply_free(&reply);
    return rc;
}

/* When a send fails because the daemon hung up, its reason is usually in a reply already on
 * the way (no space, say): read what is pending and keep the daemon's own message if there is
 * one, else the connection error. */
static int send_failed(upload_t *u, int rc)
{
    char saved[CAIRN_RPC_ERR_MAX];
    memcpy(saved, u->rpc->err, sizeof saved);
    while (cairn_rpc_in_flight(u->rpc) > 0) {
        cairn_reply_t reply;
        int r = cairn_rpc_recv(u->rpc, &reply);
        cairn_reply_free(&reply);
        if (r == 0)
            continue;
        if (u->rpc->errname[0])
            return r; /* the daemon's error reply */
        break;
    }
    memcpy(u->rpc->err, saved, sizeof saved);
    return rc;
}

/* Pass 2: re-reads each missing chunk and sends it under its pass-1 hash; up to
 * CAIRN_UPLOAD_WINDOW unacknowledged. The window is a ring of chunk indexes: a blocking send
 * has copied the chunk into the kernel when it returns, so one data buffer is enough. */
static int send_missing(upload_t *u)
{
    uint32_t ring[CAIRN_UPLOAD_WINDOW];
    uint32_t head = 0, in_flight = 0, next = 0, acked = 0;
    uint64_t total = 0, done = 0;
    int rc;

    for (uint32_t i = 0; i < u->nmissing; i++)
        total += chunk_len(u, u->missing[i]);
    if (u->progress)
        cairn_progress_start(u->progress, "sending", total);

    while (acked < u->nmissing) {
        if (next < u->nmissing && in_flight < CAIRN_UPLOAD_WINDOW) {
            uint32_t index = u->missing[next++];
            uint32_t len = chunk_len(u, index);
            if ((rc = read_chunk(u, index)) != 0)
                return rc;
            msgpack_packer *pk = cairn_rpc_begin(u->rpc, "chunk.put", 2);
            cairn_mp_pack_kv_bin(pk, "hash", u->chunks[index].b, CAIRN_HASH_LEN);
            cairn_mp_pack_cstr(pk, "data");
            msgpack_pack_bin(pk, len);
            if ((rc = cairn_rpc_send_bin_tail(u->rpc, u->buf, len)) != 0)
                return send_failed(u, rc);
            ring[(head + in_flight) % CAIRN_UPLOAD_WINDOW] = index;
            in_flight++;
            continue;
        }
        uint32_t index = ring[head];
        if ((rc = take_ack(u, index)) != 0)
            return rc;
        head = (head + 1) % CAIRN_UPLOAD_WINDOW;
        in_flight--;
        acked++;
        done += chunk_len(u, index);
        if (u->progress)
            cairn_progress_update(u->progress, done);
    }
    return check_size(u);
}

/* blob.commit, then evidence.add with the file; checks the daemon echoes what we sent. */
static int commit_and_add(upload_t *u, const char *submission, const char *part)
{
    cairn_reply_t reply;
    char hex[CAIRN_HASH_HEX_LEN + 1];
    const char *slash = strrchr(u->path, '/');
    const char *name = slash ? slash + 1 : u->path;
    int rc;

    cairn_hash_hex(&u->hash, hex);
    msgpack_packer *pk = cairn_rpc_begin(u->rpc, "blob.commit", 1);
    cairn_mp_pack_kv_bin(pk, "hash", u->hash.b, CAIRN_HASH_LEN);
    rc = cairn_rpc_call(u->rpc, &reply);
    if (rc == 0) {
        cairn_strv_t h = cairn_rpc_str(reply.result, "hash");
        if (h.len != CAIRN_HASH_HEX_LEN || memcmp(h.p, hex, CAIRN_HASH_HEX_LEN) != 0 ||
            cairn_rpc_u64(reply.result, "size") != u->size)
            rc = fail(u, CAIRN_EPROTO, "cairnd committed a blob other than %s (%llu bytes)", hex,
                      (unsigned long long)u->size);
    }
    cairn_reply_free(&reply);
    if (rc)
        return rc;

    pk = cairn_rpc_begin(u->rpc, "evidence.add", 3);
    cairn_mp_pack_kv_str(pk, "submission", submission);
    cairn_mp_pack_kv_str(pk, "part", part);
    cairn_mp_pack_cstr(pk, "file");
    msgpack_pack_map(pk, 3);
    cairn_mp_pack_kv_bin(pk, "hash", u->hash.b, CAIRN_HASH_LEN);
    cairn_mp_pack_kv_str(pk, "name", name);
    cairn_mp_pack_kv_str(pk, "media_type", cairn_media_guess(name));
    rc = cairn_rpc_call(u->rpc, &reply);
    if (rc == 0 && cairn_rpc_u64(reply.result, "size") != u->size)
        rc = fail(u, CAIRN_EPROTO, "cairnd recorded evidence of %llu bytes for a file of %llu",
                  (unsigned long long)cairn_rpc_u64(reply.result, "size"),
                  (unsigned long long)u->size);
    cairn_reply_free(&reply);
    return rc;
}

int cairn_upload_open(cairn_upload_t **up, const char *path, char *err, size_t errlen)
{
    upload_t *u = calloc(1, sizeof *u);
    *up = NULL;
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    u->fd = -1;
    u->path = path;
    u->err = err;
    u->errlen = errlen;
    u->chunk_size = CAIRN_CHUNK_SIZE;
    int rc = open_file(u);
    if (rc == 0) {
        /* One more element than needed so an empty file allocates too (calloc(0) may be NULL). */
        u->buf = malloc(u->chunk_size);
        u->chunks = calloc((size_t)u->count + 1, sizeof *u->chunks);
        u->missing = calloc((size_t)u->count + 1, sizeof *u->missing);
        if (!u->buf || !u->chunks || !u->missing)
            rc = fail(u, -ENOMEM, "out of memory for the chunk list of %s", path);
    }
    if (rc) {
        cairn_upload_close(u);
        return rc;
    }
    *up = u;
    return 0;
}

int cairn_upload_send(cairn_upload_t *u, cairn_rpc_t *rpc, const char *submission, const char *part,
                      cairn_progress_t *progress, cairn_upload_result_t *res)
{
    int rc;

    memset(res, 0, sizeof *res);
    u->rpc = rpc;
    u->err = rpc->err;
    u->errlen = sizeof rpc->err;
    u->progress = progress;
    if ((rc = hash_file(u)) == 0 && (rc = begin_blob(u)) == 0 && (rc = send_missing(u)) == 0)
        rc = commit_and_add(u, submission, part);
    if (progress)
        cairn_progress_clear(progress);
    if (rc)
        return rc;
    res->size = u->size;
    res->chunks = u->count;
    res->sent = u->nmissing;
    res->present = u->count - u->nmissing;
    res->hash = u->hash;
    return 0;
}

void cairn_upload_close(cairn_upload_t *u)
{
    if (!u)
        return;
    if (u->fd >= 0)
        close(u->fd);
    free(u->buf);
    free(u->chunks);
    free(u->missing);
    free(u);
}

int cairn_upload_hash(cairn_upload_t *u, cairn_progress_t *progress, cairn_hash_t *out)
{
    u->progress = progress;
    int rc = hash_file(u);
    if (progress)
        cairn_progress_clear(progress);
    if (rc == 0)
        *out = u->hash;
    return rc;
}
