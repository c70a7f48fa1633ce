/*
 * chunk_pull.c: the receiving side of evidence chunk sync (the hub). Walks the plan
 * (chunk_plan.c) one file at a time, asks for the chunks its store lacks in byte ranges within
 * CAIRN_CHUNK_WINDOW, gathers each chunk in memory (resuming from its partial file), stores it
 * with cairn_blobs_chunk_put (hashed, written, fsync'd and renamed on the thread pool), and
 * stores the file's manifest (the file is complete) when every chunk is here. On a fast
 * transfer the loop thread only decrypts and copies: no file is created or written per piece.
 *
 * Invariants: a range is asked for only from where the arrived bytes end, so bytes arrive in
 * order; a partial file holds a prefix of its chunk, written at a cut and, below
 * CAIRN_CHUNK_WRITE_THROUGH_RATE, as each piece arrives; no two sessions of this node fetch the
 * same chunk (cairn_chunk_state_claim); a chunk counts as stored only after chunk_put's fsync.
 * Must never write a chunk into the store that did not hash to its name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cairn/err.h>

#include "blob_partial.h"
#include "chunk_xfer.h"
#include "log.h"
#include "store.h"

#define REPLAN_IDLE_MS 1000
#define RETRY_SKIPPED_MS 500
/* A file whose chunks fail their hash this often is left alone for UNAVAILABLE_LONG_MS. */
#define BAD_CHUNKS_MAX 3
/* A file the peer lacks a chunk of is asked for again after this long: a region relaying a
 * school's file to its parent gets it chunk by chunk (PROTOCOL.md 8.3, three tiers). */
#define UNAVAILABLE_LACK_MS 2000u
#define UNAVAILABLE_LONG_MS 60000u

typedef struct {
    chunk_pull_t *p;
    int slot;
} adopt_arg_t;

chunk_pull_t *cairn_chunk_pull_new(cairn_sync_session_t *s)
{
    chunk_pull_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->s = s;
    p->d = s->d;
    p->plan_changes = -1;
    p->window = CAIRN_CHUNK_WINDOW;
    p->rate = UINT64_MAX;
    p->rate_at_ms = uv_now(s->d->loop);
    for (int i = 0; i < CAIRN_CHUNK_SLOTS; i++)
        p->slots[i].fd = -1;
    return p;
}

static void pull_free(chunk_pull_t *p)
{
    cairn_manifest_free(&p->cur);
    free(p->files);
    free(p->unavailable);
    free(p->tell);
    cairn_hash_set_free(&p->told);
    free(p);
}

static void buf_give(chunk_pull_t *p, pull_slot_t *sl)
{
    cairn_chunk_buf_give(p->d->chunks, sl->buf, sl->cap);
    sl->buf = NULL;
}

/* Writes what arrived of the slot's chunk and is not in its partial file yet. */
static void slot_flush(chunk_pull_t *p, pull_slot_t *sl)
{
    if (sl->have <= sl->on_disk)
        return;
    int rc =
        cairn_blobs_partial_write(p->d->blobs, &sl->hash, &sl->fd, sl->buf, sl->on_disk, sl->have);
    if (rc == 0) {
        sl->on_disk = sl->have;
    } else if (!p->write_logged) { /* not fatal: those bytes are fetched again after a cut */
        p->write_logged = true;
        cairn_log_warn("sync: cannot write a partial chunk file (a resume point): %s",
                       cairn_strerror(rc));
    }
}

/* Ends a slot that is not adopting: what arrived goes to its partial file for the next session. */
static void slot_drop(chunk_pull_t *p, pull_slot_t *sl)
{
    slot_flush(p, sl);
    if (sl->fd >= 0)
        close(sl->fd);
    sl->fd = -1;
    buf_give(p, sl);
    p->outstanding -= sl->asked - sl->have;
    cairn_chunk_state_release(p->d->chunks, &sl->hash);
    sl->active = false;
}

void cairn_chunk_pull_detach(chunk_pull_t *p)
{
    for (int i = 0; i < CAIRN_CHUNK_SLOTS; i++) {
        if (p->slots[i].active && !p->slots[i].adopting)
            slot_drop(p, &p->slots[i]);
    }
    p->s = NULL;
    if (p->pending == 0)
        pull_free(p);
}

static pull_later_t *find_later(const chunk_pull_t *p, const cairn_hash_t *f)
{
    for (size_t i = 0; i < p->nunavailable; i++) {
        if (memcmp(p->unavailable[i].file.b, f->b, CAIRN_HASH_LEN) == 0)
            return &p->unavailable[i];
    }
    return NULL;
}

