/*
 * test_submission.c: the submission rules through the API handlers and submission.c: starting
 * (attempts, unknown educator or credential), evidence rules, the draft -> submitted / withdrawn
 * state machine with its messages, show and list, and id prefix resolution.
 */
#include "store_fixture.h"

#include <cairn/chunk.h>

#include "catalog.h"
#include "submission.h"

typedef struct {
    fixture_t *f;
    char ada[CAIRN_ID_TEXT_LEN + 1];
    char ben[CAIRN_ID_TEXT_LEN + 1];
} world_t;

static void add_educator(fixture_t *f, const char *name, const char *role, char *id)
{
    fixture_reply_t r;
    cairn_mpbuf_t args;
    fixture_body(&args, "name", name, "email", "x@example.org", "role", role, NULL);
    fixture_call(f, "educator.add", &args, &r);
    assert_int_equal(r.rc, 0);
    fixture_get_str(r.result, "id", id, CAIRN_ID_TEXT_LEN + 1);
    assert_int_equal(strlen(id), CAIRN_ID_TEXT_LEN);
    fixture_reply_free(&r);
}

static int setup(void **state)
{
    world_t *w = calloc(1, sizeof *w);
    cairn_catalog_result_t res;
    char err[CAIRN_ERRMSG_MAX];
    size_t len = 0;
    w->f = fixture_open();
    char *text = fixture_sample_catalog(&len);
    assert_int_equal(cairn_catalog_import(w->f->store, text, len, &res, err, sizeof err), 0);
    free(text);
    add_educator(w->f, "Ada Teacher", "teacher", w->ada);
    add_educator(w->f, "Ben Leader", "leader", w->ben);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world_t *w = *state;
    fixture_close(w->f);
    free(w);
    return 0;
}

/* Starts a submission for educator (any prefix) and credential; returns the reply code. */
static int start(world_t *w, const char *educator, const char *credential, char *id,
                 uint64_t *attempt, char *errmsg)
{
    fixture_reply_t r;
    cairn_mpbuf_t args;
    fixture_body(&args, "educator", educator, "credential", credential, NULL);
    fixture_call(w->f, "submission.start", &args, &r);
    if (errmsg != NULL)
        strcpy(errmsg, r.errmsg);
    if (r.rc == 0) {
        fixture_get_str(r.result, "id", id, CAIRN_ID_TEXT_LEN + 1);
        assert_int_equal(cairn_mp_get_u64(r.result, "attempt", attempt), 0);
    }
    fixture_reply_free(&r);
    return r.rc;
}

/* Calls an op whose only argument is key = value; returns the code, message in errmsg. */
static int call1(world_t *w, const char *op, const char *key, const char *value, char *errmsg)
{
    fixture_reply_t r;
    cairn_mpbuf_t args;
    fixture_body(&args, key, value, NULL);
    fixture_call(w->f, op, &args, &r);
    if (errmsg != NULL)
        strcpy(errmsg, r.errmsg);
    fixture_reply_free(&r);
    return r.rc;
}

static int add_text(world_t *w, const char *submission, const char *part, const char *text,
                    char *errmsg)
{
    fixture_reply_t r;
    cairn_mpbuf_t args;
    fixture_body(&args, "submission", submission, "part", part, "text", text, NULL);
    fixture_call(w->f, "evidence.add", &args, &r);
    if (errmsg != NULL)
        strcpy(errmsg, r.errmsg);
    fixture_reply_free(&r);
    return r.rc;
}

/* File evidence through submission.c with a made-up manifest (the API would load it from the
 * blob store; the rules and the event are the same). */
static int add_file(world_t *w, const char *submission, const char *part, uint64_t size,
                    char *errmsg)
{
    cairn_manifest_t m = {.size = size, .chunk_size = CAIRN_CHUNK_SIZE};
    char err[CAIRN_ERRMSG_MAX] = "";
    uint64_t stored;
    assert_int_equal(cairn_chunk_count(size, m.chunk_size, &m.nchunks), 0);
    m.chunks = calloc(m.nchunks ? m.nchunks : 1, sizeof *m.chunks);
    for (uint32_t i = 0; i < m.nchunks; i++) {
        cairn_hash_buf(part, strlen(part), &m.chunks[i]); /* distinct files per part */
        m.chunks[i].b[0] = (uint8_t)i;
    }
    cairn_file_hash(m.size, m.chunk_size, m.chunks, m.nchunks, &m.file_hash);
    cairn_evidence_t ev = {.part = part,
                           .part_len = strlen(part),
                           .manifest = &m,
                           .name = "lesson.mp4",
                           .name_len = 10,
                           .media_type = "video/mp4",
                           .media_type_len = 9};
    int rc = cairn_submission_evidence_add(w->f->store, submission, &ev, &stored, err, sizeof err);
    if (rc == 0)
        assert_int_equal(stored, size);
    if (errmsg != NULL)
        strcpy(errmsg, err);
    free(m.chunks);
    return rc;
}

