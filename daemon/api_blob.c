/*
 * api_blob.c: the upload ops blob.begin, chunk.put and blob.commit (PROTOCOL.md 2.1 and 2.2).
 *
 * Memory stays flat whatever the file size: a connection holds its pending manifest (32 bytes a
 * chunk) and at most write_concurrency chunk copies, because reading from it pauses while that
 * many puts are in flight. A chunk is acknowledged only after blobs.c made it durable.
 * Must never acknowledge a chunk before its callback, and never log chunk contents.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api.h"
#include "blobs.h"
#include "daemon.h"
#include "log.h"
#include "server.h"

#define MIB (1024.0 * 1024.0)

/* One connection's upload state (slot CAIRN_CONN_SLOT_BLOB). */
typedef struct {
    cairn_daemon_t *d;
    struct cairn_conn *conn;
    cairn_manifest_t pending; /* from the last blob.begin; nchunks 0 and chunks NULL if none */
    bool has_pending;
    uint32_t inflight; /* chunk puts handed to blobs.c, not yet called back */
    bool paused;       /* we paused the connection for inflight */
    bool commit_waiting;
    uint64_t commit_rid;
} blob_session_t;

typedef struct {
    blob_session_t *session;
    uint64_t rid;
    cairn_hash_t hash;
    size_t len;
    uint8_t data[]; /* the chunk, owned by the request until blobs.c calls back */
} put_ctx_t;

static void session_free(void *p)
{
    blob_session_t *s = p;
    cairn_manifest_free(&s->pending);
    free(s);
}

static blob_session_t *session_of(cairn_req_t *req)
{
    blob_session_t *s = cairn_conn_slot_get(req->conn, CAIRN_CONN_SLOT_BLOB);
    if (s != NULL)
        return s;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->d = req->d;
    s->conn = req->conn;
    cairn_conn_slot_set(req->conn, CAIRN_CONN_SLOT_BLOB, s, session_free);
    return s;
}

/* A 32-byte bin field, or the reason it is not one. */
static int get_hash(cairn_req_t *req, const char *key, cairn_hash_t *out)
{
    const uint8_t *b;
    size_t len;
    int rc = cairn_mp_get_bin(req->args, key, CAIRN_HASH_LEN, &b, &len);
    if (rc == 0 && len != CAIRN_HASH_LEN)
        rc = CAIRN_EINVAL;
    if (rc != 0)
        return cairn_req_fail(req, CAIRN_EINVAL, "%s: expected a 32-byte bin (BLAKE2b-256)", key);
    memcpy(out->b, b, CAIRN_HASH_LEN);
    return 0;
}

static uint64_t chunk_len(const cairn_manifest_t *m, uint32_t i)
{
    uint64_t start = (uint64_t)i * m->chunk_size;
    uint64_t left = m->size - start;
    return left < m->chunk_size ? left : m->chunk_size;
}

static int fail_no_space(cairn_req_t *req, uint64_t need)
{
    uint64_t avail = 0, reserve = req->d->cfg.disk_reserve;
    cairn_blobs_disk_free(req->d->blobs, &avail);
    uint64_t above = avail > reserve ? avail - reserve : 0;
    return cairn_req_fail(req, CAIRN_ENOSPACE,
                          "not enough disk space: the file needs %.1f MiB but only %.1f MiB "
                          "are free above the reserve of %.1f MiB",
                          (double)need / MIB, (double)above / MIB, (double)reserve / MIB);
}

/* blob.begin: checks the manifest, answers which chunks are missing, and refuses a file that
 * would cross the disk reserve before any of its bytes are sent. */
