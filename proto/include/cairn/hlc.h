/*
 * hlc.h: hybrid logical clock (Kulkarni et al., 2014).
 *
 * A timestamp packs 48 bits of wall-clock milliseconds and a 16-bit logical counter into one
 * uint64_t, so comparing two timestamps as integers orders them. Ties between nodes are broken by
 * the origin node id (outside this module). The clock never goes backwards even if the wall clock
 * does, and absorbs the timestamps it receives, so causally later events always sort later.
 */
#ifndef CAIRN_HLC_H
#define CAIRN_HLC_H

#include <stddef.h>
#include <stdint.h>

#define CAIRN_HLC_MAX_COUNTER 0xffffu
/* Remote timestamps further than this ahead of our wall clock are refused (a broken clock). */
#define CAIRN_HLC_MAX_DRIFT_MS (24ull * 3600 * 1000)

typedef struct {
    uint64_t last; /* the last timestamp issued or observed */
} cairn_hlc_t;

static inline uint64_t cairn_hlc_wall(uint64_t ts)
{
    return ts >> 16;
}
static inline uint32_t cairn_hlc_counter(uint64_t ts)
{
    return (uint32_t)(ts & 0xffffu);
}
static inline uint64_t cairn_hlc_make(uint64_t wall_ms, uint32_t counter)
{
    return (wall_ms << 16) | (counter & 0xffffu);
}

/* Current wall clock in milliseconds since the epoch (CLOCK_REALTIME). */
uint64_t cairn_hlc_wall_now(void);

void cairn_hlc_init(cairn_hlc_t *c, uint64_t last);

/* Issues a timestamp for a local event, strictly greater than any issued or observed before.
 * A full counter carries into the next millisecond (the clock runs ahead of the wall by at most
 * 1 ms per 65536 timestamps). Returns 0, CAIRN_ETOOBIG only at the end of the 48-bit range (the
 * clock is left unchanged), or CAIRN_EINVAL if wall_ms does not fit in 48 bits. */
int cairn_hlc_now(cairn_hlc_t *c, uint64_t wall_ms, uint64_t *out);

/* Absorbs a remote timestamp. Returns 0, or CAIRN_EINVAL if it is more than
 * CAIRN_HLC_MAX_DRIFT_MS ahead of wall_ms (the clock is left unchanged). */
int cairn_hlc_observe(cairn_hlc_t *c, uint64_t wall_ms, uint64_t remote);

/* Text form "2026-11-25T17:11:37.123Z+0005" into out (at least 32 bytes): UTC wall time, then
 * the counter as 4 lower-case hex digits. Truncated to outlen - 1 characters. */
void cairn_hlc_format(uint64_t ts, char *out, size_t outlen);

#endif
