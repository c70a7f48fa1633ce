/*
 * sync.h: online sync between a school (or a child hub) and its hub (PROTOCOL.md section 8).
 *
 * sync_session.c runs one connection: a clear hello, the SIGMA-I channel handshake (channel.h),
 * then channel-sealed msgpack messages exchanging vectors and change sets per partition.
 * sync_hub.c accepts schools on [sync] listen; sync_school.c keeps one connection to the node's
 * hub (DATADIR/hub.peer) with exponential backoff and full jitter. Loop thread only.
 */
#ifndef CAIRN_SYNC_H
#define CAIRN_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <uv.h>

#include <cairn/changeset.h>
#include <cairn/channel.h>
#include <cairn/frame.h>

#include "daemon.h"
#include "enroll.h"

/* A session stops building change sets while this much output is unsent. */
#define CAIRN_SYNC_OUTPUT_HIGH (4u * 1024 * 1024)
/* Change sets are built up to this size (a single larger checkpoint span goes alone). */
#define CAIRN_SYNC_CHANGESET_BYTES (1024u * 1024)
/* A change set at least this big is acknowledged at once; a smaller one at the next tick, so
 * that the peer gathers the events made meanwhile into its next change set. */
#define CAIRN_SYNC_ACK_NOW_BYTES (64u * 1024)
/* How often a session looks for new local events to push. */
#define CAIRN_SYNC_POLL_MS 50
/* Connect, hello and handshake must complete within this: a peer (or a path) that stalls mid-
 * handshake, e.g. a frame header announcing more bytes than ever come, would otherwise hold the
 * session (and, at a school, its only link to the hub) open forever. */
#define CAIRN_SYNC_HANDSHAKE_MS 10000
/* A frame begun must keep arriving: no byte of it for this long closes the session (a header
 * announcing more bytes than ever come, or a path that died mid-frame). A quiet session between
 * frames is not affected: a school may rightly have nothing to say for hours. */
#define CAIRN_SYNC_FRAME_STALL_MS 10000
/* Partitions one session may sync: catalog, the peer's school partition and, between a child
 * hub and its parent, every school partition the child relays. */
#define CAIRN_SYNC_PARTS 4096

typedef struct cairn_sync_session cairn_sync_session_t;

typedef struct {
    /* Responder: the hello arrived (m is its map). Return NULL to go on, setting *psk (32 bytes,
     * copied) or leaving it NULL; or a one-line refusal sent to the peer in clear. */
    const char *(*hello)(cairn_sync_session_t *s, const msgpack_object *m, const uint8_t **psk);
    /* The channel is up and the peer's key is in s->peer_pk. Return NULL to go on, or a
     * refusal (sent sealed as {"t":"err"} and the session closes). */
    const char *(*established)(cairn_sync_session_t *s);
    /* A message that is not part of the sync protocol (enrolment). Return 0, or a negative code
     * after which the session closes (errmsg says why). */
    int (*message)(cairn_sync_session_t *s, const char *t, size_t tlen, const msgpack_object *m);
    /* The peer sent a vector or change set for a partition this session does not sync yet:
     * return 0 after cairn_sync_session_add_part() to take it, or non-zero to refuse (the session
     * closes). NULL: always refused. */
    int (*partition)(cairn_sync_session_t *s, const char *partition);
    /* Every POLL: a chance to drop the session (revocation). Return non-NULL to close. */
    const char *(*tick)(cairn_sync_session_t *s);
    /* The session is gone (s is freed right after). reason is NULL for a clean close. */
    void (*closed)(cairn_sync_session_t *s, const char *reason);
} cairn_sync_ops_t;

