/*
 * table.c: a plain-text table for the list verbs (see table.h).
 */
#include "table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

void cairn_table_init(cairn_table_t *t, size_t ncols, const char *const *heads)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->heads = heads;
}

int cairn_table_cell(cairn_table_t *t, const char *s, size_t len)
{
    if (t->ncells == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **cells = realloc(t->cells, cap * sizeof *cells);
        if (!cells)
            return -ENOMEM;
        t->cells = cells;
        t->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, s, len);
    copy[len] = '\0';
    t->cells[t->ncells++] = copy;
    return 0;
}

int cairn_table_cellf(cairn_table_t *t, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    return cairn_table_cell(t, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void print_row(const cairn_table_t *t, FILE *f, const char *const *row, const size_t *widths)
{
    /* Cells after the last non-empty one are left out, so no line ends in spaces. */
    size_t last = t->ncols;
    while (last > 1 && row[last - 1][0] == '\0')
        last--;
    for (size_t c = 0; c < last; c++) {
        size_t len = strlen(row[c]);
        if (c + 1 < last) {
            cairn_fmt_put_padded(f, row[c], len, widths[c]);
            fputs("  ", f);
        } else {
            cairn_fmt_put(f, row[c], len);
        }
    }
    fputc('\n', f);
}

void cairn_table_print(const cairn_table_t *t, FILE *f)
{
    size_t rows = t->ncols ? t->ncells / t->ncols : 0;
    size_t *widths = calloc(t->ncols ? t->ncols : 1, sizeof *widths);
    if (!widths)
        return;
    for (size_t c = 0; c < t->ncols; c++)
        widths[c] = cairn_fmt_width(t->heads[c], strlen(t->heads[c]));
    for (size_t i = 0; i < rows * t->ncols; i++) {
        size_t w = cairn_fmt_width(t->cells[i], strlen(t->cells[i]));
        if (w > widths[i % t->ncols])
            widths[i % t->ncols] = w;
    }
    print_row(t, f, t->heads, widths);
    for (size_t r = 0; r < rows; r++)
        print_row(t, f, (const char *const *)t->cells + r * t->ncols, widths);
    free(widths);
}

void cairn_table_free(cairn_table_t *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}
