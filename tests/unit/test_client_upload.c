/*
 * test_client_upload.c: the client's upload (and the RPC layer under it) against a fake cairnd:
 * a forked child speaking the local API on a Unix socket, holding some chunks already, holding
 * its replies back to measure how many requests the client keeps in flight, and misbehaving on
 * demand (an error reply, a bad reply, the file changed between the two passes).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <cairn/chunk.h>
#include <cairn/err.h>
#include <cairn/frame.h>
#include <cairn/mp.h>

#include "addr.h"
#include "rpc.h"
#include "upload.h"

#define MIB (1024u * 1024)
#define MAX_CHUNKS 64

typedef struct {
    uint64_t have_mask; /* chunk indexes the fake daemon holds before the upload */
    int fail_put_at;    /* answer the n-th chunk.put with ENOSPACE (0: never) */
    bool bad_missing;   /* answer blob.begin with an index past the end */
    const char *mutate; /* on blob.begin, change a byte of this file ... */
    off_t mutate_at;    /* ... at this offset */
} fake_cfg_t;

typedef struct {
    cairn_hash_t chunks[MAX_CHUNKS];
    bool have[MAX_CHUNKS];
    uint32_t count;
    uint64_t size;
    unsigned puts, max_pending;
} fake_state_t;

static char dir[64];
static pid_t child;

/* ---- the fake daemon ---------------------------------------------------------------------- */

static void reply_ok_begin(msgpack_packer *pk, uint64_t rid, uint32_t npairs)
{
    msgpack_pack_map(pk, 3);
    cairn_mp_pack_kv_u64(pk, "rid", rid);
    cairn_mp_pack_kv_bool(pk, "ok", true);
    cairn_mp_pack_cstr(pk, "result");
    msgpack_pack_map(pk, npairs);
}

static void reply_err(msgpack_packer *pk, uint64_t rid, int code, const char *msg)
{
    msgpack_pack_map(pk, 5);
    cairn_mp_pack_kv_u64(pk, "rid", rid);
    cairn_mp_pack_kv_bool(pk, "ok", false);
    cairn_mp_pack_kv_i64(pk, "code", code);
    cairn_mp_pack_kv_str(pk, "name", cairn_errname(code));
    cairn_mp_pack_kv_str(pk, "error", msg);
}

