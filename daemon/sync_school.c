/*
 * sync_school.c: the school side of sync (sync.h): keeps one connection to the hub named in
 * DATADIR/hub.peer, pinning its key, and syncs `catalog` (received only) and `school:<our id>`
 * (both ways). Reconnects with exponential backoff and full jitter between reconnect_min_ms and
 * reconnect_max_ms, reset after a good session. A hub with a parent hub runs this same code.
 *
 * Also what `status` says of the link (last round, lag: events of our partition the hub lacks by
 * its last vector, kept across sessions in memory and across restarts in peer_vectors and
 * peer_sync, sync_persist.c) and the
 * `sync.now` rounds: callers waiting until a round is complete, the session fails or a deadline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include <cairn/err.h>

#include "enroll.h"
#include "log.h"
#include "store_peervec.h"
#include "store.h"
#include "store_sync.h"
#include "sync.h"
#include "sync_vec.h"
#include "sync_persist.h"

/* How often a hub with a parent looks for new school partitions to relay up. */
#define RELAY_SCAN_TICKS (1000 / CAIRN_SYNC_POLL_MS)

#define WAIT_POLL_MS 20
#define LAST_SYNC_SAVE_MS 60000

typedef struct waiter {
    struct waiter *next;
    cairn_sync_round_fn done;
    void *arg;
    uint64_t deadline; /* uv_now */
    uint64_t sent0, received0;
} waiter_t;

struct cairn_sync_school {
    cairn_daemon_t *d;
    uv_timer_t retry;
    bool retry_open, stopping;
    uint8_t hub_pk[32];
    char address[80];
    unsigned attempt;
    cairn_sync_session_t *session;
    bool good;             /* the current session exchanged vectors */
    int64_t relay_scanned; /* store change count at the last relay scan; -1 none */
    char part[CAIRN_PARTITION_MAX + 1];
    cairn_vector_t hub_vec;   /* the hub's last reported vector of part, between sessions */
    bool in_sync;             /* the current session has completed a round */
    int64_t checked_at;       /* store change count at the last in-sync check; -1 none */
    uint64_t last_sync_ms;    /* unix ms */
    uint64_t last_sync_saved; /* the last_sync_ms in the store (peer_sync) */
    uint64_t sent_done, received_done; /* events of sessions already closed */
    waiter_t *waiters;
    uv_timer_t wait_timer;
    bool wait_open;
};

bool cairn_sync_has_hub(const char *datadir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", datadir, CAIRN_HUB_PEER_FILE);
    return access(path, F_OK) == 0;
}

static void schedule(cairn_sync_school_t *sc);

static cairn_sync_part_t *session_part(cairn_sync_session_t *s, const char *name)
{
    for (int i = 0; s != NULL && i < s->nparts; i++) {
        if (strcmp(s->parts[i].name, name) == 0)
            return &s->parts[i];
    }
    return NULL;
}

/* Does a hold every (origin, seq) of b? */
static bool covers(const cairn_vector_t *a, const cairn_vector_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (cairn_vector_get(a, b->e[i].origin) < b->e[i].seq)
            return false;
    }
    return true;
}

/* The hub's vector of our partition as last reported (this session's, else the saved one). */
static const cairn_vector_t *hub_vector(cairn_sync_school_t *sc)
{
    cairn_sync_part_t *p = session_part(sc->session, sc->part);
    return p != NULL && p->have_peer ? &p->peer : &sc->hub_vec;
}

static uint64_t lag_of(cairn_sync_school_t *sc)
{
    const cairn_vector_t *hub = hub_vector(sc);
    cairn_vector_t local;
    uint64_t lag = 0;
    cairn_vector_init(&local, sc->part);
    if (cairn_store_vector(sc->d->store, sc->part, &local) == 0) {
        for (size_t i = 0; i < local.n; i++) {
            uint64_t have = cairn_vector_get(hub, local.e[i].origin);
            if (local.e[i].seq > have)
                lag += local.e[i].seq - have;
        }
    }
    cairn_vector_free(&local);
    return lag;
}

/* A round is complete when both sides reported vectors, nothing is in flight, the hub holds all
 * we send and we hold all the hub reported. */
