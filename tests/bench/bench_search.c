/*
 * bench_search.c: how fast "cairn search" answers on a large catalog. Builds a catalog of N
 * credentials (default 10,000; imported as 500-credential documents through the real import and
 * projection, so the FTS index is built the production way) whose texts are the sample catalog's
 * credential structures with texts drawn from the sample's vocabulary (vocab_build), then times Q
 * searches (the plain-language problems of tests/data/search_quality.tsv, round-robin) end to end
 * in the daemon: query building with the synonym table, ranking, and the "why" line of each of 5
 * hits. The sample's 12 credentials are among the N, so it also reports how many of the quality
 * table's expected credentials are still in the top 3 among 10,000. Prints: search_catalog_size <n>
 * credentials search_index_build <s> s search_quality_top3_at_scale <hits>/<queries> search_p50
 * <ms> ms search_p99 <ms> ms                     (wall clock: what a teacher waits) search_cpu_p50,
 * search_cpu_p99 <ms> ms (CPU time of the thread: the same without the wait for a CPU on a shared,
 * loaded machine) search_slowest <ms> ms "<query>"       (after one warm-up round)
 *   search_cold_slowest <ms> ms            (the slowest of the first round: uncached statistics)
 *   search_p99_ratio_to_target <x>         (target p99 < 10 ms)
 * usage: bench_search [N] [Q]     (defaults 10000 and 2000); CAIRN_SHARED and CAIRN_SRC locate the
 * sample catalog and the repository (defaults: ../shared and . from the working directory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include <cairn/err.h>

#include "catalog.h"
#include "search.h"
#include "search_query.h"
#include "search_synonyms.h"
#include "store.h"

#define TARGET_P99_MS 10.0
#define PER_DOCUMENT 500
#define QUERIES_MAX 256

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double seconds(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

/* The generator's vocabulary: every word of the sample catalog's texts, most frequent first, then
 * VOCAB_SYNTHETIC made-up words; words are drawn with a Zipf law over that order, so the words the
 * catalog uses most ("students", "evidence") are in most generated credentials and topical words
 * in few, as in a real catalog. */
#define VOCAB_MAX 8192
#define VOCAB_SYNTHETIC 5000
typedef struct {
    char w[VOCAB_MAX][24];
    unsigned count[VOCAB_MAX];
    size_t n;
    double cdf[VOCAB_MAX];
} vocab_t;

