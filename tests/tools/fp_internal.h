/* fp_internal.h: what the faultproxy files share (fp_util.c, fp_pipe.c, fp_conn.c,
 * faultproxy.c): limits, the connection, pipe and proxy structs, and the functions that cross
 * files. A test tool only. */
#ifndef CAIRN_FP_INTERNAL_H
#define CAIRN_FP_INTERNAL_H

#include "faultproxy.h"

#include <uv.h>

/* One read at most; also the largest chunk a pipe queues. */
#define FP_READ_SIZE 65536
/* Backpressure: a pipe stops reading while its queue plus unfinished writes exceed this. */
#define FP_QUEUE_LIMIT (1024 * 1024)
/* While rate-limited, reading stays close to the output rate: at most this much queued ahead
 * (plus what the latency holds back), so the sender feels the limit instead of a 1 MiB burst. */
#define FP_RATE_QUEUE_LIMIT 65536
/* Counted per queued chunk so that many tiny reads cannot escape the memory bound. */
#define FP_CHUNK_OVERHEAD 64
/* Token bucket: burst of 1/20 s of traffic, between these bounds. */
#define FP_BUCKET_MIN 1
#define FP_BUCKET_MAX 65536
#define FP_WRITE_QUANTUM 16384
/* Before a cut, wait (bounded) until the kernel has delivered what was written, so the peer
 * really receives exactly the bytes before the cut point: RST discards unsent data. */
#define FP_DRAIN_POLL_MS 2
#define FP_DRAIN_MAX_NS (UINT64_C(2000) * 1000000)
/* Chunks handled per pump call before yielding to the loop. */
#define FP_PUMP_BATCH 1024
/* Flip events logged one by one per pipe; the rest only counted. */
#define FP_FLIP_LOG_MAX 16

#define NS_PER_MS UINT64_C(1000000)

struct fp_chunk {
    struct fp_chunk *next;
    uint64_t due_ns; /* not before this uv_hrtime() */
    size_t len, sent;
    uint8_t data[];
};

struct fp_write {
    uv_write_t req;
    struct fp_pipe *pipe;
    size_t len;
    uint8_t data[];
};

struct fp_pipe {
    struct fp_conn *conn;
    const char *name; /* "up" or "down" */
    const struct fp_dir_opts *opt;
    uv_stream_t *src, *dst;
    const char *src_name, *dst_name;
    uv_timer_t timer; /* wakes the pump for latency, rate, stall and drain */
    uv_shutdown_t shutdown_req;
    struct fp_chunk *head, *tail;
    size_t queued;   /* bytes (and chunk overhead) queued, not yet handed to uv_write */
    size_t inflight; /* bytes handed to uv_write whose callback has not run */
    uint64_t in_off, out_off;
    uint64_t cut_at;     /* FP_NONE = never */
    uint64_t next_every; /* next --flip-every offset */
    uint64_t flips;
    uint64_t stall_until_ns; /* 0 = not stalled */
    bool stall_done;
    double tokens;
    double bucket;
    uint64_t refill_ns;
    uint64_t drain_since_ns; /* 0 = not draining */
    bool reading, eof, shutdown_started, done, cutting;
    bool truncated; /* --truncate-after reached: EOF sent (or due), input dropped */
    uint8_t readbuf[FP_READ_SIZE];
};

struct fp_proxy;

struct fp_conn {
    struct fp_proxy *proxy;
    struct fp_conn *prev, *next;
    uint64_t id;
    uint64_t opened_ns;
    uv_tcp_t client, server;
    uv_connect_t connect_req;
    uv_timer_t cut_timer;
    int open_handles;
    bool connected, closing;
    struct fp_pipe up, down;
};

struct fp_proxy {
    uv_loop_t *loop;
    const struct fp_opts *opts;
    uv_tcp_t listener;
    uv_signal_t sig_usr1, sig_usr2, sig_term, sig_int;
    struct fp_conn *conns;
    uint64_t next_id;
    uint64_t dropped;
    uint64_t rng;
    bool link_down, stopping;
};

/* fp_util.c */
extern uint64_t fp_start_ns;
void fp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t fp_rng_next(struct fp_proxy *px);

/* fp_conn.c: a connection's life (accept, connect, close) */
void fp_close_with_reset(uv_tcp_t *tcp, uv_close_cb cb);
void fp_free_refused(uv_handle_t *handle);
void fp_on_handle_closed(uv_handle_t *handle);
void fp_conn_abort(struct fp_conn *c, const char *why);
void fp_conn_close(struct fp_conn *c);
void fp_on_connection(uv_stream_t *listener, int status);
void fp_abort_all(struct fp_proxy *px, const char *why);
/* "IP:PORT" of an address, for logs. */
void fp_addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen);

/* fp_pipe.c: one direction's faults and forwarding */
void fp_pipe_init(struct fp_conn *c, struct fp_pipe *p, int dir);
void fp_pipe_pump(struct fp_pipe *p);

#endif
