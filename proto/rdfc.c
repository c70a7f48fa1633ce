/*
 * rdfc.c: RDFC-1.0 (W3C RDF Dataset Canonicalization 1.0) with SHA-256.
 *
 * Steps (spec section 4.4): hash every blank node by its own quads (first degree, itself "_:a",
 * any other "_:z"); nodes whose hash is unique get canonical ids "c14n<k>" in hash order; each
 * group of nodes that tie gets the N-degree hash, which walks related blank nodes through every
 * permutation and keeps the smallest path; ids are issued in the order of those results. Every
 * ordering decision mirrors rdf-canonize 5 (see rdf.h): the Steinhaus-Johnson-Trotter permuter
 * over labels, stable sorts, UTF-16 string order for lines.
 *
 * Never trusts the input's size: blank nodes, quads and N-degree calls are bounded (rdf.h).
 */
#include <cairn/rdf.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <cairn/err.h>

#define HEX_LEN (crypto_hash_sha256_BYTES * 2)

struct bnode {
    const char *label;
    size_t *quads; /* indices of the quads mentioning it */
    size_t nq, capq;
    char hash[HEX_LEN + 1]; /* first-degree hash */
};

/* An identifier issuer: id[node] is the number issued to it or -1; order lists nodes in the
 * order they were issued. */
struct issuer {
    int *id;
    size_t *order;
    size_t count;
};

struct canon {
    const struct cairn_rdf_dataset *ds;
    struct bnode *b;
    size_t nb;
    int (*qb)[3]; /* per quad: blank node index of s, o, g, or -1 */
    struct issuer c14n;
    unsigned deep;
    unsigned long perms;
};

static int issuer_new(struct issuer *is, size_t nb)
{
    is->id = malloc((nb ? nb : 1) * sizeof *is->id);
    is->order = malloc((nb ? nb : 1) * sizeof *is->order);
    is->count = 0;
    if (!is->id || !is->order) {
        free(is->id);
        free(is->order);
        is->id = NULL;
        is->order = NULL;
        return -ENOMEM;
    }
    for (size_t i = 0; i < nb; i++)
        is->id[i] = -1;
    return 0;
}

static void issuer_free(struct issuer *is)
{
    free(is->id);
    free(is->order);
    is->id = NULL;
    is->order = NULL;
}

static int issuer_clone(struct issuer *to, const struct issuer *from, size_t nb)
{
    if (issuer_new(to, nb))
        return -ENOMEM;
    memcpy(to->id, from->id, nb * sizeof *to->id);
    memcpy(to->order, from->order, nb * sizeof *to->order);
    to->count = from->count;
    return 0;
}

static int issuer_get(struct issuer *is, size_t node)
{
    if (is->id[node] < 0) {
        is->id[node] = (int)is->count;
        is->order[is->count++] = node;
    }
    return is->id[node];
}

static int find_blank(const struct canon *c, const char *label)
{
    for (size_t i = 0; i < c->nb; i++)
        if (strcmp(c->b[i].label, label) == 0)
            return (int)i;
    return -1;
}

static int note_blank(struct canon *c, const struct cairn_rdf_term *t, size_t quad, int *slot)
{
    *slot = -1;
    if (t->kind != CAIRN_RDF_BLANK)
        return 0;
    int i = find_blank(c, t->value);
    if (i < 0) {
        if (c->nb >= CAIRN_RDF_BLANKS_MAX)
            return CAIRN_ETOOBIG;
        i = (int)c->nb++;
        memset(&c->b[i], 0, sizeof c->b[i]);
        c->b[i].label = t->value;
    }
    struct bnode *b = &c->b[i];
    *slot = i;
    if (b->nq && b->quads[b->nq - 1] == quad)
        return 0; /* the same quad names it twice (subject and object) */
    if (b->nq == b->capq) {
        size_t cap = b->capq ? b->capq * 2 : 8;
        size_t *p = realloc(b->quads, cap * sizeof *p);
        if (!p)
            return -ENOMEM;
        b->quads = p;
        b->capq = cap;
    }
    b->quads[b->nq++] = quad;
    return 0;
}