static int op_blob_begin(cairn_req_t *req)
{
    cairn_manifest_t m = {0};
    uint64_t chunk_size;
    const msgpack_object_array *chunks;
    int rc = get_hash(req, "hash", &m.file_hash);
    if (rc != 0)
        return rc;
    if (cairn_mp_get_u64(req->args, "size", &m.size) != 0)
        return cairn_req_fail(req, CAIRN_EINVAL, "size: expected the file size in bytes");
    if (cairn_mp_get_u64(req->args, "chunk_size", &chunk_size) != 0 ||
        chunk_size < CAIRN_CHUNK_SIZE_MIN || chunk_size > CAIRN_CHUNK_SIZE_MAX)
        return cairn_req_fail(req, CAIRN_EINVAL, "chunk_size: expected %u to %u bytes",
                              CAIRN_CHUNK_SIZE_MIN, CAIRN_CHUNK_SIZE_MAX);
    m.chunk_size = (uint32_t)chunk_size;
    rc = cairn_chunk_count(m.size, m.chunk_size, &m.nchunks);
    if (rc != 0)
        return cairn_req_fail(req, CAIRN_ETOOBIG,
                              "a file of %llu bytes needs more than %u chunks of %u bytes",
                              (unsigned long long)m.size, CAIRN_MANIFEST_MAX_CHUNKS, m.chunk_size);
    if (cairn_mp_get_array(req->args, "chunks", CAIRN_MANIFEST_MAX_CHUNKS, &chunks) != 0)
        return cairn_req_fail(req, CAIRN_EINVAL,
                              "chunks: expected an array of at most %u "
                              "32-byte hashes",
                              CAIRN_MANIFEST_MAX_CHUNKS);
    if (chunks->size != m.nchunks)
        return cairn_req_fail(req, CAIRN_EINVAL,
                              "chunks: %u hashes listed, but a file of %llu bytes in chunks of "
                              "%u bytes has %u",
                              chunks->size, (unsigned long long)m.size, m.chunk_size, m.nchunks);
    for (uint32_t i = 0; i < m.nchunks; i++) {
        const msgpack_object *o = &chunks->ptr[i];
        if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != CAIRN_HASH_LEN)
            return cairn_req_fail(req, CAIRN_EINVAL, "chunks[%u]: expected a 32-byte bin", i);
    }
    blob_session_t *s = session_of(req);
    if (s == NULL)
        return cairn_req_fail(req, -ENOMEM, "out of memory");

    /* The manifest (32 bytes a chunk) and the missing list (4 bytes a chunk) are the only
     * per-file memory an upload costs. */
    m.chunks = malloc(m.nchunks ? (size_t)m.nchunks * sizeof *m.chunks : 1);
    uint32_t *missing = malloc(m.nchunks ? (size_t)m.nchunks * sizeof *missing : 1);
    if (m.chunks == NULL || missing == NULL) {
        free(missing);
        cairn_manifest_free(&m);
        return cairn_req_fail(req, -ENOMEM, "out of memory for %u chunk hashes", m.nchunks);
    }
    for (uint32_t i = 0; i < m.nchunks; i++)
        memcpy(m.chunks[i].b, chunks->ptr[i].via.bin.ptr, CAIRN_HASH_LEN);
    cairn_hash_t bound;
    cairn_file_hash(m.size, m.chunk_size, m.chunks, m.nchunks, &bound);
    if (sodium_memcmp(bound.b, m.file_hash.b, CAIRN_HASH_LEN) != 0) {
        free(missing);
        cairn_manifest_free(&m);
        return cairn_req_fail(req, CAIRN_EHASH,
                              "hash: the file hash does not match the chunk list "
                              "(PROTOCOL.md, file hash)");
    }
    uint32_t nmissing = 0;
    uint64_t need = 0;
    for (uint32_t i = 0; i < m.nchunks; i++) {
        if (!cairn_blobs_chunk_has(req->d->blobs, &m.chunks[i])) {
            missing[nmissing++] = i;
            need += chunk_len(&m, i);
        }
    }
    /* Nothing to receive needs no space, even on a disk already below its reserve. */
    rc = need > 0 ? cairn_blobs_reserve_check(req->d->blobs, need) : 0;
    if (rc != 0) {
        free(missing);
        cairn_manifest_free(&m);
        if (rc == CAIRN_ENOSPACE)
            return fail_no_space(req, need);
        return cairn_req_fail(req, rc, "cannot read the free disk space: %s", cairn_strerror(rc));
    }

    msgpack_pack_map(req->pk, 1);
    cairn_mp_pack_cstr(req->pk, "missing");
    msgpack_pack_array(req->pk, nmissing);
    for (uint32_t i = 0; i < nmissing; i++)
        msgpack_pack_uint32(req->pk, missing[i]);
    free(missing);

    cairn_manifest_free(&s->pending);
    s->pending = m;
    s->has_pending = true;
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(&m.file_hash, hex);
    cairn_log_debug("%s: blob.begin %.16s... %llu bytes, %u chunks, %.1f MiB to receive",
                    cairn_conn_peer(req->conn), hex, (unsigned long long)m.size, m.nchunks,
                    (double)need / MIB);
    return 0;
}

