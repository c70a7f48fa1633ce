/*
 * ratelimit.h: a token bucket for the school's upload of evidence chunks to its hub
 * ([sync] upload_rate). Pure: the caller passes the clock, so it is tested without sleeping.
 */
#ifndef CAIRN_RATELIMIT_H
#define CAIRN_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t rate;    /* bytes per second; 0 = unlimited */
    uint64_t burst;   /* the most tokens the bucket holds */
    uint64_t tokens;  /* bytes that may go now */
    uint64_t last_ms; /* when tokens were last refilled */
} cairn_ratelimit_t;

/* The bucket holds max(min_burst, rate / 10) tokens, so a piece of min_burst bytes always fits,
 * and it starts full. */
void cairn_ratelimit_init(cairn_ratelimit_t *r, uint64_t rate, uint64_t min_burst, uint64_t now_ms);

/* May n bytes go now? If so they are taken from the bucket. Always true when unlimited. */
bool cairn_ratelimit_take(cairn_ratelimit_t *r, uint64_t n, uint64_t now_ms);

/* Bytes that may go now (UINT64_MAX when unlimited). */
uint64_t cairn_ratelimit_available(cairn_ratelimit_t *r, uint64_t now_ms);

/* Milliseconds until n bytes may go (0 = now). */
uint64_t cairn_ratelimit_wait_ms(cairn_ratelimit_t *r, uint64_t n, uint64_t now_ms);

#endif