static void hex_of(const unsigned char d[crypto_hash_sha256_BYTES], char out[HEX_LEN + 1])
{
    sodium_bin2hex(out, HEX_LEN + 1, d, crypto_hash_sha256_BYTES);
}

static int cmp_lines(const void *a, const void *b)
{
    return cairn_rdf_strcmp(*(char *const *)a, *(char *const *)b);
}

/* Serialises the quads in idx with map, sorts the lines, and hashes or joins them. */
static int sorted_lines(const struct cairn_rdf_dataset *ds, const size_t *idx, size_t n,
                        const char *(*map)(void *, const char *), void *ctx,
                        struct cairn_rdf_buf *out, char hash[HEX_LEN + 1])
{
    struct cairn_rdf_buf all = {0};
    size_t *off = malloc((n ? n : 1) * sizeof *off);
    char **lines = malloc((n ? n : 1) * sizeof *lines);
    int rc = (!off || !lines) ? -ENOMEM : 0;
    for (size_t i = 0; !rc && i < n; i++) {
        off[i] = all.len;
        rc = cairn_rdf_put_quad(&all, &ds->quads[idx ? idx[i] : i], map, ctx);
        if (!rc)
            rc = cairn_rdf_buf_put(&all, "", 1); /* NUL between lines */
    }
    for (size_t i = 0; !rc && i < n; i++)
        lines[i] = all.p + off[i];
    if (!rc)
        qsort(lines, n, sizeof *lines, cmp_lines);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (size_t i = 0; !rc && i < n; i++) {
        size_t len = strlen(lines[i]);
        if (hash)
            crypto_hash_sha256_update(&st, (const unsigned char *)lines[i], len);
        else
            rc = cairn_rdf_buf_put(out, lines[i], len);
    }
    if (!rc && hash) {
        unsigned char d[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&st, d);
        hex_of(d, hash);
    }
    free(all.p);
    free(off);
    free(lines);
    return rc;
}

struct first_ctx {
    const char *self;
};

static const char *first_map(void *ctx, const char *label)
{
    return strcmp(label, ((struct first_ctx *)ctx)->self) == 0 ? "a" : "z";
}

/* Hash Related Blank Node (4.7): position, predicate (unless "g"), and the related node's
 * canonical id, else its id in issuer, else its first-degree hash. */
static void hash_related(struct canon *c, size_t related, size_t quad, const struct issuer *is,
                         char position, char out[HEX_LEN + 1])
{
    crypto_hash_sha256_state st;
    char id[32];
    const char *idp = id;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)&position, 1);
    if (position != 'g') {
        const char *p = c->ds->quads[quad].p.value;
        crypto_hash_sha256_update(&st, (const unsigned char *)"<", 1);
        crypto_hash_sha256_update(&st, (const unsigned char *)p, strlen(p));
        crypto_hash_sha256_update(&st, (const unsigned char *)">", 1);
    }
    if (c->c14n.id[related] >= 0)
        snprintf(id, sizeof id, "_:c14n%d", c->c14n.id[related]);
    else if (is->id[related] >= 0)
        snprintf(id, sizeof id, "_:b%d", is->id[related]);
    else
        idp = c->b[related].hash;
    crypto_hash_sha256_update(&st, (const unsigned char *)idp, strlen(idp));
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, d);
    hex_of(d, out);
}

struct related {
    char hash[HEX_LEN + 1];
    size_t node;
    size_t seq; /* insertion order, for a stable sort */
};

static int cmp_related(const void *a, const void *b)
{
    const struct related *x = a, *y = b;
    int r = strcmp(x->hash, y->hash);
    return r ? r : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Steinhaus-Johnson-Trotter, exactly as rdf-canonize's Permuter (labels compared as strings;
 * a node listed twice shares one direction). Returns 0 when there is no next permutation. */
