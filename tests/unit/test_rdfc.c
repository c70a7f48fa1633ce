/*
 * test_rdfc.c: RDFC-1.0 canonicalisation (proto/rdfc.c, proto/nquads.c). The vectors' expected
 * outputs were produced by rdf-canonize 5.0.0 (the canonicaliser of jsonld.js), and
 * tests/integration/t_badge_interop.sh re-checks them against it: blank nodes that tie on their
 * first-degree hash (automorphic cycles and cliques, and chains where only the N-degree hash
 * through already-canonical neighbours tells them apart, recursively), named graphs including
 * blank graph names, literal escapes and language tags, and UTF-16 line order (an astral
 * character sorts before U+E000, unlike UTF-8 byte order). Also: the output does not depend on
 * input order, and the limits refuse a dataset too large to canonicalise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cairn/err.h"
#include "cairn/rdf.h"

static const struct vector {
    const char *name, *in, *out;
} vectors[] = {
    {"cycle2",
     "_:a <http://ex.org/p> _:b .\n"
     "_:b <http://ex.org/p> _:a .\n",
     "_:c14n0 <http://ex.org/p> _:c14n1 .\n"
     "_:c14n1 <http://ex.org/p> _:c14n0 .\n"},
    {"cycle4",
     "_:e0 <http://ex.org/next> _:e1 .\n"
     "_:e1 <http://ex.org/next> _:e2 .\n"
     "_:e2 <http://ex.org/next> _:e3 .\n"
     "_:e3 <http://ex.org/next> _:e0 .\n"
     "_:e0 <http://ex.org/v> \"x\" .\n"
     "_:e2 <http://ex.org/v> \"x\" .\n",
     "_:c14n0 <http://ex.org/next> _:c14n1 .\n"
     "_:c14n1 <http://ex.org/next> _:c14n2 .\n"
     "_:c14n1 <http://ex.org/v> \"x\" .\n"
     "_:c14n2 <http://ex.org/next> _:c14n3 .\n"
     "_:c14n3 <http://ex.org/next> _:c14n0 .\n"
     "_:c14n3 <http://ex.org/v> \"x\" .\n"},
    {"twins",
     "<http://ex.org/s> <http://ex.org/has> _:x .\n"
     "<http://ex.org/s> <http://ex.org/has> _:y .\n"
     "_:x <http://ex.org/name> \"same\" .\n"
     "_:y <http://ex.org/name> \"same\" .\n"
     "_:x <http://ex.org/knows> _:z1 .\n"
     "_:y <http://ex.org/knows> _:z2 .\n"
     "_:z1 <http://ex.org/age> \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"
     "_:z2 <http://ex.org/age> \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n",
     "<http://ex.org/s> <http://ex.org/has> _:c14n0 .\n"
     "<http://ex.org/s> <http://ex.org/has> _:c14n2 .\n"
     "_:c14n0 <http://ex.org/knows> _:c14n1 .\n"
     "_:c14n0 <http://ex.org/name> \"same\" .\n"
     "_:c14n1 <http://ex.org/age> \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"
     "_:c14n2 <http://ex.org/knows> _:c14n3 .\n"
     "_:c14n2 <http://ex.org/name> \"same\" .\n"
     "_:c14n3 <http://ex.org/age> \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"},
    {"chain1",
     "_:a <http://ex.org/p> _:b .\n"
     "_:b <http://ex.org/q> \"1\" .\n"
     "_:c <http://ex.org/p> _:d .\n"
     "_:d <http://ex.org/q> \"2\" .\n",
     "_:c14n0 <http://ex.org/q> \"1\" .\n"
     "_:c14n1 <http://ex.org/q> \"2\" .\n"
     "_:c14n2 <http://ex.org/p> _:c14n0 .\n"
     "_:c14n3 <http://ex.org/p> _:c14n1 .\n"},
    {"chain2",
     "_:d <http://ex.org/p> _:e .\n"
     "_:e <http://ex.org/p> _:f .\n"
     "_:f <http://ex.org/q> \"2\" .\n"
     "_:a <http://ex.org/p> _:b .\n"
     "_:b <http://ex.org/p> _:c .\n"
     "_:c <http://ex.org/q> \"1\" .\n",
     "_:c14n0 <http://ex.org/q> \"1\" .\n"
     "_:c14n1 <http://ex.org/q> \"2\" .\n"
     "_:c14n2 <http://ex.org/p> _:c14n3 .\n"
     "_:c14n3 <http://ex.org/p> _:c14n1 .\n"
     "_:c14n4 <http://ex.org/p> _:c14n5 .\n"
     "_:c14n5 <http://ex.org/p> _:c14n0 .\n"},
    {"clique",
     "_:a <http://ex.org/p> _:b .\n"
     "_:a <http://ex.org/p> _:c .\n"
     "_:b <http://ex.org/p> _:c .\n"
     "_:b <http://ex.org/p> _:a .\n"
     "_:c <http://ex.org/p> _:a .\n"
     "_:c <http://ex.org/p> _:b .\n"
     "_:d <http://ex.org/p> _:e .\n"
     "_:e <http://ex.org/p> _:d .\n",
     "_:c14n0 <http://ex.org/p> _:c14n1 .\n"
     "_:c14n1 <http://ex.org/p> _:c14n0 .\n"
     "_:c14n2 <http://ex.org/p> _:c14n3 .\n"
     "_:c14n2 <http://ex.org/p> _:c14n4 .\n"
     "_:c14n3 <http://ex.org/p> _:c14n2 .\n"
     "_:c14n3 <http://ex.org/p> _:c14n4 .\n"
     "_:c14n4 <http://ex.org/p> _:c14n2 .\n"
     "_:c14n4 <http://ex.org/p> _:c14n3 .\n"},
    {"graphs",
     "_:g1 <http://ex.org/p> \"a\"@en .\n"
     "_:b1 <http://ex.org/p> _:b2 _:g1 .\n"
     "_:b2 <http://ex.org/p> _:b1 _:g1 .\n"
     "_:b3 <http://ex.org/p> _:b4 <http://ex.org/graph> .\n"
     "_:b4 <http://ex.org/p> _:b3 <http://ex.org/graph> .\n"
     "<http://ex.org/s> <http://ex.org/q> \"tab\\there \\\"quoted\\\" back\\\\slash\\nline \\u0007 "
     "\\u007F\" .\n",
     "<http://ex.org/s> <http://ex.org/q> \"tab\\there \\\"quoted\\\" back\\\\slash\\nline \\u0007 "
     "\\u007F\" .\n"
     "_:c14n0 <http://ex.org/p> \"a\"@en .\n"
     "_:c14n1 <http://ex.org/p> _:c14n2 _:c14n0 .\n"
     "_:c14n2 <http://ex.org/p> _:c14n1 _:c14n0 .\n"
     "_:c14n3 <http://ex.org/p> _:c14n4 <http://ex.org/graph> .\n"
     "_:c14n4 <http://ex.org/p> _:c14n3 <http://ex.org/graph> .\n"},
    {"utf16",
     "<http://ex.org/s> <http://ex.org/p> \"\\uE000 private use\" .\n"
     "<http://ex.org/s> <http://ex.org/p> \"\\U0001F600 astral\" .\n"
     "<http://ex.org/s> <http://ex.org/p> \"\\uFFFD replacement\" .\n"
     "<http://ex.org/s> <http://ex.org/p> \"z ascii\" .\n",
     "<http://ex.org/s> <http://ex.org/p> \"z ascii\" .\n"
     "<http://ex.org/s> <http://ex.org/p> \"\xf0\x9f\x98\x80 astral\" .\n"
     "<http://ex.org/s> <http://ex.org/p> \"\xee\x80\x80 private use\" .\n"
     "<http://ex.org/s> <http://ex.org/p> \"\xef\xbf\xbd replacement\" .\n"},
};

static char *canon_text(const char *in, size_t len)
{
    struct cairn_rdf_dataset ds;
    char err[128], *out = NULL;
    size_t outlen;
    cairn_rdf_init(&ds);
    assert_int_equal(cairn_rdf_parse_nquads(in, len, &ds, err, sizeof err), 0);
    assert_int_equal(cairn_rdfc_canonize(&ds, &out, &outlen), 0);
    assert_int_equal(strlen(out), outlen);
    cairn_rdf_free(&ds);
    return out;
}

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char *out = canon_text(vectors[i].in, strlen(vectors[i].in));
        if (strcmp(out, vectors[i].out) != 0)
            fail_msg("%s: got\n%s\nwant\n%s", vectors[i].name, out, vectors[i].out);
        free(out);
    }
}

/* Reversing the input lines (and so the blank nodes' first-seen order) changes nothing. */
static void test_input_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const char *in = vectors[i].in;
        size_t len = strlen(in), o = 0;
        char *rev = malloc(len + 1);
        const char *end = in + len;
        while (end > in) {
            const char *start = end - 1;
            while (start > in && start[-1] != '\n')
                start--;
            memcpy(rev + o, start, (size_t)(end - start));
            o += (size_t)(end - start);
            end = start;
        }
        rev[o] = '\0';
        char *out = canon_text(rev, o);
        assert_string_equal(out, vectors[i].out);
        free(out);
        free(rev);
    }
}

