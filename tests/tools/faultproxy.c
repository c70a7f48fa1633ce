/* faultproxy.c: a TCP proxy that injects faults between two peers for integration tests: rate
 * limits, latency, stalls, RST cuts, bit flips and refused connections (the kernel here has no
 * netem). Each accepted connection gets a connection to the target and two pipes, up (client to
 * target) and down; a pipe reads from one side into a queue and pumps the queue to the other side
 * through the faults of its direction.
 * It must never bind beyond loopback unless asked, never hold more than FP_QUEUE_LIMIT bytes per
 * pipe (it stops reading instead), and never be linked into a product binary. */
#include "faultproxy.h"

#include <uv.h>

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

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

static uint64_t start_ns;

static void fp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line per event on stderr, written with one write() so lines never interleave. */
static void fp_log(const char *fmt, ...)
{
    char line[600];
    int n = snprintf(line, sizeof line, "faultproxy[%d] %.3f ", (int)getpid(),
                     (double)(uv_hrtime() - start_ns) / 1e9);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

/* splitmix64: deterministic for a given --seed and order of connections. */
static uint64_t rng_next(struct fp_proxy *px)
{
    uint64_t z = (px->rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void on_handle_closed(uv_handle_t *handle);
static void conn_abort(struct fp_conn *c, const char *why);
static void pipe_pump(struct fp_pipe *p);

/* SO_LINGER 0 turns close() into a RST, the abrupt end a broken link produces. */
static void close_with_reset(uv_tcp_t *tcp, uv_close_cb cb)
{
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)tcp, &fd) == 0) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    uv_close((uv_handle_t *)tcp, cb);
}

static void free_refused(uv_handle_t *handle)
{
    free(handle);
}

static void conn_free(struct fp_conn *c)
{
    struct fp_pipe *pipes[2] = {&c->up, &c->down};
    for (int i = 0; i < 2; i++) {
        struct fp_chunk *ch = pipes[i]->head;
        while (ch != NULL) {
            struct fp_chunk *next = ch->next;
            free(ch);
            ch = next;
        }
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        c->proxy->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
}

static void on_handle_closed(uv_handle_t *handle)
{
    struct fp_conn *c = handle->data;
    assert(c->open_handles > 0);
    if (--c->open_handles == 0)
        conn_free(c);
}

static void log_closed(struct fp_conn *c, const char *how, const char *why)
{
    fp_log("conn=%llu closed how=%s reason=\"%s\" up=%llu/%llu down=%llu/%llu flips=%llu/%llu "
           "age_ms=%llu",
           (unsigned long long)c->id, how, why, (unsigned long long)c->up.in_off,
           (unsigned long long)c->up.out_off, (unsigned long long)c->down.in_off,
           (unsigned long long)c->down.out_off, (unsigned long long)c->up.flips,
           (unsigned long long)c->down.flips,
           (unsigned long long)((uv_hrtime() - c->opened_ns) / NS_PER_MS));
}

static void close_timers(struct fp_conn *c)
{
    uv_close((uv_handle_t *)&c->cut_timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->up.timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->down.timer, on_handle_closed);
}

/* Ends a connection abruptly: RST to both peers, queued bytes dropped. */
static void conn_abort(struct fp_conn *c, const char *why)
{
    if (c->closing)
        return;
    c->closing = true;
    log_closed(c, "reset", why);
    close_with_reset(&c->client, on_handle_closed);
    close_with_reset(&c->server, on_handle_closed);
    close_timers(c);
}

/* Ends a connection whose both directions finished with EOF. */
static void conn_close(struct fp_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    log_closed(c, "eof", "both directions finished");
    uv_close((uv_handle_t *)&c->client, on_handle_closed);
    uv_close((uv_handle_t *)&c->server, on_handle_closed);
    close_timers(c);
}

/* The pipe that reads from this tcp handle: the client feeds up, the server feeds down. */
static struct fp_pipe *pipe_of_src(uv_handle_t *handle)
{
    struct fp_conn *c = handle->data;
    return handle == (uv_handle_t *)&c->client ? &c->up : &c->down;
}

/* Each pipe reads into its own buffer; what is read is copied into an exact-size chunk. */
static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct fp_pipe *p = pipe_of_src(handle);
    (void)suggested;
    *buf = uv_buf_init((char *)p->readbuf, sizeof p->readbuf);
}

