/*
 * bench_ingest.c: how fast a hub applies a school's backlog from change sets (issue 4, "Hub
 * ingest", target >= 100k events/s). A school store appends N educator.add events (signed,
 * checkpointed per transaction of BATCH, as bench_events does); then, until the hub store lacks
 * nothing, the school builds a change set of what the hub's vector lacks (<= 1 MiB, as a session
 * does, PROTOCOL.md 8.3) and the hub applies it with cairn_store_changeset_apply: decoding, every
 * checkpoint signature verified, chains checked, the real rights check (cairn_rights_check, the
 * school recorded in the hub's peers table), insert and projection, one transaction per change
 * set, on disk (TMPDIR, else /var/tmp) with the production settings. Prints:
 *   hub_ingest_rate <n> events/s        (apply only)
 *   ratio_to_target <x>                 (target 100000 events/s)
 *   changeset_build_rate <n> events/s   (the sender's side, for reference)
 *   changeset_bytes_per_event <n> B     (encoded change set, before the channel)
 * usage: bench_ingest [N] [BATCH]       (defaults 20000 and 1000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <cairn/changeset.h>
#include <cairn/err.h>
#include <cairn/id.h>
#include <cairn/mp.h>

#include "store.h"
#include "store_priv.h"
#include "store_sync.h"

#define TARGET_RATE 100000.0
#define CS_BYTES (1024u * 1024u)

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int append_one(cairn_store_t *s, uint64_t i)
{
    char name[32], id[CAIRN_ID_TEXT_LEN + 1];
    cairn_id_t eid;
    cairn_mpbuf_t body;
    cairn_id_new(&eid);
    cairn_id_format(&eid, id);
    snprintf(name, sizeof name, "Teacher %llu", (unsigned long long)i);
    cairn_mpbuf_init(&body);
    msgpack_pack_map(&body.pk, 3);
    cairn_mp_pack_kv_str(&body.pk, "name", name);
    cairn_mp_pack_kv_str(&body.pk, "email", "teacher@example.org");
    cairn_mp_pack_kv_str(&body.pk, "role", "teacher");
    return cairn_store_append_body(s, cairn_store_school_partition(s), "educator.add", id, &body);
}

static void remove_db(const char *dir, const char *name)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char path[400];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix[i]);
        unlink(path);
    }
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000;
    uint64_t batch = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000;
    const char *tmp = getenv("TMPDIR");
    char dir[256], path[300], err[256], partition[CAIRN_PARTITION_MAX + 1];
    uint8_t school_id[CAIRN_NODE_ID_LEN], school_sk[64], hub_id[CAIRN_NODE_ID_LEN], hub_sk[64];
    cairn_store_t *school = NULL, *hub = NULL;
    double t_build = 0, t_apply = 0;
    uint64_t applied = 0, built = 0, bytes = 0;
    int rc = 0;

    if (n == 0 || batch == 0) {
        fprintf(stderr, "usage: bench_ingest [N] [BATCH]\n");
        return 2;
    }
    err[0] = '\0';
    snprintf(dir, sizeof dir, "%s/cairn-bench-XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
    if (mkdtemp(dir) == NULL) {
        perror(dir);
        return 1;
    }
    if (sodium_init() < 0 || crypto_sign_keypair(school_id, school_sk) != 0 ||
        crypto_sign_keypair(hub_id, hub_sk) != 0)
        return 1;
    snprintf(path, sizeof path, "%s/school.db", dir);
    if ((rc = cairn_store_open(path, school_id, &school)) != 0)
        goto out;
    cairn_store_set_signer(school, school_sk);
    snprintf(path, sizeof path, "%s/hub.db", dir);
    if ((rc = cairn_store_open(path, hub_id, &hub)) != 0)
        goto out;
    cairn_store_set_signer(hub, hub_sk);
    if ((rc = cairn_store_peer_put(hub, school_id, CAIRN_PEER_SCHOOL, "bench school")) != 0)
        goto out;
    snprintf(partition, sizeof partition, "%s", cairn_store_school_partition(school));

    for (uint64_t done = 0; done < n && rc == 0;) {
        rc = cairn_store_begin(school);
        for (uint64_t k = 0; k < batch && done < n && rc == 0; k++, done++)
            rc = append_one(school, done);
        if (rc == 0)
            rc = cairn_store_commit(school);
        else
            cairn_store_rollback(school);
    }
    if (rc != 0)
        goto out;

    cairn_rights_ctx_t ctx = {.store = hub, .self = hub_id, .hub = true, .sender = school_id};
    for (;;) {
        cairn_vector_t theirs;
        msgpack_sbuffer cs;
        uint64_t n_events = 0;
        cairn_apply_report_t rep;
        cairn_vector_init(&theirs, partition);
        msgpack_sbuffer_init(&cs);
        rc = cairn_store_vector(hub, partition, &theirs);
        double t0 = seconds();
        if (rc == 0)
            rc = cairn_store_changeset_build(school, partition, &theirs, CS_BYTES, &cs, &n_events,
                                             err, sizeof err);
        double t1 = seconds();
        t_build += t1 - t0;
        cairn_vector_free(&theirs);
        if (rc != 0 || n_events == 0) {
            msgpack_sbuffer_destroy(&cs);
            break;
        }
        built += n_events;
        bytes += cs.size;
        memset(&rep, 0, sizeof rep);
        t0 = seconds();
        rc = cairn_store_changeset_apply(hub, (const uint8_t *)cs.data, cs.size, cairn_rights_check,
                                         &ctx, &rep);
        t_apply += seconds() - t0;
        msgpack_sbuffer_destroy(&cs);
        if (rc != 0) {
            snprintf(err, sizeof err, "%s", rep.error);
            break;
        }
        applied += rep.applied;
    }
    if (rc == 0 && applied != n) {
        fprintf(stderr, "bench_ingest: %llu of %llu events applied\n", (unsigned long long)applied,
                (unsigned long long)n);
        rc = CAIRN_ESTORE;
    }
out:
    if (rc != 0)
        fprintf(stderr, "bench_ingest: %s%s%s\n", cairn_strerror(rc), *err ? ": " : "", err);
    if (school != NULL)
        cairn_store_close(school);
    if (hub != NULL)
        cairn_store_close(hub);
    remove_db(dir, "school.db");
    remove_db(dir, "hub.db");
    rmdir(dir);
    if (rc != 0)
        return 1;
    double rate = (double)applied / t_apply;
    printf("hub_ingest_rate %.0f events/s\n", rate);
    printf("ratio_to_target %.2f\n", rate / TARGET_RATE);
    printf("changeset_build_rate %.0f events/s\n", (double)built / t_build);
    printf("changeset_bytes_per_event %.0f B\n", (double)bytes / (double)built);
    return 0;
}