/* Answers one request into pk (a whole reply, unframed). */
static void handle(const fake_cfg_t *cfg, fake_state_t *st, const msgpack_object *req,
                   msgpack_packer *pk)
{
    const char *op;
    size_t oplen, len;
    uint64_t rid = 0;
    const uint8_t *b;
    cairn_mp_get_u64(req, "rid", &rid);
    cairn_mp_get_str(req, "op", 64, &op, &oplen);
    char name[65];
    snprintf(name, sizeof name, "%.*s", (int)oplen, op);

    if (strcmp(name, "blob.begin") == 0) {
        const msgpack_object_array *chunks;
        cairn_mp_get_u64(req, "size", &st->size);
        cairn_mp_get_array(req, "chunks", MAX_CHUNKS, &chunks);
        st->count = chunks->size;
        for (uint32_t i = 0; i < st->count; i++) {
            memcpy(st->chunks[i].b, chunks->ptr[i].via.bin.ptr, CAIRN_HASH_LEN);
            st->have[i] = (cfg->have_mask >> i) & 1;
        }
        if (cfg->mutate) {
            int fd = open(cfg->mutate, O_WRONLY);
            if (pwrite(fd, "!", 1, cfg->mutate_at) != 1)
                _exit(4);
            close(fd);
        }
        uint32_t n = 0;
        for (uint32_t i = 0; i < st->count; i++)
            n += !st->have[i];
        reply_ok_begin(pk, rid, 1);
        cairn_mp_pack_cstr(pk, "missing");
        msgpack_pack_array(pk, n + cfg->bad_missing);
        for (uint32_t i = 0; i < st->count; i++)
            if (!st->have[i])
                msgpack_pack_uint32(pk, i);
        if (cfg->bad_missing)
            msgpack_pack_uint32(pk, st->count);
    } else if (strcmp(name, "chunk.put") == 0) {
        const uint8_t *data;
        size_t dlen;
        cairn_hash_t h;
        cairn_mp_get_bin(req, "hash", 32, &b, &len);
        cairn_mp_get_bin(req, "data", CAIRN_CHUNK_SIZE_MAX, &data, &dlen);
        cairn_hash_buf(data, dlen, &h);
        st->puts++;
        if (cfg->fail_put_at && (int)st->puts == cfg->fail_put_at) {
            reply_err(pk, rid, CAIRN_ENOSPACE, "not enough space above the disk reserve");
        } else if (memcmp(h.b, b, 32) != 0) {
            reply_err(pk, rid, CAIRN_EHASH, "chunk data does not match its hash");
        } else {
            /* Content-addressed: one put serves every index with that hash (the test files
             * repeat every 2 MiB, so they have such duplicates). */
            bool stored = false;
            for (uint32_t i = 0; i < st->count; i++) {
                if (memcmp(st->chunks[i].b, b, CAIRN_HASH_LEN) == 0) {
                    stored |= !st->have[i];
                    st->have[i] = true;
                }
            }
            reply_ok_begin(pk, rid, 1);
            cairn_mp_pack_kv_bool(pk, "stored", stored);
        }
    } else if (strcmp(name, "blob.commit") == 0) {
        uint32_t missing = 0;
        char hex[CAIRN_HASH_HEX_LEN + 1];
        cairn_hash_t h;
        for (uint32_t i = 0; i < st->count; i++)
            missing += !st->have[i];
        cairn_mp_get_bin(req, "hash", 32, &b, &len);
        memcpy(h.b, b, 32);
        cairn_hash_hex(&h, hex);
        if (missing) {
            reply_err(pk, rid, CAIRN_EINCOMPLETE, "blob is missing chunks");
        } else {
            reply_ok_begin(pk, rid, 2);
            cairn_mp_pack_kv_str(pk, "hash", hex);
            cairn_mp_pack_kv_u64(pk, "size", st->size);
        }
    } else if (strcmp(name, "evidence.add") == 0) {
        reply_ok_begin(pk, rid, 3);
        cairn_mp_pack_kv_str(pk, "submission", "01jdx3q4c8m6a9v2k5r7t0w1yz");
        cairn_mp_pack_kv_str(pk, "part", "video");
        cairn_mp_pack_kv_u64(pk, "size", st->size);
    } else if (strcmp(name, "test.stats") == 0) {
        reply_ok_begin(pk, rid, 2);
        cairn_mp_pack_kv_u64(pk, "puts", st->puts);
        cairn_mp_pack_kv_u64(pk, "max_pending", st->max_pending);
    } else {
        reply_err(pk, rid, CAIRN_EUNSUPPORTED, "unknown op");
    }
}

/* Serves one connection. Replies are held back until the client has been quiet for 20 ms, so
 * the number of requests pending at that moment is what the client keeps in flight. */
static void serve(int fd, const fake_cfg_t *cfg)
{
    fake_state_t st;
    cairn_frame_reader_t r;
    msgpack_sbuffer out;
    msgpack_sbuffer one;
    msgpack_packer pk;
    unsigned pending = 0;
    static uint8_t buf[1 << 16];

    memset(&st, 0, sizeof st);
    cairn_frame_reader_init(&r, CAIRN_FRAME_MAX);
    msgpack_sbuffer_init(&out);
    msgpack_sbuffer_init(&one);
    msgpack_packer_init(&pk, &one, msgpack_sbuffer_write);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 20) == 0) {
            if (pending) {
                if (write(fd, out.data, out.size) != (ssize_t)out.size)
                    _exit(5);
                msgpack_sbuffer_clear(&out);
                pending = 0;
            }
            continue;
        }
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        cairn_frame_reader_feed(&r, buf, (size_t)n);
        const uint8_t *payload;
        size_t len;
        while (cairn_frame_reader_next(&r, &payload, &len) == 1) {
            cairn_mp_doc_t doc;
            uint8_t hdr[4];
            if (cairn_mp_decode(payload, len, &cairn_mp_wire_limits, &doc) != 0)
                _exit(3);
            msgpack_sbuffer_clear(&one);
            handle(cfg, &st, &doc.root, &pk);
            cairn_mp_doc_free(&doc);
            cairn_frame_header(hdr, one.size);
            msgpack_sbuffer_write(&out, (const char *)hdr, 4);
            msgpack_sbuffer_write(&out, one.data, one.size);
            if (++pending > st.max_pending)
                st.max_pending = pending;
        }
    }
    cairn_frame_reader_free(&r);
    msgpack_sbuffer_destroy(&out);
    msgpack_sbuffer_destroy(&one);
}

static void start_fake(const fake_cfg_t *cfg)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/cairnd.sock", dir);
    unlink(sun.sun_path);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof sun), 0);
    assert_int_equal(listen(lfd, 4), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* Never outlive the test, whatever happens to it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
            int fd = accept(lfd, NULL, NULL);
            if (fd < 0)
                _exit(2);
            serve(fd, cfg);
            close(fd);
        }
    }
    close(lfd);
}