static bool round_complete(cairn_sync_school_t *sc)
{
    cairn_sync_session_t *s = sc->session;
    if (s == NULL || !s->established || s->closing || s->nparts == 0)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < s->nparts; i++) {
        cairn_sync_part_t *p = &s->parts[i];
        if (!p->have_peer || p->inflight)
            return false;
        cairn_vector_t local;
        cairn_vector_init(&local, p->name);
        ok = cairn_store_vector(sc->d->store, p->name, &local) == 0 && covers(&local, &p->peer) &&
             (!p->send || covers(&p->peer, &local));
        cairn_vector_free(&local);
    }
    return ok;
}

static void totals(cairn_sync_school_t *sc, uint64_t *sent, uint64_t *received)
{
    *sent = sc->sent_done + (sc->session != NULL ? sc->session->events_sent : 0);
    *received = sc->received_done + (sc->session != NULL ? sc->session->events_received : 0);
}

/* Calls every waiter that is done: all of them when error is non-NULL (the session failed),
 * else those whose round completed (complete) or whose deadline passed. */
static void finish_waiters(cairn_sync_school_t *sc, bool complete, const char *error)
{
    uint64_t now = uv_now(sc->d->loop), sent, received;
    waiter_t *done = NULL, **pp = &sc->waiters;
    while (*pp != NULL) {
        waiter_t *w = *pp;
        if (error != NULL || complete || now >= w->deadline) {
            *pp = w->next;
            w->next = done;
            done = w;
        } else {
            pp = &w->next;
        }
    }
    if (sc->waiters == NULL && sc->wait_open)
        uv_timer_stop(&sc->wait_timer);
    if (done == NULL)
        return;
    totals(sc, &sent, &received);
    cairn_sync_round_t r;
    memset(&r, 0, sizeof r);
    r.connected = error == NULL && sc->session != NULL && sc->session->established;
    r.lag = lag_of(sc);
    if (error != NULL)
        snprintf(r.error, sizeof r.error, "%s", error);
    else if (!complete)
        snprintf(r.error, sizeof r.error, "%s",
                 r.connected ? "the round did not complete in time"
                             : "could not reach the hub in time");
    while (done != NULL) {
        waiter_t *w = done;
        done = w->next;
        r.sent = sent - w->sent0;
        r.received = received - w->received0;
        w->done(w->arg, &r);
        free(w);
    }
}

static void on_wait_timer(uv_timer_t *t)
{
    cairn_sync_school_t *sc = t->data;
    bool complete = round_complete(sc);
    if (complete && !sc->in_sync) {
        sc->in_sync = true;
        sc->last_sync_ms = cairn_enroll_now_ms();
    }
    finish_waiters(sc, complete, NULL);
}

/* A hub with a parent relays up every school partition it holds (its schools', and any a child
 * hub relayed to it), opening each in the running session. */
static void relay_scan(cairn_sync_session_t *s, bool started)
{
    cairn_sync_school_t *sc = s->owner;
    sqlite3 *db = cairn_store_db(s->d->store);
    int64_t changes = (int64_t)sqlite3_total_changes64(db);
    if (s->d->cfg.role != CAIRN_ROLE_HUB || sc->relay_scanned == changes)
        return;
    sc->relay_scanned = changes;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT DISTINCT partition FROM events"
                           " WHERE partition >= 'school:' AND partition < 'school;'",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(st, 0);
        if (p == NULL || strlen(p) > CAIRN_PARTITION_MAX || cairn_sync_session_has_part(s, p))
            continue;
        if (started)
            cairn_sync_session_open_part(s, p, true);
        else
            cairn_sync_session_add_part(s, p, true);
    }
    sqlite3_finalize(st);
}

static const char *school_established(cairn_sync_session_t *s)
{
    cairn_sync_school_t *sc = s->owner;
    char part[CAIRN_PARTITION_MAX + 1];
    cairn_sync_school_partition(s->d->node_pk, part);
    cairn_sync_session_add_part(s, "catalog", false); /* the catalog flows down only */
    cairn_sync_session_add_part(s, part, true);
    sc->relay_scanned = -1;
    relay_scan(s, false);
    cairn_log_info("sync %s: session up", s->peer);
    return cairn_sync_session_start_sync(s) == 0 ? NULL : "cannot send vectors";
}