/* Stores the pending manifest if every chunk is there. Fills errmsg-style text on failure. */
static int commit_pending(blob_session_t *s, char *err, size_t errlen, uint64_t *size_out)
{
    cairn_manifest_t *m = &s->pending;
    uint32_t missing = 0;
    for (uint32_t i = 0; i < m->nchunks; i++) {
        if (!cairn_blobs_chunk_has(s->d->blobs, &m->chunks[i]))
            missing++;
    }
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(&m->file_hash, hex);
    if (missing > 0) {
        snprintf(err, errlen, "blob %s: %u of %u chunks missing", hex, missing, m->nchunks);
        return CAIRN_EINCOMPLETE;
    }
    int rc = cairn_blobs_manifest_put(s->d->blobs, m);
    if (rc != 0) {
        snprintf(err, errlen, "cannot store the manifest of blob %s: %s", hex, cairn_strerror(rc));
        return rc;
    }
    cairn_log_info("%s: stored blob %s (%llu bytes, %u chunks)", cairn_conn_peer(s->conn), hex,
                   (unsigned long long)m->size, m->nchunks);
    *size_out = m->size;
    cairn_manifest_free(m);
    s->has_pending = false;
    return 0;
}

static void pack_commit_result(msgpack_packer *pk, const cairn_hash_t *h, uint64_t size)
{
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(h, hex);
    msgpack_pack_map(pk, 2);
    cairn_mp_pack_kv_str(pk, "hash", hex);
    cairn_mp_pack_kv_u64(pk, "size", size);
}

/* The commit that waited for this connection's puts to finish. */
static void finish_waiting_commit(blob_session_t *s)
{
    char err[CAIRN_ERRMSG_MAX];
    uint64_t size = 0;
    cairn_hash_t h = s->pending.file_hash;
    s->commit_waiting = false;
    int rc = commit_pending(s, err, sizeof err, &size);
    if (rc != 0) {
        cairn_conn_reply_err(s->conn, s->commit_rid, rc, err);
    } else {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        pack_commit_result(&pk, &h, size);
        cairn_conn_reply_ok(s->conn, s->commit_rid, sb.data, sb.size);
        msgpack_sbuffer_destroy(&sb);
    }
    cairn_conn_resume(s->conn);
    cairn_conn_release(s->conn); /* the commit's hold; the caller's put still holds one */
}

static void put_reply(put_ctx_t *p, int status)
{
    blob_session_t *s = p->session;
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(&p->hash, hex);
    if (status == 0) {
        static const char stored_true[] = "\x81\xa6stored\xc3"; /* {"stored": true} */
        cairn_conn_reply_ok(s->conn, p->rid, stored_true, sizeof stored_true - 1);
        return;
    }
    char msg[CAIRN_ERRMSG_MAX];
    uint64_t reserve = s->d->cfg.disk_reserve;
    switch (status) {
    case CAIRN_EHASH:
        snprintf(msg, sizeof msg, "chunk %s: the data (%zu bytes) does not hash to it", hex,
                 p->len);
        break;
    case CAIRN_ENOSPACE:
        snprintf(msg, sizeof msg,
                 "not enough disk space for chunk %s: storing it would cross the reserve of "
                 "%.1f MiB",
                 hex, (double)reserve / MIB);
        break;
    case -ENOSPC:
        snprintf(msg, sizeof msg, "no space left on the device while storing chunk %s", hex);
        break;
    default:
        snprintf(msg, sizeof msg, "cannot store chunk %s: %s", hex, cairn_strerror(status));
        break;
    }
    if (status == CAIRN_EHASH)
        cairn_log_info("%s: refused chunk %.16s...: hash mismatch", cairn_conn_peer(s->conn), hex);
    else
        cairn_log_warn("%s: %s", cairn_conn_peer(s->conn), msg);
    cairn_conn_reply_err(s->conn, p->rid, status, msg);
}

