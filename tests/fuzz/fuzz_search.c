/*
 * fuzz_search.c: libFuzzer target for the two decoders of search input: the synonym table
 * (cairn_synonyms_parse, a file an operator edits) and the query builder (cairn_search_query_build,
 * text from any client). The input is split at its first 0xff byte: before it a synonym table,
 * after it a query. Whatever is accepted must be well formed: every term non-empty, without a '"'
 * (terms are quoted into the FTS5 expression) and the expression balanced; whatever is refused
 * comes back as a negative code with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/err.h"
#include "search_query.h"
#include "search_synonyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *split = memchr(data, 0xff, size);
    size_t tlen = split != NULL ? (size_t)(split - data) : size;
    const char *query = split != NULL ? (const char *)split + 1 : "";
    size_t qlen = split != NULL ? size - tlen - 1 : 0;
    cairn_synonyms_t *syn = NULL;
    char err[256] = "";
    int rc = cairn_synonyms_parse((const char *)data, tlen, &syn, err, sizeof err);
    if (rc > 0 || (rc < 0 && (syn != NULL || err[0] == '\0')))
        abort();
    cairn_search_query_t q;
    err[0] = '\0';
    rc = cairn_search_query_build(query, qlen, syn, &q, err, sizeof err);
    if (rc > 0 || (rc < 0 && err[0] == '\0'))
        abort();
    if (rc == 0) {
        size_t quotes = 0;
        if (q.nterms == 0 || q.nterms > CAIRN_SEARCH_TERMS_MAX || q.match == NULL)
            abort();
        for (size_t i = 0; i < q.nterms; i++)
            if (q.terms[i][0] == '\0' || strchr(q.terms[i], '"') != NULL)
                abort();
        for (const char *p = q.match; *p; p++)
            quotes += *p == '"';
        if (quotes != 2 * q.nterms)
            abort();
        cairn_search_query_free(&q);
    }
    cairn_synonyms_free(syn);
    return 0;
}
