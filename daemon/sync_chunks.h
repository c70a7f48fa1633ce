/*
 * sync_chunks.h: evidence bytes over a sync session (PROTOCOL.md 8.3, "Evidence chunks").
 *
 * The receiving side of a session (the hub: the responder) PULLS: from the evidence manifests
 * that event sync already brought it, it finds the chunks its chunk store lacks and asks for them
 * in byte ranges (`cwant`), at most CAIRN_CHUNK_WINDOW bytes asked and not yet received, so a cut
 * loses at most that much. The sending side (the school: the initiator) answers each range with
 * pieces of at most CAIRN_CHUNK_PIECE bytes (`cdata`), read with pread from its chunk store, one
 * piece handed to the socket at a time and only when nothing else is queued: a change set waits
 * behind at most one piece. The receiver appends pieces to a partial file (blob_partial.h),
 * adopts a whole chunk into its store after checking its hash (fsync before it counts), and
 * records a file complete (its manifest stored) once every chunk is there; the manifest's file
 * hash binds the chunk list. After a cut, wants are recomputed from the chunk store and the
 * partial files: nothing that arrived is asked for again.
 *
 * Files: sync_chunks.c (this glue: messages, counters, progress), chunk_pull.c (receiver),
 * chunk_serve.c (sender), chunk_plan.c (which files, in which order), ratelimit.c and
 * sync_window.c (the school's upload rate and windows). Loop thread only.
 */
#ifndef CAIRN_SYNC_CHUNKS_H
#define CAIRN_SYNC_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include <cairn/chunk.h>

#include "hash_set.h"
#include "ratelimit.h"

/* One cdata message carries at most this many bytes of a chunk. */
#define CAIRN_CHUNK_PIECE (64u * 1024)
/* One cwant asks for at most this many bytes. */
#define CAIRN_CHUNK_WANT_MAX (256u * 1024)
/* Bytes asked for and not yet received, per session: what one cut can cost at most. The window
 * follows the measured rate (half a second of it) between these bounds: on a slow link a smaller
 * window keeps the school's acks and change sets from queueing behind seconds of pieces. */
#define CAIRN_CHUNK_WINDOW (1024u * 1024)
#define CAIRN_CHUNK_WINDOW_MIN (128u * 1024)
/* Chunks a session's receiver works on at once (arriving or being verified and fsync'd). 16:
 * verification and fsync run on the thread pool, and a burst of slow fsyncs (a busy disk) must
 * not leave the receiver without a free slot while the window could be filled. */
#define CAIRN_CHUNK_SLOTS 16
/* Bytes of chunk buffers the node's receivers hold at most, all sessions together (chunks
 * arriving and being stored): slots wait for memory before they open. And the spare buffers
 * kept for reuse while a transfer runs. */
#define CAIRN_CHUNK_MEM (12u * 1024 * 1024)
#define CAIRN_CHUNK_SPARES 8
/* Below this measured rate the receiver writes each piece to the chunk's partial file as it
 * arrives, so a kill -9 loses nothing that arrived; above it a chunk is gathered in memory and
 * written once, by cairn_blobs_chunk_put (a kill -9 then costs milliseconds of transfer). */
#define CAIRN_CHUNK_WRITE_THROUGH_RATE (32u * 1024 * 1024)
/* Ranges a sender queues before it calls the peer abusive. */
#define CAIRN_CHUNK_QUEUE 64
/* Files whose progress a school remembers for `status` (the most recently reported). */
#define CAIRN_CHUNK_PROGRESS 32

struct cairn_daemon;
struct cairn_sync_session;

typedef struct {
    uint64_t bytes_sent;     /* chunk bytes sent in cdata (sender) */
    uint64_t bytes_received; /* chunk bytes received in cdata and written (receiver) */
    uint64_t bytes_stored;   /* bytes of chunks verified and adopted (receiver) */
    uint64_t chunks_stored, chunks_bad, files_complete, wants_sent, cuts_resumed;
    uint64_t event_wait_max; /* most bytes queued ahead of a change set while chunks flowed */
} cairn_chunk_counters_t;