/* Flips one bit, chosen by the seeded generator, of the byte at offset off if it lies in
 * [begin, begin + len). */
static void flip_at(struct fp_pipe *p, uint8_t *data, uint64_t begin, uint64_t off)
{
    unsigned bit = (unsigned)(rng_next(p->conn->proxy) % 8);
    data[off - begin] ^= (uint8_t)(1u << bit);
    if (p->flips++ < FP_FLIP_LOG_MAX)
        fp_log("conn=%llu fault=flip dir=%s offset=%llu bit=%u", (unsigned long long)p->conn->id,
               p->name, (unsigned long long)off, bit);
}

/* Applies --flip-after and --flip-every to bytes just read at stream offset p->in_off. */
static void pipe_flip(struct fp_pipe *p, uint8_t *data, size_t len)
{
    const struct fp_dir_opts *o = p->opt;
    uint64_t begin = p->in_off, end = p->in_off + len;
    if (o->flip_after != FP_NONE && o->flip_after >= begin && o->flip_after < end)
        flip_at(p, data, begin, o->flip_after);
    if (o->flip_every == 0)
        return;
    /* Bounded: at most len / flip_every + 1 iterations, each moves next_every forward. */
    while (p->next_every < end) {
        flip_at(p, data, begin, p->next_every);
        p->next_every += o->flip_every;
    }
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

/* Reads only while the pipe may take more: bounded queue, not stalled, not past a cut. */
static void pipe_update_reading(struct fp_pipe *p)
{
    struct fp_conn *c = p->conn;
    if (c->closing || !c->connected)
        return;
    const struct fp_dir_opts *o = p->opt;
    size_t limit = FP_QUEUE_LIMIT;
    if (o->rate != 0) {
        uint64_t held = o->rate / 1000 * o->latency_ms + FP_RATE_QUEUE_LIMIT;
        limit = held < FP_QUEUE_LIMIT ? (size_t)held : FP_QUEUE_LIMIT;
    }
    bool want = !p->eof && !p->cutting && p->stall_until_ns == 0 &&
                p->queued + p->inflight < limit && p->in_off < p->cut_at &&
                !(o->stall_after != FP_NONE && !p->stall_done && p->in_off >= o->stall_after);
    if (want && !p->reading) {
        int rc = uv_read_start(p->src, on_alloc, on_read);
        if (rc != 0) {
            char why[128];
            snprintf(why, sizeof why, "read from %s failed: %s", p->src_name, uv_strerror(rc));
            conn_abort(c, why);
            return;
        }
        p->reading = true;
    } else if (!want && p->reading) {
        uv_read_stop(p->src);
        p->reading = false;
    }
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct fp_pipe *p = pipe_of_src((uv_handle_t *)stream);
    struct fp_conn *c = p->conn;
    (void)buf;
    if (c->closing || nread == 0)
        return;
    if (nread == UV_EOF) {
        p->eof = true;
        fp_log("conn=%llu eof dir=%s from=%s after=%llu", (unsigned long long)c->id, p->name,
               p->src_name, (unsigned long long)p->in_off);
        pipe_pump(p);
        return;
    }
    if (nread < 0) {
        /* A reset on one side is passed on as a reset on the other, like a real path would. */
        char why[128];
        snprintf(why, sizeof why, "read from %s: %s", p->src_name, uv_strerror((int)nread));
        conn_abort(c, why);
        return;
    }
    size_t len = (size_t)nread;
    pipe_flip(p, p->readbuf, len);
    struct fp_chunk *ch = malloc(sizeof *ch + len);
    if (ch == NULL) {
        conn_abort(c, "out of memory");
        return;
    }
    ch->next = NULL;
    ch->len = len;
    ch->sent = 0;
    ch->due_ns = uv_hrtime() + p->opt->latency_ms * NS_PER_MS;
    memcpy(ch->data, p->readbuf, len);
    if (p->tail)
        p->tail->next = ch;
    else
        p->head = ch;
    p->tail = ch;
    p->queued += len + FP_CHUNK_OVERHEAD;
    p->in_off += len;
    pipe_pump(p);
}

static void on_write(uv_write_t *req, int status)
{
    struct fp_write *wr = (struct fp_write *)req;
    struct fp_pipe *p = wr->pipe;
    struct fp_conn *c = p->conn;
    assert(p->inflight >= wr->len);
    p->inflight -= wr->len;
    free(wr);
    if (c->closing)
        return;
    if (status < 0) {
        char why[128];
        snprintf(why, sizeof why, "write to %s: %s", p->dst_name, uv_strerror(status));
        conn_abort(c, why);
        return;
    }
    pipe_pump(p);
}

/* Hands len bytes to the destination; returns 0 or aborts the connection. */
static int pipe_write(struct fp_pipe *p, const uint8_t *data, size_t len)
{
    struct fp_write *wr = malloc(sizeof *wr + len);
    if (wr == NULL) {
        conn_abort(p->conn, "out of memory");
        return UV_ENOMEM;
    }
    wr->pipe = p;
    wr->len = len;
    memcpy(wr->data, data, len);
    uv_buf_t b = uv_buf_init((char *)wr->data, (unsigned)len);
    int rc = uv_write(&wr->req, p->dst, &b, 1, on_write);
    if (rc != 0) {
        free(wr);
        char why[128];
        snprintf(why, sizeof why, "write to %s: %s", p->dst_name, uv_strerror(rc));
        conn_abort(p->conn, why);
        return rc;
    }
    p->inflight += len;
    return 0;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct fp_pipe *p = req->data;
    struct fp_conn *c = p->conn;
    if (c->closing)
        return;
    if (status < 0) {
        char why[128];
        snprintf(why, sizeof why, "shutdown of %s: %s", p->dst_name, uv_strerror(status));
        conn_abort(c, why);
        return;
    }
    p->done = true;
    if (c->up.done && c->down.done)
        conn_close(c);
}

/* Refills the token bucket from the time elapsed since the last refill. */
static void bucket_refill(struct fp_pipe *p, uint64_t now)
{
    if (now > p->refill_ns)
        p->tokens += (double)(now - p->refill_ns) * (double)p->opt->rate / 1e9;
    if (p->tokens > p->bucket)
        p->tokens = p->bucket;
    p->refill_ns = now;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* After the last byte before a cut point was written: wait (bounded) until the kernel sent it
 * all, then RST. Returns the time to look again, or 0 once the connection is aborted. */
static uint64_t pipe_drain_then_cut(struct fp_pipe *p, uint64_t now)
{
    if (p->inflight > 0)
        return 0; /* on_write pumps again */
    if (p->drain_since_ns == 0)
        p->drain_since_ns = now;
    int unsent = 0;
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)p->dst, &fd) != 0 || ioctl(fd, TIOCOUTQ, &unsent) != 0)
        unsent = 0;
    if (unsent > 0 && now - p->drain_since_ns < FP_DRAIN_MAX_NS)
        return now + FP_DRAIN_POLL_MS * NS_PER_MS;
    char why[128];
    snprintf(why, sizeof why, "cut-after %s at %llu bytes%s", p->name,
             (unsigned long long)p->cut_at, unsent > 0 ? " (undelivered bytes lost)" : "");
    fp_log("conn=%llu fault=cut dir=%s offset=%llu", (unsigned long long)p->conn->id, p->name,
           (unsigned long long)p->cut_at);
    conn_abort(p->conn, why);
    return 0;
}

