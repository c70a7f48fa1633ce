/*
 * fuzz_api.c: libFuzzer target for the local API's request decoding: a request frame's payload
 * through the envelope decoder (cairn_api_request_decode: msgpack within the wire limits, "op",
 * "rid"), the router (cairn_api_lookup) and the handler's argument extraction (api_util.c and each
 * handler's own checks), against an in-memory store.
 *
 * Routed: the ops whose handlers need only the store, the data directory and an (empty) blob
 * store: educator, catalog, search, recommendation, stack, transcript, holders, staff, report,
 * review, badge list/get/status, submission and evidence.add. Not routed: ops that hold the
 * connection, run work on the event loop or name files (blob.*, chunk.put, evidence.show/purge/
 * list/get/prioritize, educator.pin.set/signin, hello, status, sync.now, bundle.*, badge.revoke);
 * their envelope and lookup are still decoded here, and their arguments are exercised by the
 * integration tests (t_bad_input.sh and others).
 *
 * The store starts with a small catalog, three educators (a teacher, a leader and a peer
 * assessor) and one submitted attempt, and lives across inputs (reset once it
 * holds STORE_EVENTS_MAX events). Checked beyond "no crash": a handler returns 0 having packed
 * exactly one msgpack object that decodes within the wire limits, or a negative CAIRN_E* code
 * with a message and without having changed the store (event count and projection digest).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "api.h"
#include "blobs.h"
#include "cairn/err.h"
#include "cairn/mp.h"
#include "catalog.h"
#include "daemon.h"
#include "mpbuf.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STORE_EVENTS_MAX 300

static const char catalog[] =
    "{\"format\":\"cairn-catalog/1\",\"issuer\":{\"name\":\"I\"},\"stacks\":[{\"id\":\"s\","
    "\"title\":\"S\",\"credentials\":[\"c\"]}],\"credentials\":[{\"id\":\"c\",\"version\":1,"
    "\"title\":\"T\",\"competency\":\"C\",\"key_method\":\"K\",\"method_components\":[\"m\"],"
    "\"research\":\"R\",\"resources\":[{\"title\":\"r\",\"url\":\"u\"}],\"evidence\":[{\"part\":"
    "\"p\",\"kind\":\"text\",\"required\":true,\"description\":\"d\"}],\"rubric\":[{\"part\":"
    "\"p\",\"criterion\":\"c\",\"meets\":\"m\"}],\"pd_hours\":1.5,\"tags\":[\"t\"]}]}";

static const char *const routed_tables_ops[] = {"educator.add",
                                                "educator.list",
                                                "catalog.import",
                                                "catalog.list",
                                                "catalog.show",
                                                "catalog.search",
                                                "recommendation.add",
                                                "recommendation.list",
                                                "recommendation.accept",
                                                "recommendation.dismiss",
                                                "stack.list",
                                                "stack.show",
                                                "educator.transcript",
                                                "credential.holders",
                                                "staff.view",
                                                "hub.report",
                                                "review.queue",
                                                "review.claim",
                                                "review.show",
                                                "review.score",
                                                "review.decide",
                                                "badge.list",
                                                "badge.get",
                                                "badge.status",
                                                "submission.start",
                                                "submission.submit",
                                                "submission.withdraw",
                                                "submission.show",
                                                "submission.list",
                                                "submission.resubmit",
                                                "evidence.add",
                                                NULL};

static cairn_daemon_t d;
static char datadir[64];
static uv_loop_t loop;

static void must(int ok)
{
    if (!ok)
        abort();
}

static char last_id[64]; /* the "id" of the last fixture call's result */
/* The fixture's teacher and submission ids (random, as the daemon makes them). An input names
 * them with these placeholders of the same length, replaced before decoding, so seeds reach the
 * fixture's rows: tests/fuzz/make_seeds.py uses them. */
static char teacher[64], started[64];
#define TEACHER_MARK "@TEACHER@@@@@@@@@@@@@@@@@@"
#define STARTED_MARK "@SUBMISSION@@@@@@@@@@@@@@@"

