/*
 * ratelimit.c: token bucket (ratelimit.h). Integer arithmetic only; never sleeps.
 */
#include "ratelimit.h"

#include <stdint.h>

void cairn_ratelimit_init(cairn_ratelimit_t *r, uint64_t rate, uint64_t min_burst, uint64_t now_ms)
{
    r->rate = rate;
    r->burst = rate / 10 > min_burst ? rate / 10 : min_burst;
    r->tokens = r->burst;
    r->last_ms = now_ms;
}

static void refill(cairn_ratelimit_t *r, uint64_t now_ms)
{
    if (now_ms <= r->last_ms)
        return;
    uint64_t elapsed = now_ms - r->last_ms;
    /* Whole bytes only; the remainder of the millisecond is kept by not advancing last_ms past
     * the time those bytes stand for. */
    uint64_t add = r->rate * elapsed / 1000;
    if (add == 0)
        return;
    r->tokens = r->tokens + add > r->burst ? r->burst : r->tokens + add;
    r->last_ms = now_ms;
}

bool cairn_ratelimit_take(cairn_ratelimit_t *r, uint64_t n, uint64_t now_ms)
{
    if (r->rate == 0)
        return true;
    refill(r, now_ms);
    if (r->tokens < n)
        return false;
    r->tokens -= n;
    return true;
}

uint64_t cairn_ratelimit_available(cairn_ratelimit_t *r, uint64_t now_ms)
{
    if (r->rate == 0)
        return UINT64_MAX;
    refill(r, now_ms);
    return r->tokens;
}

uint64_t cairn_ratelimit_wait_ms(cairn_ratelimit_t *r, uint64_t n, uint64_t now_ms)
{
    if (r->rate == 0)
        return 0;
    refill(r, now_ms);
    if (r->tokens >= n)
        return 0;
    return ((n - r->tokens) * 1000 + r->rate - 1) / r->rate;
}