static void on_pipe_timer(uv_timer_t *timer);

/* Moves queued bytes to the destination as far as latency, stall, rate and cut allow, then
 * arms the pipe's timer for the next moment something may move. */
static void pipe_pump(struct fp_pipe *p)
{
    struct fp_conn *c = p->conn;
    const struct fp_dir_opts *o = p->opt;
    if (c->closing)
        return;
    uint64_t now = uv_hrtime();
    uint64_t wake = 0; /* 0 = nothing to wait for */
    for (int batch = 0; batch < FP_PUMP_BATCH && !c->closing; batch++) {
        if (p->out_off >= p->cut_at)
            break;
        /* Checked before looking at the queue so that a stall at offset 0 starts at once. */
        if (o->stall_after != FP_NONE && !p->stall_done && p->out_off >= o->stall_after) {
            p->stall_done = true;
            p->stall_until_ns = now + o->stall_ms * NS_PER_MS;
            fp_log("conn=%llu fault=stall dir=%s offset=%llu ms=%llu", (unsigned long long)c->id,
                   p->name, (unsigned long long)p->out_off, (unsigned long long)o->stall_ms);
        }
        if (p->stall_until_ns != 0) {
            if (now < p->stall_until_ns) {
                wake = p->stall_until_ns;
                break;
            }
            p->stall_until_ns = 0;
            fp_log("conn=%llu fault=stall-end dir=%s offset=%llu", (unsigned long long)c->id,
                   p->name, (unsigned long long)p->out_off);
        }
        struct fp_chunk *ch = p->head;
        if (ch == NULL)
            break;
        if (ch->due_ns > now) {
            wake = ch->due_ns;
            break;
        }
        uint64_t n = min_u64(ch->len - ch->sent, FP_READ_SIZE);
        if (p->cut_at != FP_NONE)
            n = min_u64(n, p->cut_at - p->out_off);
        if (o->stall_after != FP_NONE && !p->stall_done)
            n = min_u64(n, o->stall_after - p->out_off);
        if (o->rate != 0) {
            bucket_refill(p, now);
            uint64_t want = min_u64(n, FP_WRITE_QUANTUM);
            if (want > (uint64_t)p->bucket)
                want = (uint64_t)p->bucket;
            if (p->tokens < (double)want) {
                double missing = (double)want - p->tokens;
                wake = now + (uint64_t)(missing * 1e9 / (double)o->rate) + 1;
                break;
            }
            n = min_u64(n, (uint64_t)p->tokens);
            p->tokens -= (double)n;
        }
        if (pipe_write(p, ch->data + ch->sent, (size_t)n) != 0)
            return;
        ch->sent += (size_t)n;
        p->out_off += n;
        p->queued -= (size_t)n;
        if (ch->sent == ch->len) {
            p->head = ch->next;
            if (p->head == NULL)
                p->tail = NULL;
            p->queued -= FP_CHUNK_OVERHEAD;
            free(ch);
        }
    }
    if (c->closing)
        return;
    if (p->out_off >= p->cut_at) {
        if (!p->cutting) {
            p->cutting = true;
            fp_log("conn=%llu fault=cut-pending dir=%s offset=%llu", (unsigned long long)c->id,
                   p->name, (unsigned long long)p->cut_at);
        }
        wake = pipe_drain_then_cut(p, now);
        if (c->closing)
            return;
    } else if (p->head != NULL && wake == 0) {
        wake = now; /* batch exhausted: continue on the next loop iteration */
    } else if (p->eof && p->head == NULL && p->inflight == 0 && !p->shutdown_started) {
        p->shutdown_started = true;
        p->shutdown_req.data = p;
        int rc = uv_shutdown(&p->shutdown_req, p->dst, on_shutdown);
        if (rc != 0) {
            char why[128];
            snprintf(why, sizeof why, "shutdown of %s: %s", p->dst_name, uv_strerror(rc));
            conn_abort(c, why);
            return;
        }
    }
    if (wake != 0) {
        uint64_t ms = wake > now ? (wake - now + NS_PER_MS - 1) / NS_PER_MS : 0;
        uv_timer_start(&p->timer, on_pipe_timer, ms, 0);
    } else {
        uv_timer_stop(&p->timer);
    }
    pipe_update_reading(p);
}

