/*
 * search_synonyms.c: reading the synonym table (search_synonyms.h) into a sorted array looked up
 * by binary search. Pure: parsing touches nothing but its output.
 */
#include "search_synonyms.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairn/err.h>

typedef struct {
    char word[CAIRN_SYNONYMS_WORD_MAX + 1];
    size_t n;
    const char *list[CAIRN_SYNONYMS_EXPANSIONS_MAX];
    char text[CAIRN_SYNONYMS_EXPANSIONS_MAX * (CAIRN_SYNONYMS_EXPANSION_MAX + 1)];
    int line;
} entry_t;

struct cairn_synonyms {
    entry_t *entries;
    size_t n;
};

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

static int word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Trims spaces around s[0..*len) in place. */
static const char *trim(const char *s, size_t *len)
{
    while (*len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        (*len)--;
    }
    while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t' || s[*len - 1] == '\r'))
        (*len)--;
    return s;
}

/* Fills e from one line "word<TAB>a, b" (no newline). */
static int parse_line(const char *s, size_t len, int line, entry_t *e, char *err, size_t errlen)
{
    const char *tab = memchr(s, '\t', len);
    if (tab == NULL)
        return fail(err, errlen, CAIRN_EINVAL, "line %d: expected WORD<TAB>EXPANSION[, ...]", line);
    size_t wlen = (size_t)(tab - s);
    const char *w = trim(s, &wlen);
    if (wlen == 0 || wlen > CAIRN_SYNONYMS_WORD_MAX)
        return fail(err, errlen, CAIRN_EINVAL, "line %d: the word must be 1 to %d bytes", line,
                    CAIRN_SYNONYMS_WORD_MAX);
    for (size_t i = 0; i < wlen; i++)
        if (!word_char(w[i]))
            return fail(err, errlen, CAIRN_EINVAL,
                        "line %d: the word '%.*s' may hold only a-z and 0-9", line, (int)wlen, w);
    memcpy(e->word, w, wlen);
    e->word[wlen] = '\0';
    e->line = line;
    e->n = 0;
    size_t used = 0;
    const char *p = tab + 1, *end = s + len;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t xlen = (size_t)((comma != NULL ? comma : end) - p);
        const char *x = trim(p, &xlen);
        if (xlen == 0 || xlen > CAIRN_SYNONYMS_EXPANSION_MAX)
            return fail(err, errlen, CAIRN_EINVAL, "line %d: an expansion must be 1 to %d bytes",
                        line, CAIRN_SYNONYMS_EXPANSION_MAX);
        for (size_t i = 0; i < xlen; i++)
            if (!word_char(x[i]) && x[i] != ' ' && x[i] != '-')
                return fail(err, errlen, CAIRN_EINVAL,
                            "line %d: the expansion '%.*s' may hold only a-z, 0-9, spaces and '-'",
                            line, (int)xlen, x);
        if (e->n == CAIRN_SYNONYMS_EXPANSIONS_MAX)
            return fail(err, errlen, CAIRN_ETOOBIG, "line %d: more than %d expansions", line,
                        CAIRN_SYNONYMS_EXPANSIONS_MAX);
        memcpy(e->text + used, x, xlen);
        e->text[used + xlen] = '\0';
        e->list[e->n++] = e->text + used;
        used += xlen + 1;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return 0;
}

static int by_word(const void *a, const void *b)
{
    return strcmp(((const entry_t *)a)->word, ((const entry_t *)b)->word);
}