/* Writes what changed of the hub's vectors and the last sync time (batched: sync_persist.h). */
static void persist(cairn_sync_school_t *sc, cairn_sync_session_t *s)
{
    if (!s->established)
        return; /* the hub's key was never proven on this session */
    /* While the session is up, status says "now" anyway: refresh the stored time once a minute
     * (and at close), not at every round, so idle sessions do not write the store. */
    bool due = s->closing || sc->last_sync_ms >= sc->last_sync_saved + LAST_SYNC_SAVE_MS;
    uint64_t last = due && sc->last_sync_ms != sc->last_sync_saved ? sc->last_sync_ms : 0;
    if (cairn_sync_persist_flush(s, last) == 0 && last != 0)
        sc->last_sync_saved = last;
}

static const char *school_tick(cairn_sync_session_t *s)
{
    cairn_sync_school_t *sc = s->owner;
    if (s->ticks % RELAY_SCAN_TICKS == 0)
        relay_scan(s, true);
    if (s->ticks % CAIRN_SYNC_PERSIST_TICKS == 0)
        persist(sc, s);
    int64_t changes = (int64_t)sqlite3_total_changes64(cairn_store_db(sc->d->store));
    if (!sc->in_sync || changes != sc->checked_at) {
        sc->checked_at = changes;
        sc->in_sync = round_complete(sc);
        if (sc->in_sync)
            sc->last_sync_ms = cairn_enroll_now_ms();
    }
    if (!sc->good) {
        for (int i = 0; i < s->nparts; i++) {
            if (!s->parts[i].have_peer)
                return NULL;
        }
        if (s->nparts > 0) {
            sc->good = true;
            sc->attempt = 0;
        }
    }
    return NULL;
}

static void school_closed(cairn_sync_session_t *s, const char *reason)
{
    cairn_sync_school_t *sc = s->owner;
    persist(sc, s);
    cairn_sync_part_t *p = session_part(s, sc->part);
    if (p != NULL && p->have_peer) { /* keep the hub's vector for the lag while down */
        cairn_vector_free(&sc->hub_vec);
        sc->hub_vec = p->peer;
        cairn_vector_init(&p->peer, p->name);
    }
    sc->sent_done += s->events_sent;
    sc->received_done += s->events_received;
    sc->in_sync = false;
    sc->session = NULL;
    if (reason != NULL)
        cairn_log_warn("sync %s: %s", s->peer, reason);
    else
        cairn_log_info("sync %s: closed", s->peer);
    finish_waiters(sc, false, reason != NULL ? reason : "the hub closed the session");
    if (!sc->stopping)
        schedule(sc);
}

static const cairn_sync_ops_t school_ops = {
    .established = school_established,
    .tick = school_tick,
    .closed = school_closed,
};

static void connect_now(cairn_sync_school_t *sc)
{
    char err[256];
    sc->good = false;
    if (cairn_sync_session_connect(sc->d, sc->address, sc->hub_pk, NULL, NULL, &school_ops, sc,
                                   &sc->session, err, sizeof err) != 0) {
        cairn_log_warn("sync: %s", err);
        sc->session = NULL; /* closed callback reschedules */
    }
}

static void on_retry(uv_timer_t *t)
{
    cairn_sync_school_t *sc = t->data;
    if (!sc->stopping && sc->session == NULL)
        connect_now(sc);
}

static void schedule(cairn_sync_school_t *sc)
{
    uint32_t ms = cairn_sync_backoff_ms(sc->d->cfg.reconnect_min_ms, sc->d->cfg.reconnect_max_ms,
                                        sc->attempt, randombytes_random());
    if (sc->attempt < 32)
        sc->attempt++;
    cairn_log_debug("sync: reconnecting in %u ms", ms);
    uv_timer_start(&sc->retry, on_retry, ms, 0);
}

