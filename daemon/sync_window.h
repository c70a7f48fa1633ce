/*
 * sync_window.h: when a school may upload evidence to its hub ([sync] upload_windows).
 *
 * Syntax: comma-separated items, each `[DAYS] [HH:MM-HH:MM]` with at least one part, or the
 * single word `always`. DAYS is a day (mon tue wed thu fri sat sun) or a range of days
 * (mon-fri, fri-mon wraps). A time range whose end is before its start runs past midnight into
 * the next day (16:00-07:00); 24:00 is allowed as an end. Days alone mean the whole day; a time
 * range alone means every day. Example: `16:00-07:00, sat, sun`. Local time of the school box.
 * Event sync is never windowed: only evidence bytes wait.
 */
#ifndef CAIRN_SYNC_WINDOW_H
#define CAIRN_SYNC_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CAIRN_WINDOW_MINUTES (7 * 24 * 60)

typedef struct {
    bool set; /* false: no windows configured, always open */
    uint8_t open[CAIRN_WINDOW_MINUTES / 8];
} cairn_window_t;

/* Parses s into w. Returns 0, or CAIRN_EINVAL with the reason (naming the bad item) in why. */
int cairn_window_parse(const char *s, cairn_window_t *w, char *why, size_t whylen);

/* Is the window open at minute-of-week m (0 = Monday 00:00)? */
bool cairn_window_open_at(const cairn_window_t *w, unsigned m);

/* Is it open at t, in local time? */
bool cairn_window_open_now(const cairn_window_t *w, time_t t);

#endif