static void test_start_and_attempts(void **state)
{
    world_t *w = *state;
    char id[32], id2[32], prefix[16], err[CAIRN_ERRMSG_MAX];
    uint64_t attempt;
    snprintf(prefix, sizeof prefix, "%.14s", w->ada); /* past the 10 time characters */
    assert_int_equal(start(w, prefix, "wait-time", id, &attempt, NULL), 0);
    assert_int_equal(attempt, 1);
    assert_int_equal(start(w, w->ada, "wait-time", id2, &attempt, NULL), 0);
    assert_int_equal(attempt, 2);
    assert_string_not_equal(id, id2);
    /* Another credential, another educator: their own counts. */
    assert_int_equal(start(w, w->ada, "design-thinking", id2, &attempt, NULL), 0);
    assert_int_equal(attempt, 1);
    assert_int_equal(start(w, w->ben, "wait-time", id2, &attempt, NULL), 0);
    assert_int_equal(attempt, 1);
    /* A withdrawn attempt still counts. */
    assert_int_equal(call1(w, "submission.withdraw", "id", id, NULL), 0);
    assert_int_equal(start(w, w->ada, "wait-time", id2, &attempt, NULL), 0);
    assert_int_equal(attempt, 3);

    uint64_t events = fixture_events(w->f);
    assert_int_equal(start(w, w->ada, "no-such-credential", id2, &attempt, err), CAIRN_ENOTFOUND);
    assert_non_null(strstr(err, "no-such-credential"));
    assert_int_equal(start(w, "7zzzzzzz", "wait-time", id2, &attempt, err), CAIRN_ENOTFOUND);
    assert_int_equal(start(w, "abc", "wait-time", id2, &attempt, err), CAIRN_EINVAL);
    assert_int_equal(fixture_events(w->f), events);
}

static void test_educator_args(void **state)
{
    world_t *w = *state;
    fixture_reply_t r;
    cairn_mpbuf_t args;
    uint64_t events = fixture_events(w->f);
    fixture_body(&args, "name", "Cy", "role", "principal", NULL);
    fixture_call(w->f, "educator.add", &args, &r);
    assert_int_equal(r.rc, CAIRN_EINVAL);
    assert_non_null(strstr(r.errmsg, "role"));
    fixture_body(&args, "email", "cy@example.org", NULL);
    fixture_call(w->f, "educator.add", &args, &r);
    assert_int_equal(r.rc, CAIRN_EINVAL);
    assert_non_null(strstr(r.errmsg, "name"));
    fixture_body(&args, "name", "", NULL);
    fixture_call(w->f, "educator.add", &args, &r);
    assert_int_equal(r.rc, CAIRN_EINVAL);
    assert_int_equal(fixture_events(w->f), events);

    /* Default role is teacher; the list holds all three. */
    fixture_body(&args, "name", "Cy", NULL);
    fixture_call(w->f, "educator.add", &args, &r);
    assert_int_equal(r.rc, 0);
    fixture_reply_free(&r);
    assert_int_equal(fixture_int(w->f, "SELECT count(*) FROM educators WHERE name = 'Cy'"
                                       " AND role = 'teacher' AND email = ''"),
                     1);
    fixture_body(&args, NULL);
    fixture_call(w->f, "educator.list", &args, &r);
    assert_int_equal(r.rc, 0);
    const msgpack_object_array *list;
    assert_int_equal(cairn_mp_get_array(r.result, "educators", 10, &list), 0);
    assert_int_equal(list->size, 3);
    fixture_reply_free(&r);
}

