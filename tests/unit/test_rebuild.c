/*
 * test_rebuild.c: projections are a pure function of the log. After a realistic school day
 * (catalog import and a new version, educators, submissions with file and text evidence, submit,
 * withdraw, an event from another node) a rebuild reports equal digests; a projection row changed
 * behind the log's back is detected and restored; a rebuild that fails changes nothing.
 */
#include "store_fixture.h"

#include <cairn/chunk.h>
#include <cairn/hlc.h>

#include "catalog.h"
#include "submission.h"

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

static void import_catalog(fixture_t *f, const char *retitle)
{
    cairn_catalog_result_t res;
    char err[CAIRN_ERRMSG_MAX] = "";
    size_t len = 0;
    char *text = fixture_sample_catalog(&len);
    if (retitle != NULL) {
        char *at = strstr(text, "Wait Time for Deeper Thinking");
        assert_non_null(at);
        memcpy(at, retitle, strlen(retitle)); /* same length: an in-place change */
    }
    int rc = cairn_catalog_import(f->store, text, len, &res, err, sizeof err);
    if (rc != 0)
        fail_msg("import: %s", err);
    free(text);
}

static void educator(fixture_t *f, const char *name, char id[CAIRN_ID_TEXT_LEN + 1])
{
    fixture_reply_t r;
    cairn_mpbuf_t args;
    fixture_body(&args, "name", name, NULL);
    fixture_call(f, "educator.add", &args, &r);
    assert_int_equal(r.rc, 0);
    fixture_get_str(r.result, "id", id, CAIRN_ID_TEXT_LEN + 1);
    fixture_reply_free(&r);
}

static void file_evidence(fixture_t *f, const char *sub, const char *part, uint64_t size)
{
    cairn_manifest_t m = {.size = size, .chunk_size = CAIRN_CHUNK_SIZE};
    char err[CAIRN_ERRMSG_MAX] = "";
    uint64_t stored;
    assert_int_equal(cairn_chunk_count(size, m.chunk_size, &m.nchunks), 0);
    m.chunks = calloc(m.nchunks ? m.nchunks : 1, sizeof *m.chunks);
    for (uint32_t i = 0; i < m.nchunks; i++)
        cairn_hash_buf(sub, strlen(sub), &m.chunks[i]); /* distinct files per submission */
    cairn_file_hash(m.size, m.chunk_size, m.chunks, m.nchunks, &m.file_hash);
    cairn_evidence_t ev = {.part = part, .part_len = strlen(part), .manifest = &m};
    int rc = cairn_submission_evidence_add(f->store, sub, &ev, &stored, err, sizeof err);
    if (rc != 0)
        fail_msg("evidence %s: %s", part, err);
    free(m.chunks);
}

static void text_evidence(fixture_t *f, const char *sub, const char *part, const char *text)
{
    char err[CAIRN_ERRMSG_MAX] = "";
    uint64_t stored;
    cairn_evidence_t ev = {
        .part = part, .part_len = strlen(part), .text = text, .text_len = strlen(text)};
    int rc = cairn_submission_evidence_add(f->store, sub, &ev, &stored, err, sizeof err);
    if (rc != 0)
        fail_msg("evidence %s: %s", part, err);
}

static void start(fixture_t *f, const char *educator_id, const char *credential, char *id)
{
    cairn_submission_started_t out;
    char err[CAIRN_ERRMSG_MAX] = "";
    int rc = cairn_submission_start(f->store, educator_id, credential, strlen(credential), &out,
                                    err, sizeof err);
    if (rc != 0)
        fail_msg("start: %s", err);
    strcpy(id, out.id);
}

