/*
 * test_store_events.c: the event log's guarantees: gapless seq per origin, a clock that never
 * repeats across restarts, idempotent apply, ECONFLICT and EGAP, all-or-nothing on every failure,
 * nested transactions, and the schema version check.
 */
#include "store_fixture.h"

#include "store_schema.h"

#include <cairn/hlc.h>

static int setup(void **state)
{
    *state = fixture_open();
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static int append_educator(fixture_t *f, const char *id, const char *name, uint64_t *seq,
                           uint64_t *hlc)
{
    cairn_mpbuf_t b;
    fixture_body(&b, "name", name, "email", "", "role", "teacher", NULL);
    int rc = cairn_store_append(f->store, cairn_store_school_partition(f->store), "educator.add",
                                id, (const uint8_t *)b.sb.data, b.sb.size, seq, hlc);
    cairn_mpbuf_free(&b);
    return rc;
}

/* An educator.add event from another origin; body owned by b. */
static cairn_event_t remote_event(cairn_mpbuf_t *b, uint8_t origin_fill, uint64_t seq, uint64_t hlc,
                                  const char *entity, const char *name)
{
    cairn_event_t ev = {.seq = seq,
                        .hlc = hlc,
                        .partition = "school:cdcd",
                        .type = "educator.add",
                        .entity = entity};
    fixture_origin(ev.origin, origin_fill);
    fixture_body(b, "name", name, "email", "", "role", "teacher", NULL);
    ev.body = (const uint8_t *)b->sb.data;
    ev.body_len = b->sb.size;
    return ev;
}

static uint64_t now_hlc(void)
{
    return cairn_hlc_make(cairn_hlc_wall_now(), 0);
}

static void test_append_is_gapless(void **state)
{
    fixture_t *f = *state;
    uint64_t seq, hlc, last_hlc = 0;
    char id[32];
    for (uint64_t i = 1; i <= 5; i++) {
        snprintf(id, sizeof id, "01jdx3q4c8m6a9v2k5r7t0w1y%llu", (unsigned long long)i);
        assert_int_equal(append_educator(f, id, "Ada", &seq, &hlc), 0);
        assert_int_equal(seq, i);
        assert_true(hlc > last_hlc);
        last_hlc = hlc;
    }
    assert_int_equal(fixture_events(f), 5);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM educators"), 5);

    /* After a restart the seq continues and the clock stays ahead of the log. */
    fixture_reopen(f);
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1z0", "Ben", &seq, &hlc), 0);
    assert_int_equal(seq, 6);
    assert_true(hlc > last_hlc);
}

static void test_apply_twice_is_a_noop(void **state)
{
    fixture_t *f = *state;
    cairn_mpbuf_t b;
    cairn_event_t ev = remote_event(&b, 0xcd, 1, now_hlc(), "01jdx3q4c8m6a9v2k5r7t0w1aa", "Cy");
    assert_int_equal(cairn_store_apply(f->store, &ev), 0);
    assert_int_equal(fixture_events(f), 1);
    assert_int_equal(cairn_store_apply(f->store, &ev), 0);
    assert_int_equal(fixture_events(f), 1);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM educators"), 1);
    cairn_mpbuf_free(&b);

    /* A local append after absorbing a remote timestamp sorts after it. */
    uint64_t hlc;
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1ab", "Di", NULL, &hlc), 0);
    assert_true(hlc > ev.hlc);
}

static void test_apply_conflict(void **state)
{
    fixture_t *f = *state;
    cairn_mpbuf_t b1, b2;
    uint64_t hlc = now_hlc();
    cairn_event_t ev = remote_event(&b1, 0xcd, 1, hlc, "01jdx3q4c8m6a9v2k5r7t0w1aa", "Cy");
    cairn_event_t other = remote_event(&b2, 0xcd, 1, hlc, "01jdx3q4c8m6a9v2k5r7t0w1aa", "Cyd");
    assert_int_equal(cairn_store_apply(f->store, &ev), 0);
    assert_int_equal(cairn_store_apply(f->store, &other), CAIRN_ECONFLICT);
    other = ev;
    other.hlc = hlc + 1;
    assert_int_equal(cairn_store_apply(f->store, &other), CAIRN_ECONFLICT);
    other = ev;
    other.entity = "01jdx3q4c8m6a9v2k5r7t0w1ab";
    assert_int_equal(cairn_store_apply(f->store, &other), CAIRN_ECONFLICT);
    assert_int_equal(fixture_events(f), 1);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM educators WHERE name = 'Cy'"), 1);
    cairn_mpbuf_free(&b1);
    cairn_mpbuf_free(&b2);
}

static void test_apply_gap(void **state)
{
    fixture_t *f = *state;
    cairn_mpbuf_t b;
    cairn_event_t ev = remote_event(&b, 0xcd, 2, now_hlc(), "01jdx3q4c8m6a9v2k5r7t0w1aa", "Cy");
    assert_int_equal(cairn_store_apply(f->store, &ev), CAIRN_EGAP);
    ev.seq = 1;
    assert_int_equal(cairn_store_apply(f->store, &ev), 0);
    ev.seq = 3;
    ev.entity = "01jdx3q4c8m6a9v2k5r7t0w1ab";
    assert_int_equal(cairn_store_apply(f->store, &ev), CAIRN_EGAP);
    ev.seq = 0;
    assert_int_equal(cairn_store_apply(f->store, &ev), CAIRN_EINVAL);
    assert_int_equal(fixture_events(f), 1);
    cairn_mpbuf_free(&b);
}

static void test_clock_far_ahead_is_refused(void **state)
{
    fixture_t *f = *state;
    cairn_mpbuf_t b;
    uint64_t ahead = cairn_hlc_make(cairn_hlc_wall_now() + 2 * CAIRN_HLC_MAX_DRIFT_MS, 0);
    cairn_event_t ev = remote_event(&b, 0xcd, 1, ahead, "01jdx3q4c8m6a9v2k5r7t0w1aa", "Cy");
    assert_int_equal(cairn_store_apply(f->store, &ev), CAIRN_EINVAL);
    assert_int_equal(fixture_events(f), 0);
    cairn_mpbuf_free(&b);
}

static void test_failure_leaves_nothing(void **state)
{
    fixture_t *f = *state;
    static const uint8_t not_a_map[] = {0x93, 0x01, 0x02, 0x03};
    static const uint8_t truncated[] = {0x81, 0xa4, 'n', 'a'};
    const char *partition = cairn_store_school_partition(f->store);
    cairn_mpbuf_t b;
    uint64_t seq;

    assert_int_not_equal(cairn_store_append(f->store, partition, "educator.add", "x", not_a_map,
                                            sizeof not_a_map, NULL, NULL),
                         0);
    assert_int_not_equal(cairn_store_append(f->store, partition, "educator.add", "x", truncated,
                                            sizeof truncated, NULL, NULL),
                         0);
    /* A body the projection refuses (no name): neither the event nor any row stays. */
    fixture_body(&b, "email", "a@b.c", "role", "teacher", NULL);
    assert_int_equal(cairn_store_append(f->store, partition, "educator.add", "x",
                                        (const uint8_t *)b.sb.data, b.sb.size, NULL, NULL),
                     CAIRN_EINVAL);
    cairn_mpbuf_free(&b);
    /* Evidence for a submission that does not exist. */
    fixture_body(&b, "part", "reflection", "type", "text", "text", "hello", NULL);
    assert_int_equal(cairn_store_append(f->store, partition, "evidence.add",
                                        "01jdx3q4c8m6a9v2k5r7t0w1aa", (const uint8_t *)b.sb.data,
                                        b.sb.size, NULL, NULL),
                     CAIRN_ENOTFOUND);
    cairn_mpbuf_free(&b);
    assert_int_equal(fixture_events(f), 0);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM educators"), 0);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM evidence"), 0);

    /* Failed appends consumed no seq. */
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1ab", "Ada", &seq, NULL), 0);
    assert_int_equal(seq, 1);

    /* Inside a transaction, a failed append undoes only itself. */
    assert_int_equal(cairn_store_begin(f->store), 0);
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1ac", "Ben", &seq, NULL), 0);
    assert_int_equal(seq, 2);
    assert_int_not_equal(cairn_store_append(f->store, partition, "educator.add", "y", not_a_map,
                                            sizeof not_a_map, NULL, NULL),
                         0);
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1ad", "Cy", &seq, NULL), 0);
    assert_int_equal(seq, 3);
    assert_int_equal(cairn_store_commit(f->store), 0);
    assert_int_equal(fixture_events(f), 3);
}