typedef struct {
    char name[CAIRN_PARTITION_MAX + 1];
    cairn_vector_t peer;            /* the last vector the peer reported (vec, cs or ack) */
    bool have_peer, inflight, send; /* send: we push this partition to the peer */
    bool peer_dirty;                /* peer changed by vec/ack since sync_persist.c wrote it */
    bool ack_owed;                  /* a small cs applied: ack it at the next tick */
    int32_t alias;      /* our number for it in "p" (sync_vec.c), -1 until our opening vec */
    int32_t peer_alias; /* the peer's number for it, -1 until the peer's opening vec */
    int64_t idle_at;    /* store change count when a build found nothing; -1 none */
} cairn_sync_part_t;

struct cairn_sync_session {
    cairn_daemon_t *d;
    void *owner;
    const cairn_sync_ops_t *ops;
    cairn_sync_session_t *next; /* the owner's list */
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t connect;
    int phase;
    bool initiator, closing, tcp_open, timer_open, established, first_rx;
    unsigned handles; /* open libuv handles; freed at 0 */
    unsigned writes;
    size_t out_bytes;
    cairn_frame_reader_t reader;
    cairn_channel_t ch;
    uint8_t expect_pk[32], psk[32];
    bool has_expect, has_psk;
    uint8_t token[CAIRN_ENROLL_ID_LEN];
    bool has_token;
    uint8_t peer_pk[32];
    char peer[96]; /* for log lines */
    char reason[256];
    cairn_sync_part_t *parts; /* nparts of cap_parts, grown by add_part */
    int nparts, cap_parts;
    uint64_t events_sent, events_received, started_ms, ticks;
    uint64_t last_rx_ms;                /* loop time of the last bytes read */
    int32_t aliases_sent, aliases_seen; /* partition aliases given / learnt (sync_vec.c) */
    void *user;                         /* owner's per-session data */
    struct cairn_sync_chunks *chunks;   /* evidence chunk transfer (sync_chunks.h), once syncing */
};

/* Creates a session on d's loop. Initiator: connects to addr (HOST:PORT), pinning expect_pk, and
 * sends its hello (with token when non-NULL, and psk then). Responder: call
 * cairn_sync_session_accept() with the listener. Returns 0 or a negative code (err filled). */
int cairn_sync_session_connect(cairn_daemon_t *d, const char *addr, const uint8_t expect_pk[32],
                               const uint8_t *token, const uint8_t *psk,
                               const cairn_sync_ops_t *ops, void *owner, cairn_sync_session_t **out,
                               char *err, size_t errlen);
int cairn_sync_session_accept(cairn_daemon_t *d, uv_stream_t *listener, const cairn_sync_ops_t *ops,
                              void *owner, cairn_sync_session_t **out);
/* Sync partitions (after established): adds one; send says whether we push it. 0, or
 * CAIRN_ETOOBIG past CAIRN_SYNC_PARTS, or -ENOMEM. */
int cairn_sync_session_add_part(cairn_sync_session_t *s, const char *partition, bool send);
/* Does the session sync partition? */
bool cairn_sync_session_has_part(const cairn_sync_session_t *s, const char *partition);
/* Adds a partition to a running session and sends our vector of it (a child hub that found a new
 * school partition to relay). */
int cairn_sync_session_open_part(cairn_sync_session_t *s, const char *partition, bool send);
/* Starts the sync protocol: sends our vector of every partition. */
int cairn_sync_session_start_sync(cairn_sync_session_t *s);
/* Sends one sealed msgpack message. */
int cairn_sync_session_send(cairn_sync_session_t *s, const void *buf, size_t len);
/* Closes after the output queued so far is written; reason NULL = clean. Idempotent. */
void cairn_sync_session_close(cairn_sync_session_t *s, const char *reason);

/* For the session's own files (sync_session.c, sync_parts.c): close with a formatted reason;
 * send a sealed {"t": "err"}; the per-partition side (sync_parts.c): pack {"t": t, partition,
 * our vector's heads[, "data"]} and send it, build and send p's next change set if due, and
 * handle one opened sealed message. */
__attribute__((format(printf, 2, 3))) void cairn_sync_session_fail(cairn_sync_session_t *s,
                                                                   const char *fmt, ...);
