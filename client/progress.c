/*
 * progress.c: the upload's progress line (see progress.h).
 */
#include "progress.h"

#include <time.h>
#include <unistd.h>

#include "fmt.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cairn_progress_init(cairn_progress_t *p, FILE *out)
{
    p->out = out;
    p->tty = isatty(fileno(out)) == 1;
    p->phase = "";
    p->total = p->done = 0;
    p->start = now_seconds();
    p->last_draw = 0;
    p->drawn = false;
    p->draw_fn = NULL;
    p->draw_arg = NULL;
}

void cairn_progress_init_hook(cairn_progress_t *p,
                              void (*fn)(void *arg, const char *line, uint64_t done,
                                         uint64_t total),
                              void *arg)
{
    cairn_progress_init(p, stderr);
    p->tty = true;
    p->draw_fn = fn;
    p->draw_arg = arg;
}

void cairn_progress_format(char *out, size_t outlen, const char *phase, uint64_t done,
                           uint64_t total, double elapsed)
{
    char d[CAIRN_FMT_SIZE_MAX], t[CAIRN_FMT_SIZE_MAX], rate[32] = "", eta[40] = "";
    unsigned pct = total ? (unsigned)(done * 100 / total) : 100;

    cairn_fmt_size(done, d, sizeof d);
    cairn_fmt_size(total, t, sizeof t);
    /* Under half a second the rate is mostly noise from start-up. */
    if (elapsed >= 0.5 && done > 0) {
        double bps = (double)done / elapsed;
        snprintf(rate, sizeof rate, "  %.1f MiB/s", bps / (1024.0 * 1024.0));
        if (done < total) {
            char dur[24];
            cairn_fmt_duration((uint64_t)((double)(total - done) / bps + 0.5), dur, sizeof dur);
            snprintf(eta, sizeof eta, "  ETA %s", dur);
        }
    }
    snprintf(out, outlen, "%-8s %3u%%  %s / %s%s%s", phase, pct, d, t, rate, eta);
}

static void draw(cairn_progress_t *p, double now)
{
    char line[CAIRN_PROGRESS_LINE_MAX];
    cairn_progress_format(line, sizeof line, p->phase, p->done, p->total, now - p->start);
    p->last_draw = now;
    if (p->draw_fn != NULL) {
        p->draw_fn(p->draw_arg, line, p->done, p->total);
        return;
    }
    /* \r then "erase to end of line": a shorter line leaves no tail of the longer one. */
    fprintf(p->out, "\r%s\033[K", line);
    fflush(p->out);
    p->drawn = true;
    p->last_draw = now;
}

void cairn_progress_start(cairn_progress_t *p, const char *phase, uint64_t total)
{
    p->phase = phase;
    p->total = total;
    p->done = 0;
    p->start = now_seconds();
    if (p->tty)
        draw(p, p->start);
}

void cairn_progress_update(cairn_progress_t *p, uint64_t done)
{
    p->done = done;
    if (!p->tty)
        return;
    double now = now_seconds();
    if (now - p->last_draw >= 0.1 || done == p->total)
        draw(p, now);
}

void cairn_progress_clear(cairn_progress_t *p)
{
    if (p->tty && p->drawn && p->draw_fn == NULL) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    p->drawn = false;
}
