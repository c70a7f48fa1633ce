/*
 * cli_util.c: see cli_util.h.
 */
#include "cli_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int cairnd_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cairnd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_FAILURE;
}

int cairnd_path_in(char *out, size_t outlen, const char *dir, const char *name)
{
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= outlen) ? -ENAMETOOLONG : 0;
}