/* Relabelling every blank node changes nothing either. */
static void test_relabel(void **state)
{
    (void)state;
    const char *in = "_:zz <http://ex.org/p> _:aa .\n_:aa <http://ex.org/p> _:mm .\n"
                     "_:mm <http://ex.org/q> \"1\" .\n_:q1 <http://ex.org/p> _:q2 .\n"
                     "_:q2 <http://ex.org/p> _:q3 .\n_:q3 <http://ex.org/q> \"2\" .\n";
    char *out = canon_text(in, strlen(in));
    /* same graph as the chain2 vector */
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
        if (strcmp(vectors[i].name, "chain2") == 0)
            assert_string_equal(out, vectors[i].out);
    free(out);
}

static void test_utf16_order(void **state)
{
    (void)state;
    assert_true(cairn_rdf_strcmp("\xf0\x9f\x98\x80", "\xee\x80\x80") < 0); /* U+1F600 < U+E000 */
    assert_true(strcmp("\xf0\x9f\x98\x80", "\xee\x80\x80") > 0);           /* bytes disagree */
    assert_true(cairn_rdf_strcmp("a", "ab") < 0);
    assert_true(cairn_rdf_strcmp("\xf0\x9f\x98\x81", "\xf0\x9f\x98\x80") > 0);
    assert_int_equal(cairn_rdf_strcmp("\xc3\xa9", "\xc3\xa9"), 0);
}

