/*
 * search_query.c: see search_query.h. The splitting is deliberately simple (ASCII letters and
 * digits, apostrophes inside words, and any non-ASCII byte are word characters): FTS5 tokenizes
 * each quoted term again with the index's own tokenizer (porter unicode61), so the two only have
 * to agree on where words are, not on how to fold them.
 */
#include "search_query.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

/* Common English words that say nothing about a classroom problem; sorted for bsearch. */
static const char *const stopwords[] = {
    "a",     "about",  "after", "again",  "all",     "also",   "always", "am",     "an",
    "and",   "any",    "are",   "as",     "at",      "be",     "been",   "before", "being",
    "but",   "by",     "can",   "cannot", "could",   "did",    "do",     "does",   "doing",
    "don't", "dont",   "even",  "for",    "from",    "get",    "gets",   "had",    "has",
    "have",  "having", "he",    "help",   "her",     "here",   "hers",   "him",    "his",
    "how",   "i",      "i'd",   "i'm",    "i've",    "if",     "im",     "in",     "into",
    "is",    "it",     "it's",  "its",    "just",    "let",    "lot",    "lots",   "me",
    "might", "more",   "most",  "much",   "my",      "myself", "need",   "needs",  "no",
    "not",   "of",     "off",   "on",     "once",    "only",   "or",     "other",  "our",
    "ours",  "out",    "over",  "really", "same",    "she",    "should", "so",     "some",
    "such",  "than",   "that",  "the",    "their",   "them",   "then",   "there",  "there's",
    "these", "they",   "this",  "those",  "through", "to",     "too",    "up",     "us",
    "very",  "want",   "was",   "way",    "ways",    "we",     "were",   "what",   "when",
    "where", "which",  "while", "who",    "whom",    "why",    "will",   "with",   "would",
    "you",   "your",   "yours",
};

static int cmp_word(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

bool cairn_search_stopword(const char *word, size_t len)
{
    char w[16];
    if (len == 0 || len >= sizeof w)
        return false;
    memcpy(w, word, len);
    w[len] = '\0';
    return bsearch(w, stopwords, sizeof stopwords / sizeof stopwords[0], sizeof stopwords[0],
                   cmp_word) != NULL;
}

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

static bool letter_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static bool word_byte(const char *s, size_t i, size_t len)
{
    unsigned char c = (unsigned char)s[i];
    if (letter_byte(c))
        return true;
    /* an apostrophe between two letters: "don't", "student's" (not "a''b", not "'a") */
    return c == '\'' && i > 0 && i + 1 < len && letter_byte((unsigned char)s[i - 1]) &&
           letter_byte((unsigned char)s[i + 1]);
}

/* Adds term (copied) unless it is already there or the list is full. */
static int add_term(cairn_search_query_t *q, const char *t, size_t len, bool synonym)
{
    for (size_t i = 0; i < q->nterms; i++)
        if (strlen(q->terms[i]) == len && memcmp(q->terms[i], t, len) == 0)
            return 0;
    if (q->nterms == CAIRN_SEARCH_TERMS_MAX)
        return 0;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -ENOMEM;
    memcpy(copy, t, len);
    copy[len] = '\0';
    q->synonym[q->nterms] = synonym;
    q->terms[q->nterms++] = copy;
    return 0;
}

/* The word's synonyms, trying the word as typed, then without a plural "s". */
static int add_synonyms(cairn_search_query_t *q, const cairn_synonyms_t *syn, const char *w,
                        size_t len)
{
    const char *const *list;
    size_t n = cairn_synonyms_lookup(syn, w, len, &list);
    if (n == 0 && len > 3 && w[len - 1] == 's')
        n = cairn_synonyms_lookup(syn, w, len - 1, &list);
    for (size_t i = 0; i < n; i++) {
        int rc = add_term(q, list[i], strlen(list[i]), true);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Joins the terms as "t1" OR "t2" ...; terms hold no '"' (word bytes and synonyms only). */
static int build_match(cairn_search_query_t *q)
{
    size_t need = 1;
    for (size_t i = 0; i < q->nterms; i++)
        need += strlen(q->terms[i]) + 6;
    q->match = malloc(need);
    if (q->match == NULL)
        return -ENOMEM;
    size_t used = 0;
    for (size_t i = 0; i < q->nterms; i++)
        used += (size_t)snprintf(q->match + used, need - used, "%s\"%s\"", i ? " OR " : "",
                                 q->terms[i]);
    return 0;
}

int cairn_search_query_build(const char *text, size_t len, const cairn_synonyms_t *syn,
                             cairn_search_query_t *q, char *err, size_t errlen)
{
    char word[CAIRN_SEARCH_WORD_MAX + 1], dropped[96] = "";
    size_t words = 0, kept_end;
    int rc = 0;

    memset(q, 0, sizeof *q);
    if (len > CAIRN_SEARCH_QUERY_MAX)
        return fail(err, errlen, CAIRN_ETOOBIG,
                    "the search is %zu bytes, over the %d-byte limit: describe the problem in "
                    "fewer words",
                    len, CAIRN_SEARCH_QUERY_MAX);
    if (memchr(text, '\0', len) != NULL)
        return fail(err, errlen, CAIRN_EINVAL, "the search holds a NUL byte");
    for (size_t i = 0; i < len && rc == 0;) {
        if (!word_byte(text, i, len)) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && word_byte(text, i, len))
            i++;
        size_t wlen = i - start;
        words++;
        if (wlen > CAIRN_SEARCH_WORD_MAX)
            continue;
        for (size_t k = 0; k < wlen; k++) {
            char c = text[start + k];
            word[k] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        word[wlen] = '\0';
        if (cairn_search_stopword(word, wlen)) {
            size_t used = strlen(dropped);
            char quoted[CAIRN_SEARCH_WORD_MAX + 3];
            snprintf(quoted, sizeof quoted, "'%s'", word);
            if (used + wlen + 4 < sizeof dropped && strstr(dropped, quoted) == NULL)
                snprintf(dropped + used, sizeof dropped - used, "%s'%s'", used ? ", " : "", word);
            continue;
        }
        rc = add_term(q, word, wlen, false);
    }
    /* Synonyms after every typed word, so a long query keeps its own words within the cap. */
    kept_end = q->nterms;
    for (size_t i = 0; i < kept_end && rc == 0; i++)
        if (!q->synonym[i])
            rc = add_synonyms(q, syn, q->terms[i], strlen(q->terms[i]));
    if (rc == 0 && words == 0)
        rc = fail(err, errlen, CAIRN_EINVAL,
                  "empty search: describe the problem in a few words, e.g. \"my students never "
                  "answer my questions\"");
    else if (rc == 0 && kept_end == 0)
        rc = fail(err, errlen, CAIRN_EINVAL,
                  "the search has only common words (%s): add words that describe the problem",
                  dropped[0] ? dropped : "or words over 64 letters");
    if (rc == 0)
        rc = build_match(q);
    if (rc != 0)
        cairn_search_query_free(q);
    return rc;
}

void cairn_search_query_free(cairn_search_query_t *q)
{
    for (size_t i = 0; i < q->nterms; i++)
        free(q->terms[i]);
    free(q->match);
    memset(q, 0, sizeof *q);
}