static void stop_fake(void)
{
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    child = 0;
}

/* Also after a failed assertion, which skips the rest of the test. */
static int stop_fake_teardown(void **state)
{
    stop_fake();
    return 0;
}

/* ---- the client side ---------------------------------------------------------------------- */

static void make_file(const char *path, size_t size, unsigned seed)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        fputc((int)((i * 2654435761u + seed) >> 13) & 0xff, f);
    fclose(f);
}

static void connect_fake(cairn_rpc_t *rpc)
{
    cairn_addr_t addr;
    char err[256];
    assert_int_equal(cairn_addr_resolve(dir, NULL, NULL, &addr, err, sizeof err), 0);
    assert_int_equal(cairn_rpc_open(rpc, &addr), 0);
}

static int upload(cairn_rpc_t *rpc, const char *path, cairn_upload_result_t *res)
{
    cairn_upload_t *up;
    char err[256];
    assert_int_equal(cairn_upload_open(&up, path, err, sizeof err), 0);
    int rc = cairn_upload_send(up, rpc, "01jdx3q4c8m6a9v2k5r7t0w1yz", "video", NULL, res);
    cairn_upload_close(up);
    return rc;
}

static void stats(cairn_rpc_t *rpc, uint64_t *puts, uint64_t *max_pending)
{
    cairn_reply_t reply;
    cairn_rpc_begin(rpc, "test.stats", 0);
    assert_int_equal(cairn_rpc_call(rpc, &reply), 0);
    *puts = cairn_rpc_u64(reply.result, "puts");
    *max_pending = cairn_rpc_u64(reply.result, "max_pending");
    cairn_reply_free(&reply);
}

static void test_fresh_upload_is_windowed(void **state)
{
    char path[128];
    fake_cfg_t cfg = {0};
    cairn_rpc_t rpc;
    cairn_upload_result_t res;
    uint64_t puts, max_pending;

    snprintf(path, sizeof path, "%s/lesson.mp4", dir);
    make_file(path, 20 * MIB + 123, 1);
    start_fake(&cfg);
    connect_fake(&rpc);
    assert_int_equal(upload(&rpc, path, &res), 0);
    assert_int_equal(res.size, 20 * MIB + 123);
    assert_int_equal(res.chunks, 21);
    assert_int_equal(res.sent, 21);
    assert_int_equal(res.present, 0);
    stats(&rpc, &puts, &max_pending);
    assert_int_equal(puts, 21);
    /* Pipelined, and never more than the window. */
    assert_int_equal(max_pending, CAIRN_UPLOAD_WINDOW);
    cairn_rpc_close(&rpc);
    stop_fake();
}

static void test_resume_sends_only_missing(void **state)
{
    char path[128];
    fake_cfg_t cfg = {.have_mask = 0x2d}; /* chunks 0, 2, 3, 5 already there */
    cairn_rpc_t rpc;
    cairn_upload_result_t res;
    uint64_t puts, max_pending;

    snprintf(path, sizeof path, "%s/resume.mp4", dir);
    make_file(path, 6 * MIB, 2);
    start_fake(&cfg);
    connect_fake(&rpc);
    assert_int_equal(upload(&rpc, path, &res), 0);
    assert_int_equal(res.chunks, 6);
    assert_int_equal(res.sent, 2);
    assert_int_equal(res.present, 4);
    stats(&rpc, &puts, &max_pending);
    assert_int_equal(puts, 2);
    cairn_rpc_close(&rpc);
    stop_fake();
}

static void test_empty_file(void **state)
{
    char path[128];
    fake_cfg_t cfg = {0};
    cairn_rpc_t rpc;
    cairn_upload_result_t res;

    snprintf(path, sizeof path, "%s/empty.txt", dir);
    make_file(path, 0, 0);
    start_fake(&cfg);
    connect_fake(&rpc);
    assert_int_equal(upload(&rpc, path, &res), 0);
    assert_int_equal(res.size, 0);
    assert_int_equal(res.chunks, 0);
    assert_int_equal(res.sent, 0);
    cairn_rpc_close(&rpc);
    stop_fake();
}

