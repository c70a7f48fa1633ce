/*
 * test_blobs.c: the chunk and manifest store: put/has, a hash mismatch leaving nothing behind,
 * the disk reserve, usage counters, manifests (round trip, incomplete, hostile encodings) and
 * temp debris removed at open, chunks written with O_DIRECT (aligned) and buffered (not), partial
 * files (the resume points of chunks arriving from a peer). Chunk puts run on the real uv thread
 * pool, driven with uv_run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "blob_partial.h"
#include "blobs.h"
#include "cairn/err.h"

typedef struct {
    char dir[256];
    uv_loop_t loop;
    cairn_blobs_t *b;
} fixture_t;

typedef struct {
    int calls;
    int status;
} put_result_t;

static void remove_tree(const char *path)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", path);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/cairn-test-blobs.XXXXXX");
    if (mkdtemp(f->dir) == NULL || uv_loop_init(&f->loop) != 0)
        return -1;
    if (cairn_blobs_open(&f->loop, f->dir, 0, &f->b) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    cairn_blobs_close(f->b);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_loop_close(&f->loop);
    remove_tree(f->dir);
    free(f);
    return 0;
}

/* Files below dir, recursively. */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char sub[PATH_MAX];
        struct stat st;
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_files(sub);
        else
            n++;
    }
    closedir(d);
    return n;
}

static int count_in(const fixture_t *f, const char *sub)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/blobs/%s", f->dir, sub);
    return count_files(path);
}

static void on_put(void *arg, int status)
{
    put_result_t *r = arg;
    r->calls++;
    r->status = status;
}

/* Puts one chunk and runs the loop until its callback. */
static int put_sync(fixture_t *f, const cairn_hash_t *h, const uint8_t *data, size_t len)
{
    put_result_t r = {0, 0};
    int rc = cairn_blobs_chunk_put(f->b, h, data, len, on_put, &r);
    if (rc != 0)
        return rc;
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(r.calls, 1);
    return r.status;
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

static void test_put_and_has(void **state)
{
    fixture_t *f = *state;
    uint8_t data[5000];
    cairn_hash_t h;
    fill(data, sizeof data, 1);
    cairn_hash_buf(data, sizeof data, &h);

    assert_false(cairn_blobs_chunk_has(f->b, &h));
    assert_int_equal(put_sync(f, &h, data, sizeof data), 0);
    assert_true(cairn_blobs_chunk_has(f->b, &h));

    uint64_t bytes, chunks;
    cairn_blobs_usage(f->b, &bytes, &chunks);
    assert_int_equal(bytes, sizeof data);
    assert_int_equal(chunks, 1);

    /* Stored where its name says, with exactly its bytes. */
    char path[PATH_MAX], hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_hex(&h, hex);
    assert_int_equal(cairn_blobs_chunk_path(f->b, &h, path, sizeof path), 0);
    assert_non_null(strstr(path, "/blobs/chunks/"));
    assert_non_null(strstr(path, hex));
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    uint8_t back[6000];
    assert_int_equal(fread(back, 1, sizeof back, in), sizeof data);
    fclose(in);
    assert_memory_equal(back, data, sizeof data);

    /* Again: completes without writing, usage unchanged. */
    assert_int_equal(put_sync(f, &h, data, sizeof data), 0);
    cairn_blobs_usage(f->b, &bytes, &chunks);
    assert_int_equal(chunks, 1);
    assert_int_equal(count_in(f, "chunks"), 1);
    assert_int_equal(count_in(f, "tmp"), 0);
}

static void test_parallel_puts(void **state)
{
    fixture_t *f = *state;
    enum { N = 16 };
    static uint8_t data[N][70000];
    cairn_hash_t h[N];
    put_result_t r[N];
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        fill(data[i], sizeof data[i], (unsigned)i + 10);
        cairn_hash_buf(data[i], sizeof data[i], &h[i]);
        assert_int_equal(cairn_blobs_chunk_put(f->b, &h[i], data[i], sizeof data[i], on_put, &r[i]),
                         0);
    }
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uint64_t bytes, chunks;
    cairn_blobs_usage(f->b, &bytes, &chunks);
    for (int i = 0; i < N; i++) {
        assert_int_equal(r[i].calls, 1);
        assert_int_equal(r[i].status, 0);
        assert_true(cairn_blobs_chunk_has(f->b, &h[i]));
    }
    assert_int_equal(chunks, N);
    assert_int_equal(bytes, (uint64_t)N * sizeof data[0]);
}