static void test_missing_parts_and_submit(void **state)
{
    world_t *w = *state;
    char id[32], err[CAIRN_ERRMSG_MAX];
    uint64_t attempt;
    assert_int_equal(start(w, w->ada, "wait-time", id, &attempt, NULL), 0);

    assert_int_equal(call1(w, "submission.submit", "id", id, err), CAIRN_EMISSING);
    assert_string_equal(err, "missing required parts: video, tally, reflection");
    assert_int_equal(add_text(w, id, "reflection", "Students answered at length.", NULL), 0);
    assert_int_equal(call1(w, "submission.submit", "id", id, err), CAIRN_EMISSING);
    assert_string_equal(err, "missing required parts: video, tally");
    assert_int_equal(add_file(w, id, "video", 5u << 20, NULL), 0);
    assert_int_equal(call1(w, "submission.submit", "id", id, err), CAIRN_EMISSING);
    assert_string_equal(err, "missing required parts: tally");
    assert_int_equal(add_file(w, id, "tally", 300, NULL), 0);
    assert_int_equal(call1(w, "submission.submit", "id", id, NULL), 0);
    assert_int_equal(fixture_int(w->f, "SELECT count(*) FROM submissions WHERE state ="
                                       " 'submitted'"),
                     1);

    /* An optional part need not be there: higher-order-questioning's student-work. */
    assert_int_equal(start(w, w->ada, "higher-order-questioning", id, &attempt, NULL), 0);
    assert_int_equal(call1(w, "submission.submit", "id", id, err), CAIRN_EMISSING);
    assert_string_equal(err, "missing required parts: plan, video, reflection");
}

static void test_evidence_rules(void **state)
{
    world_t *w = *state;
    char id[32], err[CAIRN_ERRMSG_MAX];
    uint64_t attempt;
    fixture_reply_t r;
    cairn_mpbuf_t args;
    assert_int_equal(start(w, w->ada, "wait-time", id, &attempt, NULL), 0);
    uint64_t events = fixture_events(w->f);

    assert_int_equal(add_text(w, id, "nosuchpart", "x", err), CAIRN_EINVAL);
    assert_string_equal(err, "part 'nosuchpart' is not in wait-time v1 (parts: video, tally,"
                             " reflection)");
    assert_int_equal(add_text(w, id, "video", "a video, in words", err), CAIRN_EINVAL);
    assert_non_null(strstr(err, "give a file"));
    assert_int_equal(add_file(w, id, "reflection", 100, err), CAIRN_EINVAL);
    assert_non_null(strstr(err, "give text"));

    /* Neither or both of file and text. */
    fixture_body(&args, "submission", id, "part", "reflection", NULL);
    fixture_call(w->f, "evidence.add", &args, &r);
    assert_int_equal(r.rc, CAIRN_EINVAL);
    cairn_mpbuf_init(&args);
    msgpack_pack_map(&args.pk, 4);
    cairn_mp_pack_kv_str(&args.pk, "submission", id);
    cairn_mp_pack_kv_str(&args.pk, "part", "reflection");
    cairn_mp_pack_kv_str(&args.pk, "text", "x");
    cairn_mp_pack_cstr(&args.pk, "file");
    msgpack_pack_map(&args.pk, 1);
    cairn_mp_pack_kv_bin(&args.pk, "hash", "0123456789abcdef0123456789abcdef", 32);
    fixture_call(w->f, "evidence.add", &args, &r);
    assert_int_equal(r.rc, CAIRN_EINVAL);
    /* Text over 64 KiB. */
    char *big = malloc(CAIRN_TEXT_EVIDENCE_MAX + 2);
    memset(big, 'x', CAIRN_TEXT_EVIDENCE_MAX + 1);
    big[CAIRN_TEXT_EVIDENCE_MAX + 1] = '\0';
    assert_int_equal(add_text(w, id, "reflection", big, NULL), CAIRN_EINVAL);
    big[CAIRN_TEXT_EVIDENCE_MAX] = '\0';
    assert_int_equal(fixture_events(w->f), events);
    assert_int_equal(add_text(w, id, "reflection", big, NULL), 0); /* exactly the limit */
    free(big);

    /* Replacing in draft: the later evidence wins. */
    assert_int_equal(add_text(w, id, "reflection", "second thoughts", NULL), 0);
    assert_int_equal(fixture_int(w->f, "SELECT size FROM evidence WHERE part = 'reflection'"), 15);
    assert_int_equal(fixture_int(w->f, "SELECT count(*) FROM evidence"), 1);
}

