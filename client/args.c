/*
 * args.c: the cairn client's option parser (see args.h).
 *
 * Deliberately not getopt_long: getopt prints its own messages, keeps global state between calls
 * (which makes it awkward to test) and permutes argv. This parser only reads argv.
 */
#include "args.h"

#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

static const cairn_opt_t *find_opt(const cairn_opt_t *opts, const char *name, size_t len)
{
    for (const cairn_opt_t *o = opts; o && o->name; o++) {
        if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
            return o;
    }
    return NULL;
}

static size_t count_pos(const cairn_argspec_t *spec)
{
    size_t n = 0;
    while (spec->pos && spec->pos[n])
        n++;
    return n;
}

/* Handles one "--name[=value]" word at argv[*i]; may consume the next word as its value. */
static int parse_long(const cairn_argspec_t *spec, int argc, char **argv, int *i, char *err,
                      size_t errlen)
{
    const char *word = argv[*i] + 2;
    const char *eq = strchr(word, '=');
    size_t len = eq ? (size_t)(eq - word) : strlen(word);
    const cairn_opt_t *o = find_opt(spec->opts, word, len);

    if (!o) {
        snprintf(err, errlen, "unknown option --%.*s", (int)len, word);
        return CAIRN_EINVAL;
    }
    if (!o->metavar) {
        if (eq) {
            snprintf(err, errlen, "--%s takes no value", o->name);
            return CAIRN_EINVAL;
        }
        *o->flag = true;
        return 0;
    }
    const char *value;
    if (eq) {
        value = eq + 1;
    } else {
        /* "--name --email x" is far more likely a forgotten value than a name starting with
         * "--"; such a value can still be given as --name=--odd. */
        if (*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0) {
            snprintf(err, errlen, "missing value for --%s %s", o->name, o->metavar);
            return CAIRN_EINVAL;
        }
        value = argv[++*i];
    }
    if (*o->value) {
        snprintf(err, errlen, "--%s given twice", o->name);
        return CAIRN_EINVAL;
    }
    *o->value = value;
    return 0;
}

int cairn_args_parse(const cairn_argspec_t *spec, int argc, char **argv, char *err, size_t errlen)
{
    size_t max_pos = count_pos(spec);
    size_t npos = 0;
    bool options_done = false;

    err[0] = '\0';
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        if (!options_done && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0))
            return 1;
        if (!options_done && strncmp(a, "--", 2) == 0) {
            int rc = parse_long(spec, argc, argv, &i, err, errlen);
            if (rc)
                return rc;
            continue;
        }
        /* A lone "-" is a positional (conventionally stdin); "-x" is an option we lack. */
        if (!options_done && a[0] == '-' && a[1] != '\0') {
            snprintf(err, errlen, "unknown option %s", a);
            return CAIRN_EINVAL;
        }
        if (npos >= max_pos) {
            snprintf(err, errlen, "unexpected argument '%s'", a);
            return CAIRN_EINVAL;
        }
        spec->pos_out[npos++] = a;
    }
    if (npos < spec->min_pos) {
        snprintf(err, errlen, "missing %s", spec->pos[npos]);
        return CAIRN_EINVAL;
    }
    return 0;
}
