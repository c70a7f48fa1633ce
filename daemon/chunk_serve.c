/*
 * chunk_serve.c: the sending side of evidence chunk sync (the school). Serves the ranges the hub
 * asked for (cwant), in order, as cdata pieces read with pread from the chunk store.
 *
 * Priority: a piece is handed to the socket only when the session has nothing else unsent, so
 * a change set built meanwhile waits behind at most one piece. The school's upload rate
 * ([sync] upload_rate) and windows ([sync] upload_windows) gate each piece; event sync is never
 * gated. Memory: one piece buffer at a time; the queue holds ranges, not bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairn/err.h>

#include "chunk_xfer.h"
#include "log.h"
#include "sync_window.h"

/* The smallest piece sent under a rate cap (a whole piece when less is left in the range). */
#define MIN_CAPPED_PIECE (8u * 1024)

chunk_serve_t *cairn_chunk_serve_new(void)
{
    chunk_serve_t *sv = calloc(1, sizeof *sv);
    if (sv != NULL)
        sv->fd = -1;
    return sv;
}

void cairn_chunk_serve_free(chunk_serve_t *sv)
{
    if (sv == NULL)
        return;
    if (sv->fd >= 0)
        close(sv->fd);
    free(sv);
}

int cairn_chunk_serve_want(cairn_sync_session_t *s, chunk_serve_t *sv, const cairn_hash_t *h,
                           uint64_t off, uint64_t len)
{
    (void)s;
    if (sv->n >= CAIRN_CHUNK_QUEUE)
        return CAIRN_ETOOBIG;
    serve_range_t *r = &sv->q[(sv->head + sv->n) % CAIRN_CHUNK_QUEUE];
    r->hash = *h;
    r->off = off;
    r->len = len;
    r->sent = 0;
    sv->n++;
    return 0;
}

static void pop(chunk_serve_t *sv)
{
    sv->head = (sv->head + 1) % CAIRN_CHUNK_QUEUE;
    sv->n--;
}

/* The chunk file of h, opened once for all its ranges. -1 if this node lacks it. */
static int chunk_fd(cairn_sync_session_t *s, chunk_serve_t *sv, const cairn_hash_t *h)
{
    if (sv->fd >= 0 && memcmp(sv->fd_hash.b, h->b, CAIRN_HASH_LEN) == 0)
        return sv->fd;
    if (sv->fd >= 0)
        close(sv->fd);
    sv->fd = -1;
    char path[PATH_MAX];
    if (cairn_blobs_chunk_path(s->d->blobs, h, path, sizeof path) != 0)
        return -1;
    sv->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (sv->fd >= 0)
        sv->fd_hash = *h;
    return sv->fd;
}

/* May evidence go now? Logged once per change so an operator sees why nothing moves. */
static bool window_open(cairn_sync_session_t *s, chunk_serve_t *sv)
{
    bool open = cairn_window_open_now(&s->d->cfg.upload_window, time(NULL));
    if (!open && !sv->window_closed_logged)
        cairn_log_info("sync %s: outside the upload windows: evidence waits (events go on)",
                       s->peer);
    else if (open && sv->window_closed_logged)
        cairn_log_info("sync %s: upload window open: sending evidence", s->peer);
    sv->window_closed_logged = !open;
    return open;
}

void cairn_chunk_serve_pump(cairn_sync_session_t *s, chunk_serve_t *sv)
{
    while (sv->n > 0 && s->out_bytes == 0 && !s->closing) {
        if (!window_open(s, sv))
            break;
        serve_range_t *r = &sv->q[sv->head];
        int fd = chunk_fd(s, sv, &r->hash);
        if (fd < 0) {
            char hex[CAIRN_HASH_HEX_LEN + 1];
            cairn_hash_hex(&r->hash, hex);
            /* A relaying hub is asked for chunks it has not received yet: normal (debug). */
            if (s->d->cfg.role == CAIRN_ROLE_HUB)
                cairn_log_debug("sync %s: asked for chunk %.16s..., not here (yet)", s->peer, hex);
            else
                cairn_log_warn("sync %s: asked for chunk %.16s..., which this node does not hold",
                               s->peer, hex);
            cairn_sync_chunks_send_none(s, &r->hash);
            /* Drop every queued range of that chunk: one answer is enough. */
            cairn_hash_t gone = r->hash;
            while (sv->n > 0 && memcmp(sv->q[sv->head].hash.b, gone.b, CAIRN_HASH_LEN) == 0)
                pop(sv);
            continue;
        }
        uint64_t n = r->len - r->sent;
        if (n > CAIRN_CHUNK_PIECE)
            n = CAIRN_CHUNK_PIECE;
        cairn_chunk_state_t *st = s->d->chunks;
        /* Under a cap, a smaller piece goes as soon as the bucket holds it, rather than waiting
         * for a whole one: the cap is met closely with the 50 ms tick. */
        uint64_t avail = cairn_ratelimit_available(&st->limit, uv_now(s->d->loop));
        if (avail < n && avail < MIN_CAPPED_PIECE)
            break; /* the next tick tries again */
        if (n > avail)
            n = avail;
        cairn_ratelimit_take(&st->limit, n, uv_now(s->d->loop));
        int rc = cairn_sync_chunks_send_data(s, &r->hash, r->off + r->sent, fd, (size_t)n);
        if (rc == -EIO) {
            /* Asked past the end of the chunk, or a read error: say we cannot serve it. */
            cairn_sync_chunks_send_none(s, &r->hash);
            pop(sv);
            continue;
        }
        if (rc != 0)
            break;
        r->sent += n;
        st->c.bytes_sent += n;
        if (r->sent == r->len)
            pop(sv);
    }
}