static void test_state_machine(void **state)
{
    world_t *w = *state;
    char id[32], id2[32], err[CAIRN_ERRMSG_MAX];
    uint64_t attempt;
    assert_int_equal(start(w, w->ada, "feedback-for-growth", id, &attempt, NULL), 0);
    assert_int_equal(add_file(w, id, "student-work", 1000, NULL), 0);
    assert_int_equal(add_file(w, id, "criteria", 1000, NULL), 0);
    assert_int_equal(add_text(w, id, "reflection", "r", NULL), 0);
    assert_int_equal(call1(w, "submission.submit", "id", id, NULL), 0);
    uint64_t events = fixture_events(w->f);

    assert_int_equal(add_text(w, id, "reflection", "too late", err), CAIRN_ESTATE);
    assert_non_null(strstr(err, "is submitted"));
    assert_int_equal(call1(w, "submission.submit", "id", id, err), CAIRN_ESTATE);
    assert_non_null(strstr(err, "is submitted"));
    assert_int_equal(fixture_events(w->f), events);

    assert_int_equal(call1(w, "submission.withdraw", "id", id, NULL), 0);
    assert_int_equal(call1(w, "submission.withdraw", "id", id, err), CAIRN_ESTATE);
    assert_non_null(strstr(err, "is withdrawn"));
    assert_int_equal(call1(w, "submission.submit", "id", id, err), CAIRN_ESTATE);
    assert_non_null(strstr(err, "is withdrawn"));
    assert_int_equal(add_text(w, id, "reflection", "x", err), CAIRN_ESTATE);
    assert_int_equal(add_file(w, id, "criteria", 10, err), CAIRN_ESTATE);

    /* A draft can be withdrawn too. */
    assert_int_equal(start(w, w->ada, "feedback-for-growth", id2, &attempt, NULL), 0);
    assert_int_equal(attempt, 2);
    assert_int_equal(call1(w, "submission.withdraw", "id", id2, NULL), 0);
    assert_int_equal(fixture_int(w->f, "SELECT count(*) FROM submissions WHERE state ="
                                       " 'withdrawn'"),
                     2);
    assert_int_equal(call1(w, "submission.submit", "id", "7zzzzzzzzz", err), CAIRN_ENOTFOUND);
}

