/*
 * store_fixture.h: helpers shared by the store's unit tests (test_store_events.c, test_rebuild.c,
 * test_catalog.c, test_submission.c): a fresh store in a temp directory, the sample catalog,
 * event bodies, and calling an API handler the way the server does. Header-only, so the tests stay
 * one source file each.
 */
#ifndef CAIRN_STORE_FIXTURE_H
#define CAIRN_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api.h"
#include "daemon.h"
#include "mpbuf.h"
#include "store.h"
#include "store_priv.h"

typedef struct {
    char dir[64];
    char path[96];
    uint8_t origin[CAIRN_NODE_ID_LEN];
    cairn_store_t *store;
    cairn_daemon_t d;
} fixture_t;

static inline void fixture_origin(uint8_t origin[CAIRN_NODE_ID_LEN], uint8_t fill)
{
    memset(origin, fill, CAIRN_NODE_ID_LEN);
}

/* A fresh store (origin 0xab...) in a new temp directory. */
static inline fixture_t *fixture_open(void)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%.40s/cairn-t-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/cairn.db", f->dir);
    fixture_origin(f->origin, 0xab);
    assert_int_equal(cairn_store_open(f->path, f->origin, &f->store), 0);
    f->d.store = f->store;
    return f;
}

static inline void fixture_reopen(fixture_t *f)
{
    cairn_store_close(f->store);
    assert_int_equal(cairn_store_open(f->path, f->origin, &f->store), 0);
    f->d.store = f->store;
}

static inline void fixture_close(fixture_t *f)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[128];
    cairn_store_close(f->store);
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
}

static inline uint64_t fixture_events(fixture_t *f)
{
    uint64_t n = 0;
    assert_int_equal(cairn_store_event_count(f->store, &n), 0);
    return n;
}

/* Runs one SQL statement on the store's database (for tampering and inspection). */
static inline void fixture_sql(fixture_t *f, const char *sql)
{
    assert_int_equal(sqlite3_exec(cairn_store_db(f->store), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* One integer from a query. */
static inline int64_t fixture_int(fixture_t *f, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    assert_int_equal(sqlite3_prepare_v2(cairn_store_db(f->store), sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Reads a whole file into a NUL-terminated heap buffer. */
static inline char *fixture_read_file(const char *path, size_t *len)
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

/* The sample catalog: $CAIRN_SHARED/data/catalog.json, else ../shared beside the repository. */
static inline char *fixture_sample_catalog(size_t *len)
{
    char path[4096];
    const char *shared = getenv("CAIRN_SHARED");
    char *text = NULL;
    if (shared != NULL && *shared) {
        snprintf(path, sizeof path, "%s/data/catalog.json", shared);
        text = fixture_read_file(path, len);
    }
    if (text == NULL) {
        /* this file is <repo>/tests/unit/store_fixture.h; the shared dir sits beside <repo> */
        const char *slash = strrchr(__FILE__, '/');
        int dirlen = slash != NULL ? (int)(slash - __FILE__) : 1;
        snprintf(path, sizeof path, "%.*s/../../../shared/data/catalog.json", dirlen,
                 slash != NULL ? __FILE__ : ".");
        text = fixture_read_file(path, len);
    }
    if (text == NULL)
        fail_msg("sample catalog not found: set CAIRN_SHARED to the shared directory");
    return text;
}

/* A msgpack map {k1: v1, ...} of string pairs (NULL-terminated list), as an event body. */
static inline void fixture_body(cairn_mpbuf_t *b, ...)
{
    va_list ap;
    uint32_t n = 0;
    cairn_mpbuf_init(b);
    va_start(ap, b);
    while (va_arg(ap, const char *) != NULL) {
        (void)va_arg(ap, const char *);
        n++;
    }
    va_end(ap);
    msgpack_pack_map(&b->pk, n);
    va_start(ap, b);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;)
        cairn_mp_pack_kv_str(&b->pk, k, va_arg(ap, const char *));
    va_end(ap);
}

/* A handler's answer: rc, the decoded result (when rc == 0) and the error message. */
typedef struct {
    int rc;
    char errmsg[CAIRN_ERRMSG_MAX];
    cairn_mp_doc_t doc; /* {"result": <object>} so the accessors work on it */
    const msgpack_object *result;
} fixture_reply_t;

/* Calls op as the server would, with args packed by the caller into `args` (a whole map). */
static inline void fixture_call(fixture_t *f, const char *op, cairn_mpbuf_t *args,
                                fixture_reply_t *out)
{
    cairn_mp_doc_t in;
    cairn_mpbuf_t res;
    cairn_api_fn fn = cairn_api_lookup(op, strlen(op));
    assert_non_null(fn);
    assert_int_equal(cairn_mpbuf_status(args), 0);
    assert_int_equal(
        cairn_mp_decode((const uint8_t *)args->sb.data, args->sb.size, &cairn_mp_wire_limits, &in),
        0);
    cairn_mpbuf_free(args);
    cairn_mpbuf_init(&res);
    msgpack_pack_map(&res.pk, 1);
    cairn_mp_pack_cstr(&res.pk, "result");
    cairn_req_t req = {.d = &f->d, .rid = 1, .args = &in.root, .pk = &res.pk};
    size_t before = res.sb.size;
    memset(out, 0, sizeof *out);
    out->rc = fn(&req);
    cairn_mp_doc_free(&in);
    snprintf(out->errmsg, sizeof out->errmsg, "%s", req.errmsg);
    if (out->rc == 0) {
        assert_true(res.sb.size > before); /* exactly one object was packed */
        assert_int_equal(cairn_mp_decode((const uint8_t *)res.sb.data, res.sb.size,
                                         &cairn_mp_wire_limits, &out->doc),
                         0);
        out->result = cairn_mp_get(&out->doc.root, "result");
    } else {
        assert_true(req.errmsg[0] != '\0'); /* every failure says why */
    }
    cairn_mpbuf_free(&res);
}

static inline void fixture_reply_free(fixture_reply_t *r)
{
    if (r->rc == 0)
        cairn_mp_doc_free(&r->doc);
}

/* Copies a string field of a result map into out (NUL-terminated). */
static inline void fixture_get_str(const msgpack_object *map, const char *key, char *out,
                                   size_t outlen)
{
    const char *s;
    size_t len = 0;
    assert_int_equal(cairn_mp_get_str(map, key, 1u << 20, &s, &len), 0);
    snprintf(out, outlen, "%.*s", (int)len, s);
}

#endif