/* Timers carry their connection in data (like every handle of a connection). */
static void on_pipe_timer(uv_timer_t *timer)
{
    struct fp_conn *c = timer->data;
    pipe_pump(timer == &c->up.timer ? &c->up : &c->down);
}

static void on_cut_timer(uv_timer_t *timer)
{
    struct fp_conn *c = timer->data;
    char why[64];
    snprintf(why, sizeof why, "cut-every-ms %llu",
             (unsigned long long)c->proxy->opts->cut_every_ms);
    fp_log("conn=%llu fault=cut-every-ms", (unsigned long long)c->id);
    conn_abort(c, why);
}

static void on_connect(uv_connect_t *req, int status)
{
    struct fp_conn *c = req->data;
    if (c->closing)
        return;
    if (status < 0) {
        char why[128];
        snprintf(why, sizeof why, "connect to target: %s", uv_strerror(status));
        conn_abort(c, why);
        return;
    }
    c->connected = true;
    uv_tcp_nodelay(&c->server, 1);
    fp_log("conn=%llu connected target=%s", (unsigned long long)c->id, c->proxy->opts->target_text);
    /* Pumping an empty pipe starts faults at offset 0 (cut, stall) and then starts reading. */
    pipe_pump(&c->up);
    pipe_pump(&c->down);
}

