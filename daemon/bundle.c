/*
 * bundle.c: export and import of sealed bundles (bundle.h, PROTOCOL.md section 9).
 *
 * Who gets what: a school sends its hub school:<own id>; a hub sends a school catalog and
 * school:<that school>. Both carry their vectors of catalog and the school's partition, so each
 * trip acknowledges the last. A school imports only from its hub, a hub only from its schools.
 *
 * Must never apply a byte before cairn_seal_reader_finish() has returned 0 and the sender has
 * been found among the enrolled peers in the role that may send us bundles; and never apply part
 * of a bundle: every change set goes in one transaction or none does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/seal.h>

#include "bundle.h"
#include "enroll.h"
#include "fsutil.h"
#include "store_peervec.h"
#include "store_sync.h"

#define PART_LEN (CAIRN_PARTITION_MAX + 1)
/* Per staged record, counted against CAIRN_BUNDLE_STAGE_MAX besides its bytes, so a bundle of
 * many tiny records cannot grow the index without bound. */
#define STAGE_RECORD_COST 128u

static void school_partition(const uint8_t node[CAIRN_NODE_ID_LEN], char out[PART_LEN])
{
    char hex[2 * CAIRN_NODE_ID_LEN + 1];
    sodium_bin2hex(hex, sizeof hex, node, CAIRN_NODE_ID_LEN);
    snprintf(out, PART_LEN, "school:%s", hex);
}

/* The partitions shared with a school peer (ours or theirs): catalog and that school's. */
static void shared_partitions(const cairn_bundle_node_t *n, const uint8_t peer[CAIRN_NODE_ID_LEN],
                              cairn_peer_role_t role, char parts[2][PART_LEN])
{
    snprintf(parts[0], PART_LEN, "catalog");
    school_partition(role == CAIRN_PEER_SCHOOL ? peer : n->pk, parts[1]);
}

/* ------------------------------------------------------------------------------------------ */
/* export */

typedef struct {
    int fd;
    uint64_t bytes;
} file_out_t;

static int write_out(void *arg, const uint8_t *data, size_t len)
{
    file_out_t *o = arg;
    int rc = cairn_fs_write_all(o->fd, data, len);
    if (rc == 0)
        o->bytes += len;
    return rc;
}

/* Marks in theirs everything the change set in cs carries, so the next build starts after it. */
static int advance(cairn_vector_t *theirs, const msgpack_sbuffer *cs, char *err, size_t errlen)
{
    cairn_changeset_t c;
    int rc = cairn_changeset_decode((const uint8_t *)cs->data, cs->size, &c, err, errlen);
    for (uint32_t i = 0; rc == 0 && i < c.n_segments; i++)
        rc = cairn_vector_set(theirs, c.segments[i].origin, c.segments[i].last);
    if (rc == 0)
        cairn_changeset_free(&c);
    return rc;
}

/* Writes every change set of partition the peer lacks; counts events. */
static int export_partition(const cairn_bundle_node_t *n, const uint8_t peer[CAIRN_NODE_ID_LEN],
                            const char *partition, cairn_seal_writer_t *w, uint64_t *events,
                            uint64_t *staged, char *err, size_t errlen)
{
    cairn_vector_t theirs;
    cairn_vector_init(&theirs, partition);
    int rc = cairn_store_peervec_get(n->store, peer, &theirs);
    if (rc != 0)
        snprintf(err, errlen, "reading what the peer holds of %s failed", partition);
    while (rc == 0) {
        msgpack_sbuffer cs, rec;
        uint64_t count = 0;
        msgpack_sbuffer_init(&cs);
        msgpack_sbuffer_init(&rec);
        rc = cairn_store_changeset_build(n->store, partition, &theirs, CAIRN_BUNDLE_CS_BYTES, &cs,
                                         &count, err, errlen);
        if (rc == 0 && count > 0 && *staged + cs.size + STAGE_RECORD_COST > CAIRN_BUNDLE_STAGE_MAX)
            count = 0; /* the importer would refuse more: the rest goes in the next bundle */
        if (rc == 0 && count > 0)
            rc = cairn_bundle_cs_encode(partition, (const uint8_t *)cs.data, cs.size, &rec);
        if (rc == 0 && count > 0)
            rc = cairn_seal_writer_record(w, (const uint8_t *)rec.data, rec.size);
        if (rc == 0 && count > 0)
            rc = advance(&theirs, &cs, err, errlen);
        if (rc == 0 && count > 0) {
            *events += count;
            *staged += cs.size + STAGE_RECORD_COST;
        }
        msgpack_sbuffer_destroy(&cs);
        msgpack_sbuffer_destroy(&rec);
        if (count == 0)
            break;
    }
    cairn_vector_free(&theirs);
    return rc;
}

