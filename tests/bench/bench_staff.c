/*
 * bench_staff.c: the staff view (op staff.view) at a store holding the sample catalog and N
 * educators (default 500; nine in ten teachers, one in ten leaders), each with three attempts in
 * mixed states (draft, submitted, in-review, not-yet, awarded with its award, one in five of those
 * revoked, withdrawn) and an open recommendation, written straight into the projections (on disk,
 * TMPDIR else /var/tmp). Then, through the API handler (the whole answer packed):
 *   staff_view_all_ms <x> ms     every credential of the catalog, mean of 20 (target < 100 ms)
 *   staff_view_stack_ms <x> ms   one stack (questioning-discourse), mean of 20
 *   staff_view_vs_target <r>     target / all (>= 1 meets it)
 * usage: bench_staff [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api.h"
#include "catalog.h"
#include "daemon.h"
#include "mpbuf.h"
#include "store.h"
#include "store_priv.h"

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b != NULL) {
        b[n] = '\0';
        *len = (size_t)n;
    }
    return b;
}

static void exec(cairn_store_t *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(cairn_store_db(s), sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, msg);
        exit(1);
    }
}

static void populate(cairn_store_t *s, unsigned n)
{
    static const char *const states[] = {"draft",   "submitted", "in-review",
                                         "not-yet", "awarded",   "withdrawn"};
    static const char *const creds[] = {"wait-time",           "higher-order-questioning",
                                        "accountable-talk",    "checking-for-understanding",
                                        "feedback-for-growth", "design-thinking",
                                        "cooperative-learning"};
    char sql[512];
    exec(s, "BEGIN");
    for (unsigned i = 0; i < n; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO educators(id, name, email, role, hlc, origin) VALUES"
                 " ('ed%06u', 'Educator %06u', '', '%s', 1, x'00')",
                 i, (i * 7919u) % 1000000u, i % 10 == 0 ? "leader" : "teacher");
        exec(s, sql);
        for (unsigned k = 0; k < 3; k++) {
            const char *st = states[(i + k) % 6], *c = creds[(i + 2 * k) % 7];
            snprintf(sql, sizeof sql,
                     "INSERT INTO submissions(id, educator, credential, version, attempt, state,"
                     " created, updated, origin) VALUES('s%06u%u', 'ed%06u', '%s', 1, 1, '%s', 1,"
                     " 1, x'00')",
                     i, k, i, c, st);
            exec(s, sql);
            if (strcmp(st, "awarded") == 0) {
                snprintf(sql, sizeof sql,
                         "INSERT INTO awards(id, submission, educator, achievement, issued,"
                         " assessor, evidence, hlc, origin, revoked) VALUES('a%06u%u',"
                         " 's%06u%u', 'ed%06u', '%s@1', 1, 'x', '[]', 1, x'00', %s)",
                         i, k, i, k, i, c, i % 5 == 0 ? "1" : "NULL");
                exec(s, sql);
            }
        }
        snprintf(sql, sizeof sql,
                 "INSERT INTO recommendations(id, from_educator, to_educator, credential, note,"
                 " state, created, origin, state_hlc, state_origin) VALUES('r%06u', 'ed000000',"
                 " 'ed%06u', 'makerspace-design', '', 'open', 1, x'00', 0, x'')",
                 i, i);
        exec(s, sql);
    }
    exec(s, "COMMIT");
}

static double call_ms(cairn_daemon_t *d, const char *stack, int reps)
{
    double t0 = seconds();
    for (int r = 0; r < reps; r++) {
        cairn_mpbuf_t args, res;
        cairn_mp_doc_t in;
        cairn_mpbuf_init(&args);
        msgpack_pack_map(&args.pk, stack != NULL);
        if (stack != NULL)
            cairn_mp_pack_kv_str(&args.pk, "stack", stack);
        if (cairn_mp_decode((const uint8_t *)args.sb.data, args.sb.size, &cairn_mp_wire_limits,
                            &in) != 0)
            exit(1);
        cairn_mpbuf_init(&res);
        cairn_req_t req = {.d = d, .rid = 1, .args = &in.root, .pk = &res.pk};
        if (cairn_api_lookup("staff.view", 10)(&req) != 0) {
            fprintf(stderr, "staff.view: %s\n", req.errmsg);
            exit(1);
        }
        cairn_mp_doc_free(&in);
        cairn_mpbuf_free(&args);
        cairn_mpbuf_free(&res);
    }
    return (seconds() - t0) * 1000 / reps;
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 500;
    const char *tmp = getenv("TMPDIR"), *shared = getenv("CAIRN_SHARED");
    char dir[256], path[300], cat[512], err[512];
    uint8_t origin[CAIRN_NODE_ID_LEN];
    cairn_store_t *s;
    cairn_catalog_result_t res;
    size_t len = 0;
    if (n < 1 || n > 100000) {
        fprintf(stderr, "usage: bench_staff [N, 1..100000]\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s/cairn-bench-staff.XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/cairn.db", dir);
    snprintf(cat, sizeof cat, "%s/data/catalog.json", shared && *shared ? shared : "../shared");
    memset(origin, 0xab, sizeof origin);
    char *json = read_file(cat, &len);
    if (json == NULL || cairn_store_open(path, origin, &s) != 0 ||
        cairn_catalog_import(s, json, len, &res, err, sizeof err) != 0) {
        fprintf(stderr, "setup failed (catalog %s)\n", cat);
        return 1;
    }
    free(json);
    populate(s, n);
    cairn_daemon_t d;
    memset(&d, 0, sizeof d);
    d.store = s;
    call_ms(&d, NULL, 2); /* warm the statement cache and the page cache */
    double all = call_ms(&d, NULL, 20), stack = call_ms(&d, "questioning-discourse", 20);
    printf("staff_view_all_ms %.2f ms (%u educators x the sample catalog, target < 100 ms)\n", all,
           n);
    printf("staff_view_stack_ms %.2f ms (questioning-discourse)\n", stack);
    printf("staff_view_vs_target %.1f\n", 100.0 / all);
    cairn_store_close(s);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/cairn.db%s", dir, suffix[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