static bool is_unavailable(const chunk_pull_t *p, const cairn_hash_t *f)
{
    const pull_later_t *l = find_later(p, f);
    return l != NULL && uv_now(p->d->loop) < l->until_ms;
}

/* Leaves file f alone for delay_ms; returns true when it was not left alone already (log it). */
static bool mark_unavailable(chunk_pull_t *p, const cairn_hash_t *f, uint64_t delay_ms)
{
    pull_later_t *l = find_later(p, f);
    bool fresh = l == NULL;
    if (l == NULL) {
        pull_later_t *n = realloc(p->unavailable, (p->nunavailable + 1) * sizeof *n);
        if (n == NULL)
            return true;
        p->unavailable = n;
        l = &p->unavailable[p->nunavailable++];
        l->file = *f;
    }
    l->until_ms = uv_now(p->d->loop) + delay_ms;
    l->replanned = false;
    return fresh;
}

/* Has a file's wait ended since the plan was last made? (Then plan again: it may be there.) */
static bool retry_due(chunk_pull_t *p)
{
    uint64_t now = uv_now(p->d->loop);
    bool due = false;
    for (size_t i = 0; i < p->nunavailable; i++) {
        pull_later_t *l = &p->unavailable[i];
        if (l->until_ms <= now && !l->replanned) {
            l->replanned = true;
            due = true;
        }
    }
    return due;
}

static void send_stat(chunk_pull_t *p, bool done)
{
    if (p->s != NULL && !p->s->closing)
        cairn_sync_chunks_send_stat(p->s, &p->cur.file_hash, p->cur_held, p->cur.size, done);
}

/* Loads the next file of the plan that is not complete here; false when the plan is done. */
static bool next_file(chunk_pull_t *p)
{
    while (p->next_file < p->nfiles) {
        cairn_hash_t f = p->files[p->next_file++];
        if (is_unavailable(p, &f))
            continue;
        cairn_manifest_t m;
        char hex[CAIRN_HASH_HEX_LEN + 1];
        cairn_hash_hex(&f, hex);
        if (cairn_chunk_plan_manifest(p->d, &f, &m) != 0) {
            cairn_log_warn("sync %s: no manifest for evidence file %.16s...; skipped", p->s->peer,
                           hex);
            mark_unavailable(p, &f, UNAVAILABLE_LONG_MS);
            continue;
        }
        p->cur = m;
        p->has_cur = true;
        p->cur_unavailable = false;
        p->cursor = p->skipped = p->bad = 0;
        p->cur_held = 0;
        for (uint32_t i = 0; i < m.nchunks; i++) {
            if (cairn_blobs_chunk_has(p->d->blobs, &m.chunks[i]))
                p->cur_held += cairn_chunk_plan_chunk_len(&m, i);
        }
        cairn_log_info("sync %s: fetching evidence file %.16s... (%llu bytes, %llu already here)",
                       p->s->peer, hex, (unsigned long long)m.size,
                       (unsigned long long)p->cur_held);
        send_stat(p, false);
        return true;
    }
    return false;
}

static void replan(chunk_pull_t *p)
{
    free(p->files);
    p->files = NULL;
    p->nfiles = p->next_file = 0;
    p->planned = true;
    p->plan_gen = p->d->chunks->plan_gen;
    p->plan_changes = (int64_t)sqlite3_total_changes64(cairn_store_db(p->d->store));
    p->plan_parts = p->s->nparts;
    p->replan_after_ms = uv_now(p->d->loop) + REPLAN_IDLE_MS;
    cairn_hash_t *held = NULL;
    size_t nheld = 0;
    if (cairn_chunk_plan_files(p->d, p->s, &p->told, &p->files, &p->nfiles, &held, &nheld) != 0)
        cairn_log_warn("sync %s: cannot list the evidence to fetch", p->s->peer);
    else
        cairn_chunk_tell_plan(p, held, nheld);
}

static void adopt_done(void *arg, int status);