/* Writes the whole bundle through w: head, then each partition the peer gets. */
static int export_records(const cairn_bundle_node_t *n, const cairn_peer_t *peer,
                          cairn_seal_writer_t *w, cairn_bundle_export_t *out, char *err,
                          size_t errlen)
{
    char parts[2][PART_LEN];
    cairn_vector_t ours[2];
    msgpack_sbuffer head;
    uint64_t staged = 0;
    int rc = 0;
    shared_partitions(n, peer->node, peer->role, parts);
    for (int i = 0; i < 2; i++) {
        cairn_vector_init(&ours[i], parts[i]);
        if (rc == 0)
            rc = cairn_store_vector(n->store, parts[i], &ours[i]);
    }
    msgpack_sbuffer_init(&head);
    if (rc == 0)
        rc = cairn_bundle_head_encode(n->pk, peer->node, ours, 2, &head);
    if (rc == 0)
        rc = cairn_seal_writer_record(w, (const uint8_t *)head.data, head.size);
    msgpack_sbuffer_destroy(&head);
    for (int i = 0; i < 2; i++)
        cairn_vector_free(&ours[i]);
    if (rc != 0) {
        snprintf(err, errlen, "writing the bundle head failed: %s", cairn_strerror(rc));
        return rc;
    }
    /* A hub's school gets catalog and its own partition; a school's hub gets only the school's. */
    for (int i = peer->role == CAIRN_PEER_SCHOOL ? 0 : 1; i < 2 && rc == 0; i++) {
        uint64_t before = out->events;
        rc = export_partition(n, peer->node, parts[i], w, &out->events, &staged, err, errlen);
        if (rc == 0 && out->events > before)
            out->partitions++;
    }
    return rc;
}

int cairn_bundle_export(const cairn_bundle_node_t *n, const char *to, const char *path,
                        cairn_bundle_export_t *out, char *err, size_t errlen)
{
    cairn_peer_t peer;
    cairn_seal_writer_t w;
    char tmp[4096];
    memset(out, 0, sizeof *out);
    int rc = cairn_store_peer_find(n->store, to, &peer, err, errlen);
    if (rc != 0)
        return rc;
    if (peer.role == CAIRN_PEER_HUB && n->hub) {
        snprintf(err, errlen, "bundles between hubs are not supported yet");
        return CAIRN_EUNSUPPORTED;
    }
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        snprintf(err, errlen, "bundle path too long");
        return CAIRN_EINVAL;
    }
    memcpy(out->to, peer.node, CAIRN_NODE_ID_LEN);
    file_out_t fo = {open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600), 0};
    if (fo.fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot create %.300s: %s", tmp, strerror(-rc));
        return rc;
    }
    rc = cairn_seal_writer_init(&w, n->pk, n->sk, peer.node, write_out, &fo);
    if (rc != 0)
        snprintf(err, errlen, "cannot start a bundle for that peer: %s", cairn_strerror(rc));
    if (rc == 0)
        rc = export_records(n, &peer, &w, out, err, errlen);
    if (rc == 0 && (rc = cairn_seal_writer_finish(&w)) != 0)
        snprintf(err, errlen, "finishing the bundle failed: %s", cairn_strerror(rc));
    cairn_seal_writer_free(&w);
    if (rc == 0 && fsync(fo.fd) != 0) {
        rc = -errno;
        snprintf(err, errlen, "fsync %.300s: %s", tmp, strerror(-rc));
    }
    if (close(fo.fd) != 0 && rc == 0) {
        rc = -errno;
        snprintf(err, errlen, "close %.300s: %s", tmp, strerror(-rc));
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -errno;
        snprintf(err, errlen, "rename to %.300s: %s", path, strerror(-rc));
    }
    if (rc == 0 && (rc = cairn_fs_fsync_parent(path)) != 0)
        snprintf(err, errlen, "fsync of the directory of %.300s: %s", path, strerror(-rc));
    if (rc != 0)
        unlink(tmp);
    out->bytes = fo.bytes;
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* import */

