/* fp_pipe.c: one direction of a faultproxy connection: reads into a bounded queue and pumps it
 * to the other side through that direction's faults (latency, rate, stall, flips, cut,
 * truncation). It stops reading rather than queue more than FP_QUEUE_LIMIT. A test tool only. */
#include "fp_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

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
    unsigned bit = (unsigned)(fp_rng_next(p->conn->proxy) % 8);
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
            fp_conn_abort(c, why);
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
        fp_pipe_pump(p);
        return;
    }
    if (nread < 0) {
        /* A reset on one side is passed on as a reset on the other, like a real path would. */
        char why[128];
        snprintf(why, sizeof why, "read from %s: %s", p->src_name, uv_strerror((int)nread));
        fp_conn_abort(c, why);
        return;
    }
    size_t len = (size_t)nread;
    if (p->truncated) {
        p->in_off += len; /* past a truncation: read and dropped, so the sender never blocks */
        return;
    }
    pipe_flip(p, p->readbuf, len);
    struct fp_chunk *ch = malloc(sizeof *ch + len);
    if (ch == NULL) {
        fp_conn_abort(c, "out of memory");
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
    fp_pipe_pump(p);
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
        fp_conn_abort(c, why);
        return;
    }
    fp_pipe_pump(p);
}

/* Hands len bytes to the destination; returns 0 or aborts the connection. */
static int pipe_write(struct fp_pipe *p, const uint8_t *data, size_t len)
{
    struct fp_write *wr = malloc(sizeof *wr + len);
    if (wr == NULL) {
        fp_conn_abort(p->conn, "out of memory");
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
        fp_conn_abort(p->conn, why);
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
        fp_conn_abort(c, why);
        return;
    }
    p->done = true;
    if (c->up.done && c->down.done)
        fp_conn_close(c);
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
    fp_conn_abort(p->conn, why);
    return 0;
}

static void on_pipe_timer(uv_timer_t *timer);

/* Moves queued bytes to the destination as far as latency, stall, rate and cut allow, then
 * arms the pipe's timer for the next moment something may move. */
void fp_pipe_pump(struct fp_pipe *p)
{
    struct fp_conn *c = p->conn;
    const struct fp_dir_opts *o = p->opt;
    if (c->closing)
        return;
    uint64_t now = uv_hrtime();
    uint64_t wake = 0; /* 0 = nothing to wait for */
    for (int batch = 0; batch < FP_PUMP_BATCH && !c->closing; batch++) {
        if (p->out_off >= p->cut_at || p->out_off >= o->truncate_after)
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
        if (o->truncate_after != FP_NONE)
            n = min_u64(n, o->truncate_after - p->out_off);
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
    } else if (p->out_off >= o->truncate_after && !p->truncated) {
        /* Truncation: what is queued past the point is dropped, the stream ends with EOF. */
        p->truncated = true;
        fp_log("conn=%llu fault=truncate dir=%s offset=%llu", (unsigned long long)c->id, p->name,
               (unsigned long long)p->out_off);
        while (p->head != NULL) {
            struct fp_chunk *next = p->head->next;
            free(p->head);
            p->head = next;
        }
        p->tail = NULL;
        p->queued = 0;
        wake = now; /* the shutdown below runs on the next pump, once writes drained */
    } else if (p->head != NULL && wake == 0) {
        wake = now; /* batch exhausted: continue on the next loop iteration */
    } else if ((p->eof || p->truncated) && p->head == NULL && p->inflight == 0 &&
               !p->shutdown_started) {
        p->shutdown_started = true;
        p->shutdown_req.data = p;
        int rc = uv_shutdown(&p->shutdown_req, p->dst, on_shutdown);
        if (rc != 0) {
            char why[128];
            snprintf(why, sizeof why, "shutdown of %s: %s", p->dst_name, uv_strerror(rc));
            fp_conn_abort(c, why);
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
    fp_pipe_pump(timer == &c->up.timer ? &c->up : &c->down);
}

void fp_pipe_init(struct fp_conn *c, struct fp_pipe *p, int dir)
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
        p->cut_at = o->cut_random_min + fp_rng_next(px) % span;
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
