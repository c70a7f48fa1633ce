/*
 * chunk_xfer.h: what the chunk-sync files share (sync_chunks.c, chunk_pull.c, chunk_serve.c,
 * chunk_plan.c); nothing outside them includes it. See sync_chunks.h for the design.
 */
#ifndef CAIRN_CHUNK_XFER_H
#define CAIRN_CHUNK_XFER_H

#include "blobs.h"
#include "daemon.h"
#include "hash_set.h"
#include "sync.h"
#include "sync_chunks.h"

/* Sender side: ranges asked for, served in order. */
typedef struct {
    cairn_hash_t hash;
    uint64_t off, len, sent;
} serve_range_t;

typedef struct {
    serve_range_t q[CAIRN_CHUNK_QUEUE];
    int head, n;
    int fd; /* the chunk file of fd_hash, or -1 */
    cairn_hash_t fd_hash;
    bool window_closed_logged;
} chunk_serve_t;

/* Receiver side: one chunk arriving (gathered in buf) or being stored from buf. */
typedef struct {
    bool active, adopting;
    cairn_hash_t hash;
    uint32_t len, cap;    /* the chunk's length; buf's size (>= len) */
    uint64_t have, asked; /* bytes arrived (in buf); bytes asked for (from 0) */
    uint64_t on_disk;     /* of those, bytes in the partial file (blob_partial.h) */
    uint8_t *buf;         /* the chunk as it arrives */
    int fd;               /* the partial file once written to, or -1 */
} pull_slot_t;

/* A file this session leaves alone until until_ms (the peer lacks a chunk, chunks failed). */
typedef struct {
    cairn_hash_t file;
    uint64_t until_ms;
    bool replanned; /* the plan was made again since until_ms passed */
} pull_later_t;

typedef struct chunk_pull {
    cairn_sync_session_t *s; /* NULL once the session is gone (adoptions may still run) */
    cairn_daemon_t *d;
    unsigned pending;    /* adoptions in flight: the struct lives until they called back */
    cairn_hash_t *files; /* the plan: files to fetch, in order */
    size_t nfiles, next_file;
    bool planned;
    uint64_t plan_gen, replan_after_ms;
    int64_t plan_changes;
    int plan_parts;       /* the session's partition count when planned: one added, plan again */
    cairn_manifest_t cur; /* the file being fetched */
    bool has_cur, cur_unavailable;
    uint32_t cursor, skipped, bad;
    uint64_t cur_held;
    uint64_t retry_at_ms; /* when chunks were skipped: look at the file again then */
    pull_slot_t slots[CAIRN_CHUNK_SLOTS];
    uint64_t rate; /* bytes/s measured (UINT64_MAX until the first sample) */
    bool write_logged, store_logged;
    uint64_t outstanding; /* bytes asked and not received */
    uint64_t window;      /* the current limit on outstanding (CAIRN_CHUNK_WINDOW_MIN..) */
    uint64_t rate_at_ms, rate_bytes, received; /* for the window: bytes received, when sampled */
    bool busy;                                 /* asked for something since the last sample */
    pull_later_t *unavailable;                 /* files the peer cannot send now */
    size_t nunavailable;
    bool space_logged;
    cairn_hash_t
        *tell; /* files of the peer's partitions complete here, to tell it (chunk_tell.c) */
    size_t ntell, next_tell;
    cairn_hash_set_t told; /* files this session told complete (sorted) */
} chunk_pull_t;

struct cairn_sync_chunks {
    chunk_serve_t *serve; /* the initiator sends */
    chunk_pull_t *pull;   /* the responder fetches */
};

/* chunk_bufs.c: buffers of at least len bytes, aligned for O_DIRECT, CAIRN_CHUNK_MEM in all. */
bool cairn_chunk_buf_room(const cairn_chunk_state_t *st, uint32_t len);
uint8_t *cairn_chunk_buf_take(cairn_chunk_state_t *st, uint32_t len, uint32_t *cap);
void cairn_chunk_buf_give(cairn_chunk_state_t *st, uint8_t *buf, uint32_t cap);
void cairn_chunk_buf_trim(cairn_chunk_state_t *st); /* frees the spares */

/* chunk_serve.c */
chunk_serve_t *cairn_chunk_serve_new(void);
void cairn_chunk_serve_free(chunk_serve_t *sv);
int cairn_chunk_serve_want(cairn_sync_session_t *s, chunk_serve_t *sv, const cairn_hash_t *h,
                           uint64_t off, uint64_t len);
void cairn_chunk_serve_pump(cairn_sync_session_t *s, chunk_serve_t *sv);

/* chunk_pull.c */
chunk_pull_t *cairn_chunk_pull_new(cairn_sync_session_t *s);
void cairn_chunk_pull_detach(chunk_pull_t *p); /* the session is closing */
void cairn_chunk_pull_fill(chunk_pull_t *p);
void cairn_chunk_pull_tick(chunk_pull_t *p);
int cairn_chunk_pull_data(chunk_pull_t *p, const cairn_hash_t *h, uint64_t off, const uint8_t *data,
                          size_t len);
int cairn_chunk_pull_none(chunk_pull_t *p, const cairn_hash_t *h);

/* chunk_plan.c: files of evidence that s's peer sends us and that this node lacks, prioritized
 * submissions first, then oldest first (*out malloc'd, caller frees); and in *held (malloc'd,
 * caller frees) the files of those partitions complete here that are not in told (sorted). */
int cairn_chunk_plan_files(cairn_daemon_t *d, cairn_sync_session_t *s, const cairn_hash_set_t *told,
                           cairn_hash_t **out, size_t *n, cairn_hash_t **held, size_t *nheld);
/* chunk_tell.c: the hub tells the peer which of its files are complete here (cstat done, once
 * per session per file, a few per tick). tell_plan takes the list held (malloc'd). */
void cairn_chunk_tell_plan(chunk_pull_t *p, cairn_hash_t *held, size_t n);
void cairn_chunk_tell_note(chunk_pull_t *p, const cairn_hash_t *f); /* told by other means */
void cairn_chunk_tell_tick(chunk_pull_t *p);

/* The manifest of file from the evidence.add event that carries it (ENOTFOUND if none). */
int cairn_chunk_plan_manifest(cairn_daemon_t *d, const cairn_hash_t *file, cairn_manifest_t *m);
/* Length of chunk i of m. */
uint32_t cairn_chunk_plan_chunk_len(const cairn_manifest_t *m, uint32_t i);

/* sync_chunks.c: message senders. */
int cairn_sync_chunks_send_want(cairn_sync_session_t *s, const cairn_hash_t *file,
                                const cairn_hash_t *h, uint64_t off, uint64_t len);
/* Reads len bytes of chunk h at off from fd into the message and sends it: 0, -EIO when the chunk
 * file is shorter (nothing sent), or a send error. */
int cairn_sync_chunks_send_data(cairn_sync_session_t *s, const cairn_hash_t *h, uint64_t off,
                                int fd, size_t len);
int cairn_sync_chunks_send_none(cairn_sync_session_t *s, const cairn_hash_t *h);
int cairn_sync_chunks_send_stat(cairn_sync_session_t *s, const cairn_hash_t *file, uint64_t held,
                                uint64_t size, bool done);

#endif