static void test_hash_mismatch_leaves_nothing(void **state)
{
    fixture_t *f = *state;
    uint8_t data[1000], wrong[1000];
    cairn_hash_t h;
    fill(data, sizeof data, 2);
    fill(wrong, sizeof wrong, 3);
    cairn_hash_buf(data, sizeof data, &h);

    assert_int_equal(put_sync(f, &h, wrong, sizeof wrong), CAIRN_EHASH);
    assert_false(cairn_blobs_chunk_has(f->b, &h));
    assert_int_equal(count_in(f, "chunks"), 0);
    assert_int_equal(count_in(f, "tmp"), 0);
    uint64_t bytes, chunks;
    cairn_blobs_usage(f->b, &bytes, &chunks);
    assert_int_equal(bytes, 0);
    assert_int_equal(chunks, 0);

    /* Sizes outside 1..2 MiB are refused before any work is queued. */
    assert_int_equal(cairn_blobs_chunk_put(f->b, &h, data, 0, on_put, NULL), CAIRN_ETOOBIG);
}

static void test_reserve(void **state)
{
    fixture_t *f = *state;
    uint64_t free_bytes = 0;
    assert_int_equal(cairn_blobs_disk_free(f->b, &free_bytes), 0);
    assert_true(free_bytes > 0);
    assert_int_equal(cairn_blobs_reserve_check(f->b, 1), 0);
    assert_int_equal(cairn_blobs_reserve_check(f->b, free_bytes + 1), CAIRN_ENOSPACE);
    assert_int_equal(cairn_blobs_reserve_check(f->b, UINT64_MAX), CAIRN_ENOSPACE);

    /* A store whose reserve is more than the disk has refuses every chunk, leaving nothing. */
    cairn_blobs_t *tight;
    assert_int_equal(cairn_blobs_open(&f->loop, f->dir, UINT64_MAX / 2, &tight), 0);
    assert_int_equal(cairn_blobs_reserve_check(tight, 1), CAIRN_ENOSPACE);
    uint8_t data[100];
    cairn_hash_t h;
    fill(data, sizeof data, 4);
    cairn_hash_buf(data, sizeof data, &h);
    put_result_t r = {0, 0};
    assert_int_equal(cairn_blobs_chunk_put(tight, &h, data, sizeof data, on_put, &r), 0);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(r.status, CAIRN_ENOSPACE);
    assert_int_equal(count_in(f, "chunks"), 0);
    assert_int_equal(count_in(f, "tmp"), 0);
    cairn_blobs_close(tight);
}

/* A manifest of a size-byte file cut into chunk_size pieces of generated bytes; stores the
 * chunks with index in stored_mask (bit i) and returns the manifest. */
static void make_file(fixture_t *f, uint64_t size, uint32_t chunk_size, uint64_t stored_mask,
                      cairn_manifest_t *m)
{
    uint8_t *buf = malloc(chunk_size);
    assert_non_null(buf);
    memset(m, 0, sizeof *m);
    m->size = size;
    m->chunk_size = chunk_size;
    assert_int_equal(cairn_chunk_count(size, chunk_size, &m->nchunks), 0);
    m->chunks = calloc(m->nchunks ? m->nchunks : 1, sizeof *m->chunks);
    assert_non_null(m->chunks);
    for (uint32_t i = 0; i < m->nchunks; i++) {
        uint64_t left = size - (uint64_t)i * chunk_size;
        size_t len = left < chunk_size ? (size_t)left : chunk_size;
        fill(buf, len, i + 100);
        cairn_hash_buf(buf, len, &m->chunks[i]);
        if (stored_mask & (1ull << i))
            assert_int_equal(put_sync(f, &m->chunks[i], buf, len), 0);
    }
    cairn_file_hash(size, chunk_size, m->chunks, m->nchunks, &m->file_hash);
    free(buf);
}