static void start_adopt(chunk_pull_t *p, int i)
{
    pull_slot_t *sl = &p->slots[i];
    if (sl->fd >= 0)
        close(sl->fd);
    sl->fd = -1;
    adopt_arg_t *a = malloc(sizeof *a);
    int rc = a == NULL ? -ENOMEM : 0;
    if (rc == 0) {
        a->p = p;
        a->slot = i;
        rc = cairn_blobs_chunk_put(p->d->blobs, &sl->hash, sl->buf, sl->len, adopt_done, a);
    }
    if (rc != 0) {
        free(a);
        cairn_log_error("sync: cannot store an arrived chunk: %s", cairn_strerror(rc));
        buf_give(p, sl);
        cairn_chunk_state_release(p->d->chunks, &sl->hash);
        sl->active = false;
        p->skipped++;
        return;
    }
    sl->adopting = true;
    p->pending++;
}

/* Opens a slot for chunk i of the current file, resuming from its partial file. */
static void open_slot(chunk_pull_t *p, pull_slot_t *sl, uint32_t i)
{
    const cairn_hash_t *h = &p->cur.chunks[i];
    uint32_t len = cairn_chunk_plan_chunk_len(&p->cur, i), cap;
    uint64_t have = 0;
    uint8_t *buf = cairn_chunk_buf_take(p->d->chunks, len, &cap);
    int rc = buf == NULL ? -ENOMEM : cairn_blobs_partial_read(p->d->blobs, h, buf, len, &have);
    if (rc != 0) {
        cairn_log_error("sync: cannot read a partial chunk file: %s", cairn_strerror(rc));
        cairn_chunk_buf_give(p->d->chunks, buf, cap);
        cairn_chunk_state_release(p->d->chunks, h);
        p->skipped++;
        return;
    }
    memset(sl, 0, sizeof *sl);
    sl->active = true;
    sl->hash = *h;
    sl->len = len;
    sl->buf = buf;
    sl->cap = cap;
    sl->have = sl->asked = sl->on_disk = have;
    sl->fd = -1;
    if (sl->have > 0)
        p->d->chunks->c.cuts_resumed++;
    if (sl->have == len) /* whole already (a crash before adoption): verified like any other */
        start_adopt(p, (int)(sl - p->slots));
}

/* Opens slots for the next chunks of the current file that nobody has or fetches. */
static void open_slots(chunk_pull_t *p)
{
    for (int k = 0; k < CAIRN_CHUNK_SLOTS && p->cursor < p->cur.nchunks && !p->cur_unavailable;
         k++) {
        pull_slot_t *sl = &p->slots[k];
        if (sl->active)
            continue;
        while (p->cursor < p->cur.nchunks && !sl->active) {
            uint32_t i = p->cursor;
            const cairn_hash_t *h = &p->cur.chunks[i];
            uint32_t len = cairn_chunk_plan_chunk_len(&p->cur, i);
            if (cairn_blobs_chunk_has(p->d->blobs, h)) {
                p->cursor++;
                continue; /* here already: never fetched twice */
            }
            if (!cairn_chunk_buf_room(p->d->chunks, len))
                return; /* looked at again when a chunk is stored */
            if (cairn_blobs_reserve_check(p->d->blobs, len) != 0) {
                if (!p->space_logged)
                    cairn_log_warn("sync %s: the disk reserve is reached: evidence waits",
                                   p->s->peer);
                p->space_logged = true;
                return; /* looked at again on the next tick */
            }
            p->space_logged = false;
            p->cursor++;
            if (!cairn_chunk_state_claim(p->d->chunks, h)) {
                p->skipped++; /* another session or slot fetches it: look again later */
                continue;
            }
            open_slot(p, sl, i);
        }
    }
}

/* Asks for more of the open slots' chunks while the window allows. Only once a quarter of the
 * window (at most CAIRN_CHUNK_WANT_MAX) is free: one cwant per piece arriving would cost both
 * sides a sealed message each 64 KiB, and a quarter keeps the window mostly full. */
static void ask(chunk_pull_t *p)
{
    uint64_t step = p->window / 4 < CAIRN_CHUNK_WANT_MAX ? p->window / 4 : CAIRN_CHUNK_WANT_MAX;
    if (p->outstanding + step > p->window)
        return;
    for (int k = 0; k < CAIRN_CHUNK_SLOTS; k++) {
        pull_slot_t *sl = &p->slots[k];
        while (sl->active && !sl->adopting && sl->asked < sl->len && p->outstanding < p->window) {
            uint64_t n = sl->len - sl->asked;
            if (n > CAIRN_CHUNK_WANT_MAX)
                n = CAIRN_CHUNK_WANT_MAX;
            if (n > p->window - p->outstanding)
                n = p->window - p->outstanding;
            p->busy = true;
            if (cairn_sync_chunks_send_want(p->s, &p->cur.file_hash, &sl->hash, sl->asked, n) != 0)
                return;
            sl->asked += n;
            p->outstanding += n;
        }
    }
}