static void test_nested_transactions(void **state)
{
    fixture_t *f = *state;
    uint64_t seq;

    /* Rolling back the outer level undoes committed inner levels. */
    assert_int_equal(cairn_store_begin(f->store), 0);
    assert_int_equal(cairn_store_begin(f->store), 0);
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1aa", "Ada", &seq, NULL), 0);
    assert_int_equal(cairn_store_commit(f->store), 0);
    cairn_store_rollback(f->store);
    assert_int_equal(fixture_events(f), 0);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM educators"), 0);

    /* Rolling back an inner level keeps the outer level's work. */
    assert_int_equal(cairn_store_begin(f->store), 0);
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1ab", "Ben", &seq, NULL), 0);
    assert_int_equal(seq, 1); /* the rolled-back seq 1 is reused: no gap */
    assert_int_equal(cairn_store_begin(f->store), 0);
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1ac", "Cy", &seq, NULL), 0);
    assert_int_equal(seq, 2);
    cairn_store_rollback(f->store);
    assert_int_equal(cairn_store_commit(f->store), 0);
    assert_int_equal(fixture_events(f), 1);
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1ad", "Di", &seq, NULL), 0);
    assert_int_equal(seq, 2);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM educators"), 2);
}

/* A database failure after a projector's first write: the evidence projector updates the
 * submission, then its evidence insert fails (a trigger stands in for a full disk). */
