/*
 * bench_events.c: how fast the store appends events. Appends N educator.add events (a fresh id,
 * a name, an email, a role; projected into `educators` like the real ones) in transactions of
 * BATCH events into a fresh database on disk (TMPDIR, else /var/tmp), with the production
 * settings (WAL, synchronous=FULL), and prints:
 *   event_append_rate <n> events/s
 *   ratio_to_target <x>                 (target 100000 events/s)
 * Entity ids are made before the clock starts: cairn_id_new costs a getrandom(2) call each, which
 * is not the store's work.
 * usage: bench_events [N] [BATCH]       (defaults 200000 and 1000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/err.h>
#include <cairn/hlc.h>
#include <cairn/id.h>
#include <cairn/mp.h>

#include "store.h"
#include "store_priv.h"

#define TARGET_RATE 100000.0

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The body is packed per event, as the API does; the ids are made beforehand (see header). */
static int append_one(cairn_store_t *s, const char *id, uint64_t i)
{
    char name[32];
    cairn_mpbuf_t body;
    snprintf(name, sizeof name, "Teacher %llu", (unsigned long long)i);
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, 3);
    cairn_mp_pack_kv_str(&body.pk, "name", name);
    cairn_mp_pack_kv_str(&body.pk, "email", "teacher@example.org");
    cairn_mp_pack_kv_str(&body.pk, "role", "teacher");
    return cairn_store_append_body(s, cairn_store_school_partition(s), "educator.add", id, &body);
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    uint64_t batch = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000;
    const char *tmp = getenv("TMPDIR");
    char dir[256], path[300];
    uint8_t origin[CAIRN_NODE_ID_LEN], sk[64];
    cairn_store_t *s;
    int rc = 0;

    if (n == 0 || batch == 0) {
        fprintf(stderr, "usage: bench_events [N] [BATCH]\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s/cairn-bench-XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
    if (mkdtemp(dir) == NULL) {
        perror(dir);
        return 1;
    }
    snprintf(path, sizeof path, "%s/cairn.db", dir);
    if (sodium_init() < 0 || crypto_sign_keypair(origin, sk) != 0)
        return 1;
    if ((rc = cairn_store_open(path, origin, &s)) != 0) {
        fprintf(stderr, "bench_events: open %s: %s\n", path, cairn_strerror(rc));
        return 1;
    }
    cairn_store_set_signer(s, sk);
    char(*ids)[CAIRN_ID_TEXT_LEN + 1] = n <= 100000000 ? malloc(n * sizeof *ids) : NULL;
    if (ids == NULL) {
        fprintf(stderr, "bench_events: no memory for %llu ids\n", (unsigned long long)n);
        return 1;
    }
    for (uint64_t i = 0; i < n; i++) {
        cairn_id_t eid;
        cairn_id_new(&eid);
        cairn_id_format(&eid, ids[i]);
    }
    double t0 = seconds();
    for (uint64_t done = 0; done < n && rc == 0;) {
        rc = cairn_store_begin(s);
        for (uint64_t k = 0; k < batch && done < n && rc == 0; k++, done++)
            rc = append_one(s, ids[done], done);
        if (rc == 0)
            rc = cairn_store_commit(s);
        else
            cairn_store_rollback(s);
    }
    double elapsed = seconds() - t0;
    uint64_t held = 0;
    if (rc == 0)
        rc = cairn_store_event_count(s, &held);
    cairn_store_close(s);
    free(ids);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/cairn.db%s", dir, suffix[i]);
        unlink(path);
    }
    rmdir(dir);
    if (rc != 0 || held != n) {
        fprintf(stderr, "bench_events: %s (%llu of %llu events held)\n", cairn_strerror(rc),
                (unsigned long long)held, (unsigned long long)n);
        return 1;
    }
    double rate = (double)n / elapsed;
    printf("event_append_rate %.0f events/s\n", rate);
    printf("ratio_to_target %.2f\n", rate / TARGET_RATE);
    return 0;
}
