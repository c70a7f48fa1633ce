/*
 * bench_review.c: the assessor's side at a hub holding a large backlog. A hub store (on disk,
 * TMPDIR else /var/tmp, production settings) receives N submitted wait-time submissions from a
 * school (applied as sync would, one text part each); then:
 *   review_queue_ms <x> ms            one review.queue answer (the first 1000 of N, oldest first,
 *                                     with claims), mean of 20 calls through the API handler
 *   review_show_ms <x> ms             one review.show (rubric parsed, parts, scores), mean of 200
 *   review_decide_rate <n> /s         claim + score + decide meets (with its award.issue) per
 *                                     second, each its own committed transactions, over M
 * usage: bench_review [N] [M]         (defaults 5000 and 500)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/id.h>
#include <cairn/mp.h>

#include "api.h"
#include "catalog.h"
#include "daemon.h"
#include "review.h"
#include "store.h"
#include "store_priv.h"

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const P =
    "school:1111111111111111111111111111111111111111111111111111111111111111";
static uint64_t seq, clock_hlc;

static void school_event(cairn_store_t *s, const char *type, const char *entity, cairn_mpbuf_t *b)
{
    cairn_event_t ev = {.seq = ++seq,
                        .hlc = ++clock_hlc,
                        .partition = P,
                        .type = type,
                        .entity = entity,
                        .body = (const uint8_t *)b->sb.data,
                        .body_len = b->sb.size};
    memset(ev.origin, 0x11, sizeof ev.origin);
    if (cairn_store_apply(s, &ev) != 0) {
        fprintf(stderr, "apply %s failed\n", type);
        exit(1);
    }
    cairn_mpbuf_free(b);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Calls op with {"id": id} (or no argument) as the server would; exits on failure. */