static void test_show_and_list(void **state)
{
    world_t *w = *state;
    char id[32], other[32], s[256];
    uint64_t attempt, v;
    fixture_reply_t r;
    cairn_mpbuf_t args;
    assert_int_equal(start(w, w->ada, "wait-time", id, &attempt, NULL), 0);
    assert_int_equal(add_file(w, id, "video", 3000000, NULL), 0);
    assert_int_equal(add_text(w, id, "reflection", "hello", NULL), 0);
    assert_int_equal(start(w, w->ben, "wait-time", other, &attempt, NULL), 0);

    fixture_body(&args, "id", id, NULL);
    fixture_call(w->f, "submission.show", &args, &r);
    assert_int_equal(r.rc, 0);
    fixture_get_str(r.result, "state", s, sizeof s);
    assert_string_equal(s, "draft");
    fixture_get_str(r.result, "title", s, sizeof s);
    assert_string_equal(s, "Wait Time for Deeper Thinking");
    fixture_get_str(cairn_mp_get(r.result, "educator"), "name", s, sizeof s);
    assert_string_equal(s, "Ada Teacher");
    assert_int_equal(cairn_mp_get_u64(r.result, "attempt", &v), 0);
    assert_int_equal(v, 1);
    uint64_t created, updated;
    assert_int_equal(cairn_mp_get_u64(r.result, "created", &created), 0);
    assert_int_equal(cairn_mp_get_u64(r.result, "updated", &updated), 0);
    assert_true(updated > created);
    const msgpack_object_array *parts;
    assert_int_equal(cairn_mp_get_array(r.result, "parts", 16, &parts), 0);
    assert_int_equal(parts->size, 3);
    const msgpack_object *video = cairn_mp_get(&parts->ptr[0], "evidence");
    assert_int_equal(video->type, MSGPACK_OBJECT_MAP);
    fixture_get_str(video, "name", s, sizeof s);
    assert_string_equal(s, "lesson.mp4");
    fixture_get_str(video, "hash", s, sizeof s);
    assert_int_equal(strlen(s), 64);
    assert_int_equal(cairn_mp_get_u64(video, "size", &v), 0);
    assert_int_equal(v, 3000000);
    assert_int_equal(cairn_mp_get(&parts->ptr[1], "evidence")->type, MSGPACK_OBJECT_NIL);
    const msgpack_object *text = cairn_mp_get(&parts->ptr[2], "evidence");
    fixture_get_str(text, "type", s, sizeof s);
    assert_string_equal(s, "text");
    fixture_reply_free(&r);

    const msgpack_object_array *list;
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%.14s", w->ben); /* past the 10 time characters */
    fixture_body(&args, "educator", prefix, NULL);
    fixture_call(w->f, "submission.list", &args, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(cairn_mp_get_array(r.result, "submissions", 10, &list), 0);
    assert_int_equal(list->size, 1);
    fixture_get_str(&list->ptr[0], "id", s, sizeof s);
    assert_string_equal(s, other);
    fixture_get_str(&list->ptr[0], "educator_name", s, sizeof s);
    assert_string_equal(s, "Ben Leader");
    fixture_reply_free(&r);

    assert_int_equal(call1(w, "submission.withdraw", "id", other, NULL), 0);
    fixture_body(&args, "state", "draft", NULL);
    fixture_call(w->f, "submission.list", &args, &r);
    assert_int_equal(cairn_mp_get_array(r.result, "submissions", 10, &list), 0);
    assert_int_equal(list->size, 1);
    fixture_reply_free(&r);
    fixture_body(&args, "state", "lost", NULL);
    fixture_call(w->f, "submission.list", &args, &r);
    assert_int_equal(r.rc, CAIRN_EINVAL);
}

/* Educators with made-up ids sharing a prefix, appended directly as events. */
static void add_educator_with_id(world_t *w, const char *id)
{
    cairn_mpbuf_t b;
    fixture_body(&b, "name", id, "email", "", "role", "teacher", NULL);
    assert_int_equal(cairn_store_append_body(w->f->store, cairn_store_school_partition(w->f->store),
                                             "educator.add", id, &b),
                     0);
}

static void test_prefix_resolution(void **state)
{
    world_t *w = *state;
    char out[CAIRN_ID_TEXT_LEN + 1], err[CAIRN_ERRMSG_MAX];
    static const char *const ids[] = {
        "01aaaa0000000000000000000a", "01aaaa0000000000000000000b", "01aaaa0000000000000000000c",
        "01aaaa0000000000000000000d", "01aaaa0000000000000000000e", "01aaaa0000000000000000000f",
        "01aaab0000000000000000000a", "01aaac0000000000000000000a", "01aaac0000000000000000000b",
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        add_educator_with_id(w, ids[i]);
    cairn_store_t *s = w->f->store;

    assert_int_equal(cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, "01aaab", 6, out, err, 512), 0);
    assert_string_equal(out, ids[6]);
    assert_int_equal(cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, "01AAAB", 6, out, err, 512), 0);
    assert_string_equal(out, ids[6]);
    assert_int_equal(cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, ids[2], 26, out, err, 512), 0);
    assert_string_equal(out, ids[2]);
    /* i, l and o read as 1, 1 and 0, as cairn_id_prefix_normalise says. */
    assert_int_equal(cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, "OIaaab", 6, out, err, 512), 0);
    assert_string_equal(out, ids[6]);

    assert_int_equal(cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, "01aaaa", 6, out, err, 512),
                     CAIRN_EAMBIGUOUS);
    assert_string_equal(err, "educator id prefix '01aaaa' is ambiguous: 01aaaa0000000000000000000a,"
                             " 01aaaa0000000000000000000b, 01aaaa0000000000000000000c,"
                             " 01aaaa0000000000000000000d, 01aaaa0000000000000000000e, ...");
    assert_int_equal(cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, "01aaac", 6, out, err, 512),
                     CAIRN_EAMBIGUOUS);
    assert_string_equal(err, "educator id prefix '01aaac' is ambiguous: 01aaac0000000000000000000a,"
                             " 01aaac0000000000000000000b");
    assert_int_equal(cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, "01aa", 3, out, err, 512),
                     CAIRN_EINVAL);
    assert_int_equal(cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, "01a!", 4, out, err, 512),
                     CAIRN_EINVAL);
    assert_int_equal(cairn_store_resolve_id(s, CAIRN_ID_EDUCATOR, "01aaad", 6, out, err, 512),
                     CAIRN_ENOTFOUND);
    assert_string_equal(err, "no educator with id '01aaad'");
    assert_int_equal(cairn_store_resolve_id(s, CAIRN_ID_SUBMISSION, "01aaab", 6, out, err, 512),
                     CAIRN_ENOTFOUND);

    /* Through the API: the ambiguous prefix is refused and nothing is started. */
    char id[32];
    uint64_t attempt, events = fixture_events(w->f);
    assert_int_equal(start(w, "01aaaa", "wait-time", id, &attempt, err), CAIRN_EAMBIGUOUS);
    assert_non_null(strstr(err, "ambiguous"));
    assert_int_equal(fixture_events(w->f), events);
    assert_int_equal(start(w, "01aaab", "wait-time", id, &attempt, err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_and_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_educator_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_parts_and_submit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_resolution, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