static void assert_manifest_equal(const cairn_manifest_t *a, const cairn_manifest_t *b)
{
    assert_memory_equal(a->file_hash.b, b->file_hash.b, CAIRN_HASH_LEN);
    assert_int_equal(a->size, b->size);
    assert_int_equal(a->chunk_size, b->chunk_size);
    assert_int_equal(a->nchunks, b->nchunks);
    if (a->nchunks > 0)
        assert_memory_equal(a->chunks, b->chunks, a->nchunks * sizeof *a->chunks);
}

static void test_manifest_round_trip(void **state)
{
    fixture_t *f = *state;
    static const uint64_t sizes[] = {0, 1, 65536, 65537, 3 * 65536 + 5};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        cairn_manifest_t m, back;
        make_file(f, sizes[i], 65536, 0, &m);
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        assert_int_equal(cairn_manifest_encode(&m, &sb), 0);
        assert_int_equal(cairn_manifest_decode((const uint8_t *)sb.data, sb.size, &back), 0);
        assert_manifest_equal(&m, &back);
        msgpack_sbuffer_destroy(&sb);
        cairn_manifest_free(&back);
        cairn_manifest_free(&m);
    }
}

static void test_manifest_put_get(void **state)
{
    fixture_t *f = *state;
    cairn_manifest_t m, back;
    /* Four chunks, the third not stored. */
    make_file(f, 3 * 65536 + 100, 65536, 0xb, &m);
    assert_int_equal(cairn_blobs_manifest_put(f->b, &m), CAIRN_EINCOMPLETE);
    assert_int_equal(cairn_blobs_manifest_get(f->b, &m.file_hash, &back), CAIRN_ENOTFOUND);
    assert_int_equal(count_in(f, "manifests"), 0);
    cairn_manifest_free(&m);

    make_file(f, 3 * 65536 + 100, 65536, 0xf, &m);
    assert_int_equal(cairn_blobs_manifest_put(f->b, &m), 0);
    assert_int_equal(cairn_blobs_manifest_put(f->b, &m), 0); /* twice: a no-op */
    assert_int_equal(count_in(f, "manifests"), 1);
    assert_int_equal(count_in(f, "tmp"), 0);
    assert_int_equal(cairn_blobs_manifest_get(f->b, &m.file_hash, &back), 0);
    assert_manifest_equal(&m, &back);
    cairn_manifest_free(&back);

    /* A manifest file renamed to another file's name is not believed. */
    char from[PATH_MAX], to[PATH_MAX], hex[CAIRN_HASH_HEX_LEN + 1];
    cairn_hash_t other;
    memset(other.b, 0xab, sizeof other.b);
    cairn_hash_hex(&m.file_hash, hex);
    snprintf(from, sizeof from, "%s/blobs/manifests/%s", f->dir, hex);
    cairn_hash_hex(&other, hex);
    snprintf(to, sizeof to, "%s/blobs/manifests/%s", f->dir, hex);
    assert_int_equal(link(from, to), 0);
    assert_int_equal(cairn_blobs_manifest_get(f->b, &other, &back), CAIRN_EHASH);
    cairn_manifest_free(&m);
}

/* Packs a manifest-like map with the given fields; n_listed all-zero chunk entries of entry_len
 * bytes; the file hash is the one bound to that list (cairn_file_hash), flipped if bad_hash. */
static void pack_manifest_h(msgpack_sbuffer *sb, int keys, uint64_t size, uint64_t chunk_size,
                            uint32_t n_listed, size_t entry_len, const char *extra_key,
                            bool bad_hash)
{
    msgpack_packer pk;
    uint8_t zero[64] = {0};
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, (size_t)keys + (extra_key ? 1 : 0));
    if (keys >= 1) {
        cairn_hash_t *list = calloc(n_listed ? n_listed : 1, sizeof *list);
        cairn_hash_t bound;
        assert_non_null(list);
        cairn_file_hash(size, (uint32_t)chunk_size, list, n_listed, &bound);
        free(list);
        bound.b[0] ^= bad_hash ? 1 : 0;
        msgpack_pack_str_with_body(&pk, "hash", 4);
        msgpack_pack_bin_with_body(&pk, bound.b, 32);
    }
    if (keys >= 2) {
        msgpack_pack_str_with_body(&pk, "size", 4);
        msgpack_pack_uint64(&pk, size);
    }
    if (keys >= 3) {
        msgpack_pack_str_with_body(&pk, "chunk_size", 10);
        msgpack_pack_uint64(&pk, chunk_size);
    }
    if (keys >= 4) {
        msgpack_pack_str_with_body(&pk, "chunks", 6);
        msgpack_pack_array(&pk, n_listed);
        for (uint32_t i = 0; i < n_listed; i++)
            msgpack_pack_bin_with_body(&pk, zero, entry_len);
    }
    if (extra_key != NULL) {
        msgpack_pack_str_with_body(&pk, extra_key, strlen(extra_key));
        msgpack_pack_nil(&pk);
    }
}

