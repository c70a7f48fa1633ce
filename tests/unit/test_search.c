/*
 * test_search.c: catalog search. The synonym table parser and its limits; the query builder
 * (common words, empty, too long, FTS5 syntax typed by a teacher, synonyms); the FTS5 index as a
 * projection (built by import, follows new versions, never goes back to an old one, rebuilt by
 * replay with an equal digest, tampering detected); catalog.search through the API with its
 * filters and errors.
 */
#include <math.h>

#include <jansson.h>

#include "search.h"
#include "search_query.h"
#include "search_stats.h"
#include "search_synonyms.h"
#include "store_fixture.h"

#include "catalog.h"

static int setup(void **state)
{
    *state = fixture_open();
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    cairn_synonyms_free(f->d.synonyms);
    fixture_close(f);
    return 0;
}

static void test_fts5_is_compiled_in(void **state)
{
    fixture_t *f = *state;
    assert_true(sqlite3_compileoption_used("ENABLE_FTS5"));
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM sqlite_schema WHERE name = 'search_fts'"),
                     1);
}

static const char good_table[] = "# comment\n"
                                 "\n"
                                 "quiet\tparticipation, silent students\n"
                                 "answer\trespond ,response\r\n"
                                 "zebra\tstripes";

static void test_synonyms_parse_and_lookup(void **state)
{
    cairn_synonyms_t *syn = NULL;
    char err[256] = "";
    const char *const *list;
    assert_int_equal(cairn_synonyms_parse(good_table, strlen(good_table), &syn, err, sizeof err),
                     0);
    assert_int_equal(cairn_synonyms_count(syn), 3);
    /* sorted after parsing: each word keeps its own expansions */
    assert_int_equal(cairn_synonyms_lookup(syn, "quiet", 5, &list), 2);
    assert_string_equal(list[0], "participation");
    assert_string_equal(list[1], "silent students");
    assert_int_equal(cairn_synonyms_lookup(syn, "answer", 6, &list), 2);
    assert_string_equal(list[0], "respond");
    assert_string_equal(list[1], "response");
    assert_int_equal(cairn_synonyms_lookup(syn, "zebra", 5, &list), 1);
    assert_string_equal(list[0], "stripes");
    assert_int_equal(cairn_synonyms_lookup(syn, "answ", 4, &list), 0);
    assert_int_equal(cairn_synonyms_lookup(syn, "answers", 7, &list), 0);
    assert_int_equal(cairn_synonyms_lookup(NULL, "quiet", 5, &list), 0);
    cairn_synonyms_free(syn);
}

static void expect_bad_table(const char *text, int code, const char *needle)
{
    cairn_synonyms_t *syn = (cairn_synonyms_t *)1;
    char err[256] = "";
    assert_int_equal(cairn_synonyms_parse(text, strlen(text), &syn, err, sizeof err), code);
    assert_null(syn);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' does not contain '%s'", err, needle);
}

static void test_synonyms_bad_tables(void **state)
{
    expect_bad_table("quiet participation\n", CAIRN_EINVAL, "line 1: expected WORD<TAB>");
    expect_bad_table("a\tb\n\nquiet\tx\nquiet\ty\n", CAIRN_EINVAL,
                     "line 4: 'quiet' is already on line 3");
    expect_bad_table("Quiet\tx\n", CAIRN_EINVAL, "line 1: the word 'Quiet' may hold only");
    expect_bad_table("quiet\tx\"y\n", CAIRN_EINVAL, "may hold only a-z, 0-9, spaces and '-'");
    expect_bad_table("quiet\tx,,y\n", CAIRN_EINVAL, "an expansion must be 1 to 64 bytes");
    expect_bad_table("quiet\ta,b,c,d,e,f,g,h,i\n", CAIRN_ETOOBIG, "more than 8 expansions");
    expect_bad_table("\tx\n", CAIRN_EINVAL, "the word must be 1 to 48 bytes");
    char *big = malloc(CAIRN_SYNONYMS_FILE_MAX + 2);
    assert_non_null(big);
    memset(big, '#', CAIRN_SYNONYMS_FILE_MAX + 1);
    big[CAIRN_SYNONYMS_FILE_MAX + 1] = '\0';
    expect_bad_table(big, CAIRN_ETOOBIG, "over the 262144-byte limit");
    free(big);
}