/* Calls op with args (a packed map, freed) as the server would; aborts unless it succeeds. */
static void call(const char *op, cairn_mpbuf_t *args)
{
    cairn_mpbuf_t res;
    cairn_mp_doc_t in, out;
    must(cairn_mp_decode((const uint8_t *)args->sb.data, args->sb.size, &cairn_mp_wire_limits,
                         &in) == 0);
    cairn_mpbuf_init(&res);
    msgpack_pack_map(&res.pk, 1);
    cairn_mp_pack_cstr(&res.pk, "result");
    cairn_req_t req = {.d = &d, .rid = 2, .args = &in.root, .pk = &res.pk};
    int rc = cairn_api_lookup(op, strlen(op))(&req);
    if (rc != 0) {
        fprintf(stderr, "fixture %s: %d %s\n", op, rc, req.errmsg);
        abort();
    }
    const msgpack_object *r;
    const char *id;
    size_t len;
    must(cairn_mp_decode((const uint8_t *)res.sb.data, res.sb.size, &cairn_mp_wire_limits, &out) ==
         0);
    last_id[0] = '\0';
    if (cairn_mp_get_map(&out.root, "result", &r) == 0 &&
        cairn_mp_get_str(r, "id", sizeof last_id - 1, &id, &len) == 0) {
        memcpy(last_id, id, len);
        last_id[len] = '\0';
    }
    cairn_mp_doc_free(&out);
    cairn_mp_doc_free(&in);
    cairn_mpbuf_free(&res);
    cairn_mpbuf_free(args);
}

static void open_store(void)
{
    char err[512];
    d.cfg.role = CAIRN_ROLE_SCHOOL;
    cairn_catalog_result_t res;
    must(cairn_store_open(":memory:", d.node_pk, &d.store) == 0);
    cairn_store_set_signer(d.store, d.node_sk);
    must(cairn_catalog_import(d.store, catalog, sizeof catalog - 1, &res, err, sizeof err) == 0);
    static const char *const educators[][3] = {{"Ama Mensah", "teacher", NULL},
                                               {"Kofi Boateng", "leader", NULL},
                                               {"Esi Owusu", "assessor", "peer"}};
    for (size_t i = 0; i < sizeof educators / sizeof educators[0]; i++) {
        cairn_mpbuf_t args;
        cairn_mpbuf_init(&args);
        msgpack_pack_map(&args.pk, educators[i][2] ? 3 : 2);
        cairn_mp_pack_kv_str(&args.pk, "name", educators[i][0]);
        cairn_mp_pack_kv_str(&args.pk, "role", educators[i][1]);
        if (educators[i][2])
            cairn_mp_pack_kv_str(&args.pk, "scope", educators[i][2]);
        call("educator.add", &args);
        if (i == 0)
            snprintf(teacher, sizeof teacher, "%s", last_id);
    }
    /* one submitted attempt, so the submission and review ops have something to find */
    cairn_mpbuf_t args;
    cairn_mpbuf_init(&args);
    msgpack_pack_map(&args.pk, 2);
    cairn_mp_pack_kv_str(&args.pk, "educator", teacher);
    cairn_mp_pack_kv_str(&args.pk, "credential", "c");
    call("submission.start", &args);
    snprintf(started, sizeof started, "%s", last_id);
    cairn_mpbuf_init(&args);
    msgpack_pack_map(&args.pk, 3);
    cairn_mp_pack_kv_str(&args.pk, "submission", started);
    cairn_mp_pack_kv_str(&args.pk, "part", "p");
    cairn_mp_pack_kv_str(&args.pk, "text", "We read aloud every morning.");
    call("evidence.add", &args);
    cairn_mpbuf_init(&args);
    msgpack_pack_map(&args.pk, 1);
    cairn_mp_pack_kv_str(&args.pk, "id", started);
    call("submission.submit", &args);
}

/* Removes the data directory the target made (a few empty blob store directories). */
static void rm_tree(const char *path)
{
    DIR *dir = opendir(path);
    if (dir != NULL) {
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[512];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                rm_tree(sub);
            else
                unlink(sub);
        }
        closedir(dir);
    }
    rmdir(path);
}

static void cleanup(void)
{
    if (d.blobs != NULL)
        cairn_blobs_close(d.blobs);
    rm_tree(datadir);
}