static void pack_manifest(msgpack_sbuffer *sb, int keys, uint64_t size, uint64_t chunk_size,
                          uint32_t n_listed, size_t entry_len, const char *extra_key)
{
    pack_manifest_h(sb, keys, size, chunk_size, n_listed, entry_len, extra_key, false);
}

static void expect_refused(msgpack_sbuffer *sb, const char *what)
{
    cairn_manifest_t m;
    memset(&m, 0x5a, sizeof m);
    int rc = cairn_manifest_decode((const uint8_t *)sb->data, sb->size, &m);
    if (rc == 0)
        fail_msg("manifest with %s was accepted", what);
    assert_true(rc < 0);
    /* Untouched on failure. */
    assert_int_equal(m.nchunks, 0x5a5a5a5a);
    msgpack_sbuffer_clear(sb);
}

static void test_manifest_decode_rejects(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);

    pack_manifest(&sb, 4, 65536 * 2 + 1, 65536, 3, 32, NULL);
    cairn_manifest_t ok;
    assert_int_equal(cairn_manifest_decode((const uint8_t *)sb.data, sb.size, &ok), 0);
    assert_int_equal(ok.nchunks, 3);
    cairn_manifest_free(&ok);
    msgpack_sbuffer_clear(&sb);

    pack_manifest_h(&sb, 4, 65536 * 2 + 1, 65536, 3, 32, NULL, true);
    expect_refused(&sb, "a file hash not bound to its chunk list");
    pack_manifest(&sb, 4, 65536 * 2 + 1, 65536, 2, 32, NULL);
    expect_refused(&sb, "too few chunks");
    pack_manifest(&sb, 4, 65536 * 2 + 1, 65536, 4, 32, NULL);
    expect_refused(&sb, "too many chunks");
    pack_manifest(&sb, 4, 0, 65536, 1, 32, NULL);
    expect_refused(&sb, "a chunk for an empty file");
    pack_manifest(&sb, 4, 65536, 65536, 1, 31, NULL);
    expect_refused(&sb, "a 31-byte chunk hash");
    pack_manifest(&sb, 4, 65536, 1000, 66, 32, NULL);
    expect_refused(&sb, "a chunk size below 64 KiB");
    pack_manifest(&sb, 4, 65536, 4u << 20, 1, 32, NULL);
    expect_refused(&sb, "a chunk size above 2 MiB");
    pack_manifest(&sb, 3, 65536, 65536, 0, 32, NULL);
    expect_refused(&sb, "no chunks key");
    pack_manifest(&sb, 4, 65536, 65536, 1, 32, "media_type");
    expect_refused(&sb, "an unknown key");
    /* 65537 chunks of 64 KiB: over the chunk limit even though the count matches the size. */
    pack_manifest(&sb, 4, 65537ull * 65536, 65536, 65537, 32, NULL);
    expect_refused(&sb, "more than 65536 chunks");
    /* A size whose chunk count would overflow, with an empty list. */
    pack_manifest(&sb, 4, UINT64_MAX, 65536, 0, 32, NULL);
    expect_refused(&sb, "an impossible size");

    /* Repeated key: {"hash", "size", "size", "chunks"}. */
    {
        msgpack_packer pk;
        uint8_t zero[32] = {0};
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 4);
        msgpack_pack_str_with_body(&pk, "hash", 4);
        msgpack_pack_bin_with_body(&pk, zero, 32);
        msgpack_pack_str_with_body(&pk, "size", 4);
        msgpack_pack_uint64(&pk, 0);
        msgpack_pack_str_with_body(&pk, "size", 4);
        msgpack_pack_uint64(&pk, 0);
        msgpack_pack_str_with_body(&pk, "chunks", 6);
        msgpack_pack_array(&pk, 0);
        expect_refused(&sb, "a repeated key");
    }
    /* Trailing bytes, truncation, not a map, a negative size. */
    pack_manifest(&sb, 4, 65536, 65536, 1, 32, NULL);
    msgpack_sbuffer_write(&sb, "\xc0", 1);
    expect_refused(&sb, "a trailing byte");
    pack_manifest(&sb, 4, 65536, 65536, 1, 32, NULL);
    sb.size -= 1;
    expect_refused(&sb, "a truncated chunk");
    msgpack_sbuffer_write(&sb, "\x93\x01\x02\x03", 4);
    expect_refused(&sb, "an array root");
    {
        msgpack_packer pk;
        uint8_t zero[32] = {0};
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 4);
        msgpack_pack_str_with_body(&pk, "hash", 4);
        msgpack_pack_bin_with_body(&pk, zero, 32);
        msgpack_pack_str_with_body(&pk, "size", 4);
        msgpack_pack_int64(&pk, -1);
        msgpack_pack_str_with_body(&pk, "chunk_size", 10);
        msgpack_pack_uint64(&pk, 65536);
        msgpack_pack_str_with_body(&pk, "chunks", 6);
        msgpack_pack_array(&pk, 0);
        expect_refused(&sb, "a negative size");
    }
    assert_int_equal(cairn_manifest_decode(NULL, 0, &ok), CAIRN_EMSGPACK);
    msgpack_sbuffer_destroy(&sb);

    /* The encoder refuses an inconsistent manifest rather than writing one. */
    cairn_hash_t one;
    memset(&one, 0, sizeof one);
    cairn_manifest_t bad = {.size = 65536 * 3, .chunk_size = 65536, .nchunks = 1, .chunks = &one};
    msgpack_sbuffer_init(&sb);
    assert_int_equal(cairn_manifest_encode(&bad, &sb), CAIRN_EINVAL);
    msgpack_sbuffer_destroy(&sb);
}

