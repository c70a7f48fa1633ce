/*
 * nquads.c: RDF datasets (a set of quads owning their strings), the canonical N-Quads line form
 * of RDFC-1.0, UTF-16 code unit ordering, and an N-Quads parser for tests and tools.
 *
 * The badge verifier never parses N-Quads: it builds quads from its typed model. The parser is
 * here so that RDFC-1.0 can be tested on any dataset (blank node ties, graphs, escapes).
 */
#include <cairn/rdf.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairn/err.h>

void cairn_rdf_init(struct cairn_rdf_dataset *ds)
{
    memset(ds, 0, sizeof *ds);
}

void cairn_rdf_free(struct cairn_rdf_dataset *ds)
{
    for (size_t i = 0; i < ds->nstrings; i++)
        free(ds->strings[i]);
    free(ds->strings);
    free(ds->quads);
    memset(ds, 0, sizeof *ds);
}

struct cairn_rdf_term cairn_rdf_iri(const char *iri)
{
    struct cairn_rdf_term t = {CAIRN_RDF_IRI, iri, NULL, NULL};
    return t;
}

struct cairn_rdf_term cairn_rdf_blank(const char *label)
{
    struct cairn_rdf_term t = {CAIRN_RDF_BLANK, label, NULL, NULL};
    return t;
}

struct cairn_rdf_term cairn_rdf_literal(const char *lexical, const char *datatype)
{
    struct cairn_rdf_term t = {CAIRN_RDF_LITERAL, lexical, datatype, NULL};
    if (datatype && strcmp(datatype, CAIRN_XSD_STRING) == 0)
        t.datatype = NULL;
    return t;
}

static int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static int term_eq(const struct cairn_rdf_term *a, const struct cairn_rdf_term *b)
{
    return a->kind == b->kind && str_eq(a->value, b->value) && str_eq(a->datatype, b->datatype) &&
           str_eq(a->lang, b->lang);
}

static int quad_eq(const struct cairn_rdf_quad *a, const struct cairn_rdf_quad *b)
{
    return term_eq(&a->s, &b->s) && term_eq(&a->p, &b->p) && term_eq(&a->o, &b->o) &&
           term_eq(&a->g, &b->g);
}

/* Copies s into the dataset's string list. */
static const char *own(struct cairn_rdf_dataset *ds, const char *s)
{
    if (!s || ds->err)
        return s;
    if (ds->nstrings == ds->capstrings) {
        size_t cap = ds->capstrings ? ds->capstrings * 2 : 64;
        char **p = realloc(ds->strings, cap * sizeof *p);
        if (!p) {
            ds->err = -ENOMEM;
            return NULL;
        }
        ds->strings = p;
        ds->capstrings = cap;
    }
    char *copy = strdup(s);
    if (!copy) {
        ds->err = -ENOMEM;
        return NULL;
    }
    ds->strings[ds->nstrings++] = copy;
    return copy;
}

static void own_term(struct cairn_rdf_dataset *ds, struct cairn_rdf_term *t)
{
    t->value = own(ds, t->value);
    t->datatype = own(ds, t->datatype);
    t->lang = own(ds, t->lang);
}

int cairn_rdf_equal(const struct cairn_rdf_dataset *a, const struct cairn_rdf_dataset *b)
{
    if (a->n != b->n || a->err || b->err)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (!quad_eq(&a->quads[i], &b->quads[i]))
            return 0;
    return 1;
}

int cairn_rdf_add(struct cairn_rdf_dataset *ds, const struct cairn_rdf_quad *q)
{
    if (ds->err)
        return ds->err;
    for (size_t i = 0; i < ds->n; i++)
        if (quad_eq(&ds->quads[i], q))
            return 0;
    if (ds->n >= CAIRN_RDF_QUADS_MAX)
        return ds->err = CAIRN_ETOOBIG;
    if (ds->n == ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 64;
        struct cairn_rdf_quad *p = realloc(ds->quads, cap * sizeof *p);
        if (!p)
            return ds->err = -ENOMEM;
        ds->quads = p;
        ds->cap = cap;
    }
    struct cairn_rdf_quad c = *q;
    own_term(ds, &c.s);
    own_term(ds, &c.p);
    own_term(ds, &c.o);
    own_term(ds, &c.g);
    if (ds->err)
        return ds->err;
    ds->quads[ds->n++] = c;
    return 0;
}

int cairn_rdf_buf_put(struct cairn_rdf_buf *buf, const char *s, size_t len)
{
    if (buf->len + len + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap < buf->len + len + 1)
            cap *= 2;
        char *p = realloc(buf->p, cap);
        if (!p)
            return -ENOMEM;
        buf->p = p;
        buf->cap = cap;
    }
    memcpy(buf->p + buf->len, s, len);
    buf->len += len;
    buf->p[buf->len] = '\0';
    return 0;
}

static int put_str(struct cairn_rdf_buf *buf, const char *s)
{
    return cairn_rdf_buf_put(buf, s, strlen(s));
}

static int put_uchar(struct cairn_rdf_buf *buf, unsigned char c)
{
    char u[8];
    snprintf(u, sizeof u, "\\u%04X", c);
    return cairn_rdf_buf_put(buf, u, 6);
}

/* iri_escaped[c]: byte c of an IRI is written as \uXXXX (rdf-canonize's set). A table, because
 * this loop runs over every byte of every quad twice per signature. */
static const unsigned char iri_escaped[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, [' '] = 1,  ['<'] = 1,  ['>'] = 1,
    ['"'] = 1,  ['{'] = 1,  ['}'] = 1,  ['|'] = 1,  ['^'] = 1,  ['`'] = 1,  ['\\'] = 1,
};