int cairn_synonyms_parse(const char *text, size_t len, cairn_synonyms_t **out, char *err,
                         size_t errlen)
{
    size_t lines = 0;
    *out = NULL;
    if (len > CAIRN_SYNONYMS_FILE_MAX)
        return fail(err, errlen, CAIRN_ETOOBIG, "%zu bytes, over the %u-byte limit", len,
                    CAIRN_SYNONYMS_FILE_MAX);
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\0')
            return fail(err, errlen, CAIRN_EINVAL, "a NUL byte at offset %zu", i);
        lines += text[i] == '\n';
    }
    lines++;
    cairn_synonyms_t *syn = calloc(1, sizeof *syn);
    /* At most one entry per line, and never more than the limit: sized before parsing. */
    size_t cap = lines < CAIRN_SYNONYMS_ENTRIES_MAX ? lines : CAIRN_SYNONYMS_ENTRIES_MAX;
    if (syn == NULL || (syn->entries = calloc(cap, sizeof *syn->entries)) == NULL) {
        free(syn);
        return -ENOMEM;
    }
    int rc = 0, line = 0;
    for (const char *p = text, *end = text + len; rc == 0 && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t llen = (size_t)((nl != NULL ? nl : end) - p);
        const char *l = p;
        p = nl != NULL ? nl + 1 : end;
        line++;
        size_t tlen = llen;
        const char *t = trim(l, &tlen);
        if (tlen == 0 || t[0] == '#')
            continue;
        if (syn->n == cap) {
            rc = fail(err, errlen, CAIRN_ETOOBIG, "line %d: more than %d entries", line,
                      CAIRN_SYNONYMS_ENTRIES_MAX);
            break;
        }
        rc = parse_line(l, llen, line, &syn->entries[syn->n], err, errlen);
        syn->n += rc == 0;
    }
    if (rc == 0) {
        qsort(syn->entries, syn->n, sizeof *syn->entries, by_word);
        /* The entries moved: point each list into its own entry's text again. */
        for (size_t i = 0; i < syn->n; i++) {
            entry_t *e = &syn->entries[i];
            const char *t = e->text;
            for (size_t k = 0; k < e->n; k++, t += strlen(t) + 1)
                e->list[k] = t;
        }
        for (size_t i = 1; i < syn->n; i++)
            if (strcmp(syn->entries[i - 1].word, syn->entries[i].word) == 0) {
                int a = syn->entries[i - 1].line, b = syn->entries[i].line;
                rc = fail(err, errlen, CAIRN_EINVAL, "line %d: '%s' is already on line %d",
                          a > b ? a : b, syn->entries[i].word, a < b ? a : b);
                break;
            }
    }
    if (rc != 0) {
        cairn_synonyms_free(syn);
        return rc;
    }
    *out = syn;
    return 0;
}

int cairn_synonyms_load(const char *path, cairn_synonyms_t **out, char *err, size_t errlen)
{
    struct stat st;
    char line_err[256];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    *out = NULL;
    if (fd < 0) {
        int e = errno;
        return fail(err, errlen, -e, "%s: %s", path, strerror(e));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(err, errlen, CAIRN_EINVAL, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > CAIRN_SYNONYMS_FILE_MAX) {
        close(fd);
        return fail(err, errlen, CAIRN_ETOOBIG, "%s: %lld bytes, over the %u-byte limit", path,
                    (long long)st.st_size, CAIRN_SYNONYMS_FILE_MAX);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    ssize_t r = 1;
    while (buf != NULL && got <= (size_t)st.st_size && r > 0) {
        r = read(fd, buf + got, (size_t)st.st_size + 1 - got);
        if (r < 0 && errno == EINTR)
            r = 1;
        else if (r > 0)
            got += (size_t)r;
    }
    close(fd);
    if (buf == NULL)
        return -ENOMEM;
    if (r < 0 || got > (size_t)st.st_size) {
        free(buf);
        return fail(err, errlen, CAIRN_EINVAL, "%s: %s", path,
                    r < 0 ? "read error" : "grew while being read");
    }
    int rc = cairn_synonyms_parse(buf, got, out, line_err, sizeof line_err);
    free(buf);
    if (rc != 0)
        return fail(err, errlen, rc, "%s: %s", path, line_err);
    return 0;
}

size_t cairn_synonyms_lookup(const cairn_synonyms_t *syn, const char *word, size_t len,
                             const char *const **list)
{
    size_t lo = 0, hi = syn != NULL ? syn->n : 0;
    if (len == 0 || len > CAIRN_SYNONYMS_WORD_MAX)
        return 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const entry_t *e = &syn->entries[mid];
        int c = strncmp(e->word, word, len);
        if (c == 0 && e->word[len] != '\0')
            c = 1;
        if (c == 0) {
            *list = e->list;
            return e->n;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

size_t cairn_synonyms_count(const cairn_synonyms_t *syn)
{
    return syn != NULL ? syn->n : 0;
}

void cairn_synonyms_free(cairn_synonyms_t *syn)
{
    if (syn == NULL)
        return;
    free(syn->entries);
    free(syn);
}

#ifndef CAIRN_SYNONYMS_DEFAULT
#define CAIRN_SYNONYMS_DEFAULT "/usr/share/cairn/synonyms.tsv"
#endif

const char *cairn_synonyms_default_path(void)
{
    return CAIRN_SYNONYMS_DEFAULT;
}

int cairn_synonyms_open(const char *datadir, cairn_synonyms_t **out, char *path, size_t pathlen,
                        char *err, size_t errlen)
{
    int n = snprintf(path, pathlen, "%s/synonyms.tsv", datadir);
    *out = NULL;
    if (n < 0 || (size_t)n >= pathlen)
        return fail(err, errlen, CAIRN_EINVAL, "%s: path too long", datadir);
    int rc = cairn_synonyms_load(path, out, err, errlen);
    if (rc == -ENOENT) {
        snprintf(path, pathlen, "%s", CAIRN_SYNONYMS_DEFAULT);
        rc = cairn_synonyms_load(path, out, err, errlen);
    }
    if (rc == -ENOENT) {
        path[0] = '\0';
        rc = 0;
    }
    return rc;
}
