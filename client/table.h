/*
 * table.h: a plain-text table for the list verbs: a header row, columns padded to their widest
 * cell (in display characters), two spaces between columns, the last column unpadded. Cells are
 * copied in and printed sanitised, so they may come straight from a reply.
 */
#ifndef CAIRN_CLIENT_TABLE_H
#define CAIRN_CLIENT_TABLE_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    size_t ncols;
    const char *const *heads; /* ncols column titles */
    char **cells;             /* row-major, filled a cell at a time */
    size_t ncells, cap;
} cairn_table_t;

void cairn_table_init(cairn_table_t *t, size_t ncols, const char *const *heads);

/* Appends the next cell (rows fill left to right). Returns 0 or -ENOMEM. */
int cairn_table_cell(cairn_table_t *t, const char *s, size_t len);
int cairn_table_cellf(cairn_table_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the header and every whole row. */
void cairn_table_print(const cairn_table_t *t, FILE *f);
void cairn_table_free(cairn_table_t *t);

#endif