/* IRIs: code points U+0000..U+0020 and <>"{}|^`\ as \uXXXX, as rdf-canonize does. */
static int put_iri(struct cairn_rdf_buf *buf, const char *iri)
{
    int rc = cairn_rdf_buf_put(buf, "<", 1);
    const char *run = iri;
    for (const char *p = iri; !rc && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (iri_escaped[c]) {
            rc = cairn_rdf_buf_put(buf, run, (size_t)(p - run));
            if (!rc)
                rc = put_uchar(buf, c);
            run = p + 1;
        }
    }
    if (!rc)
        rc = put_str(buf, run);
    return rc ? rc : cairn_rdf_buf_put(buf, ">", 1);
}

/* Literals: \b \t \n \f \r \" \\, other C0 controls and DEL as \uXXXX; everything else as is. */
static int put_literal_text(struct cairn_rdf_buf *buf, const char *s)
{
    int rc = 0;
    const char *run = s;
    for (const char *p = s; !rc && *p; p++) {
        unsigned char c = (unsigned char)*p;
        const char *esc = NULL;
        switch (c) {
        case '\b':
            esc = "\\b";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        default:
            if (c >= 0x20 && c != 0x7f)
                continue;
        }
        rc = cairn_rdf_buf_put(buf, run, (size_t)(p - run));
        if (!rc)
            rc = esc ? put_str(buf, esc) : put_uchar(buf, c);
        run = p + 1;
    }
    return rc ? rc : put_str(buf, run);
}

static int put_term(struct cairn_rdf_buf *buf, const struct cairn_rdf_term *t,
                    const char *(*map)(void *ctx, const char *label), void *ctx)
{
    int rc;
    switch (t->kind) {
    case CAIRN_RDF_IRI:
        return put_iri(buf, t->value);
    case CAIRN_RDF_BLANK:
        rc = cairn_rdf_buf_put(buf, "_:", 2);
        return rc ? rc : put_str(buf, map ? map(ctx, t->value) : t->value);
    case CAIRN_RDF_LITERAL:
        rc = cairn_rdf_buf_put(buf, "\"", 1);
        if (!rc)
            rc = put_literal_text(buf, t->value);
        if (!rc)
            rc = cairn_rdf_buf_put(buf, "\"", 1);
        if (!rc && t->lang) {
            rc = cairn_rdf_buf_put(buf, "@", 1);
            if (!rc)
                rc = put_str(buf, t->lang);
        } else if (!rc && t->datatype) {
            rc = cairn_rdf_buf_put(buf, "^^", 2);
            if (!rc)
                rc = put_iri(buf, t->datatype);
        }
        return rc;
    case CAIRN_RDF_NONE:
        break;
    }
    return 0;
}

int cairn_rdf_put_quad(struct cairn_rdf_buf *buf, const struct cairn_rdf_quad *q,
                       const char *(*map)(void *ctx, const char *label), void *ctx)
{
    int rc = put_term(buf, &q->s, map, ctx);
    if (!rc)
        rc = cairn_rdf_buf_put(buf, " ", 1);
    if (!rc)
        rc = put_term(buf, &q->p, map, ctx);
    if (!rc)
        rc = cairn_rdf_buf_put(buf, " ", 1);
    if (!rc)
        rc = put_term(buf, &q->o, map, ctx);
    if (!rc && q->g.kind != CAIRN_RDF_NONE) {
        rc = cairn_rdf_buf_put(buf, " ", 1);
        if (!rc)
            rc = put_term(buf, &q->g, map, ctx);
    }
    return rc ? rc : cairn_rdf_buf_put(buf, " .\n", 3);
}

/* Next code point of valid UTF-8 at *p (advanced); 0 at the end. Invalid bytes read as
 * themselves, which keeps the order total. */
static uint32_t next_cp(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int n = 0;
    if (c == 0)
        return 0;
    if (c >= 0xf0 && c < 0xf8)
        n = 3, c &= 0x07;
    else if (c >= 0xe0 && c < 0xf0)
        n = 2, c &= 0x0f;
    else if (c >= 0xc0 && c < 0xe0)
        n = 1, c &= 0x1f;
    int i = 1;
    for (; i <= n && (s[i] & 0xc0) == 0x80; i++)
        c = (c << 6) | (s[i] & 0x3f);
    if (i <= n) {
        c = s[0];
        i = 1;
    }
    *p = s + i;
    return c;
}

int cairn_rdf_strcmp(const char *a, const char *b)
{
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    /* Equal prefixes are equal in any order: skip them bytewise, then decode from the start of
     * the code point where the strings differ (ASCII there decides it at once). */
    while (*pa && *pa == *pb)
        pa++, pb++;
    if (*pa < 0x80 && *pb < 0x80)
        return *pa < *pb ? -1 : *pa > *pb;
    while (pa > (const unsigned char *)a && (*pa & 0xc0) == 0x80)
        pa--, pb--;
    for (;;) {
        uint32_t ca = next_cp(&pa), cb = next_cp(&pb);
        if (ca != cb) {
            if (ca == 0 || cb == 0)
                return ca == 0 ? -1 : 1;
            /* An astral code point's first UTF-16 unit is a high surrogate (0xD800..0xDBFF),
             * below U+E000..U+FFFF; two astral points order as their code points do. */
            uint32_t ka = ca >= 0x10000 ? 0xd800 + ((ca - 0x10000) >> 10) : ca;
            uint32_t kb = cb >= 0x10000 ? 0xd800 + ((cb - 0x10000) >> 10) : cb;
            if (ka != kb)
                return ka < kb ? -1 : 1;
            return ca < cb ? -1 : 1;
        }
        if (ca == 0)
            return 0;
    }
}