void cairn_sync_session_send_err(cairn_sync_session_t *s, const char *error);
int cairn_sync_parts_send(cairn_sync_session_t *s, const char *t, cairn_sync_part_t *p,
                          const void *data, size_t data_len);
void cairn_sync_parts_pump(cairn_sync_session_t *s, cairn_sync_part_t *p);
void cairn_sync_parts_message(cairn_sync_session_t *s, const msgpack_object *m);

/* Closes at once, dropping unsent output (shutdown). */
void cairn_sync_session_abort(cairn_sync_session_t *s, const char *reason);

/* "school:<hex of node>" into out (CAIRN_PARTITION_MAX + 1). */
void cairn_sync_school_partition(const uint8_t node[32], char *out);

/* Reconnect delay after `attempt` failures (0 = the first): full jitter in
 * [min_ms, min(max_ms, min_ms * 2^attempt)], r a uniform random 32-bit value. Pure. */
uint32_t cairn_sync_backoff_ms(uint32_t min_ms, uint32_t max_ms, unsigned attempt, uint32_t r);

/* The hub's listener (sync_hub.c). Binds d->cfg.sync_host:sync_port (port 0 after an explicit
 * --sync-listen = ephemeral). */
typedef struct cairn_sync_hub cairn_sync_hub_t;
int cairn_sync_hub_start(cairn_daemon_t *d, cairn_sync_hub_t **out, char *err, size_t errlen);
uint16_t cairn_sync_hub_port(const cairn_sync_hub_t *h);
void cairn_sync_hub_stop(cairn_sync_hub_t *h);
void cairn_sync_hub_free(cairn_sync_hub_t *h);

/* The connection to this node's hub (sync_school.c); nothing happens when there is no hub.peer. */
typedef struct cairn_sync_school cairn_sync_school_t;
int cairn_sync_school_start(cairn_daemon_t *d, cairn_sync_school_t **out, char *err, size_t errlen);
void cairn_sync_school_stop(cairn_sync_school_t *sc);
void cairn_sync_school_free(cairn_sync_school_t *sc);

/* What `status` reports of the link to the hub (PROTOCOL.md 2.1). */
typedef struct {
    uint8_t hub_pk[32];
    bool up;               /* a session has exchanged vectors for every partition */
    uint64_t last_sync_ms; /* unix ms of the last completed round; 0 = none since start */
    uint64_t lag;          /* events of our partition the hub lacks, by its last vector */
    uint64_t queue;        /* bytes of sync output written but not yet sent */
    bool retrying;
    uint64_t next_retry_ms; /* when retrying: ms until the next attempt */
} cairn_sync_link_t;
void cairn_sync_school_link(cairn_sync_school_t *sc, cairn_sync_link_t *out);

/* What one `sync.now` round did: connected says whether a session was up at the end; error is
 * empty when the round completed. */
typedef struct {
    bool connected;
    uint64_t sent, received, lag;
    char error[256];
} cairn_sync_round_t;
typedef void (*cairn_sync_round_fn)(void *arg, const cairn_sync_round_t *r);
/* Connects now if there is no session (resetting the backoff) and calls done once this round is
 * complete (vectors exchanged, every lack on both sides sent and acknowledged), the session
 * fails, timeout_ms passes or the node stops. 0, or -ENOMEM (done is then never called). */
int cairn_sync_school_now(cairn_sync_school_t *sc, uint64_t timeout_ms, cairn_sync_round_fn done,
                          void *arg);

/* What `status` reports at a hub: schools enrolled and not revoked, and those with a session
 * up now (d->sync_hub; 0 when the hub does not listen). */
void cairn_sync_hub_stats(cairn_daemon_t *d, uint64_t *enrolled, uint64_t *connected);

/* Is this node enrolled at a hub (has a hub.peer)? */
bool cairn_sync_has_hub(const char *datadir);

#endif