static void pipe_init(struct fp_conn *c, struct fp_pipe *p, int dir)
{
    struct fp_proxy *px = c->proxy;
    const struct fp_dir_opts *o = &px->opts->dir[dir];
    p->conn = c;
    p->opt = o;
    p->name = dir == FP_UP ? "up" : "down";
    p->src = (uv_stream_t *)(dir == FP_UP ? &c->client : &c->server);
    p->dst = (uv_stream_t *)(dir == FP_UP ? &c->server : &c->client);
    p->src_name = dir == FP_UP ? "client" : "server";
    p->dst_name = dir == FP_UP ? "server" : "client";
    p->cut_at = o->cut_after;
    if (o->cut_random_min != FP_NONE) {
        uint64_t span = o->cut_random_max - o->cut_random_min + 1;
        p->cut_at = o->cut_random_min + rng_next(px) % span;
    }
    p->next_every = o->flip_every != 0 ? o->flip_every : FP_NONE;
    if (o->rate != 0) {
        uint64_t bucket = o->rate / 20;
        if (bucket < FP_BUCKET_MIN)
            bucket = FP_BUCKET_MIN;
        if (bucket > FP_BUCKET_MAX)
            bucket = FP_BUCKET_MAX;
        p->bucket = (double)bucket;
        p->tokens = p->bucket;
        p->refill_ns = uv_hrtime();
    }
    uv_timer_init(px->loop, &p->timer);
    p->timer.data = c;
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
    char ip[64] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
        uv_ip4_name(v4, ip, sizeof ip);
        port = ntohs(v4->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;
        uv_ip6_name(v6, ip, sizeof ip);
        port = ntohs(v6->sin6_port);
    }
    snprintf(out, outlen, "%s:%d", ip, port);
}

static void peer_text(uv_tcp_t *tcp, char *out, size_t outlen)
{
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) != 0)
        snprintf(out, outlen, "?");
    else
        addr_text(&ss, out, outlen);
}