static int label_gt(const struct canon *c, size_t a, size_t b)
{
    return cairn_rdf_strcmp(c->b[a].label, c->b[b].label) > 0;
}

static int permute_next(const struct canon *c, size_t *cur, size_t n, unsigned char *left)
{
    size_t k = 0, pos = 0;
    int have = 0;
    for (size_t i = 0; i < n; i++) {
        size_t e = cur[i];
        if ((!have || label_gt(c, e, k)) &&
            ((left[e] && i > 0 && label_gt(c, e, cur[i - 1])) ||
             (!left[e] && i + 1 < n && label_gt(c, e, cur[i + 1])))) {
            k = e;
            pos = i;
            have = 1;
        }
    }
    if (!have)
        return 0;
    size_t swap = left[k] ? pos - 1 : pos + 1;
    cur[pos] = cur[swap];
    cur[swap] = k;
    for (size_t i = 0; i < n; i++)
        if (label_gt(c, cur[i], k))
            left[cur[i]] = !left[cur[i]];
    return 1;
}

static int cmp_label_ctx_sort(const struct canon *c, size_t *v, size_t n)
{
    /* insertion sort: n is small and the sort must be stable */
    for (size_t i = 1; i < n; i++) {
        size_t x = v[i], j = i;
        while (j > 0 && cairn_rdf_strcmp(c->b[v[j - 1]].label, c->b[x].label) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    return 0;
}

static int put_id(struct cairn_rdf_buf *b, const char *prefix, int id)
{
    char s[32];
    int n = snprintf(s, sizeof s, "_:%s%d", prefix, id);
    return cairn_rdf_buf_put(b, s, (size_t)n);
}

static int hash_ndegree(struct canon *c, size_t node, const struct issuer *in,
                        char out[HEX_LEN + 1], struct issuer *out_is);

/* One permutation of a group: fills path and the issuer it leads to; *skip when the path
 * already exceeds the chosen one. */
static int try_permutation(struct canon *c, const size_t *perm, size_t n, const struct issuer *is,
                           const struct cairn_rdf_buf *chosen, struct cairn_rdf_buf *path,
                           struct issuer *copy, int *skip)
{
    size_t *recurse = malloc((n ? n : 1) * sizeof *recurse);
    size_t nrec = 0;
    *copy = (struct issuer){NULL, NULL, 0}; /* freed on every failure, even before the clone */
    int rc = recurse ? issuer_clone(copy, is, c->nb) : -ENOMEM;
    path->len = 0;
    *skip = 0;
    for (size_t i = 0; !rc && !*skip && i < n; i++) {
        size_t r = perm[i];
        if (c->c14n.id[r] >= 0) {
            rc = put_id(path, "c14n", c->c14n.id[r]);
        } else {
            if (copy->id[r] < 0)
                recurse[nrec++] = r;
            rc = put_id(path, "b", issuer_get(copy, r));
        }
        *skip = chosen->len && strcmp(path->p, chosen->p) > 0;
    }
    for (size_t i = 0; !rc && !*skip && i < nrec; i++) {
        char h[HEX_LEN + 1];
        struct issuer next;
        rc = hash_ndegree(c, recurse[i], copy, h, &next);
        if (rc)
            break;
        rc = put_id(path, "b", issuer_get(copy, recurse[i]));
        if (!rc)
            rc = cairn_rdf_buf_put(path, "<", 1);
        if (!rc)
            rc = cairn_rdf_buf_put(path, h, HEX_LEN);
        if (!rc)
            rc = cairn_rdf_buf_put(path, ">", 1);
        issuer_free(copy);
        *copy = next;
        *skip = !rc && chosen->len && strcmp(path->p, chosen->p) > 0;
    }
    free(recurse);
    if (rc)
        issuer_free(copy);
    return rc;
}

/* Hash N-Degree Quads (4.8) of node, starting from issuer in; *out_is receives the issuer the
 * chosen paths lead to (caller frees). */
static int hash_ndegree(struct canon *c, size_t node, const struct issuer *in,
                        char out[HEX_LEN + 1], struct issuer *out_is)
{
    if (++c->deep > CAIRN_RDF_DEEP_MAX)
        return CAIRN_ETOOBIG;
    const struct bnode *b = &c->b[node];
    struct related *rel = malloc((b->nq * 3 + 1) * sizeof *rel);
    size_t nrel = 0;
    if (!rel)
        return -ENOMEM;
    for (size_t i = 0; i < b->nq; i++) {
        static const char pos[3] = {'s', 'o', 'g'};
        for (int k = 0; k < 3; k++) {
            int r = c->qb[b->quads[i]][k];
            if (r < 0 || (size_t)r == node)
                continue;
            hash_related(c, (size_t)r, b->quads[i], in, pos[k], rel[nrel].hash);
            rel[nrel].node = (size_t)r;
            rel[nrel].seq = nrel;
            nrel++;
        }
    }
    qsort(rel, nrel, sizeof *rel, cmp_related);

    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    struct issuer is;
    int rc = issuer_clone(&is, in, c->nb);
    size_t *perm = malloc((nrel ? nrel : 1) * sizeof *perm);
    unsigned char *left = calloc(c->nb ? c->nb : 1, 1);
    struct cairn_rdf_buf chosen = {0}, path = {0};
    if (!rc && (!perm || !left))
        rc = -ENOMEM;
    for (size_t g = 0; !rc && g < nrel;) {
        size_t end = g;
        while (end < nrel && strcmp(rel[end].hash, rel[g].hash) == 0)
            end++;
        crypto_hash_sha256_update(&st, (const unsigned char *)rel[g].hash, HEX_LEN);
        size_t n = end - g;
        for (size_t i = 0; i < n; i++) {
            perm[i] = rel[g + i].node;
            left[perm[i]] = 1;
        }
        cmp_label_ctx_sort(c, perm, n);
        struct issuer chosen_is = {NULL, NULL, 0};
        chosen.len = 0;
        do {
            struct issuer copy;
            int skip;
            if (++c->perms > CAIRN_RDF_PERMUTATIONS_MAX) {
                rc = CAIRN_ETOOBIG;
                break;
            }
            rc = try_permutation(c, perm, n, &is, &chosen, &path, &copy, &skip);
            if (rc)
                break;
            if (!skip && (!chosen.len || strcmp(path.p, chosen.p) < 0)) {
                chosen.len = 0;
                rc = cairn_rdf_buf_put(&chosen, path.p, path.len);
                issuer_free(&chosen_is);
                chosen_is = copy;
            } else {
                issuer_free(&copy);
            }
        } while (!rc && permute_next(c, perm, n, left));
        if (!rc) {
            crypto_hash_sha256_update(&st, (const unsigned char *)chosen.p, chosen.len);
            issuer_free(&is);
            is = chosen_is;
        } else {
            issuer_free(&chosen_is);
        }
        g = end;
    }
    if (!rc) {
        unsigned char d[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&st, d);
        hex_of(d, out);
        *out_is = is;
    } else {
        issuer_free(&is);
    }
    free(rel);
    free(perm);
    free(left);
    free(chosen.p);
    free(path.p);
    return rc;
}

static const char *canon_map(void *ctx, const char *label)
{
    struct canon *c = ctx;
    static _Thread_local char id[32];
    int i = find_blank(c, label);
    snprintf(id, sizeof id, "c14n%d", c->c14n.id[i]);
    return id;
}

struct ndresult {
    char hash[HEX_LEN + 1];
    struct issuer is;
    size_t seq;
};

static int cmp_ndresult(const void *a, const void *b)
{
    const struct ndresult *x = a, *y = b;
    int r = strcmp(x->hash, y->hash);
    return r ? r : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Steps 5 of 4.4.3: ids for the nodes whose first-degree hashes tie, group by group. */
static int issue_ties(struct canon *c, const struct related *first, size_t nb)
{
    int rc = 0;
    for (size_t g = 0; !rc && g < nb;) {
        size_t end = g;
        while (end < nb && strcmp(first[end].hash, first[g].hash) == 0)
            end++;
        if (end - g == 1) {
            g = end;
            continue;
        }
        struct ndresult *res = calloc(end - g, sizeof *res);
        size_t nres = 0;
        if (!res)
            return -ENOMEM;
        for (size_t i = g; !rc && i < end; i++) {
            size_t node = first[i].node;
            struct issuer tmp;
            if (c->c14n.id[node] >= 0)
                continue;
            if ((rc = issuer_new(&tmp, c->nb)) != 0)
                break;
            issuer_get(&tmp, node);
            rc = hash_ndegree(c, node, &tmp, res[nres].hash, &res[nres].is);
            issuer_free(&tmp);
            if (!rc) {
                res[nres].seq = nres;
                nres++;
            }
        }
        if (!rc)
            qsort(res, nres, sizeof *res, cmp_ndresult);
        for (size_t i = 0; i < nres; i++) {
            for (size_t k = 0; !rc && k < res[i].is.count; k++)
                issuer_get(&c->c14n, res[i].is.order[k]);
            issuer_free(&res[i].is);
        }
        free(res);
        g = end;
    }
    return rc;
}

int cairn_rdfc_canonize(const struct cairn_rdf_dataset *ds, char **out, size_t *len)
{
    struct canon c;
    struct related *first = NULL;
    struct cairn_rdf_buf buf = {0};
    memset(&c, 0, sizeof c);
    c.ds = ds;
    *out = NULL;
    *len = 0;
    if (ds->err)
        return ds->err;
    if (ds->n > CAIRN_RDF_QUADS_MAX)
        return CAIRN_ETOOBIG;
    c.b = malloc(CAIRN_RDF_BLANKS_MAX * sizeof *c.b);
    c.qb = malloc((ds->n ? ds->n : 1) * sizeof *c.qb);
    int rc = (!c.b || !c.qb) ? -ENOMEM : 0;
    for (size_t i = 0; !rc && i < ds->n; i++) {
        rc = note_blank(&c, &ds->quads[i].s, i, &c.qb[i][0]);
        if (!rc)
            rc = note_blank(&c, &ds->quads[i].o, i, &c.qb[i][1]);
        if (!rc)
            rc = note_blank(&c, &ds->quads[i].g, i, &c.qb[i][2]);
    }
    if (!rc)
        rc = issuer_new(&c.c14n, c.nb);
    if (!rc && !(first = malloc((c.nb ? c.nb : 1) * sizeof *first)))
        rc = -ENOMEM;
    for (size_t i = 0; !rc && i < c.nb; i++) {
        struct first_ctx fc = {c.b[i].label};
        rc = sorted_lines(ds, c.b[i].quads, c.b[i].nq, first_map, &fc, NULL, c.b[i].hash);
        memcpy(first[i].hash, c.b[i].hash, sizeof first[i].hash);
        first[i].node = i;
        first[i].seq = i;
    }
    if (!rc) {
        qsort(first, c.nb, sizeof *first, cmp_related);
        for (size_t i = 0; i < c.nb; i++) {
            int tie = (i > 0 && strcmp(first[i - 1].hash, first[i].hash) == 0) ||
                      (i + 1 < c.nb && strcmp(first[i + 1].hash, first[i].hash) == 0);
            if (!tie)
                issuer_get(&c.c14n, first[i].node);
        }
        rc = issue_ties(&c, first, c.nb);
    }
    if (!rc)
        rc = sorted_lines(ds, NULL, ds->n, canon_map, &c, &buf, NULL);
    if (!rc && !buf.p)
        rc = cairn_rdf_buf_put(&buf, "", 0);
    if (!rc) {
        *out = buf.p;
        *len = buf.len;
    } else {
        free(buf.p);
    }
    for (size_t i = 0; c.b && i < c.nb; i++)
        free(c.b[i].quads);
    free(c.b);
    free(c.qb);
    free(first);
    issuer_free(&c.c14n);
    return rc;
}
