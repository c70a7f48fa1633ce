/*
 * progress.h: the upload's progress line.
 *
 * Drawn only when the stream is a terminal: one line, redrawn in place at most ten times a
 * second, showing the phase ("hashing", "sending"), percent, bytes done / total, rate and time
 * left. When the stream is not a terminal (a script, a log) nothing is written at all.
 */
#ifndef CAIRN_CLIENT_PROGRESS_H
#define CAIRN_CLIENT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CAIRN_PROGRESS_LINE_MAX 128

typedef struct {
    FILE *out;
    bool tty;
    const char *phase;
    uint64_t total;
    uint64_t done;
    double start;     /* seconds, monotonic */
    double last_draw; /* seconds, monotonic; 0 before the first draw */
    bool drawn;       /* a line is on screen and must be cleared */
    /* When set (cairn_progress_init_hook), the line goes to draw_fn instead of out: the kiosk
     * draws it as a bar in its own screen. */
    void (*draw_fn)(void *arg, const char *line, uint64_t done, uint64_t total);
    void *draw_arg;
} cairn_progress_t;

/* Binds to out; draws only if out is a terminal. */
void cairn_progress_init(cairn_progress_t *p, FILE *out);

/* Draws through fn (at most ten times a second, and at the end) instead of a stream. */
void cairn_progress_init_hook(cairn_progress_t *p,
                              void (*fn)(void *arg, const char *line, uint64_t done,
                                         uint64_t total),
                              void *arg);

/* Starts a phase of total bytes, resetting the rate. */
void cairn_progress_start(cairn_progress_t *p, const char *phase, uint64_t total);

/* Records done bytes of the phase; redraws if 100 ms have passed. */
void cairn_progress_update(cairn_progress_t *p, uint64_t done);

/* Clears the line, if one is drawn, so the next output starts on a clean line. */
void cairn_progress_clear(cairn_progress_t *p);

/* The line's text: "sending   45%  90.0 MiB / 200.0 MiB  85.3 MiB/s  ETA 1s". A rate or
 * ETA is left out until elapsed is long enough to mean something. */
void cairn_progress_format(char *out, size_t outlen, const char *phase, uint64_t done,
                           uint64_t total, double elapsed);

#endif
