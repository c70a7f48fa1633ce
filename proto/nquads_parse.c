/*
 * nquads_parse.c: an N-Quads 1.1 parser, for RDFC-1.0 tests and tools (the verifier never parses
 * N-Quads). Strict enough to refuse what would serialise differently: unterminated terms, bad
 * escapes, a missing final ".". Bounded by the dataset's limits.
 */
#include <cairn/rdf.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

struct parser {
    const char *p, *end;
    struct cairn_rdf_buf scratch[4]; /* s, o, datatype or lang, g */
};

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

static int put_cp(struct cairn_rdf_buf *b, uint32_t c)
{
    char u[4];
    size_t n;
    if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
        return CAIRN_EINVAL;
    if (c < 0x80) {
        u[0] = (char)c, n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xc0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3f)), n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xe0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        u[2] = (char)(0x80 | (c & 0x3f)), n = 3;
    } else {
        u[0] = (char)(0xf0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f)), n = 4;
    }
    return cairn_rdf_buf_put(b, u, n);
}

/* \uXXXX or \UXXXXXXXX after the backslash. */
static int uchar(struct parser *ps, struct cairn_rdf_buf *b)
{
    size_t n = *ps->p == 'u' ? 4 : 8;
    uint32_t c = 0;
    if ((size_t)(ps->end - ps->p) < n + 1)
        return CAIRN_EINVAL;
    for (size_t i = 1; i <= n; i++) {
        char h = ps->p[i];
        int v = h >= '0' && h <= '9'   ? h - '0'
                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                       : -1;
        if (v < 0)
            return CAIRN_EINVAL;
        c = (c << 4) | (uint32_t)v;
    }
    ps->p += n + 1;
    return put_cp(b, c);
}

static int iri(struct parser *ps, struct cairn_rdf_buf *b)
{
    b->len = 0;
    if (cairn_rdf_buf_put(b, "", 0))
        return -ENOMEM;
    if (ps->p >= ps->end || *ps->p != '<')
        return CAIRN_EINVAL;
    ps->p++;
    while (ps->p < ps->end && *ps->p != '>') {
        int rc;
        unsigned char c = (unsigned char)*ps->p;
        if (c <= 0x20 || strchr("<\"{}|^`", c))
            return CAIRN_EINVAL;
        if (c == '\\') {
            ps->p++;
            if (ps->p >= ps->end || (*ps->p != 'u' && *ps->p != 'U'))
                return CAIRN_EINVAL;
            rc = uchar(ps, b);
        } else {
            rc = cairn_rdf_buf_put(b, ps->p++, 1);
        }
        if (rc)
            return rc;
    }
    if (ps->p >= ps->end)
        return CAIRN_EINVAL;
    ps->p++;
    return 0;
}

static int blank(struct parser *ps, struct cairn_rdf_buf *b)
{
    b->len = 0;
    if (ps->end - ps->p < 3 || ps->p[0] != '_' || ps->p[1] != ':')
        return CAIRN_EINVAL;
    ps->p += 2;
    const char *start = ps->p;
    while (ps->p < ps->end && *ps->p != ' ' && *ps->p != '\t' && *ps->p != '\n' && *ps->p != '\r' &&
           *ps->p != '<' && *ps->p != '"')
        ps->p++;
    /* A label cannot end with "." (it would be the statement's end). */
    while (ps->p > start && ps->p[-1] == '.')
        ps->p--;
    if (ps->p == start)
        return CAIRN_EINVAL;
    return cairn_rdf_buf_put(b, start, (size_t)(ps->p - start));
}

static int literal(struct parser *ps, struct cairn_rdf_buf *b)
{
    b->len = 0;
    if (cairn_rdf_buf_put(b, "", 0))
        return -ENOMEM;
    ps->p++; /* the opening quote */
    while (ps->p < ps->end && *ps->p != '"') {
        int rc;
        char c = *ps->p;
        if (c == '\n' || c == '\r')
            return CAIRN_EINVAL;
        if (c == '\\') {
            ps->p++;
            if (ps->p >= ps->end)
                return CAIRN_EINVAL;
            const char *from = "btnfr\"'\\", *to = "\b\t\n\f\r\"'\\";
            const char *k = strchr(from, *ps->p);
            if (*ps->p == 'u' || *ps->p == 'U')
                rc = uchar(ps, b);
            else if (k && *ps->p)
                rc = cairn_rdf_buf_put(b, to + (k - from), 1), ps->p++;
            else
                return CAIRN_EINVAL;
        } else {
            rc = cairn_rdf_buf_put(b, ps->p++, 1);
        }
        if (rc)
            return rc;
    }
    if (ps->p >= ps->end)
        return CAIRN_EINVAL;
    ps->p++;
    return 0;
}