static bool slots_idle(const chunk_pull_t *p)
{
    for (int k = 0; k < CAIRN_CHUNK_SLOTS; k++) {
        if (p->slots[k].active)
            return false;
    }
    return true;
}

/* Every chunk of the current file was looked at and nothing is in flight: finish the file. */
static void finish_file(chunk_pull_t *p)
{
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(&p->cur.file_hash, hex);
    if (p->cur_unavailable) {
        /* Normal while a relaying region is still receiving the file from its school. */
        if (mark_unavailable(p, &p->cur.file_hash, UNAVAILABLE_LACK_MS))
            cairn_log_info("sync %s: evidence file %.16s... waits: the peer lacks a chunk of it "
                           "(asked again every %u s)",
                           p->s->peer, hex, UNAVAILABLE_LACK_MS / 1000);
    } else if (p->bad >= BAD_CHUNKS_MAX) {
        cairn_log_warn("sync %s: evidence file %.16s... left for %u s (chunks failed their hash)",
                       p->s->peer, hex, UNAVAILABLE_LONG_MS / 1000);
        mark_unavailable(p, &p->cur.file_hash, UNAVAILABLE_LONG_MS);
    } else if (p->skipped > 0) {
        if (uv_now(p->d->loop) < p->retry_at_ms)
            return;
        /* Chunks fetched elsewhere or failed: walk the file again for what is still missing. */
        p->cursor = 0;
        p->skipped = 0;
        p->retry_at_ms = uv_now(p->d->loop) + RETRY_SKIPPED_MS;
        return;
    } else {
        int rc = cairn_blobs_manifest_put(p->d->blobs, &p->cur);
        if (rc == CAIRN_EINCOMPLETE) {
            p->cursor = 0; /* a chunk went missing meanwhile (purged?): look again */
            p->retry_at_ms = uv_now(p->d->loop) + RETRY_SKIPPED_MS;
            p->skipped = 1;
            return;
        }
        if (rc != 0) {
            cairn_log_error("sync %s: cannot store the manifest of %.16s...: %s", p->s->peer, hex,
                            cairn_strerror(rc));
            mark_unavailable(p, &p->cur.file_hash, UNAVAILABLE_LONG_MS);
        } else {
            p->d->chunks->c.files_complete++;
            p->cur_held = p->cur.size;
            send_stat(p, true);
            cairn_chunk_tell_note(p, &p->cur.file_hash);
            cairn_log_info("sync %s: evidence file %.16s... complete (%llu bytes, hash checked)",
                           p->s->peer, hex, (unsigned long long)p->cur.size);
        }
    }
    cairn_manifest_free(&p->cur);
    p->has_cur = false;
}

void cairn_chunk_pull_fill(chunk_pull_t *p)
{
    if (p->s == NULL || p->s->closing)
        return;
    for (int guard = 0; guard < 64; guard++) {
        if (!p->has_cur) {
            if (!p->planned)
                replan(p);
            if (!next_file(p))
                return; /* idle until the tick re-plans */
        }
        open_slots(p);
        ask(p);
        if (p->cursor < p->cur.nchunks && !p->cur_unavailable)
            return;
        if (!slots_idle(p))
            return;
        bool had = p->has_cur;
        finish_file(p);
        if (had && p->has_cur)
            return; /* waits for a retry */
    }
}

/* Every half second of transfer: the window becomes half a second of the measured rate. Idle
 * periods are not sampled, so a pause does not shrink it. */
static void adapt_window(chunk_pull_t *p, uint64_t now)
{
    if (now < p->rate_at_ms + 500)
        return;
    if (p->busy) {
        uint64_t rate = (p->received - p->rate_bytes) * 1000 / (now - p->rate_at_ms);
        uint64_t w = rate / 2;
        p->rate = rate;
        p->window = w < CAIRN_CHUNK_WINDOW_MIN ? CAIRN_CHUNK_WINDOW_MIN
                    : w > CAIRN_CHUNK_WINDOW   ? CAIRN_CHUNK_WINDOW
                                               : w;
    }
    p->busy = p->outstanding > 0;
    p->rate_bytes = p->received;
    p->rate_at_ms = now;
}