typedef struct {
    char partition[PART_LEN];
    uint8_t *cs;
    size_t len;
} staged_cs_t;

typedef struct {
    const cairn_bundle_node_t *n;
    cairn_seal_reader_t *r;
    cairn_bundle_head_t head;
    bool have_head;
    staged_cs_t *cs;
    size_t n_cs, cap_cs;
    uint64_t staged; /* bytes counted against CAIRN_BUNDLE_STAGE_MAX */
    char err[256];
} import_t;

/* The seal reader's record handler: decodes and stages, applies nothing (seal.h's contract). */
static int on_record(void *arg, const uint8_t *data, size_t len)
{
    import_t *im = arg;
    if (!im->have_head) {
        int rc = cairn_bundle_head_decode(data, len, &im->head, im->err, sizeof im->err);
        if (rc != 0)
            return rc;
        im->have_head = true;
        if (memcmp(im->head.from, im->r->sender_pk, CAIRN_NODE_ID_LEN) != 0) {
            snprintf(im->err, sizeof im->err, "bundle head names another sender than its signer");
            return CAIRN_EPROTO;
        }
        if (memcmp(im->head.to, im->n->pk, CAIRN_NODE_ID_LEN) != 0) {
            snprintf(im->err, sizeof im->err, "bundle is not addressed to this node");
            return CAIRN_ECRYPTO;
        }
        return 0;
    }
    if (im->staged + len + STAGE_RECORD_COST > CAIRN_BUNDLE_STAGE_MAX) {
        snprintf(im->err, sizeof im->err,
                 "bundle too big: over %u MiB of change sets (export smaller bundles)",
                 CAIRN_BUNDLE_STAGE_MAX >> 20);
        return CAIRN_ETOOBIG;
    }
    cairn_bundle_cs_t rec;
    int rc = cairn_bundle_cs_decode(data, len, &rec, im->err, sizeof im->err);
    if (rc != 0)
        return rc;
    if (im->n_cs == im->cap_cs) {
        size_t cap = im->cap_cs ? 2 * im->cap_cs : 16;
        staged_cs_t *p = realloc(im->cs, cap * sizeof *p);
        if (p == NULL) {
            cairn_bundle_cs_free(&rec);
            return -ENOMEM;
        }
        im->cs = p;
        im->cap_cs = cap;
    }
    staged_cs_t *s = &im->cs[im->n_cs];
    s->cs = malloc(rec.cs_len ? rec.cs_len : 1);
    if (s->cs == NULL) {
        cairn_bundle_cs_free(&rec);
        return -ENOMEM;
    }
    memcpy(s->cs, rec.cs, rec.cs_len);
    s->len = rec.cs_len;
    memcpy(s->partition, rec.partition, sizeof s->partition);
    im->n_cs++;
    im->staged += len + STAGE_RECORD_COST;
    cairn_bundle_cs_free(&rec);
    return 0;
}

static void import_free(import_t *im)
{
    for (size_t i = 0; i < im->n_cs; i++)
        free(im->cs[i].cs);
    free(im->cs);
    cairn_bundle_head_free(&im->head);
}