static void test_debris_removed_at_open(void **state)
{
    fixture_t *f = *state;
    uint8_t data[3000];
    cairn_hash_t h;
    fill(data, sizeof data, 9);
    cairn_hash_buf(data, sizeof data, &h);
    assert_int_equal(put_sync(f, &h, data, sizeof data), 0);

    /* What a crash mid-write leaves: half-written temp files. */
    char path[PATH_MAX];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/blobs/tmp/debris.%d", f->dir, i);
        FILE *out = fopen(path, "w");
        assert_non_null(out);
        fputs("half a chunk", out);
        fclose(out);
    }
    assert_int_equal(count_in(f, "tmp"), 3);
    cairn_blobs_close(f->b);
    assert_int_equal(cairn_blobs_open(&f->loop, f->dir, 0, &f->b), 0);
    assert_int_equal(count_in(f, "tmp"), 0);

    /* Usage survives the reopen (counted by the scan at open). */
    uint64_t bytes, chunks;
    cairn_blobs_usage(f->b, &bytes, &chunks);
    assert_int_equal(bytes, sizeof data);
    assert_int_equal(chunks, 1);
    assert_true(cairn_blobs_chunk_has(f->b, &h));

    /* A read-only open (blob-cat beside a running daemon) removes nothing and stores nothing. */
    snprintf(path, sizeof path, "%s/blobs/tmp/in-progress", f->dir);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fclose(out);
    cairn_blobs_t *ro;
    assert_int_equal(cairn_blobs_open_readonly(f->dir, &ro), 0);
    assert_int_equal(count_in(f, "tmp"), 1);
    assert_true(cairn_blobs_chunk_has(ro, &h));
    assert_true(cairn_blobs_chunk_put(ro, &h, data, sizeof data, on_put, NULL) < 0);
    cairn_blobs_close(ro);
    assert_int_equal(cairn_blobs_open_readonly("/nonexistent-cairn-dir", &ro), CAIRN_EDATADIR);
}