void cairn_chunk_pull_tick(chunk_pull_t *p)
{
    if (p->s == NULL || p->s->closing)
        return;
    uint64_t now = uv_now(p->d->loop);
    adapt_window(p, now);
    if (p->planned && p->d->chunks->plan_gen != p->plan_gen) {
        /* Priorities changed: the current file's chunks in flight finish, then the new order. */
        if (p->has_cur) {
            cairn_manifest_free(&p->cur);
            p->has_cur = false;
        }
        replan(p);
    } else if (!p->has_cur && p->next_file >= p->nfiles && now >= p->replan_after_ms &&
               (int64_t)sqlite3_total_changes64(cairn_store_db(p->d->store)) != p->plan_changes) {
        replan(p);
    } else if (p->planned && p->s->nparts != p->plan_parts) {
        replan(p); /* a child hub opened a school partition in this session (three tiers) */
    } else if (!p->has_cur && p->next_file >= p->nfiles && retry_due(p)) {
        replan(p); /* a file the peer lacked may be there now */
    } else if (!p->has_cur && p->next_file >= p->nfiles && now >= p->replan_after_ms + 10000) {
        replan(p); /* now and then even without changes: a chunk may have been purged */
    }
    cairn_chunk_pull_fill(p);
    cairn_chunk_tell_tick(p);
}

static pull_slot_t *find_slot(chunk_pull_t *p, const cairn_hash_t *h)
{
    for (int k = 0; k < CAIRN_CHUNK_SLOTS; k++) {
        pull_slot_t *sl = &p->slots[k];
        if (sl->active && !sl->adopting && memcmp(sl->hash.b, h->b, CAIRN_HASH_LEN) == 0)
            return sl;
    }
    return NULL;
}

int cairn_chunk_pull_data(chunk_pull_t *p, const cairn_hash_t *h, uint64_t off, const uint8_t *data,
                          size_t len)
{
    pull_slot_t *sl = find_slot(p, h);
    if (sl == NULL || off != sl->have || off + len > sl->asked)
        return CAIRN_EPROTO;
    memcpy(sl->buf + off, data, len); /* within the chunk: asked <= len */
    sl->have += len;
    p->received += len;
    p->outstanding -= len;
    p->d->chunks->c.bytes_received += len;
    /* Whole: hashed, written, fsync'd and renamed on the thread pool. Otherwise, on a slow
     * transfer, the piece goes to the partial file now: a kill -9 must not cost seconds. */
    if (sl->have == sl->len)
        start_adopt(p, (int)(sl - p->slots));
    else if (p->rate < CAIRN_CHUNK_WRITE_THROUGH_RATE)
        slot_flush(p, sl);
    cairn_chunk_pull_fill(p);
    return 0;
}

int cairn_chunk_pull_none(chunk_pull_t *p, const cairn_hash_t *h)
{
    pull_slot_t *sl = find_slot(p, h);
    if (sl == NULL)
        return 0; /* a second answer for the same chunk: already handled */
    slot_drop(p, sl);
    p->cur_unavailable = true;
    cairn_chunk_pull_fill(p);
    return 0;
}

static void adopt_done(void *arg, int status)
{
    adopt_arg_t *a = arg;
    chunk_pull_t *p = a->p;
    pull_slot_t *sl = &p->slots[a->slot];
    free(a);
    p->pending--;
    cairn_chunk_state_t *st = p->d->chunks;
    cairn_chunk_state_release(st, &sl->hash);
    sl->active = sl->adopting = false;
    buf_give(p, sl);
    char hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(&sl->hash, hex);
    /* The partial file has served (stored), or holds bytes that failed the hash: gone either way.
     * After another failure (a full disk) it stays as the resume point. */
    if (sl->on_disk > 0 && (status == 0 || status == CAIRN_EHASH))
        cairn_blobs_partial_remove(p->d->blobs, &sl->hash);
    if (status == 0) {
        st->c.bytes_stored += sl->len;
        st->c.chunks_stored++;
        if (p->s != NULL && p->has_cur) {
            p->cur_held += sl->len;
            send_stat(p, false);
        }
    } else if (status == CAIRN_EHASH) {
        st->c.chunks_bad++;
        p->bad++;
        p->skipped++;
        cairn_log_warn("sync: chunk %.16s... failed its hash check; not stored, fetched again",
                       hex);
    } else {
        p->skipped++;
        if (!p->store_logged) /* once a session: a full disk is tried again every half second */
            cairn_log_error("sync: cannot store chunk %.16s...: %s", hex, cairn_strerror(status));
        p->store_logged = true;
    }
    if (p->s == NULL) {
        if (p->pending == 0)
            pull_free(p);
        return;
    }
    cairn_chunk_pull_fill(p);
}