/* One term into t (strings in b, or in b2 for a literal's datatype or language). */
static int term(struct parser *ps, struct cairn_rdf_term *t, struct cairn_rdf_buf *b,
                struct cairn_rdf_buf *b2, int allow_literal)
{
    int rc;
    memset(t, 0, sizeof *t);
    skip_ws(ps);
    if (ps->p >= ps->end)
        return CAIRN_EINVAL;
    if (*ps->p == '<') {
        t->kind = CAIRN_RDF_IRI;
        rc = iri(ps, b);
    } else if (*ps->p == '_') {
        t->kind = CAIRN_RDF_BLANK;
        rc = blank(ps, b);
    } else if (*ps->p == '"' && allow_literal) {
        t->kind = CAIRN_RDF_LITERAL;
        rc = literal(ps, b);
        if (!rc && ps->end - ps->p >= 2 && ps->p[0] == '^' && ps->p[1] == '^') {
            ps->p += 2;
            rc = iri(ps, b2);
            t->datatype = b2->p;
        } else if (!rc && ps->p < ps->end && *ps->p == '@') {
            const char *start = ++ps->p;
            while (ps->p < ps->end &&
                   (*ps->p == '-' || (*ps->p >= 'a' && *ps->p <= 'z') ||
                    (*ps->p >= 'A' && *ps->p <= 'Z') || (*ps->p >= '0' && *ps->p <= '9')))
                ps->p++;
            b2->len = 0;
            rc = ps->p == start ? CAIRN_EINVAL
                                : cairn_rdf_buf_put(b2, start, (size_t)(ps->p - start));
            t->lang = b2->p;
            t->datatype = CAIRN_RDF_LANGSTRING;
        }
    } else {
        return CAIRN_EINVAL;
    }
    t->value = b->p;
    return rc;
}

static int line(struct parser *ps, struct cairn_rdf_dataset *ds)
{
    struct cairn_rdf_quad q;
    struct cairn_rdf_buf pred = {0};
    int rc = term(ps, &q.s, &ps->scratch[0], NULL, 0);
    if (!rc && q.s.kind == CAIRN_RDF_LITERAL)
        rc = CAIRN_EINVAL;
    if (!rc) {
        skip_ws(ps);
        q.p.kind = CAIRN_RDF_IRI;
        q.p.datatype = q.p.lang = NULL;
        rc = iri(ps, &pred);
        q.p.value = pred.p;
    }
    if (!rc)
        rc = term(ps, &q.o, &ps->scratch[1], &ps->scratch[2], 1);
    memset(&q.g, 0, sizeof q.g);
    skip_ws(ps);
    if (!rc && ps->p < ps->end && *ps->p != '.')
        rc = term(ps, &q.g, &ps->scratch[3], NULL, 0);
    skip_ws(ps);
    if (!rc && (ps->p >= ps->end || *ps->p != '.'))
        rc = CAIRN_EINVAL;
    if (!rc)
        ps->p++;
    if (!rc && q.o.kind == CAIRN_RDF_LITERAL && q.o.datatype &&
        strcmp(q.o.datatype, CAIRN_XSD_STRING) == 0)
        q.o.datatype = NULL;
    if (!rc && q.o.lang)
        q.o.datatype = NULL; /* the language tag implies rdf:langString */
    if (!rc)
        rc = cairn_rdf_add(ds, &q);
    free(pred.p);
    return rc;
}

int cairn_rdf_parse_nquads(const char *text, size_t len, struct cairn_rdf_dataset *ds, char *err,
                           size_t errlen)
{
    struct parser ps;
    memset(&ps, 0, sizeof ps);
    ps.p = text;
    ps.end = text + len;
    int rc = 0;
    unsigned lineno = 0;
    while (!rc && ps.p < ps.end) {
        lineno++;
        skip_ws(&ps);
        if (ps.p < ps.end && *ps.p != '\n' && *ps.p != '\r' && *ps.p != '#')
            rc = line(&ps, ds);
        skip_ws(&ps);
        if (!rc && ps.p < ps.end && *ps.p == '#')
            while (ps.p < ps.end && *ps.p != '\n')
                ps.p++;
        if (!rc && ps.p < ps.end && *ps.p == '\r')
            ps.p++;
        if (!rc && ps.p < ps.end && *ps.p != '\n')
            rc = CAIRN_EINVAL;
        if (!rc && ps.p < ps.end)
            ps.p++;
    }
    for (int i = 0; i < 4; i++)
        free(ps.scratch[i].p);
    if (rc)
        snprintf(err, errlen, "N-Quads line %u: %s", lineno,
                 rc == CAIRN_EINVAL ? "malformed" : cairn_strerror(rc));
    return rc;
}