static void test_daemon_error_is_reported(void **state)
{
    char path[128];
    fake_cfg_t cfg = {.fail_put_at = 3};
    cairn_rpc_t rpc;
    cairn_upload_result_t res;

    snprintf(path, sizeof path, "%s/full.mp4", dir);
    make_file(path, 12 * MIB, 3);
    start_fake(&cfg);
    connect_fake(&rpc);
    assert_int_equal(upload(&rpc, path, &res), CAIRN_ENOSPACE);
    assert_string_equal(rpc.err, "not enough space above the disk reserve");
    assert_string_equal(rpc.errname, "ENOSPACE");
    cairn_rpc_close(&rpc);
    stop_fake();
}

static void test_bad_missing_list(void **state)
{
    char path[128];
    fake_cfg_t cfg = {.bad_missing = true};
    cairn_rpc_t rpc;
    cairn_upload_result_t res;

    snprintf(path, sizeof path, "%s/bad.mp4", dir);
    make_file(path, 2 * MIB, 4);
    start_fake(&cfg);
    connect_fake(&rpc);
    assert_int_equal(upload(&rpc, path, &res), CAIRN_EPROTO);
    assert_non_null(strstr(rpc.err, "blob.begin"));
    cairn_rpc_close(&rpc);
    stop_fake();
}

static void test_file_changed_between_passes(void **state)
{
    char path[128];
    fake_cfg_t cfg = {.mutate_at = 3 * MIB + 7};
    cairn_rpc_t rpc;
    cairn_upload_result_t res;
    uint64_t puts, max_pending;

    snprintf(path, sizeof path, "%s/edited.mp4", dir);
    cfg.mutate = path;
    make_file(path, 5 * MIB, 5);
    start_fake(&cfg);
    connect_fake(&rpc);
    assert_int_equal(upload(&rpc, path, &res), CAIRN_EHASH);
    assert_non_null(strstr(rpc.err, "changed during the upload"));
    assert_non_null(strstr(rpc.err, "chunk 3"));
    /* Chunk 3 went out under its pass-1 hash and the daemon refused it (EHASH); the client
     * stopped there, with at most the rest of its window (chunk 4) already sent. */
    while (cairn_rpc_in_flight(&rpc) > 0) {
        cairn_reply_t reply;
        assert_int_equal(cairn_rpc_recv(&rpc, &reply), 0);
        cairn_reply_free(&reply);
    }
    stats(&rpc, &puts, &max_pending);
    assert_true(puts >= 4 && puts <= 5);
    cairn_rpc_close(&rpc);
    stop_fake();
}

static void test_open_errors(void **state)
{
    cairn_upload_t *up;
    char err[256], path[128];

    snprintf(path, sizeof path, "%s/nope.mp4", dir);
    assert_int_equal(cairn_upload_open(&up, path, err, sizeof err), -ENOENT);
    assert_non_null(strstr(err, "no such file"));
    assert_null(up);
    assert_int_equal(cairn_upload_open(&up, dir, err, sizeof err), CAIRN_EINVAL);
    assert_non_null(strstr(err, "is a directory"));
    if (geteuid() != 0) { /* root reads anything */
        snprintf(path, sizeof path, "%s/secret.mp4", dir);
        make_file(path, 10, 0);
        chmod(path, 0);
        assert_int_equal(cairn_upload_open(&up, path, err, sizeof err), -EACCES);
        assert_non_null(strstr(err, "cannot open"));
    }
}

static void test_no_daemon(void **state)
{
    cairn_addr_t addr;
    cairn_rpc_t rpc;
    char err[256], empty[128];
    snprintf(empty, sizeof empty, "%s/none", dir);
    mkdir(empty, 0700);
    assert_int_equal(cairn_addr_resolve(empty, NULL, NULL, &addr, err, sizeof err), 0);
    assert_int_equal(cairn_rpc_open(&rpc, &addr), -ENOENT);
    assert_non_null(strstr(rpc.err, "cannot reach cairnd at "));
    assert_non_null(strstr(rpc.err, "/none/cairnd.sock"));
    cairn_rpc_close(&rpc);
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/cairn-client-test.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fresh_upload_is_windowed, stop_fake_teardown),
        cmocka_unit_test_teardown(test_resume_sends_only_missing, stop_fake_teardown),
        cmocka_unit_test_teardown(test_empty_file, stop_fake_teardown),
        cmocka_unit_test_teardown(test_daemon_error_is_reported, stop_fake_teardown),
        cmocka_unit_test_teardown(test_bad_missing_list, stop_fake_teardown),
        cmocka_unit_test_teardown(test_file_changed_between_passes, stop_fake_teardown),
        cmocka_unit_test_teardown(test_open_errors, stop_fake_teardown),
        cmocka_unit_test_teardown(test_no_daemon, stop_fake_teardown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