/* A day at a school: everything the API can write, plus an event from another node. */
static void school_day(fixture_t *f)
{
    char ada[32], ben[32], cy[32], s1[32], s2[32], s3[32], s4[32], err[CAIRN_ERRMSG_MAX];
    import_catalog(f, NULL);
    educator(f, "Ada Teacher", ada);
    educator(f, "Ben Teacher", ben);
    educator(f, "Cy Leader", cy);

    start(f, ada, "wait-time", s1);
    file_evidence(f, s1, "video", 40u << 20);
    file_evidence(f, s1, "tally", 2000);
    text_evidence(f, s1, "reflection", "first draft");
    text_evidence(f, s1, "reflection", "second draft, replacing the first");
    assert_int_equal(cairn_submission_submit(f->store, s1, err, sizeof err), 0);

    start(f, ada, "wait-time", s2); /* attempt 2 */
    text_evidence(f, s2, "reflection", "trying again");
    assert_int_equal(cairn_submission_withdraw(f->store, s2, err, sizeof err), 0);

    start(f, ben, "design-thinking", s3);
    file_evidence(f, s3, "project-plan", 123456);
    assert_int_equal(cairn_submission_withdraw(f->store, s3, err, sizeof err), 0);

    /* The hub publishes a new version; Cy starts on it. */
    import_catalog(f, "Wait Time for Deeper Thinkin2");
    start(f, cy, "wait-time", s4);
    text_evidence(f, s4, "reflection", "on version 2");

    /* An educator added at another school, applied from sync. */
    cairn_mpbuf_t b;
    fixture_body(&b, "name", "Remote Ruth", "email", "", "role", "assessor", NULL);
    cairn_event_t ev = {.seq = 1,
                        .hlc = cairn_hlc_make(cairn_hlc_wall_now(), 3),
                        .partition = "school:cdcd",
                        .type = "educator.add",
                        .entity = "01jdx3q4c8m6a9v2k5r7t0w1yz",
                        .body = (const uint8_t *)b.sb.data,
                        .body_len = b.sb.size};
    fixture_origin(ev.origin, 0xcd);
    assert_int_equal(cairn_store_apply(f->store, &ev), 0);
    cairn_mpbuf_free(&b);

    assert_int_equal(fixture_int(f, "SELECT count(*) FROM credentials WHERE id = 'wait-time'"), 2);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM submissions WHERE state='withdrawn'"), 2);
}

static void test_rebuild_after_a_school_day_is_equal(void **state)
{
    fixture_t *f = *state;
    uint8_t before[32], after[32];
    uint64_t replayed = 0;
    bool equal = false;
    school_day(f);
    uint64_t events = fixture_events(f);
    assert_int_equal(cairn_store_projection_digest(f->store, before), 0);
    assert_int_equal(cairn_store_rebuild(f->store, &equal, &replayed), 0);
    assert_true(equal);
    assert_int_equal(replayed, events);
    assert_int_equal(cairn_store_projection_digest(f->store, after), 0);
    assert_memory_equal(before, after, 32);
    assert_int_equal(fixture_events(f), events);

    /* And again after a restart, from a fresh clock and statement cache. */
    fixture_reopen(f);
    assert_int_equal(cairn_store_rebuild(f->store, &equal, NULL), 0);
    assert_true(equal);
}

static void tamper_and_rebuild(fixture_t *f, const char *sql)
{
    uint8_t before[32], tampered[32], after[32];
    bool equal = true;
    assert_int_equal(cairn_store_projection_digest(f->store, before), 0);
    fixture_sql(f, sql);
    assert_int_equal(cairn_store_projection_digest(f->store, tampered), 0);
    assert_memory_not_equal(before, tampered, 32);
    assert_int_equal(cairn_store_rebuild(f->store, &equal, NULL), 0);
    assert_false(equal);
    assert_int_equal(cairn_store_projection_digest(f->store, after), 0);
    assert_memory_equal(before, after, 32);
}

static void test_tampering_is_detected_and_restored(void **state)
{
    fixture_t *f = *state;
    school_day(f);
    tamper_and_rebuild(f, "UPDATE educators SET name = 'Mallory' WHERE name = 'Ada Teacher'");
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM educators WHERE name = 'Ada Teacher'"),
                     1);
    tamper_and_rebuild(f, "UPDATE submissions SET state = 'submitted' WHERE state = 'withdrawn'");
    tamper_and_rebuild(f, "DELETE FROM evidence WHERE part = 'video'");
    tamper_and_rebuild(f, "INSERT INTO educators(id, name, email, role, hlc, origin)"
                          " VALUES('01zzzzzzzzzzzzzzzzzzzzzzzz', 'Ghost', '', 'teacher', 1,"
                          " zeroblob(32))");
    tamper_and_rebuild(f, "UPDATE credentials SET pd_hours = 99 WHERE id = 'wait-time'");
    tamper_and_rebuild(f, "DELETE FROM stack_credentials WHERE credential = 'wait-time'");
    tamper_and_rebuild(f, "UPDATE issuer SET json = '{}'");
}