/* Streams the file through the seal reader. 0 only when the signature verified. */
static int read_bundle(import_t *im, int fd, cairn_seal_verdict_t *verdict, char *err,
                       size_t errlen)
{
    cairn_seal_reader_t r;
    uint8_t buf[65536];
    int rc = cairn_seal_reader_init(&r, im->n->pk, im->n->sk, NULL, on_record, im);
    if (rc != 0) {
        snprintf(err, errlen, "cannot open bundles with this node's key: %s", cairn_strerror(rc));
        return rc;
    }
    im->r = &r;
    for (;;) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            break;
        }
        if (got == 0 || cairn_seal_reader_feed(&r, buf, (size_t)got) != 0)
            break;
    }
    int frc = cairn_seal_reader_finish(&r, verdict);
    im->r = NULL;
    if (rc != 0) {
        snprintf(err, errlen, "reading the bundle failed: %s", strerror(-rc));
        return rc;
    }
    if (frc == 0 && !im->have_head) {
        snprintf(err, errlen, "bundle refused: it carries no head record");
        return CAIRN_EPROTO;
    }
    if (frc != 0) {
        if (im->err[0] != '\0')
            snprintf(err, errlen, "bundle refused: %s", im->err);
        else
            snprintf(err, errlen, "bundle refused: %s", verdict->reason);
        return verdict->code != 0 ? verdict->code : frc;
    }
    return 0;
}

/* Checks the verified sender: an enrolled peer in a role that may send us bundles. */
static int check_sender(const cairn_bundle_node_t *n, const uint8_t sender[CAIRN_NODE_ID_LEN],
                        cairn_peer_role_t *role, char *err, size_t errlen)
{
    char hex[2 * CAIRN_NODE_ID_LEN + 1];
    sodium_bin2hex(hex, sizeof hex, sender, CAIRN_NODE_ID_LEN);
    int rc = cairn_store_peer_get(n->store, sender, role);
    if (rc == CAIRN_ENOTFOUND) {
        snprintf(err, errlen, "bundle refused: sender %.16s… is not an enrolled peer", hex);
        return CAIRN_EDENIED;
    }
    if (rc != 0) {
        snprintf(err, errlen, "reading the peers table failed");
        return rc;
    }
    if (n->hub && *role != CAIRN_PEER_SCHOOL) {
        snprintf(err, errlen, "bundle refused: sender %.16s… is another hub", hex);
        return CAIRN_EDENIED;
    }
    /* A revoked school keeps its peers row (its events stay), so the row alone admits it: a
     * bundle it sealed (before or after the revocation) must be refused like its sessions. */
    if (n->hub && n->datadir != NULL && cairn_enroll_is_revoked(n->datadir, sender)) {
        snprintf(err, errlen, "bundle refused: sender %.16s… is revoked at this hub", hex);
        return CAIRN_EDENIED;
    }
    if (!n->hub && *role != CAIRN_PEER_HUB) {
        snprintf(err, errlen, "bundle refused: sender %.16s… is a school, not this school's hub",
                 hex);
        return CAIRN_EDENIED;
    }
    return 0;
}

typedef struct {
    cairn_rights_ctx_t rights; /* sender: the bundle's verified signer */
    const char *partition;     /* the record's "p": every event must be in it */
} rights_ctx_t;

static int bundle_rights(void *arg, const uint8_t origin[CAIRN_NODE_ID_LEN], const char *partition,
                         const char *type)
{
    rights_ctx_t *c = arg;
    if (strcmp(partition, c->partition) != 0)
        return CAIRN_EDENIED;
    return cairn_rights_check(&c->rights, origin, partition, type);
}