static void put_done(void *arg, int status)
{
    put_ctx_t *p = arg;
    blob_session_t *s = p->session;
    struct cairn_conn *conn = s->conn;
    put_reply(p, status);
    free(p);
    s->inflight--;
    if (s->paused && s->inflight < s->d->cfg.write_concurrency) {
        s->paused = false;
        cairn_conn_resume(conn);
    }
    if (s->inflight == 0 && s->commit_waiting)
        finish_waiting_commit(s);
    cairn_conn_release(conn); /* last: may free the session */
}

/* chunk.put: copies the chunk, hands it to the thread pool and answers once it is durable. */
static int op_chunk_put(cairn_req_t *req)
{
    cairn_hash_t h;
    const uint8_t *data;
    size_t len;
    int rc = get_hash(req, "hash", &h);
    if (rc != 0)
        return rc;
    rc = cairn_mp_get_bin(req->args, "data", CAIRN_CHUNK_SIZE_MAX, &data, &len);
    if (rc != 0 || len == 0)
        return cairn_req_fail(req, CAIRN_EINVAL, "data: expected a bin of 1 to %u bytes",
                              CAIRN_CHUNK_SIZE_MAX);
    if (cairn_blobs_chunk_has(req->d->blobs, &h)) {
        msgpack_pack_map(req->pk, 1);
        cairn_mp_pack_kv_bool(req->pk, "stored", false);
        return 0;
    }
    blob_session_t *s = session_of(req);
    put_ctx_t *p = s == NULL ? NULL : malloc(sizeof *p + len);
    if (p == NULL)
        return cairn_req_fail(req, -ENOMEM, "out of memory for a chunk of %zu bytes", len);
    p->session = s;
    p->rid = req->rid;
    p->hash = h;
    p->len = len;
    memcpy(p->data, data, len);
    rc = cairn_blobs_chunk_put(req->d->blobs, &h, p->data, len, put_done, p);
    if (rc != 0) {
        free(p);
        return cairn_req_fail(req, rc, "cannot queue the chunk write: %s", cairn_strerror(rc));
    }
    cairn_conn_hold(req->conn);
    s->inflight++;
    if (!s->paused && s->inflight >= req->d->cfg.write_concurrency) {
        s->paused = true;
        cairn_conn_pause(req->conn);
    }
    return CAIRN_API_PENDING;
}

/* blob.commit: stores the manifest from this connection's blob.begin once every chunk is there
 * (waiting for puts still in flight), or confirms a manifest stored before. */
static int op_blob_commit(cairn_req_t *req)
{
    cairn_hash_t h;
    int rc = get_hash(req, "hash", &h);
    if (rc != 0)
        return rc;
    blob_session_t *s = cairn_conn_slot_get(req->conn, CAIRN_CONN_SLOT_BLOB);
    if (s != NULL && s->has_pending && memcmp(s->pending.file_hash.b, h.b, CAIRN_HASH_LEN) == 0) {
        if (s->inflight > 0 && !s->commit_waiting) {
            /* Chunks of this blob may still be on their way to disk: answer after them. */
            s->commit_waiting = true;
            s->commit_rid = req->rid;
            cairn_conn_hold(req->conn);
            cairn_conn_pause(req->conn); /* a commit is a barrier: read on after it */
            return CAIRN_API_PENDING;
        }
        uint64_t size = 0;
        rc = commit_pending(s, req->errmsg, sizeof req->errmsg, &size);
        if (rc != 0)
            return rc;
        pack_commit_result(req->pk, &h, size);
        return 0;
    }
    cairn_manifest_t m;
    rc = cairn_blobs_manifest_get(req->d->blobs, &h, &m);
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(&h, hex);
    if (rc == CAIRN_ENOTFOUND)
        return cairn_req_fail(req, CAIRN_ENOTFOUND,
                              "blob %s: no blob.begin for it on this connection and no stored "
                              "manifest",
                              hex);
    if (rc != 0)
        return cairn_req_fail(req, rc, "blob %s: cannot read its manifest: %s", hex,
                              cairn_strerror(rc));
    pack_commit_result(req->pk, &h, m.size);
    cairn_manifest_free(&m);
    return 0;
}

const cairn_api_route_t cairn_api_routes_blob[] = {
    {"blob.begin", op_blob_begin},
    {"chunk.put", op_chunk_put},
    {"blob.commit", op_blob_commit},
    {NULL, NULL},
};