static void test_failed_rebuild_changes_nothing(void **state)
{
    fixture_t *f = *state;
    uint8_t before[32], after[32];
    bool equal;
    school_day(f);
    /* An event whose body no projector accepts, slipped into the log behind the store's back. */
    fixture_sql(f, "INSERT INTO events(origin, seq, hlc, partition, type, entity, body, chain)"
                   " VALUES(zeroblob(32), 1, 1, 'catalog', 'educator.add', 'x', x'80',"
                   " zeroblob(32))");
    assert_int_equal(cairn_store_projection_digest(f->store, before), 0);
    assert_int_equal(cairn_store_rebuild(f->store, &equal, NULL), CAIRN_EINVAL);
    assert_int_equal(cairn_store_projection_digest(f->store, after), 0);
    assert_memory_equal(before, after, 32);
    /* The store still works. */
    char id[32];
    educator(f, "After", id);
}

/* One event of a fixed log, for applying in different orders. */
typedef struct {
    uint8_t origin;
    uint64_t seq, hlc;
    const char *type, *entity;
    const char *k1, *v1, *k2, *v2, *k3, *v3;
} logged_t;

static void apply_logged(fixture_t *f, const logged_t *l)
{
    cairn_mpbuf_t b;
    fixture_body(&b, l->k1, l->v1, l->k2, l->v2, l->k3, l->v3, NULL);
    cairn_event_t ev = {.seq = l->seq,
                        .hlc = l->hlc,
                        .partition = "school:any",
                        .type = l->type,
                        .entity = l->entity,
                        .body = (const uint8_t *)b.sb.data,
                        .body_len = b.sb.size};
    fixture_origin(ev.origin, l->origin);
    assert_int_equal(cairn_store_apply(f->store, &ev), 0);
    cairn_mpbuf_free(&b);
}

/* Two nodes write the same educator (last writer wins by hlc, then origin) and the same stack;
 * whichever node's events arrive first, the projections end up the same, and equal to a
 * rebuild. */
static void test_arrival_order_does_not_matter(void **state)
{
    fixture_t *f = *state, *g = fixture_open();
    uint64_t t = cairn_hlc_make(cairn_hlc_wall_now() - 1000, 0);
    const char *x = "01jdx3q4c8m6a9v2k5r7t0w1yx";
    const char *stack_a = "{\"credentials\":[\"a\"],\"id\":\"s\",\"title\":\"A\"}";
    const char *stack_b = "{\"credentials\":[\"b\",\"c\"],\"id\":\"s\",\"title\":\"B\"}";
    const logged_t log[] = {
        {0xaa, 1, t + 1, "educator.add", x, "name", "Ann", "email", "", "role", "teacher"},
        {0xaa, 2, t + 5, "educator.add", x, "name", "Ann 2", "email", "", "role", "leader"},
        {0xaa, 3, t + 6, "catalog.stack", "s", "json", stack_a, NULL, NULL, NULL, NULL},
        {0xbb, 1, t + 3, "educator.add", x, "name", "Bea", "email", "", "role", "teacher"},
        {0xbb, 2, t + 5, "educator.add", x, "name", "Bea 2", "email", "", "role", "assessor"},
        {0xbb, 3, t + 6, "catalog.stack", "s", "json", stack_b, NULL, NULL, NULL, NULL},
    };
    uint8_t d1[32], d2[32];
    bool equal;
    for (size_t i = 0; i < 6; i++)
        apply_logged(f, &log[i]);
    for (size_t i = 0; i < 6; i++)
        apply_logged(g, &log[(i + 3) % 6]); /* the other node's events first */
    assert_int_equal(cairn_store_projection_digest(f->store, d1), 0);
    assert_int_equal(cairn_store_projection_digest(g->store, d2), 0);
    assert_memory_equal(d1, d2, 32);
    /* Same hlc: the greater origin (0xbb) wins. */
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM educators WHERE name = 'Bea 2'"), 1);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM stack_credentials WHERE stack = 's'"), 2);
    assert_int_equal(cairn_store_rebuild(g->store, &equal, NULL), 0);
    assert_true(equal);
    fixture_close(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rebuild_after_a_school_day_is_equal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampering_is_detected_and_restored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_rebuild_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrival_order_does_not_matter, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
