/*
 * args.h: the cairn client's option parser.
 *
 * Each verb describes its options and positional arguments in a table; cairn_args_parse() fills
 * the caller's variables or explains, in one line naming the argument, what was wrong. It never
 * prints and never exits, so every verb's parsing can be unit-tested. Options may come before,
 * between or after positionals; "--" ends options; "--opt=value" and "--opt value" both work.
 */
#ifndef CAIRN_CLIENT_ARGS_H
#define CAIRN_CLIENT_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define CAIRN_ARGS_ERR_MAX 256

typedef struct {
    const char *name;    /* long name without the dashes: "name" for --name */
    const char *metavar; /* "N" for an option with a value, NULL for a flag */
    const char **value;  /* where the value goes (options with a value) */
    bool *flag;          /* where true goes (flags) */
} cairn_opt_t;

typedef struct {
    const cairn_opt_t *opts; /* terminated by an entry with name == NULL; may be NULL */
    const char *const *pos;  /* names of the positionals, for "missing SUB"; NULL-terminated */
    size_t min_pos;          /* positionals required */
    const char **pos_out;    /* where positionals go, at least as many as pos names */
} cairn_argspec_t;

/* Parses argv[0..argc) (the words after the verb). Returns 0, 1 when -h/--help was given (the
 * caller prints its usage), or CAIRN_EINVAL with a one-line message in err: a missing value, an
 * unknown option, an option given twice, a missing or an unexpected positional. */
int cairn_args_parse(const cairn_argspec_t *spec, int argc, char **argv, char *err, size_t errlen);

#endif