static void test_query_words_and_synonyms(void **state)
{
    cairn_synonyms_t *syn = NULL;
    cairn_search_query_t q;
    char err[256] = "";
    assert_int_equal(cairn_synonyms_parse(good_table, strlen(good_table), &syn, err, sizeof err),
                     0);
    const char *text = "My students NEVER answer my questions";
    assert_int_equal(cairn_search_query_build(text, strlen(text), syn, &q, err, sizeof err), 0);
    assert_int_equal(q.nterms, 6);
    assert_string_equal(q.terms[0], "students");
    assert_string_equal(q.terms[1], "never");
    assert_string_equal(q.terms[2], "answer");
    assert_string_equal(q.terms[3], "questions");
    assert_false(q.synonym[3]);
    assert_string_equal(q.terms[4], "respond");
    assert_true(q.synonym[4]);
    assert_string_equal(q.match, "\"students\" OR \"never\" OR \"answer\" OR \"questions\" OR"
                                 " \"respond\" OR \"response\"");
    cairn_search_query_free(&q);

    /* A plural tries the singular's synonyms; a repeated word or synonym appears once. */
    text = "quiet quiet answers";
    assert_int_equal(cairn_search_query_build(text, strlen(text), syn, &q, err, sizeof err), 0);
    assert_string_equal(q.match, "\"quiet\" OR \"answers\" OR \"participation\" OR"
                                 " \"silent students\" OR \"respond\" OR \"response\"");
    cairn_search_query_free(&q);

    /* Apostrophes: inside a word only ("don't" is one, common, word); a run of them splits (this
     * once recursed without end). */
    text = "don't c''b 'quoted' x'";
    assert_int_equal(cairn_search_query_build(text, strlen(text), NULL, &q, err, sizeof err), 0);
    assert_string_equal(q.match, "\"c\" OR \"b\" OR \"quoted\" OR \"x\"");
    cairn_search_query_free(&q);

    /* FTS5 syntax typed by a teacher is just words: quotes, NEAR, *, ^, column filters. */
    text = "\"wait\" AND tags: NEAR(x y) * ^rubric -(";
    assert_int_equal(cairn_search_query_build(text, strlen(text), NULL, &q, err, sizeof err), 0);
    assert_string_equal(q.match, "\"wait\" OR \"tags\" OR \"near\" OR \"x\" OR \"y\" OR"
                                 " \"rubric\"");
    cairn_search_query_free(&q);
    cairn_synonyms_free(syn);
}

static void expect_bad_query(const char *text, size_t len, int code, const char *needle)
{
    cairn_search_query_t q;
    char err[256] = "";
    assert_int_equal(cairn_search_query_build(text, len, NULL, &q, err, sizeof err), code);
    assert_null(q.match);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' does not contain '%s'", err, needle);
}

static void test_query_bad_input(void **state)
{
    char big[CAIRN_SEARCH_QUERY_MAX + 2];
    expect_bad_query("", 0, CAIRN_EINVAL, "empty search");
    expect_bad_query("  \t ?! ", 7, CAIRN_EINVAL, "empty search");
    expect_bad_query("the my of and the", 17, CAIRN_EINVAL,
                     "only common words ('the', 'my', 'of', 'and')");
    expect_bad_query("wait\0time", 9, CAIRN_EINVAL, "NUL");
    memset(big, 'a', sizeof big);
    for (size_t i = 5; i < sizeof big; i += 6)
        big[i] = ' ';
    expect_bad_query(big, CAIRN_SEARCH_QUERY_MAX + 1, CAIRN_ETOOBIG, "over the 512-byte limit");
    /* exactly at the limit is fine */
    cairn_search_query_t q;
    char err[256];
    assert_int_equal(
        cairn_search_query_build(big, CAIRN_SEARCH_QUERY_MAX, NULL, &q, err, sizeof err), 0);
    cairn_search_query_free(&q);
}

/* ---- the index and the op ---- */

static json_t *sample_json(void)
{
    size_t len = 0;
    json_error_t jerr;
    char *text = fixture_sample_catalog(&len);
    json_t *doc = json_loadb(text, len, 0, &jerr);
    free(text);
    assert_non_null(doc);
    return doc;
}

static void import_doc(fixture_t *f, json_t *doc)
{
    char err[CAIRN_ERRMSG_MAX] = "";
    cairn_catalog_result_t res;
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(text);
    int rc = cairn_catalog_import(f->store, text, strlen(text), &res, err, sizeof err);
    free(text);
    if (rc != 0)
        fail_msg("import failed: %s", err);
}