int cairn_sync_school_start(cairn_daemon_t *d, cairn_sync_school_t **out, char *err, size_t errlen)
{
    *out = NULL;
    cairn_sync_school_t *sc = calloc(1, sizeof *sc);
    if (sc == NULL)
        return -ENOMEM;
    sc->d = d;
    int rc = cairn_enroll_hub_peer_read(d->datadir, sc->hub_pk, sc->address, err, errlen);
    if (rc == CAIRN_ENOTFOUND) {
        free(sc);
        return 0; /* not enrolled: nothing to do */
    }
    if (rc != 0) {
        free(sc);
        return rc;
    }
    cairn_sync_school_partition(d->node_pk, sc->part);
    cairn_vector_init(&sc->hub_vec, sc->part);
    /* what the hub last told us, online or by bundle, and when we last synced: right in
     * status from the start, before any session */
    cairn_store_peervec_get(d->store, sc->hub_pk, &sc->hub_vec);
    cairn_store_peer_last_sync_get(d->store, sc->hub_pk, &sc->last_sync_ms);
    sc->last_sync_saved = sc->last_sync_ms;
    sc->checked_at = -1;
    uv_timer_init(d->loop, &sc->retry);
    sc->retry.data = sc;
    sc->retry_open = true;
    uv_timer_init(d->loop, &sc->wait_timer);
    sc->wait_timer.data = sc;
    sc->wait_open = true;
    cairn_log_info("sync: hub %s", sc->address);
    connect_now(sc);
    *out = sc;
    return 0;
}

static void retry_closed(uv_handle_t *h)
{
    (void)h;
}

void cairn_sync_school_stop(cairn_sync_school_t *sc)
{
    sc->stopping = true;
    finish_waiters(sc, false, "cairnd is stopping");
    if (sc->retry_open) {
        sc->retry_open = false;
        uv_close((uv_handle_t *)&sc->retry, retry_closed);
    }
    if (sc->wait_open) {
        sc->wait_open = false;
        uv_close((uv_handle_t *)&sc->wait_timer, retry_closed);
    }
    if (sc->session != NULL)
        cairn_sync_session_abort(sc->session, "stopping");
}

void cairn_sync_school_free(cairn_sync_school_t *sc)
{
    while (sc->waiters != NULL) { /* only if the loop ended without a stop */
        waiter_t *w = sc->waiters;
        sc->waiters = w->next;
        free(w);
    }
    cairn_vector_free(&sc->hub_vec);
    free(sc);
}

int cairn_sync_school_now(cairn_sync_school_t *sc, uint64_t timeout_ms, cairn_sync_round_fn done,
                          void *arg)
{
    if (sc->stopping)
        return CAIRN_ESTATE;
    waiter_t *w = calloc(1, sizeof *w);
    if (w == NULL)
        return -ENOMEM;
    w->done = done;
    w->arg = arg;
    w->deadline = uv_now(sc->d->loop) + timeout_ms;
    totals(sc, &w->sent0, &w->received0);
    w->next = sc->waiters;
    sc->waiters = w;
    uv_timer_start(&sc->wait_timer, on_wait_timer, WAIT_POLL_MS, WAIT_POLL_MS);
    sc->attempt = 0; /* an operator asked: start the backoff over */
    if (sc->session == NULL) {
        uv_timer_stop(&sc->retry);
        cairn_log_info("sync: connecting now (sync.now)");
        connect_now(sc);
    } else if (sc->session->established && !sc->session->closing) {
        /* The hub's vectors this session holds may predate its latest events (a decision made
         * a moment ago and not pushed yet): ask for them again, so that the round completes
         * only once we hold what the hub holds now. */
        cairn_sync_session_t *s = sc->session;
        for (int i = 0; i < s->nparts; i++) {
            if (cairn_sync_vec_request(s, &s->parts[i]) != 0)
                break; /* the session is failing: its close ends the waiters */
        }
    }
    return 0;
}

void cairn_sync_school_link(cairn_sync_school_t *sc, cairn_sync_link_t *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->hub_pk, sc->hub_pk, sizeof out->hub_pk);
    cairn_sync_session_t *s = sc->session;
    out->up = s != NULL && s->established && !s->closing;
    out->last_sync_ms = out->up && sc->in_sync ? cairn_enroll_now_ms() : sc->last_sync_ms;
    out->lag = lag_of(sc);
    out->queue = s != NULL ? s->out_bytes : 0;
    if (s == NULL && sc->retry_open && uv_is_active((uv_handle_t *)&sc->retry)) {
        out->retrying = true;
        out->next_retry_ms = uv_timer_get_due_in(&sc->retry);
    }
}
