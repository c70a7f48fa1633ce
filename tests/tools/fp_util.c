/* fp_util.c: faultproxy's log lines and its seeded random numbers. A test tool only. */
#include "fp_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

uint64_t fp_start_ns;

/* One line per event on stderr, written with one write() so lines never interleave. */
void fp_log(const char *fmt, ...)
{
    char line[600];
    int n = snprintf(line, sizeof line, "faultproxy[%d] %.3f ", (int)getpid(),
                     (double)(uv_hrtime() - fp_start_ns) / 1e9);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

/* splitmix64: deterministic for a given --seed and order of connections. */
uint64_t fp_rng_next(struct fp_proxy *px)
{
    uint64_t z = (px->rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}
