/*
 * rdf.h: RDF datasets, canonical N-Quads and RDFC-1.0 (W3C RDF Dataset Canonicalization).
 *
 * Open Badges credentials are signed over the canonical N-Quads of their RDF form
 * (cryptosuite eddsa-rdfc-2022). We do not embed a JSON-LD processor: the badge code builds the
 * quads from its typed model (badge_model.c) and this module canonicalises them. The algorithm is
 * the whole of RDFC-1.0 (first-degree hashes, and the N-degree hash for blank nodes that tie),
 * matched byte for byte against jsonld.js / rdf-canonize 5 (tests/interop), including two of its
 * details that a reader of the spec alone might do otherwise:
 *   - lines and hashes are sorted in UTF-16 code unit order (JavaScript's default sort), which
 *     differs from UTF-8 byte order only between astral characters and U+E000..U+FFFF;
 *   - in a first-degree hash every other blank node is "_:z", even one already canonical.
 *
 * A dataset owns copies of every string it is given. Blank node labels are given without "_:".
 * Quads are a set: adding a quad already present does nothing (JSON-LD merges nodes that share
 * an id, which is the same thing).
 */
#ifndef CAIRN_RDF_H
#define CAIRN_RDF_H

#include <stddef.h>
#include <stdint.h>

/* Limits on a dataset, so a hostile document cannot make canonicalisation explode. A badge has
 * ~40 quads and 3 blank nodes. */
#define CAIRN_RDF_QUADS_MAX 4096u
#define CAIRN_RDF_BLANKS_MAX 512u
/* Calls of the N-degree hash allowed per canonicalisation (rdf-canonize bounds it too). */
#define CAIRN_RDF_DEEP_MAX 4096u
/* Permutations tried in all N-degree hashes of one canonicalisation: a blank node with k
 * indistinguishable neighbours has k! of them, so the call count alone does not bound the work. */
#define CAIRN_RDF_PERMUTATIONS_MAX 100000u

enum cairn_rdf_kind {
    CAIRN_RDF_NONE = 0, /* the default graph */
    CAIRN_RDF_IRI,
    CAIRN_RDF_BLANK,
    CAIRN_RDF_LITERAL,
};

#define CAIRN_XSD_STRING "http://www.w3.org/2001/XMLSchema#string"
#define CAIRN_RDF_LANGSTRING "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#define CAIRN_RDF_TYPE "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

struct cairn_rdf_term {
    enum cairn_rdf_kind kind;
    const char *value;    /* IRI, blank label (no "_:"), or literal lexical form (UTF-8) */
    const char *datatype; /* literal only: NULL means xsd:string */
    const char *lang;     /* literal only: NULL or a language tag (datatype rdf:langString) */
};

struct cairn_rdf_quad {
    struct cairn_rdf_term s, p, o, g;
};

struct cairn_rdf_dataset {
    struct cairn_rdf_quad *quads;
    size_t n, cap;
    char **strings; /* every string the dataset owns, freed by cairn_rdf_free() */
    size_t nstrings, capstrings;
    int err; /* first error met while adding (sticky): 0, -ENOMEM or CAIRN_ETOOBIG */
};

void cairn_rdf_init(struct cairn_rdf_dataset *ds);
void cairn_rdf_free(struct cairn_rdf_dataset *ds);

/* Adds a quad, copying its strings; a duplicate is dropped. Errors are sticky in ds->err and
 * also returned (0, -ENOMEM, CAIRN_ETOOBIG). Builders may add many quads and check ds->err once. */
int cairn_rdf_add(struct cairn_rdf_dataset *ds, const struct cairn_rdf_quad *q);

/* 1 when a and b hold the same quads in the same order (same builder, same input). */
int cairn_rdf_equal(const struct cairn_rdf_dataset *a, const struct cairn_rdf_dataset *b);

/* Shorthands for building terms. */
struct cairn_rdf_term cairn_rdf_iri(const char *iri);
struct cairn_rdf_term cairn_rdf_blank(const char *label);
struct cairn_rdf_term cairn_rdf_literal(const char *lexical, const char *datatype);

/* Serialises one quad as an N-Quads line (with " .\n") in the canonical form of RDFC-1.0, with
 * blank labels replaced by map(label) when map is non-NULL. Appends to *buf (grown with
 * realloc). Returns 0 or -ENOMEM. */
struct cairn_rdf_buf {
    char *p;
    size_t len, cap;
};
int cairn_rdf_put_quad(struct cairn_rdf_buf *buf, const struct cairn_rdf_quad *q,
                       const char *(*map)(void *ctx, const char *label), void *ctx);
int cairn_rdf_buf_put(struct cairn_rdf_buf *buf, const char *s, size_t len);

/* Compares two UTF-8 strings in UTF-16 code unit order (see above). */
int cairn_rdf_strcmp(const char *a, const char *b);

/* Parses N-Quads text (N-Quads 1.1: IRIs, blank nodes, literals with datatype or language,
 * graph names, comments, ECHAR/UCHAR escapes) into ds. For tests and tools: the badge verifier
 * never parses N-Quads. Returns 0, CAIRN_EINVAL with the line number in err, or -ENOMEM. */
int cairn_rdf_parse_nquads(const char *text, size_t len, struct cairn_rdf_dataset *ds, char *err,
                           size_t errlen);

/* RDFC-1.0 with SHA-256: the canonical N-Quads of ds, sorted, one quad per line, as a
 * NUL-terminated heap string (caller frees) and its length. Returns 0, -ENOMEM, or CAIRN_ETOOBIG
 * when a limit above is passed. */
int cairn_rdfc_canonize(const struct cairn_rdf_dataset *ds, char **out, size_t *len);

#endif
