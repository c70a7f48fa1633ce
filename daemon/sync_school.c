/*
 * sync_school.c: the school side of sync (sync.h): keeps one connection to the hub named in
 * DATADIR/hub.peer, pinning its key, and syncs `catalog` (received only) and `school:<our id>`
 * (both ways). Reconnects with exponential backoff and full jitter between reconnect_min_ms and
 * reconnect_max_ms, reset after a good session. A hub with a parent hub runs this same code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/err.h>

#include "enroll.h"
#include "log.h"
#include "store_sync.h"
#include "sync.h"

struct cairn_sync_school {
    cairn_daemon_t *d;
    uv_timer_t retry;
    bool retry_open, stopping;
    uint8_t hub_pk[32];
    char address[80];
    unsigned attempt;
    cairn_sync_session_t *session;
    bool good; /* the current session exchanged vectors */
};

bool cairn_sync_has_hub(const char *datadir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", datadir, CAIRN_HUB_PEER_FILE);
    return access(path, F_OK) == 0;
}

static void schedule(cairn_sync_school_t *sc);

static const char *school_established(cairn_sync_session_t *s)
{
    char part[CAIRN_PARTITION_MAX + 1];
    cairn_sync_school_partition(s->d->node_pk, part);
    cairn_sync_session_add_part(s, "catalog", false); /* the catalog flows down only */
    cairn_sync_session_add_part(s, part, true);
    cairn_log_info("sync %s: session up", s->peer);
    return cairn_sync_session_start_sync(s) == 0 ? NULL : "cannot send vectors";
}

static const char *school_tick(cairn_sync_session_t *s)
{
    cairn_sync_school_t *sc = s->owner;
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
    sc->session = NULL;
    if (reason != NULL)
        cairn_log_warn("sync %s: %s", s->peer, reason);
    else
        cairn_log_info("sync %s: closed", s->peer);
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
    uv_timer_init(d->loop, &sc->retry);
    sc->retry.data = sc;
    sc->retry_open = true;
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
    if (sc->retry_open) {
        sc->retry_open = false;
        uv_close((uv_handle_t *)&sc->retry, retry_closed);
    }
    if (sc->session != NULL)
        cairn_sync_session_abort(sc->session, "stopping");
}

void cairn_sync_school_free(cairn_sync_school_t *sc)
{
    free(sc);
}
