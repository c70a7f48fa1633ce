/*
 * cli_util.h: what cairnd's commands share (main.c, run.c): a one-line failure on stderr, and
 * paths of files in the data directory.
 */
#ifndef CAIRN_CLI_UTIL_H
#define CAIRN_CLI_UTIL_H

#include <stddef.h>

/* Prints "cairnd: <message>" on stderr; returns EXIT_FAILURE. */
__attribute__((format(printf, 1, 2))) int cairnd_fail(const char *fmt, ...);

/* dir/name into out: 0, or -ENAMETOOLONG. */
int cairnd_path_in(char *out, size_t outlen, const char *dir, const char *name);

#endif