static void test_escapes(void **state)
{
    (void)state;
    struct cairn_rdf_dataset ds;
    struct cairn_rdf_buf buf = {0};
    cairn_rdf_init(&ds);
    struct cairn_rdf_quad q = {cairn_rdf_iri("http://ex.org/s"),
                               cairn_rdf_iri("http://ex.org/p"),
                               cairn_rdf_literal("a\"b\\c\nd\te\rf\bg\fh\x01i\x7fj\xc3\xa9", NULL),
                               {CAIRN_RDF_NONE, NULL, NULL, NULL}};
    assert_int_equal(cairn_rdf_put_quad(&buf, &q, NULL, NULL), 0);
    assert_string_equal(buf.p, "<http://ex.org/s> <http://ex.org/p> "
                               "\"a\\\"b\\\\c\\nd\\te\\rf\\bg\\fh\\u0001i\\u007Fj\xc3\xa9\" .\n");
    /* the same quad twice is one quad: a dataset is a set */
    assert_int_equal(cairn_rdf_add(&ds, &q), 0);
    assert_int_equal(cairn_rdf_add(&ds, &q), 0);
    assert_int_equal(ds.n, 1);
    free(buf.p);
    cairn_rdf_free(&ds);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "<http://ex.org/s> <http://ex.org/p> \"unterminated .\n",
        "<http://ex.org/s> <http://ex.org/p> <http://ex.org/o>\n",
        "\"lit\" <http://ex.org/p> <http://ex.org/o> .\n",
        "<http://ex.org/s> <http://ex.org/p> \"bad \\q escape\" .\n",
        "<http://ex.org/s> <http://ex.org/p> \"\\u00\" .\n",
        "<http://ex.org/s> _:p <http://ex.org/o> .\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cairn_rdf_dataset ds;
        char err[128] = "";
        cairn_rdf_init(&ds);
        assert_int_equal(cairn_rdf_parse_nquads(bad[i], strlen(bad[i]), &ds, err, sizeof err),
                         CAIRN_EINVAL);
        assert_non_null(strstr(err, "line 1"));
        cairn_rdf_free(&ds);
    }
}