static json_t *find_credential(json_t *doc, const char *id)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "credentials"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
            return c;
    }
    fail_msg("no credential %s", id);
    return NULL;
}

/* catalog.search with q and optional filters; the reply is the caller's to free. */
static void search(fixture_t *f, const char *q, const char *stack, int max_hours, bool peer,
                   fixture_reply_t *r)
{
    cairn_mpbuf_t args;
    cairn_mpbuf_init(&args);
    msgpack_pack_map(&args.pk, 1 + (stack != NULL) + (max_hours >= 0) + peer);
    cairn_mp_pack_kv_str(&args.pk, "q", q);
    if (stack != NULL)
        cairn_mp_pack_kv_str(&args.pk, "stack", stack);
    if (max_hours >= 0)
        cairn_mp_pack_kv_u64(&args.pk, "max_hours", (uint64_t)max_hours);
    if (peer)
        cairn_mp_pack_kv_bool(&args.pk, "peer_reviewable", true);
    fixture_call(f, "catalog.search", &args, r);
}

static const msgpack_object_array *hits_of(const fixture_reply_t *r)
{
    const msgpack_object_array *a;
    assert_int_equal(r->rc, 0);
    assert_int_equal(cairn_mp_get_array(r->result, "hits", 100, &a), 0);
    return a;
}

static void hit_id(const msgpack_object_array *a, uint32_t i, char *out, size_t outlen)
{
    fixture_get_str(&a->ptr[i], "id", out, outlen);
}