/* What the hub last reported of one file (school side), for status and evidence list. */
typedef struct {
    cairn_hash_t file;
    uint64_t held, size; /* bytes the hub holds, of size */
    bool done;
    uint64_t updated_ms;
} cairn_chunk_progress_t;

typedef struct cairn_chunk_state {
    struct cairn_daemon *d;
    cairn_chunk_counters_t c;
    cairn_hash_t *busy; /* chunks some session of this node is fetching now (no double fetch) */
    size_t nbusy, cap_busy;
    cairn_chunk_progress_t progress[CAIRN_CHUNK_PROGRESS];
    int nprogress;
    cairn_ratelimit_t limit; /* the school's upload rate */
    double rate;             /* chunk bytes/s moved recently (sent or received), smoothed */
    uint64_t rate_at_ms, rate_bytes;
    uint64_t plan_gen; /* bumped when priorities change: receivers re-plan */
    /* Hub: (peer, file) pairs told complete since start (chunk_tell.c), keyed by a hash of both,
     * sorted: a school reconnecting is not told again. */
    cairn_hash_set_t told;
    /* Receivers' chunk buffers (chunk_bufs.c): bytes held by slots, and spares for reuse. */
    uint64_t buf_mem;
    bool buf_idle; /* no buffer was held at the last one-second tick */
    uint8_t *spare[CAIRN_CHUNK_SPARES];
    uint32_t spare_cap[CAIRN_CHUNK_SPARES];
} cairn_chunk_state_t;

/* The node's chunk-sync state (d->chunks). */
int cairn_chunk_state_new(struct cairn_daemon *d, cairn_chunk_state_t **out);
void cairn_chunk_state_free(cairn_chunk_state_t *st);
/* Marks chunk h as being fetched; false if some session already is. */
bool cairn_chunk_state_claim(cairn_chunk_state_t *st, const cairn_hash_t *h);
void cairn_chunk_state_release(cairn_chunk_state_t *st, const cairn_hash_t *h);
/* The last progress the hub reported for file, or NULL. */
const cairn_chunk_progress_t *cairn_chunk_state_progress(const cairn_chunk_state_t *st,
                                                         const cairn_hash_t *file);
/* Updates the smoothed rate (called once a second). */
void cairn_chunk_state_tick(cairn_chunk_state_t *st, uint64_t now_ms);

/* Session hooks (sync_session.c). start: the session is open and syncing. */
int cairn_sync_chunks_start(struct cairn_sync_session *s);
void cairn_sync_chunks_free(struct cairn_sync_session *s);
/* Is t one of the chunk messages? */
bool cairn_sync_chunks_is_message(const char *t, size_t tlen);
/* Handles one; a protocol error closes the session. */
void cairn_sync_chunks_message(struct cairn_sync_session *s, const char *t, size_t tlen,
                               const msgpack_object *m);
/* Every poll tick, and whenever the session's output drained. */
void cairn_sync_chunks_tick(struct cairn_sync_session *s);
void cairn_sync_chunks_drained(struct cairn_sync_session *s);
/* A change set is about to be queued: records how many bytes wait ahead of it (the priority
 * guarantee, checked by tests through `status`). */
void cairn_sync_chunks_note_event_wait(struct cairn_sync_session *s);

/* Wall clock in unix ms (priorities, purge dates). */
uint64_t cairn_sync_now_ms(void);

/* How much of an evidence file this node holds (chunk_progress.c). */
typedef struct {
    uint64_t held, size;
    uint32_t chunks_held, chunks;
    bool complete; /* the manifest is stored: every chunk is here and verified */
} cairn_file_progress_t;
/* 0, or CAIRN_ENOTFOUND when no event names the file's manifest. */
int cairn_sync_chunks_file_progress(struct cairn_daemon *d, const cairn_hash_t *file,
                                    cairn_file_progress_t *out);

/* Packs "evidence": {counters, rate, "files": [progress to the hub]} for `status`
 * (chunk_status.c). */
void cairn_sync_chunks_pack_status(struct cairn_daemon *d, msgpack_packer *pk);

#endif