/* More blank nodes than the limit: refused, not ground through. */
static void test_limits(void **state)
{
    (void)state;
    struct cairn_rdf_dataset ds;
    char label[32], *out = NULL;
    size_t len;
    cairn_rdf_init(&ds);
    for (unsigned i = 0; i < CAIRN_RDF_BLANKS_MAX + 1; i++) {
        snprintf(label, sizeof label, "b%u", i);
        struct cairn_rdf_quad q = {cairn_rdf_blank(label),
                                   cairn_rdf_iri("http://ex.org/p"),
                                   cairn_rdf_literal("x", NULL),
                                   {CAIRN_RDF_NONE, NULL, NULL, NULL}};
        assert_int_equal(cairn_rdf_add(&ds, &q), 0);
    }
    assert_int_equal(cairn_rdfc_canonize(&ds, &out, &len), CAIRN_ETOOBIG);
    assert_null(out);
    cairn_rdf_free(&ds);

    /* A large clique needs more N-degree calls than allowed: refused. */
    cairn_rdf_init(&ds);
    for (unsigned i = 0; i < 9; i++)
        for (unsigned k = 0; k < 9; k++) {
            char a[8], b[8];
            if (i == k)
                continue;
            snprintf(a, sizeof a, "n%u", i);
            snprintf(b, sizeof b, "n%u", k);
            struct cairn_rdf_quad q = {cairn_rdf_blank(a),
                                       cairn_rdf_iri("http://ex.org/p"),
                                       cairn_rdf_blank(b),
                                       {CAIRN_RDF_NONE, NULL, NULL, NULL}};
            assert_int_equal(cairn_rdf_add(&ds, &q), 0);
        }
    assert_int_equal(cairn_rdfc_canonize(&ds, &out, &len), CAIRN_ETOOBIG);
    cairn_rdf_free(&ds);

    /* A star: one node with 10 indistinguishable neighbours has 10! permutations in a single
     * N-degree call; the permutation budget stops it. */
    cairn_rdf_init(&ds);
    for (unsigned k = 0; k < 2; k++)
        for (unsigned i = 0; i < 10; i++) {
            char hub[8], leaf[8];
            snprintf(hub, sizeof hub, "h%u", k);
            snprintf(leaf, sizeof leaf, "l%u_%u", k, i);
            struct cairn_rdf_quad q = {cairn_rdf_blank(hub),
                                       cairn_rdf_iri("http://ex.org/p"),
                                       cairn_rdf_blank(leaf),
                                       {CAIRN_RDF_NONE, NULL, NULL, NULL}};
            assert_int_equal(cairn_rdf_add(&ds, &q), 0);
        }
    assert_int_equal(cairn_rdfc_canonize(&ds, &out, &len), CAIRN_ETOOBIG);
    cairn_rdf_free(&ds);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors), cmocka_unit_test(test_input_order),
        cmocka_unit_test(test_relabel), cmocka_unit_test(test_utf16_order),
        cmocka_unit_test(test_escapes), cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