static void test_database_failure_midway(void **state)
{
    fixture_t *f = *state;
    const char *partition = cairn_store_school_partition(f->store);
    const char *sub = "01jdx3q4c8m6a9v2k5r7t0w1aa";
    cairn_mpbuf_t b;
    cairn_mpbuf_init(&b);
    msgpack_pack_map(&b.pk, 4);
    cairn_mp_pack_kv_str(&b.pk, "educator", "01jdx3q4c8m6a9v2k5r7t0w1ab");
    cairn_mp_pack_kv_str(&b.pk, "credential", "wait-time");
    cairn_mp_pack_kv_u64(&b.pk, "version", 1);
    cairn_mp_pack_kv_u64(&b.pk, "attempt", 1);
    assert_int_equal(cairn_store_append_body(f->store, partition, "submission.start", sub, &b), 0);
    int64_t updated = fixture_int(f, "SELECT updated FROM submissions");
    fixture_sql(f, "CREATE TEMP TRIGGER boom BEFORE INSERT ON main.evidence"
                   " BEGIN SELECT RAISE(ABORT, 'boom'); END");

    /* On its own: the event's own transaction rolls back. */
    fixture_body(&b, "part", "reflection", "type", "text", "text", "hello", NULL);
    assert_int_equal(cairn_store_append_body(f->store, partition, "evidence.add", sub, &b),
                     CAIRN_ESTORE);
    assert_int_equal(fixture_events(f), 1);
    assert_int_equal(fixture_int(f, "SELECT updated FROM submissions"), updated);

    /* Inside a caller's transaction: the whole transaction goes, and its commit says so. */
    assert_int_equal(cairn_store_begin(f->store), 0);
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1ac", "Ben", NULL, NULL), 0);
    fixture_body(&b, "part", "reflection", "type", "text", "text", "hello", NULL);
    assert_int_equal(cairn_store_append_body(f->store, partition, "evidence.add", sub, &b),
                     CAIRN_ESTORE);
    assert_int_equal(cairn_store_depth(f->store), CAIRN_ESTORE);
    assert_int_not_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1ad", "Cy", NULL, NULL), 0);
    assert_int_equal(cairn_store_commit(f->store), CAIRN_ESTORE);
    assert_int_equal(cairn_store_depth(f->store), 0);
    assert_int_equal(fixture_events(f), 1);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM educators"), 0);
    assert_int_equal(fixture_int(f, "SELECT updated FROM submissions"), updated);

    /* And the store carries on. */
    fixture_sql(f, "DROP TRIGGER boom");
    uint64_t seq;
    assert_int_equal(append_educator(f, "01jdx3q4c8m6a9v2k5r7t0w1ae", "Di", &seq, NULL), 0);
    assert_int_equal(seq, 2);
}