/* Accepts and immediately resets a connection: link down or --drop-connections. */
static void refuse(struct fp_proxy *px, const char *why)
{
    uv_tcp_t *tcp = malloc(sizeof *tcp);
    if (tcp == NULL)
        return;
    uv_tcp_init(px->loop, tcp);
    if (uv_accept((uv_stream_t *)&px->listener, (uv_stream_t *)tcp) != 0) {
        uv_close((uv_handle_t *)tcp, free_refused);
        return;
    }
    char peer[96];
    peer_text(tcp, peer, sizeof peer);
    fp_log("conn=%llu refused client=%s reason=\"%s\"", (unsigned long long)++px->next_id, peer,
           why);
    close_with_reset(tcp, free_refused);
}

/* Accepts one connection and starts its connection to the target. */
static void on_connection(uv_stream_t *listener, int status)
{
    struct fp_proxy *px = listener->data;
    if (status < 0) {
        fp_log("accept failed: %s", uv_strerror(status));
        return;
    }
    if (px->link_down) {
        refuse(px, "link down");
        return;
    }
    if (px->dropped < px->opts->drop_connections) {
        px->dropped++;
        char why[64];
        snprintf(why, sizeof why, "drop-connections %llu/%llu", (unsigned long long)px->dropped,
                 (unsigned long long)px->opts->drop_connections);
        refuse(px, why);
        return;
    }
    struct fp_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        refuse(px, "out of memory");
        return;
    }
    c->proxy = px;
    c->id = ++px->next_id;
    c->opened_ns = uv_hrtime();
    uv_tcp_init(px->loop, &c->client);
    uv_tcp_init(px->loop, &c->server);
    uv_timer_init(px->loop, &c->cut_timer);
    c->client.data = c;
    c->server.data = c;
    c->cut_timer.data = c;
    c->connect_req.data = c;
    pipe_init(c, &c->up, FP_UP);
    pipe_init(c, &c->down, FP_DOWN);
    c->open_handles = 5; /* client, server, cut_timer, up.timer, down.timer */
    c->next = px->conns;
    if (px->conns)
        px->conns->prev = c;
    px->conns = c;

    if (uv_accept(listener, (uv_stream_t *)&c->client) != 0) {
        conn_abort(c, "accept failed");
        return;
    }
    uv_tcp_nodelay(&c->client, 1);
    char peer[96];
    peer_text(&c->client, peer, sizeof peer);
    fp_log("conn=%llu opened client=%s cut_at=%lld/%lld", (unsigned long long)c->id, peer,
           c->up.cut_at == FP_NONE ? -1LL : (long long)c->up.cut_at,
           c->down.cut_at == FP_NONE ? -1LL : (long long)c->down.cut_at);
    int rc = uv_tcp_connect(&c->connect_req, &c->server,
                            (const struct sockaddr *)&px->opts->target_addr, on_connect);
    if (rc != 0) {
        char why[128];
        snprintf(why, sizeof why, "connect to target: %s", uv_strerror(rc));
        conn_abort(c, why);
        return;
    }
    if (px->opts->cut_every_ms != 0)
        uv_timer_start(&c->cut_timer, on_cut_timer, px->opts->cut_every_ms, 0);
}

/* Resets every open connection; each is freed once its handles have closed. */
static void abort_all(struct fp_proxy *px, const char *why)
{
    for (struct fp_conn *c = px->conns; c != NULL; c = c->next)
        conn_abort(c, why);
}

static void on_signal(uv_signal_t *sig, int signum)
{
    struct fp_proxy *px = sig->data;
    if (signum == SIGUSR1) {
        px->link_down = !px->link_down;
        fp_log("signal=USR1 link=%s", px->link_down ? "down" : "up");
        if (px->link_down)
            abort_all(px, "link down (SIGUSR1)");
    } else if (signum == SIGUSR2) {
        fp_log("signal=USR2 cutting all connections");
        abort_all(px, "SIGUSR2");
    } else if (!px->stopping) {
        px->stopping = true;
        fp_log("signal=%s stopping", signum == SIGTERM ? "TERM" : "INT");
        abort_all(px, "proxy stopping");
        uv_close((uv_handle_t *)&px->listener, NULL);
        uv_close((uv_handle_t *)&px->sig_usr1, NULL);
        uv_close((uv_handle_t *)&px->sig_usr2, NULL);
        uv_close((uv_handle_t *)&px->sig_term, NULL);
        uv_close((uv_handle_t *)&px->sig_int, NULL);
    }
}

