/*
 * search_synonyms.h: the synonym table that widens a plain-language search (PROTOCOL.md 2.3).
 *
 * The table is data, not code: a tab-separated file (conf/synonyms.tsv, installed as
 * CAIRN_SYNONYMS_DEFAULT; DATADIR/synonyms.tsv overrides it) read once when cairnd starts. Each
 * line maps one word a teacher might type to the words the catalog uses:
 *     word<TAB>expansion[, expansion...]
 * Lines starting with '#' and empty lines are ignored. Every limit below is checked before
 * anything is allocated for it, and an error names the line.
 */
#ifndef CAIRN_SEARCH_SYNONYMS_H
#define CAIRN_SEARCH_SYNONYMS_H

#include <stddef.h>

#define CAIRN_SYNONYMS_FILE_MAX (256u * 1024) /* bytes in the file */
#define CAIRN_SYNONYMS_ENTRIES_MAX 4096       /* lines with a word */
#define CAIRN_SYNONYMS_WORD_MAX 48            /* bytes in a word: lower-case a-z, 0-9 */
#define CAIRN_SYNONYMS_EXPANSIONS_MAX 8       /* expansions of one word */
#define CAIRN_SYNONYMS_EXPANSION_MAX 64       /* bytes in one: a-z, 0-9, space, hyphen */

typedef struct cairn_synonyms cairn_synonyms_t;

/* Parses a whole file's bytes. Returns 0, CAIRN_ETOOBIG or CAIRN_EINVAL with "LINE: reason" in
 * err (a word given twice, a bad character, a limit crossed), or -ENOMEM. */
int cairn_synonyms_parse(const char *text, size_t len, cairn_synonyms_t **out, char *err,
                         size_t errlen);

/* Reads and parses path. -ENOENT when it does not exist (err says so too). */
int cairn_synonyms_load(const char *path, cairn_synonyms_t **out, char *err, size_t errlen);

/* The expansions of word (len bytes, lower case), or 0 when it has none: *list then points at
 * n NUL-terminated strings owned by the table. */
size_t cairn_synonyms_lookup(const cairn_synonyms_t *syn, const char *word, size_t len,
                             const char *const **list);

/* Entries held. */
size_t cairn_synonyms_count(const cairn_synonyms_t *syn);

void cairn_synonyms_free(cairn_synonyms_t *syn);

/* Where cairnd looks for the installed table (CAIRN_SYNONYMS_DEFAULT at build time). */
const char *cairn_synonyms_default_path(void);

/* The table cairnd uses: DATADIR/synonyms.tsv when that file exists (the operator's own), else
 * CAIRN_SYNONYMS_DEFAULT (installed with cairnd). *out is NULL and the return 0 when neither
 * exists (search works without synonyms); path gets the file read or "". A file that exists but
 * is bad is an error naming its line: cairnd refuses to start, as for a bad cairnd.conf. */
int cairn_synonyms_open(const char *datadir, cairn_synonyms_t **out, char *path, size_t pathlen,
                        char *err, size_t errlen);

#endif