/* Reads the stored chunk h back and compares it with want. */
static void assert_stored(fixture_t *f, const cairn_hash_t *h, const uint8_t *want, size_t len)
{
    char path[PATH_MAX];
    assert_int_equal(cairn_blobs_chunk_path(f->b, h, path, sizeof path), 0);
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    uint8_t *got = malloc(len + 1);
    assert_non_null(got);
    assert_int_equal(fread(got, 1, len + 1, in), len);
    fclose(in);
    assert_memory_equal(got, want, len);
    free(got);
}

/* A 1 MiB chunk from an aligned buffer (the O_DIRECT path where the filesystem allows it), the
 * same bytes one byte off alignment, and a length that is not a multiple of a block (buffered):
 * every one stored whole, nothing left in tmp/. */
static void test_put_direct_and_buffered(void **state)
{
    fixture_t *f = *state;
    size_t len = 1024 * 1024;
    uint8_t *al = aligned_alloc(CAIRN_BLOBS_DIRECT_ALIGN, len + CAIRN_BLOBS_DIRECT_ALIGN);
    assert_non_null(al);
    fill(al, len, 7);
    cairn_hash_t h;
    cairn_hash_buf(al, len, &h);
    assert_int_equal(put_sync(f, &h, al, len), 0);
    assert_stored(f, &h, al, len);

    memmove(al + 1, al, len); /* the next chunk's bytes from an unaligned address */
    fill(al + 1, len, 8);
    cairn_hash_buf(al + 1, len, &h);
    assert_int_equal(put_sync(f, &h, al + 1, len), 0);
    assert_stored(f, &h, al + 1, len);

    size_t odd = len - 1000;
    fill(al, odd, 9);
    cairn_hash_buf(al, odd, &h);
    assert_int_equal(put_sync(f, &h, al, odd), 0);
    assert_stored(f, &h, al, odd);

    fill(al, len, 10); /* bytes that do not hash to the name: nothing written, aligned or not */
    assert_int_equal(put_sync(f, &h, al, len), CAIRN_EHASH);
    assert_int_equal(count_in(f, "chunks"), 3);
    assert_int_equal(count_in(f, "tmp"), 0);
    free(al);
}

/* Partial files: written in steps (one fd), read back whole; a missing one reads as empty; one
 * longer than the chunk is not ours (empty, then overwritten from 0); removed. */
static void test_partial_files(void **state)
{
    fixture_t *f = *state;
    uint8_t data[3000], back[3000];
    fill(data, sizeof data, 3);
    cairn_hash_t h;
    cairn_hash_buf(data, sizeof data, &h);
    uint64_t have = 99;
    assert_int_equal(cairn_blobs_partial_read(f->b, &h, back, sizeof back, &have), 0);
    assert_int_equal(have, 0);

    int fd = -1;
    assert_int_equal(cairn_blobs_partial_write(f->b, &h, &fd, data, 0, 1000), 0);
    assert_true(fd >= 0);
    assert_int_equal(cairn_blobs_partial_write(f->b, &h, &fd, data, 1000, 2500), 0);
    close(fd);
    assert_int_equal(cairn_blobs_partial_read(f->b, &h, back, sizeof back, &have), 0);
    assert_int_equal(have, 2500);
    assert_memory_equal(back, data, 2500);
    assert_int_equal(count_in(f, "partial"), 1);
    assert_int_equal(count_in(f, "chunks"), 0); /* a partial file is never a chunk */

    assert_int_equal(cairn_blobs_partial_read(f->b, &h, back, 2000, &have), 0);
    assert_int_equal(have, 0); /* longer than the chunk: not ours */
    fd = -1;
    assert_int_equal(cairn_blobs_partial_write(f->b, &h, &fd, data, 0, 10), 0);
    close(fd);
    assert_int_equal(cairn_blobs_partial_read(f->b, &h, back, sizeof back, &have), 0);
    assert_int_equal(have, 10); /* written from 0: emptied first */

    assert_int_equal(cairn_blobs_partial_remove(f->b, &h), 0);
    assert_int_equal(cairn_blobs_partial_remove(f->b, &h), 0);
    assert_int_equal(count_in(f, "partial"), 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_and_has, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_puts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_mismatch_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manifest_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manifest_put_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manifest_decode_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_debris_removed_at_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_direct_and_buffered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
