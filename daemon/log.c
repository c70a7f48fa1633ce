/*
 * log.c: timestamped, levelled log lines on stderr (see log.h).
 *
 * Each line is formatted into one buffer and written with a single write(2), so lines from the
 * loop thread and the thread pool never interleave mid-line. Must never allocate (it is called on
 * out-of-memory paths) and never log secrets or evidence content (callers' duty, see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairn/err.h>

static int log_level = CAIRN_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const char *const level_tags[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void cairn_log_set_level(int level)
{
    if (level >= CAIRN_LOG_DEBUG && level <= CAIRN_LOG_ERROR)
        log_level = level;
}

int cairn_log_get_level(void)
{
    return log_level;
}

int cairn_log_level_parse(const char *s, int *level)
{
    for (int i = CAIRN_LOG_DEBUG; i <= CAIRN_LOG_ERROR; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *level = i;
            return 0;
        }
    }
    return CAIRN_EINVAL;
}

const char *cairn_log_level_name(int level)
{
    if (level < CAIRN_LOG_DEBUG || level > CAIRN_LOG_ERROR)
        return "?";
    return level_names[level];
}

void cairn_log(int level, const char *fmt, ...)
{
    if (level < log_level || level < CAIRN_LOG_DEBUG || level > CAIRN_LOG_ERROR)
        return;

    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_tags[level]);
    if (n < 0)
        return;
    size_t used = (size_t)n;

    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + used, sizeof line - used, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    used += (size_t)m;
    if (used > sizeof line - 2)
        used = sizeof line - 2; /* truncated: keep the newline */
    /* One event, one line: a message must not forge further log lines. */
    for (size_t i = 0; i < used; i++) {
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    }
    line[used++] = '\n';

    const char *p = line;
    while (used > 0) {
        ssize_t w = write(STDERR_FILENO, p, used);
        if (w <= 0)
            return; /* nowhere to report a failing stderr */
        p += w;
        used -= (size_t)w;
    }
}