static void setup(void)
{
    uint8_t seed[32];
    memset(seed, 0x5a, sizeof seed);
    crypto_sign_seed_keypair(d.node_pk, d.node_sk, seed);
    cairn_config_defaults(&d.cfg);
    snprintf(d.cfg.name, sizeof d.cfg.name, "fuzz");
    const char *tmp = getenv("TMPDIR");
    snprintf(datadir, sizeof datadir, "%.40s/cairn-fz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    must(mkdtemp(datadir) != NULL);
    d.datadir = datadir;
    must(uv_loop_init(&loop) == 0);
    d.loop = &loop;
    must(cairn_blobs_open(&loop, datadir, 0, &d.blobs) == 0); /* empty: every file is unknown */
    atexit(cleanup);
    open_store();
}

static void replace_marks(uint8_t *buf, size_t size, const char *mark, const char *id)
{
    size_t n = strlen(mark);
    if (strlen(id) != n)
        return;
    for (size_t i = 0; i + n <= size; i++) {
        if (memcmp(buf + i, mark, n) == 0)
            memcpy(buf + i, id, n);
    }
}

static int routed(const char *op, size_t len)
{
    for (int i = 0; routed_tables_ops[i] != NULL; i++) {
        if (strlen(routed_tables_ops[i]) == len && memcmp(routed_tables_ops[i], op, len) == 0)
            return 1;
    }
    return 0;
}

static void state_of(uint64_t *events, uint8_t digest[32])
{
    must(cairn_store_event_count(d.store, events) == 0);
    must(cairn_store_projection_digest(d.store, digest) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_mp_doc_t doc;
    const char *op, *what = NULL;
    size_t oplen;
    uint64_t rid, events, after;
    uint8_t before_digest[32], after_digest[32];

    if (d.store == NULL)
        setup();
    if (cairn_store_event_count(d.store, &events) == 0 && events > STORE_EVENTS_MAX) {
        cairn_store_close(d.store);
        open_store();
    }
    uint8_t *in = malloc(size ? size : 1);
    must(in != NULL);
    memcpy(in, data, size);
    replace_marks(in, size, TEACHER_MARK, teacher);
    replace_marks(in, size, STARTED_MARK, started);
    int rc = cairn_api_request_decode(in, size, &doc, &op, &oplen, &rid, &what);
    free(in); /* doc points into its own copy */
    if (rc != 0) {
        must(rc < 0 && what != NULL && what[0] != '\0');
        return 0;
    }
    must(op != NULL && oplen <= CAIRN_API_OP_MAX);
    cairn_api_fn fn = cairn_api_lookup(op, oplen);
    if (fn == NULL || !routed(op, oplen)) {
        cairn_mp_doc_free(&doc);
        return 0;
    }
    /* an odd rid asks a hub, an even one a school: the ops that only one role serves are both
     * reached (each refuses on the other role) */
    d.cfg.role = (rid & 1) ? CAIRN_ROLE_HUB : CAIRN_ROLE_SCHOOL;
    state_of(&events, before_digest);
    cairn_mpbuf_t res;
    cairn_mpbuf_init(&res);
    cairn_req_t req = {.d = &d, .rid = rid, .args = &doc.root, .pk = &res.pk};
    rc = fn(&req);
    if (getenv("CAIRN_FUZZ_TRACE") != NULL) /* to check that the seeds are accepted */
        fprintf(stderr, "%.*s: %d %s\n", (int)oplen, op, rc, req.errmsg);
    if (rc == 0) {
        cairn_mp_doc_t out;
        must(res.sb.size > 0);
        /* exactly one object: it decodes (as the server wraps it, inside a map) */
        size_t off = 0;
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        must(msgpack_unpack_next(&u, res.sb.data, res.sb.size, &off) == MSGPACK_UNPACK_SUCCESS);
        msgpack_unpacked_destroy(&u);
        must(off == res.sb.size);
        cairn_mpbuf_t wrap;
        cairn_mpbuf_init(&wrap);
        msgpack_pack_map(&wrap.pk, 1);
        cairn_mp_pack_cstr(&wrap.pk, "result");
        cairn_mpbuf_raw(&wrap, res.sb.data, res.sb.size);
        int drc = cairn_mp_decode((const uint8_t *)wrap.sb.data, wrap.sb.size,
                                  &cairn_mp_wire_limits, &out);
        if (drc == 0)
            cairn_mp_doc_free(&out);
        cairn_mpbuf_free(&wrap);
    } else {
        must(rc < 0 && rc != CAIRN_API_PENDING);
        if (req.errmsg[0] == '\0') {
            fprintf(stderr, "%.*s refused (%d) without a message\n", (int)oplen, op, rc);
            abort();
        }
        state_of(&after, after_digest);
        if (after != events || memcmp(before_digest, after_digest, 32) != 0) {
            fprintf(stderr, "%.*s refused (%d: %s) but changed the store\n", (int)oplen, op, rc,
                    req.errmsg);
            abort();
        }
    }
    cairn_mpbuf_free(&res);
    cairn_mp_doc_free(&doc);
    return 0;
}