static void call(cairn_daemon_t *d, const char *op, const char *id)
{
    cairn_mpbuf_t args, res;
    cairn_mp_doc_t in;
    cairn_mpbuf_init(&args);
    msgpack_pack_map(&args.pk, id != NULL);
    if (id != NULL)
        cairn_mp_pack_kv_str(&args.pk, "id", id);
    if (cairn_mp_decode((const uint8_t *)args.sb.data, args.sb.size, &cairn_mp_wire_limits, &in) !=
        0)
        exit(1);
    cairn_mpbuf_init(&res);
    cairn_req_t req = {.d = d, .rid = 1, .args = &in.root, .pk = &res.pk};
    int rc = cairn_api_lookup(op, strlen(op))(&req);
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", op, req.errmsg);
        exit(1);
    }
    cairn_mp_doc_free(&in);
    cairn_mpbuf_free(&args);
    cairn_mpbuf_free(&res);
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 5000,
             m = argc > 2 ? (unsigned)atoi(argv[2]) : 500;
    const char *tmp = getenv("TMPDIR");
    const char *shared = getenv("CAIRN_SHARED");
    char dir[256], path[300], cat[512], err[512];
    uint8_t origin[CAIRN_NODE_ID_LEN];
    cairn_store_t *s;
    cairn_catalog_result_t res;
    size_t len;
    if (m > n)
        m = n;
    snprintf(dir, sizeof dir, "%s/cairn-bench-review.XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/cairn.db", dir);
    snprintf(cat, sizeof cat, "%s/data/catalog.json", shared && *shared ? shared : "../shared");
    memset(origin, 0xcd, sizeof origin);
    char *json = read_file(cat, &len);
    if (json == NULL || cairn_store_open(path, origin, &s) != 0 ||
        cairn_catalog_import(s, json, len, &res, err, sizeof err) != 0) {
        fprintf(stderr, "setup failed (catalog %s)\n", cat);
        return 1;
    }
    free(json);
    cairn_daemon_t d;
    memset(&d, 0, sizeof d);
    d.store = s;
    d.cfg.role = CAIRN_ROLE_HUB;
    d.cfg.review_target_days = 14;
    d.cfg.review_claim_hours = 48;

    /* The school's backlog, applied in transactions of 1000 events. */
    char(*ids)[CAIRN_ID_TEXT_LEN + 1] = calloc(n, sizeof *ids);
    clock_hlc = cairn_hlc_make(cairn_hlc_wall_now() - 86400000, 0);
    cairn_mpbuf_t b;
    cairn_store_begin(s);
    for (unsigned i = 0; i < n; i++) {
        cairn_id_t id;
        cairn_id_new(&id);
        cairn_id_format(&id, ids[i]);
        cairn_mpbuf_init(&b);
        msgpack_pack_map(&b.pk, 4);
        cairn_mp_pack_kv_str(&b.pk, "educator", "01jdx3q4c8m6a9v2k5r7t0w1yz");
        cairn_mp_pack_kv_str(&b.pk, "credential", "wait-time");
        cairn_mp_pack_kv_u64(&b.pk, "version", 1);
        cairn_mp_pack_kv_u64(&b.pk, "attempt", 1);
        school_event(s, "submission.start", ids[i], &b);
        cairn_mpbuf_init(&b);
        msgpack_pack_map(&b.pk, 3);
        cairn_mp_pack_kv_str(&b.pk, "part", "reflection");
        cairn_mp_pack_kv_str(&b.pk, "type", "text");
        cairn_mp_pack_kv_str(&b.pk, "text", "I waited three seconds after every question.");
        school_event(s, "evidence.add", ids[i], &b);
        cairn_mpbuf_init(&b);
        msgpack_pack_map(&b.pk, 0);
        school_event(s, "submission.submit", ids[i], &b);
        if (i % 333 == 332) {
            cairn_store_commit(s);
            cairn_store_begin(s);
        }
    }
    cairn_store_commit(s);

    cairn_mpbuf_init(&b);
    msgpack_pack_map(&b.pk, 3);
    cairn_mp_pack_kv_str(&b.pk, "name", "Rita Assessor");
    cairn_mp_pack_kv_str(&b.pk, "email", "");
    cairn_mp_pack_kv_str(&b.pk, "role", "assessor");
    cairn_store_append_body(s, cairn_store_school_partition(s), "educator.add",
                            "01jdx3q4c8m6a9v2k5r7t0w1y3", &b);
    cairn_assessor_t a;
    if (cairn_review_assessor(s, "Rita Assessor", 13, &a, err, sizeof err) != 0)
        return 1;

    double t0 = seconds();
    for (int i = 0; i < 20; i++)
        call(&d, "review.queue", NULL);
    double queue_ms = (seconds() - t0) / 20 * 1000;
    t0 = seconds();
    for (int i = 0; i < 200; i++)
        call(&d, "review.show", ids[i % n]);
    double show_ms = (seconds() - t0) / 200 * 1000;

    cairn_review_cfg_t cfg = {.now_ms = cairn_hlc_wall_now(), .claim_hours = 48};
    t0 = seconds();
    for (unsigned i = 0; i < m; i++) {
        uint64_t expires;
        cairn_review_decided_t out;
        if (cairn_review_claim(s, &cfg, &a, ids[i], &expires, err, sizeof err) != 0 ||
            cairn_review_score(s, &cfg, &a, ids[i], "reflection", 10, true, "Specific.", 9, err,
                               sizeof err) != 0 ||
            cairn_review_decide(s, &cfg, &a, ids[i], &out, err, sizeof err) != 0 || !out.meets) {
            fprintf(stderr, "review %u: %s\n", i, err);
            return 1;
        }
    }
    double decide_rate = m / (seconds() - t0);
    printf("review_queue_ms %.2f ms (N=%u, 1000 rows)\n", queue_ms, n);
    printf("review_show_ms %.3f ms\n", show_ms);
    printf("review_decide_rate %.0f /s (claim+score+decide+award, M=%u)\n", decide_rate, m);
    cairn_store_close(s);
    free(ids);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/cairn.db%s", dir, suffix[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
