/*
 * hlc.c: the hybrid logical clock.
 *
 * Invariant: c->last only ever grows. cairn_hlc_now() returns a value strictly above c->last and
 * stores it; cairn_hlc_observe() raises c->last to a remote value. A packed timestamp compares as
 * an integer, so "max of (wall, counter) pairs" is plain integer max here.
 */
#include "cairn/hlc.h"
#include "cairn/err.h"

#include <assert.h>
#include <stdio.h>
#include <time.h>

#define WALL_MAX ((UINT64_C(1) << 48) - 1)

uint64_t cairn_hlc_wall_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void cairn_hlc_init(cairn_hlc_t *c, uint64_t last)
{
    c->last = last;
}

int cairn_hlc_now(cairn_hlc_t *c, uint64_t wall_ms, uint64_t *out)
{
    uint64_t ts;

    if (wall_ms > WALL_MAX)
        return CAIRN_EINVAL;
    if (wall_ms > cairn_hlc_wall(c->last)) {
        ts = cairn_hlc_make(wall_ms, 0);
    } else {
        /* The wall clock has not moved past the last timestamp (same millisecond, or it went
         * backwards): keep the last wall time and count. A full counter carries into the
         * millisecond, running the clock ahead by at most one ms per 65536 events, rather than
         * refusing to write: a peer 24 h ahead must not stop a school from taking submissions. */
        if (cairn_hlc_wall(c->last) == WALL_MAX &&
            cairn_hlc_counter(c->last) == CAIRN_HLC_MAX_COUNTER)
            return CAIRN_ETOOBIG;
        ts = c->last + 1;
    }
    assert(ts > c->last);
    c->last = ts;
    *out = ts;
    return 0;
}

int cairn_hlc_observe(cairn_hlc_t *c, uint64_t wall_ms, uint64_t remote)
{
    uint64_t remote_wall = cairn_hlc_wall(remote);

    if (remote_wall > wall_ms && remote_wall - wall_ms > CAIRN_HLC_MAX_DRIFT_MS)
        return CAIRN_EINVAL;
    if (remote > c->last)
        c->last = remote;
    return 0;
}

void cairn_hlc_format(uint64_t ts, char *out, size_t outlen)
{
    uint64_t wall = cairn_hlc_wall(ts);
    time_t secs = (time_t)(wall / 1000u);
    struct tm tm;

    if (outlen == 0)
        return;
    if (gmtime_r(&secs, &tm) == NULL) {
        snprintf(out, outlen, "?");
        return;
    }
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ+%04x", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(wall % 1000u),
             (unsigned)cairn_hlc_counter(ts));
}