static void test_search_sample_catalog(void **state)
{
    fixture_t *f = *state;
    fixture_reply_t r;
    char id[80], why[300];
    json_t *doc = sample_json();
    import_doc(f, doc);
    json_decref(doc);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM search_docs"), 12);

    search(f, "my students never answer my questions", NULL, -1, false, &r);
    const msgpack_object_array *a = hits_of(&r);
    assert_true(a->size >= 3 && a->size <= 5);
    hit_id(a, 0, id, sizeof id);
    assert_string_equal(id, "wait-time");
    fixture_get_str(&a->ptr[0], "why", why, sizeof why);
    assert_non_null(strstr(why, "question"));
    assert_null(strchr(why, '\n'));
    fixture_reply_free(&r);

    /* Stemming: "prototyping" finds "prototype". */
    search(f, "prototyping", NULL, -1, false, &r);
    a = hits_of(&r);
    assert_true(a->size >= 1);
    hit_id(a, 0, id, sizeof id);
    assert_string_equal(id, "design-thinking");
    fixture_reply_free(&r);

    /* Filters: a stack, hours, peer review. */
    search(f, "students", "learning-by-making", -1, false, &r);
    a = hits_of(&r);
    assert_int_equal(a->size, 2);
    for (uint32_t i = 0; i < a->size; i++) {
        hit_id(a, i, id, sizeof id);
        assert_true(strcmp(id, "design-thinking") == 0 || strcmp(id, "makerspace-design") == 0);
    }
    fixture_reply_free(&r);
    search(f, "communication families district", NULL, 6, false, &r);
    a = hits_of(&r);
    assert_int_equal(a->size, 2); /* the two 6-hour credentials */
    fixture_reply_free(&r);
    search(f, "students", NULL, -1, true, &r);
    assert_int_equal(hits_of(&r)->size, 0); /* nothing in the sample is flagged */
    fixture_reply_free(&r);

    /* Errors: unknown stack, empty, only common words; nothing is changed by any search. */
    uint64_t events = fixture_events(f);
    search(f, "students", "no-such-stack", -1, false, &r);
    assert_int_equal(r.rc, CAIRN_ENOTFOUND);
    assert_non_null(strstr(r.errmsg, "no stack 'no-such-stack'"));
    search(f, "", NULL, -1, false, &r);
    assert_int_equal(r.rc, CAIRN_EINVAL);
    assert_non_null(strstr(r.errmsg, "empty search"));
    search(f, "the and of", NULL, -1, false, &r);
    assert_int_equal(r.rc, CAIRN_EINVAL);
    assert_non_null(strstr(r.errmsg, "only common words"));
    char big[600];
    memset(big, 'w', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    search(f, big, NULL, -1, false, &r); /* the daemon checks the limit too, not only the CLI */
    assert_int_equal(r.rc, CAIRN_ETOOBIG);
    assert_non_null(strstr(r.errmsg, "599 bytes, over the 512-byte limit"));
    assert_int_equal(fixture_events(f), events);
}

static void test_index_follows_versions(void **state)
{
    fixture_t *f = *state;
    fixture_reply_t r;
    char id[80];
    bool equal = false;
    json_t *doc = sample_json();
    import_doc(f, doc);

    /* Asked before it exists: the word's document frequency (0) is cached, and must be
     * forgotten when the catalog changes. */
    search(f, "zanzibar", NULL, -1, false, &r);
    assert_int_equal(hits_of(&r)->size, 0);
    fixture_reply_free(&r);

    /* Version 2 of wait-time says "zanzibar" and is peer reviewable; version 1 did not. */
    json_t *c = find_credential(doc, "wait-time");
    json_object_set_new(c, "competency", json_string("Pauses in zanzibar classrooms."));
    json_object_set_new(c, "peer_review", json_true());
    import_doc(f, doc);
    json_decref(doc);
    assert_int_equal(fixture_int(f, "SELECT version FROM search_docs WHERE id = 'wait-time'"), 2);
    search(f, "zanzibar", NULL, -1, false, &r);
    assert_int_equal(hits_of(&r)->size, 1);
    fixture_reply_free(&r);
    search(f, "deliberately", NULL, -1, false, &r); /* only version 1's competency said it */
    assert_int_equal(hits_of(&r)->size, 0);
    fixture_reply_free(&r);
    search(f, "wait", NULL, -1, true, &r);
    const msgpack_object_array *a = hits_of(&r);
    assert_int_equal(a->size, 1);
    hit_id(a, 0, id, sizeof id);
    assert_string_equal(id, "wait-time");
    fixture_reply_free(&r);

    /* Re-projecting version 1 (as an old event arriving late would) never brings it back. */
    assert_int_equal(cairn_search_index_credential(f->store, "wait-time", 1), 0);
    assert_int_equal(fixture_int(f, "SELECT version FROM search_docs WHERE id = 'wait-time'"), 2);

    /* The index is a projection: a rebuild gives the same rows and the same hits. */
    assert_int_equal(cairn_store_rebuild(f->store, &equal, NULL), 0);
    assert_true(equal);
    search(f, "zanzibar", NULL, -1, false, &r);
    assert_int_equal(hits_of(&r)->size, 1);
    fixture_reply_free(&r);

    /* A row changed behind the log's back is caught by the digest and restored. */
    fixture_sql(f, "UPDATE search_docs SET tags = 'tampered' WHERE id = 'accountable-talk'");
    assert_int_equal(cairn_store_rebuild(f->store, &equal, NULL), 0);
    assert_false(equal);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM search_docs WHERE tags = 'tampered'"), 0);
    search(f, "tampered", NULL, -1, false, &r);
    assert_int_equal(hits_of(&r)->size, 0);
    fixture_reply_free(&r);
    fixture_sql(f, "INSERT INTO search_fts(search_fts) VALUES('integrity-check')");
}

/* cairn_bm25 with the cached idfs gives bm25()'s scores exactly, for words and phrases, and
 * counts them itself (as bm25 does) when given none. */
static void test_rank_equals_bm25(void **state)
{
    fixture_t *f = *state;
    static const char *const terms[] = {"students", "wait time", "questions",
                                        "rubric",   "other's",   "zzznothing"};
    static const char sql[] = "SELECT rowid, bm25(search_fts, 4.0, 3.0, 2.0, 1.5, 0.5, 4.0, 1.0),"
                              " cairn_bm25(search_fts, ?2), cairn_bm25(search_fts) FROM search_fts"
                              " WHERE search_fts MATCH ?1";
    char match[256] = "";
    cairn_search_idf_t idf = {0};
    int64_t docs = 0, plan_df, hit_df;
    sqlite3_stmt *st = NULL;
    json_t *doc = sample_json();
    import_doc(f, doc);
    json_decref(doc);
    assert_int_equal(cairn_search_stats_begin(f->store), 0);
    assert_int_equal(cairn_search_stats_docs(f->store, &docs), 0);
    assert_int_equal(docs, 12);
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        assert_int_equal(cairn_search_stats_df(f->store, terms[i], &plan_df, &hit_df), 0);
        assert_true(hit_df <= plan_df);
        idf.idf[idf.n++] = cairn_search_idf(docs, hit_df);
        snprintf(match + strlen(match), sizeof match - strlen(match), "%s\"%s\"", i ? " OR " : "",
                 terms[i]);
    }
    /* "wait time" counted as a phrase (what bm25 counts), cached: the same again */
    assert_int_equal(cairn_search_stats_df(f->store, "wait time", &plan_df, &hit_df), 0);
    assert_true(hit_df >= 1 && hit_df <= plan_df);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM search_fts WHERE search_fts MATCH "
                                    "'\"wait time\"'"),
                     hit_df);
    assert_int_equal(cairn_store_stmt(f->store, sql, &st), 0);
    sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    sqlite3_bind_pointer(st, 2, &idf, CAIRN_SEARCH_IDF_TYPE, NULL);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        double bm25 = sqlite3_column_double(st, 1);
        assert_true(bm25 < 0);
        assert_true(fabs(sqlite3_column_double(st, 2) - bm25) < 1e-9);
        assert_true(fabs(sqlite3_column_double(st, 3) - bm25) < 1e-9);
        rows++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    assert_true(rows >= 10);

    /* A new credential (a 13th, saying "zanzibar") makes every cached number stale. */
    assert_int_equal(cairn_search_stats_df(f->store, "zanzibar", &plan_df, &hit_df), 0);
    assert_int_equal(hit_df, 0);
    doc = sample_json();
    json_t *c = json_deep_copy(find_credential(doc, "wait-time"));
    json_object_set_new(c, "id", json_string("zanzibar-pauses"));
    json_object_set_new(c, "competency", json_string("Pauses in zanzibar classrooms."));
    json_array_append_new(json_object_get(doc, "credentials"), c);
    import_doc(f, doc);
    json_decref(doc);
    assert_int_equal(cairn_search_stats_begin(f->store), 0);
    assert_int_equal(cairn_search_stats_docs(f->store, &docs), 0);
    assert_int_equal(docs, 13);
    assert_int_equal(cairn_search_stats_df(f->store, "zanzibar", &plan_df, &hit_df), 0);
    assert_int_equal(hit_df, 1);
}