static void vocab_add_text(vocab_t *v, const char *text)
{
    char buf[8192];
    snprintf(buf, sizeof buf, "%s", text != NULL ? text : "");
    for (char *save = NULL, *w = strtok_r(buf, " ,.:;()'\"-?!0123456789", &save); w != NULL;
         w = strtok_r(NULL, " ,.:;()'\"-?!0123456789", &save)) {
        if (strlen(w) < 2 || strlen(w) >= sizeof v->w[0])
            continue;
        for (char *c = w; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        size_t k = 0;
        while (k < v->n && strcmp(v->w[k], w) != 0)
            k++;
        if (k == v->n && v->n < VOCAB_MAX - VOCAB_SYNTHETIC)
            snprintf(v->w[v->n++], sizeof v->w[0], "%s", w);
        if (k < v->n)
            v->count[k]++;
    }
}

static void vocab_add_strings(vocab_t *v, const json_t *arr, const char *key)
{
    size_t i;
    const json_t *x;
    json_array_foreach(arr, i, x)
    {
        vocab_add_text(v, key != NULL ? json_string_value(json_object_get(x, key))
                                      : json_string_value(x));
    }
}

static void vocab_build(vocab_t *v, const json_t *creds)
{
    size_t i;
    const json_t *c;
    static const char *const text_fields[] = {"title", "competency", "key_method", "research"};
    json_array_foreach(creds, i, c)
    {
        for (size_t k = 0; k < 4; k++)
            vocab_add_text(v, json_string_value(json_object_get(c, text_fields[k])));
        vocab_add_strings(v, json_object_get(c, "method_components"), NULL);
        vocab_add_strings(v, json_object_get(c, "tags"), NULL);
        vocab_add_strings(v, json_object_get(c, "rubric"), "criterion");
        vocab_add_strings(v, json_object_get(c, "rubric"), "meets");
    }
    /* most frequent first (an index sort keeps words and counts together) */
    size_t order[VOCAB_MAX];
    for (size_t k = 0; k < v->n; k++)
        order[k] = k;
    for (size_t a = 1; a < v->n; a++)
        for (size_t b = a; b > 0 && v->count[order[b]] > v->count[order[b - 1]]; b--) {
            size_t t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    static char sorted[VOCAB_MAX][24];
    for (size_t k = 0; k < v->n; k++)
        memcpy(sorted[k], v->w[order[k]], sizeof sorted[k]);
    memcpy(v->w, sorted, sizeof sorted[0] * v->n);
    for (size_t k = 0; k < VOCAB_SYNTHETIC; k++)
        snprintf(v->w[v->n++], sizeof v->w[0], "zq%04zux", k);
    double sum = 0;
    for (size_t k = 0; k < v->n; k++)
        v->cdf[k] = (sum += 1.0 / (double)(k + 1));
    for (size_t k = 0; k < v->n; k++)
        v->cdf[k] /= sum;
}

static const char *vocab_draw(const vocab_t *v)
{
    double u = (double)(rnd() >> 11) / 9007199254740992.0;
    size_t lo = 0, hi = v->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return v->w[lo];
}

/* n words drawn from v, with a capital and a full stop. */
static json_t *sentence(const vocab_t *v, size_t n)
{
    char buf[2048];
    size_t used = 0;
    for (size_t i = 0; i < n && used + 30 < sizeof buf; i++)
        used +=
            (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i ? " " : "", vocab_draw(v));
    if (used > 0 && buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
    snprintf(buf + used, sizeof buf - used, ".");
    return json_string(buf);
}

/* A document of credentials first..first+count-1: the sample's own credentials first (so the
 * quality queries have their answers), then generated ones: a sample credential's structure
 * (evidence parts, rubric parts) with every text drawn from the vocabulary. */
static char *make_document(const json_t *sample, size_t first, size_t count, const vocab_t *v)
{
    json_t *doc = json_object(), *creds = json_array();
    const json_t *src = json_object_get(sample, "credentials");
    size_t nsrc = json_array_size(src);
    json_object_set(doc, "format", json_object_get(sample, "format"));
    json_object_set(doc, "issuer", json_object_get(sample, "issuer"));
    for (size_t k = 0; k < count; k++) {
        size_t i = first + k, r;
        json_t *c = json_deep_copy(json_array_get(src, i % nsrc)), *x;
        if (i >= nsrc) {
            char id[32];
            snprintf(id, sizeof id, "gen-%zu", i);
            json_object_set_new(c, "id", json_string(id));
            json_object_set_new(c, "title", sentence(v, 4));
            json_object_set_new(c, "competency", sentence(v, 25));
            json_object_set_new(c, "key_method", sentence(v, 25));
            json_object_set_new(c, "research", sentence(v, 60));
            json_t *parts = json_array(), *tags = json_array();
            for (int p = 0; p < 4; p++)
                json_array_append_new(parts, sentence(v, 10));
            for (int t = 0; t < 3; t++)
                json_array_append_new(tags, json_string(vocab_draw(v)));
            json_object_set_new(c, "method_components", parts);
            json_object_set_new(c, "tags", tags);
            json_array_foreach(json_object_get(c, "rubric"), r, x)
            {
                json_object_set_new(x, "criterion", sentence(v, 8));
                json_object_set_new(x, "meets", sentence(v, 20));
            }
        }
        json_array_append_new(creds, c);
    }
    json_object_set_new(doc, "credentials", creds);
    char *out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return out;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
    size_t nq = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
    const char *shared = getenv("CAIRN_SHARED") ? getenv("CAIRN_SHARED") : "../shared";
    const char *src = getenv("CAIRN_SRC") ? getenv("CAIRN_SRC") : ".";
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";
    char path[4096], dir[256], err[512] = "";
    static vocab_t vocab;
    static char queries[QUERIES_MAX][520], expected[QUERIES_MAX][72];
    size_t len, nqueries = 0;
    uint8_t origin[32] = {7};
    cairn_store_t *s;
    cairn_synonyms_t *syn = NULL;

    if (sodium_init() < 0 || n == 0 || nq == 0)
        return 1;
    snprintf(path, sizeof path, "%s/data/catalog.json", shared);
    char *text = read_all(path, &len);
    json_error_t jerr;
    json_t *sample = text ? json_loadb(text, len, 0, &jerr) : NULL;
    free(text);
    if (sample == NULL) {
        fprintf(stderr, "bench_search: cannot read %s (set CAIRN_SHARED)\n", path);
        return 1;
    }
    snprintf(path, sizeof path, "%s/tests/data/search_quality.tsv", src);
    text = read_all(path, &len);
    for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL;
         l && nqueries < QUERIES_MAX; l = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(l, '\t');
        if (l[0] == '#' || tab == NULL)
            continue;
        *tab = '\0';
        snprintf(expected[nqueries], sizeof expected[0], "%s", tab + 1);
        snprintf(queries[nqueries++], sizeof queries[0], "%s", l);
    }
    free(text);
    snprintf(path, sizeof path, "%s/conf/synonyms.tsv", src);
    if (nqueries == 0 || cairn_synonyms_load(path, &syn, err, sizeof err) != 0) {
        fprintf(stderr, "bench_search: no queries or synonyms under %s (set CAIRN_SRC): %s\n", src,
                err);
        return 1;
    }
    vocab_build(&vocab, json_object_get(sample, "credentials"));

    /* CAIRN_BENCH_DB: time the queries on a database kept by CAIRN_BENCH_KEEP (for profiling) */
    const char *reuse = getenv("CAIRN_BENCH_DB");
    snprintf(dir, sizeof dir, "%s/cairn-bench-search-XXXXXX", tmp);
    if (reuse == NULL && mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/cairn.db", dir);
    if (cairn_store_open(reuse != NULL ? reuse : path, origin, &s) != 0)
        return 1;
    double t0 = seconds();
    for (size_t first = 0; reuse == NULL && first < n; first += PER_DOCUMENT) {
        size_t count = n - first < PER_DOCUMENT ? n - first : PER_DOCUMENT;
        char *doc = make_document(sample, first, count, &vocab);
        cairn_catalog_result_t res;
        int rc = cairn_catalog_import(s, doc, strlen(doc), &res, err, sizeof err);
        free(doc);
        if (rc != 0) {
            fprintf(stderr, "bench_search: import: %s\n", err);
            return 1;
        }
    }
    double built = seconds() - t0;

    double *ms = calloc(nq, sizeof *ms), *cpu = calloc(nq, sizeof *cpu);
    size_t total_hits = 0, top3 = 0, slowest = 0;
    double slowest_ms = 0, cold_ms = 0;
    for (size_t i = 0; ms != NULL && cpu != NULL && i < nq; i++) {
        cairn_search_query_t q;
        cairn_search_hit_t hits[5];
        cairn_search_filter_t f = {.limit = 5};
        size_t got = 0;
        const char *qt = queries[i % nqueries];
        double a = seconds(), ca = clock_s(CLOCK_THREAD_CPUTIME_ID);
        if (cairn_search_query_build(qt, strlen(qt), syn, &q, err, sizeof err) != 0 ||
            cairn_search_run(s, &q, &f, hits, &got) != 0) {
            fprintf(stderr, "bench_search: query '%s' failed\n", qt);
            return 1;
        }
        cairn_search_query_free(&q);
        ms[i] = (seconds() - a) * 1000.0;
        cpu[i] = (clock_s(CLOCK_THREAD_CPUTIME_ID) - ca) * 1000.0;
        if (i < nqueries && ms[i] > cold_ms) /* first round: term statistics not cached yet */
            cold_ms = ms[i];
        if (i >= nqueries && ms[i] > slowest_ms) { /* after one warm-up round */
            slowest_ms = ms[i];
            slowest = i % nqueries;
        }
        total_hits += got;
        for (size_t h = 0; i < nqueries && h < got && h < 3; h++)
            top3 += strcmp(hits[h].id, expected[i]) == 0;
    }
    qsort(ms, nq, sizeof *ms, cmp_double);
    qsort(cpu, nq, sizeof *cpu, cmp_double);
    double p50 = ms[nq / 2], p99 = ms[(nq * 99) / 100 < nq ? (nq * 99) / 100 : nq - 1];
    printf("search_catalog_size %zu credentials\n", n);
    printf("search_index_build %.1f s\n", built);
    printf("search_queries %zu (%zu distinct, %.1f hits each)\n", nq, nqueries,
           (double)total_hits / (double)nq);
    printf("search_quality_top3_at_scale %zu/%zu\n", top3, nq < nqueries ? nq : nqueries);
    printf("search_p50 %.2f ms\n", p50);
    printf("search_p99 %.2f ms\n", p99);
    printf("search_cpu_p50 %.2f ms\n", cpu[nq / 2]);
    printf("search_cpu_p99 %.2f ms\n", cpu[(nq * 99) / 100 < nq ? (nq * 99) / 100 : nq - 1]);
    printf("search_slowest %.2f ms \"%s\"\n", slowest_ms, queries[slowest]);
    printf("search_cold_slowest %.2f ms (first round, term statistics not yet cached)\n", cold_ms);
    printf("search_p99_ratio_to_target %.2f (target p99 < %.0f ms)\n", p99 / TARGET_P99_MS,
           TARGET_P99_MS);
    free(ms);
    free(cpu);
    cairn_synonyms_free(syn);
    json_decref(sample);
    cairn_store_close(s);
    if (getenv("CAIRN_BENCH_KEEP") != NULL || reuse != NULL) { /* for looking at it by hand */
        printf("# kept %s/cairn.db\n", dir);
        return 0;
    }
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/cairn.db%s", dir, suffix[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