static void test_unknown_type_is_kept_unprojected(void **state)
{
    fixture_t *f = *state;
    cairn_mpbuf_t b;
    fixture_body(&b, "anything", "at all", NULL);
    assert_int_equal(cairn_store_append(f->store, "catalog", "review.future", "e1",
                                        (const uint8_t *)b.sb.data, b.sb.size, NULL, NULL),
                     0);
    cairn_mpbuf_free(&b);
    assert_int_equal(fixture_events(f), 1);
}

static void test_event_limits(void **state)
{
    fixture_t *f = *state;
    char long_type[CAIRN_TYPE_MAX + 2];
    cairn_mpbuf_t b;
    memset(long_type, 't', sizeof long_type - 1);
    long_type[sizeof long_type - 1] = '\0';
    fixture_body(&b, "name", "Ada", "email", "", "role", "teacher", NULL);
    assert_int_equal(cairn_store_append(f->store, "catalog", long_type, "e1",
                                        (const uint8_t *)b.sb.data, b.sb.size, NULL, NULL),
                     CAIRN_EINVAL);
    assert_int_equal(cairn_store_append(f->store, "", "educator.add", "e1",
                                        (const uint8_t *)b.sb.data, b.sb.size, NULL, NULL),
                     CAIRN_EINVAL);
    cairn_mpbuf_free(&b);
    assert_int_equal(fixture_events(f), 0);
}

static void test_schema_version_checks(void **state)
{
    fixture_t *f = *state;
    cairn_store_t *other;
    fixture_sql(f, "UPDATE meta SET value = 999 WHERE key = 'schema_version'");
    cairn_store_close(f->store);
    assert_int_equal(cairn_store_open(f->path, f->origin, &other), CAIRN_EUNSUPPORTED);
    /* put it back so teardown can open and close normally */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    /* (to the current version: a migration that adds columns cannot run twice) */
    char put_back[96];
    snprintf(put_back, sizeof put_back, "UPDATE meta SET value = %d WHERE key = 'schema_version'",
             cairn_store_schema_version());
    assert_int_equal(sqlite3_exec(db, put_back, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(cairn_store_open(f->path, f->origin, &f->store), 0);

    /* Some other program's database is refused, untouched. */
    char path[128];
    snprintf(path, sizeof path, "%s/other.db", f->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(cairn_store_open(path, f->origin, &other), CAIRN_EDATADIR);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "delete"); /* untouched */
    sqlite3_finalize(st);
    sqlite3_close(db);
    unlink(path);
}

static void test_wal_and_pragmas(void **state)
{
    fixture_t *f = *state;
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(cairn_store_db(f->store), "PRAGMA journal_mode", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(fixture_int(f, "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(fixture_int(f, "PRAGMA foreign_keys"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_is_gapless, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_twice_is_a_noop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_far_ahead_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_failure_midway, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_type_is_kept_unprojected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_version_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_and_pragmas, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