/* Applies every staged change set and the acknowledgement in one transaction. */
static int apply_all(const cairn_bundle_node_t *n, import_t *im, cairn_peer_role_t role,
                     const cairn_seal_verdict_t *v, cairn_bundle_import_t *out, char *err,
                     size_t errlen)
{
    char parts[2][PART_LEN];
    shared_partitions(n, v->sender_pk, role, parts);
    int rc = cairn_store_begin(n->store);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start a transaction: %s", cairn_strerror(rc));
        return rc;
    }
    for (size_t i = 0; i < im->n_cs && rc == 0; i++) {
        staged_cs_t *s = &im->cs[i];
        cairn_apply_report_t rep;
        rights_ctx_t ctx = {{n->store, n->pk, n->hub, v->sender_pk}, s->partition};
        /* A school sends only its own partition; a hub, catalog and ours. */
        bool allowed = strcmp(s->partition, parts[1]) == 0 ||
                       (role == CAIRN_PEER_HUB && strcmp(s->partition, parts[0]) == 0);
        if (!allowed) {
            snprintf(err, errlen, "bundle refused: the sender may not send partition %.80s",
                     s->partition);
            rc = CAIRN_EDENIED;
            break;
        }
        rc = cairn_store_changeset_apply(n->store, s->cs, s->len, bundle_rights, &ctx, &rep);
        if (rc != 0) {
            snprintf(err, errlen, "bundle refused: change set %zu (%.80s): %s", i + 1, s->partition,
                     rep.error[0] ? rep.error : cairn_strerror(rc));
            break;
        }
        out->applied += rep.applied;
        out->skipped += rep.skipped;
    }
    /* The acknowledgement: what the sender holds of the partitions we share, never backwards. */
    for (uint32_t i = 0; i < im->head.n_vectors && rc == 0; i++) {
        const cairn_vector_t *vec = &im->head.vectors[i];
        if (strcmp(vec->partition, parts[0]) == 0 || strcmp(vec->partition, parts[1]) == 0)
            rc = cairn_store_peervec_merge(n->store, v->sender_pk, vec);
        if (rc != 0)
            snprintf(err, errlen, "recording the sender's vectors failed");
    }
    if (rc == 0 && (rc = cairn_store_bundle_mark(n->store, v->bundle_id, v->sender_pk,
                                                 (int64_t)cairn_hlc_wall_now())) != 0)
        snprintf(err, errlen, "recording the bundle id failed");
    if (rc == 0 && (rc = cairn_store_commit(n->store)) != 0)
        snprintf(err, errlen, "commit failed: %s", cairn_strerror(rc));
    else if (rc != 0)
        cairn_store_rollback(n->store);
    if (rc != 0)
        out->applied = out->skipped = 0;
    return rc;
}

int cairn_bundle_import(const cairn_bundle_node_t *n, const char *path, cairn_bundle_import_t *out,
                        char *err, size_t errlen)
{
    import_t im;
    cairn_seal_verdict_t verdict;
    cairn_peer_role_t role = CAIRN_PEER_SCHOOL;
    struct stat stt;
    bool seen = false;
    memset(out, 0, sizeof *out);
    memset(&im, 0, sizeof im);
    memset(&verdict, 0, sizeof verdict);
    im.n = n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot open %.300s: %s", path, strerror(e));
        return -e;
    }
    int rc = fstat(fd, &stt) != 0 ? -errno : 0;
    if (rc == 0 && !S_ISREG(stt.st_mode)) {
        snprintf(err, errlen, "%.300s is not a regular file", path);
        rc = CAIRN_EINVAL;
    } else if (rc == 0 &&
               (uint64_t)stt.st_size > (uint64_t)CAIRN_BUNDLE_STAGE_MAX + CAIRN_SEAL_RECORD_MAX) {
        snprintf(err, errlen, "bundle too big: %llu bytes, over the %u MiB limit",
                 (unsigned long long)stt.st_size, CAIRN_BUNDLE_STAGE_MAX >> 20);
        rc = CAIRN_ETOOBIG;
    } else if (rc != 0) {
        snprintf(err, errlen, "cannot stat %.300s: %s", path, strerror(-rc));
    }
    if (rc == 0)
        rc = read_bundle(&im, fd, &verdict, err, errlen);
    close(fd);
    if (rc == 0)
        rc = check_sender(n, verdict.sender_pk, &role, err, errlen);
    if (rc == 0) {
        memcpy(out->from, verdict.sender_pk, CAIRN_NODE_ID_LEN);
        rc = cairn_store_bundle_seen(n->store, verdict.bundle_id, &seen);
    }
    if (rc == 0 && seen)
        out->already = true;
    else if (rc == 0)
        rc = apply_all(n, &im, role, &verdict, out, err, errlen);
    import_free(&im);
    return rc;
}