/* Every import is a transaction and FTS5 adds an index segment per transaction; after a commit
 * that indexed credentials the segments are merged once there are more than two. */
static void test_index_segments_merged(void **state)
{
    fixture_t *f = *state;
    fixture_reply_t r;
    char text[64];
    json_t *doc = sample_json();
    for (int i = 0; i < 5; i++) {
        snprintf(text, sizeof text, "Pauses in zanzibar%d classrooms.", i);
        json_object_set_new(find_credential(doc, "wait-time"), "competency", json_string(text));
        import_doc(f, doc);
        assert_true(fixture_int(f, "SELECT count(DISTINCT segid) FROM search_fts_idx") <= 2);
    }
    json_decref(doc);
    fixture_sql(f, "INSERT INTO search_fts(search_fts) VALUES('integrity-check')");
    search(f, "zanzibar4", NULL, -1, false, &r);
    assert_int_equal(hits_of(&r)->size, 1);
    fixture_reply_free(&r);
    search(f, "zanzibar3", NULL, -1, false, &r);
    assert_int_equal(hits_of(&r)->size, 0);
    fixture_reply_free(&r);
}

static void test_synonyms_widen_the_op(void **state)
{
    fixture_t *f = *state;
    fixture_reply_t r;
    char err[256] = "", id[80];
    static const char table[] = "freeloader\tindividual accountability\n";
    json_t *doc = sample_json();
    import_doc(f, doc);
    json_decref(doc);
    search(f, "freeloader", NULL, -1, false, &r);
    assert_int_equal(hits_of(&r)->size, 0);
    fixture_reply_free(&r);
    assert_int_equal(cairn_synonyms_parse(table, strlen(table), &f->d.synonyms, err, sizeof err),
                     0);
    search(f, "freeloader", NULL, -1, false, &r);
    const msgpack_object_array *a = hits_of(&r);
    assert_true(a->size >= 1);
    hit_id(a, 0, id, sizeof id);
    assert_string_equal(id, "cooperative-learning");
    fixture_reply_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fts5_is_compiled_in, setup, teardown),
        cmocka_unit_test(test_synonyms_parse_and_lookup),
        cmocka_unit_test(test_synonyms_bad_tables),
        cmocka_unit_test(test_query_words_and_synonyms),
        cmocka_unit_test(test_query_bad_input),
        cmocka_unit_test_setup_teardown(test_search_sample_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_follows_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synonyms_widen_the_op, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rank_equals_bm25, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_segments_merged, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