/* Written to a temporary name and renamed, so a reader never sees half a number. */
static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -errno;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return -errno;
    return 0;
}

static int start_signal(struct fp_proxy *px, uv_signal_t *sig, int signum)
{
    uv_signal_init(px->loop, sig);
    sig->data = px;
    return uv_signal_start(sig, on_signal, signum);
}

/* Binds, listens, installs signal handlers, then announces the port: once the port file
 * exists, the proxy accepts connections and signals. */
static int proxy_start(struct fp_proxy *px)
{
    int rc = uv_tcp_init(px->loop, &px->listener);
    if (rc != 0)
        return rc;
    px->listener.data = px;
    rc = uv_tcp_bind(&px->listener, (const struct sockaddr *)&px->opts->listen_addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&px->listener, 128, on_connection);
    if (rc != 0) {
        fprintf(stderr, "faultproxy: listen on %s: %s\n", px->opts->listen_text, uv_strerror(rc));
        return rc;
    }
    if ((rc = start_signal(px, &px->sig_usr1, SIGUSR1)) != 0 ||
        (rc = start_signal(px, &px->sig_usr2, SIGUSR2)) != 0 ||
        (rc = start_signal(px, &px->sig_term, SIGTERM)) != 0 ||
        (rc = start_signal(px, &px->sig_int, SIGINT)) != 0) {
        fprintf(stderr, "faultproxy: signals: %s\n", uv_strerror(rc));
        return rc;
    }
    struct sockaddr_storage bound;
    int len = (int)sizeof bound;
    memset(&bound, 0, sizeof bound);
    rc = uv_tcp_getsockname(&px->listener, (struct sockaddr *)&bound, &len);
    if (rc != 0)
        return rc;
    char text[96];
    addr_text(&bound, text, sizeof text);
    int port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                : ((struct sockaddr_in6 *)&bound)->sin6_port);
    if (px->opts->port_file != NULL && (rc = write_port_file(px->opts->port_file, port)) != 0) {
        fprintf(stderr, "faultproxy: port file %s: %s\n", px->opts->port_file, strerror(-rc));
        return rc;
    }
    fp_log("listening on %s port=%d target=%s", text, port, px->opts->target_text);
    return 0;
}

static void close_any(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

int main(int argc, char **argv)
{
    static struct fp_opts opts;
    char err[512];
    start_ns = uv_hrtime();
    if (faultproxy_opts_parse(&opts, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "faultproxy: %s\n", err);
        faultproxy_opts_usage(stderr);
        return 2;
    }
    if (opts.help) {
        faultproxy_opts_usage(stdout);
        return 0;
    }
    if (opts.check_only) {
        faultproxy_opts_print(&opts, stdout);
        return 0;
    }
    /* A peer that vanishes mid-write must be an error value, not a fatal signal. */
    signal(SIGPIPE, SIG_IGN);

    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) {
        fprintf(stderr, "faultproxy: cannot start the event loop\n");
        return 1;
    }
    struct fp_proxy px;
    memset(&px, 0, sizeof px);
    px.loop = &loop;
    px.opts = &opts;
    px.rng = opts.seed;
    int rc = proxy_start(&px);
    if (rc == 0)
        uv_run(&loop, UV_RUN_DEFAULT);
    /* After a failed start some handles are open: close them so the loop can be closed. */
    uv_walk(&loop, close_any, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0)
        fp_log("warning: handles still open at exit");
    fp_log("exit status=%d", rc == 0 ? 0 : 1);
    return rc == 0 ? 0 : 1;
}
