/*
 * test_catalog.c: importing cairn-catalog/1 documents: the sample's 12 credentials, idempotent
 * re-import, new versions on change with old versions kept, a failure midway storing nothing,
 * and malformed documents refused with the JSON path of the problem and nothing changed.
 */
#include "store_fixture.h"

#include <jansson.h>

#include "catalog.h"

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

static json_t *sample_json(void)
{
    size_t len = 0;
    char *text = fixture_sample_catalog(&len);
    json_t *doc = json_loadb(text, len, 0, NULL);
    free(text);
    assert_non_null(doc);
    return doc;
}

/* Imports doc (dumped as text) and returns the result code. */
static int import_json(fixture_t *f, const json_t *doc, cairn_catalog_result_t *res, char *err,
                       size_t errlen)
{
    char *text = json_dumps(doc, JSON_INDENT(2));
    assert_non_null(text);
    int rc = cairn_catalog_import(f->store, text, strlen(text), res, err, errlen);
    free(text);
    return rc;
}

static void import_sample(fixture_t *f, cairn_catalog_result_t *res)
{
    char err[CAIRN_ERRMSG_MAX] = "";
    json_t *doc = sample_json();
    int rc = import_json(f, doc, res, err, sizeof err);
    if (rc != 0)
        fail_msg("sample import failed: %s", err);
    json_decref(doc);
}

static json_t *credential(json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "credentials"), i);
}

static void test_sample_imports_twelve(void **state)
{
    fixture_t *f = *state;
    cairn_catalog_result_t res;
    import_sample(f, &res);
    assert_int_equal(res.added, 12);
    assert_int_equal(res.versioned, 0);
    assert_int_equal(res.unchanged, 0);
    assert_int_equal(res.stacks, 4);
    assert_int_equal(res.issuer, 1);
    assert_int_equal(fixture_events(f), 1 + 12 + 4);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM credentials"), 12);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM credential_parts WHERE credential ="
                                    " 'wait-time' AND version = 1 AND required"),
                     3);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM stack_credentials"), 11);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM events WHERE partition = 'catalog'"), 17);
}

static void test_import_twice_adds_nothing(void **state)
{
    fixture_t *f = *state;
    cairn_catalog_result_t res;
    uint8_t before[32], after[32];
    import_sample(f, &res);
    uint64_t events = fixture_events(f);
    assert_int_equal(cairn_store_projection_digest(f->store, before), 0);
    import_sample(f, &res);
    assert_int_equal(fixture_events(f), events);
    assert_int_equal(res.added, 0);
    assert_int_equal(res.versioned, 0);
    assert_int_equal(res.unchanged, 12);
    assert_int_equal(res.stacks, 0);
    assert_int_equal(res.issuer, 0);
    assert_int_equal(cairn_store_projection_digest(f->store, after), 0);
    assert_memory_equal(before, after, 32);
}

static void test_changed_title_is_version_two(void **state)
{
    fixture_t *f = *state;
    cairn_catalog_result_t res;
    char err[CAIRN_ERRMSG_MAX] = "";
    import_sample(f, &res);
    uint64_t events = fixture_events(f);

    json_t *doc = sample_json();
    json_object_set_new(credential(doc, 0), "title", json_string("Wait Time, Revised"));
    assert_int_equal(import_json(f, doc, &res, err, sizeof err), 0);
    assert_int_equal(res.versioned, 1);
    assert_int_equal(res.unchanged, 11);
    assert_int_equal(fixture_events(f), events + 1);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM credentials WHERE id = 'wait-time'"), 2);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM credentials WHERE id = 'wait-time'"
                                    " AND version = 1 AND title = 'Wait Time for Deeper Thinking'"),
                     1);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM credentials WHERE id = 'wait-time'"
                                    " AND version = 2 AND title = 'Wait Time, Revised'"
                                    " AND json LIKE '%\"version\":2%'"),
                     1);
    /* Version 2's parts exist alongside version 1's. */
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM credential_parts"
                                    " WHERE credential = 'wait-time'"),
                     6);

    /* The same changed file again: nothing. */
    assert_int_equal(import_json(f, doc, &res, err, sizeof err), 0);
    assert_int_equal(fixture_events(f), events + 1);

    /* A file that says a higher version takes it. */
    json_object_set_new(credential(doc, 0), "title", json_string("Wait Time, Third"));
    json_object_set_new(credential(doc, 0), "version", json_integer(7));
    assert_int_equal(import_json(f, doc, &res, err, sizeof err), 0);
    assert_int_equal(fixture_int(f, "SELECT max(version) FROM credentials WHERE id = 'wait-time'"),
                     7);
    /* A version number alone is not a change. */
    json_object_set_new(credential(doc, 0), "version", json_integer(9));
    assert_int_equal(import_json(f, doc, &res, err, sizeof err), 0);
    assert_int_equal(res.unchanged, 12);
    assert_int_equal(fixture_int(f, "SELECT max(version) FROM credentials WHERE id = 'wait-time'"),
                     7);
    json_decref(doc);
}

static void test_failure_midway_stores_nothing(void **state)
{
    fixture_t *f = *state;
    cairn_catalog_result_t res;
    char err[CAIRN_ERRMSG_MAX] = "";
    json_t *doc = sample_json();
    json_object_set_new(credential(doc, 5), "version", json_integer(CAIRN_CATALOG_VERSION_MAX));
    assert_int_equal(import_json(f, doc, &res, err, sizeof err), 0);
    uint64_t events = fixture_events(f);
    uint8_t before[32], after[32];
    assert_int_equal(cairn_store_projection_digest(f->store, before), 0);

    /* Credential 0 changes (a new version is appended), then credential 5 cannot get one. */
    json_object_set_new(credential(doc, 0), "title", json_string("Changed"));
    json_object_set_new(credential(doc, 5), "title", json_string("Changed too"));
    assert_int_equal(import_json(f, doc, &res, err, sizeof err), CAIRN_EJSON);
    assert_non_null(strstr(err, "$.credentials[5].version"));
    assert_int_equal(fixture_events(f), events);
    assert_int_equal(res.versioned, 0);
    assert_int_equal(cairn_store_projection_digest(f->store, after), 0);
    assert_memory_equal(before, after, 32);
    json_decref(doc);
}

/* One malformed document: how to break the sample, and the start of the expected error. */
typedef struct {
    void (*mutate)(json_t *doc);
    const char *expect;
} malformed_t;

static void m_required_string(json_t *d)
{
    json_t *ev = json_array_get(json_object_get(credential(d, 3), "evidence"), 1);
    json_object_set_new(ev, "required", json_string("yes"));
}
static void m_missing_title(json_t *d)
{
    json_object_del(credential(d, 0), "title");
}
static void m_version_zero(json_t *d)
{
    json_object_set_new(credential(d, 2), "version", json_integer(0));
}
static void m_bad_slug(json_t *d)
{
    json_object_set_new(credential(d, 1), "id", json_string("Bad Id"));
}
static void m_bad_kind(json_t *d)
{
    json_t *ev = json_array_get(json_object_get(credential(d, 4), "evidence"), 0);
    json_object_set_new(ev, "kind", json_string("hologram"));
}
static void m_duplicate_part(json_t *d)
{
    json_t *evidence = json_object_get(credential(d, 5), "evidence");
    json_object_set(json_array_get(evidence, 1), "part",
                    json_object_get(json_array_get(evidence, 0), "part"));
}
static void m_rubric_part(json_t *d)
{
    json_t *rubric = json_object_get(credential(d, 6), "rubric");
    json_object_set_new(json_array_get(rubric, 0), "part", json_string("nosuch"));
}
static void m_negative_hours(json_t *d)
{
    json_object_set_new(credential(d, 7), "pd_hours", json_real(-1.5));
}
static void m_tag_not_string(json_t *d)
{
    json_t *tags = json_object_get(credential(d, 8), "tags");
    json_array_set_new(tags, 0, json_integer(1));
}
static void m_resource_without_title(json_t *d)
{
    json_array_set_new(json_object_get(credential(d, 9), "resources"), 0, json_object());
}
static void m_stack_reference(json_t *d)
{
    json_t *stack = json_array_get(json_object_get(d, "stacks"), 1);
    json_array_set_new(json_object_get(stack, "credentials"), 2, json_string("nope"));
}
static void m_format(json_t *d)
{
    json_object_set_new(d, "format", json_string("cairn-catalog/2"));
}
static void m_issuer_name(json_t *d)
{
    json_object_del(json_object_get(d, "issuer"), "name");
}
static void m_duplicate_id(json_t *d)
{
    json_object_set_new(credential(d, 11), "id", json_string("wait-time"));
}
static void m_unexpected_field(json_t *d)
{
    json_object_set_new(credential(d, 0), "requried", json_true());
}
static void m_no_components(json_t *d)
{
    json_object_set_new(credential(d, 10), "method_components", json_array());
}
static void m_credential_not_object(json_t *d)
{
    json_array_set_new(json_object_get(d, "credentials"), 0, json_string("wait-time"));
}
static void m_title_too_long(json_t *d)
{
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    json_object_set_new(credential(d, 2), "title", json_string(big));
}
static void m_no_evidence(json_t *d)
{
    json_object_set_new(credential(d, 1), "evidence", json_array());
}
static void m_hours_string(json_t *d)
{
    json_object_set_new(credential(d, 3), "pd_hours", json_string("8"));
}

static const malformed_t malformed[] = {
    {m_required_string, "$.credentials[3].evidence[1].required: expected a boolean"},
    {m_missing_title, "$.credentials[0].title: required field is missing"},
    {m_version_zero, "$.credentials[2].version: expected an integer from 1"},
    {m_bad_slug, "$.credentials[1].id: expected a slug"},
    {m_bad_kind, "$.credentials[4].evidence[0].kind: expected one of video, document"},
    {m_duplicate_part, "$.credentials[5].evidence[1].part: expected a unique part"},
    {m_rubric_part, "$.credentials[6].rubric[0].part: expected one of the credential's evidence"},
    {m_negative_hours, "$.credentials[7].pd_hours: expected a number from 0"},
    {m_tag_not_string, "$.credentials[8].tags[0]: expected a non-empty string, found an integer"},
    {m_resource_without_title, "$.credentials[9].resources[0].title: required field is missing"},
    {m_stack_reference, "$.stacks[1].credentials[2]: expected the id of a credential"},
    {m_format, "$.format: expected \"cairn-catalog/1\""},
    {m_issuer_name, "$.issuer.name: required field is missing"},
    {m_duplicate_id, "$.credentials[11].id: expected a unique id"},
    {m_unexpected_field, "$.credentials[0].requried: unexpected field"},
    {m_no_components, "$.credentials[10].method_components: expected at least 1 element"},
    {m_credential_not_object, "$.credentials[0]: expected an object, found a string"},
    {m_title_too_long, "$.credentials[2].title: expected at most 200 bytes"},
    {m_no_evidence, "$.credentials[1].evidence: expected at least 1 element"},
    {m_hours_string, "$.credentials[3].pd_hours: expected a number from 0 to 1000, found a string"},
};

static void test_malformed_documents(void **state)
{
    fixture_t *f = *state;
    cairn_catalog_result_t res;
    uint8_t before[32], after[32];
    char err[CAIRN_ERRMSG_MAX];
    import_sample(f, &res);
    uint64_t events = fixture_events(f);
    assert_int_equal(cairn_store_projection_digest(f->store, before), 0);

    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        json_t *doc = sample_json();
        /* Change a title too, so a partial import would show as a new version. */
        json_object_set_new(credential(doc, 0), "title", json_string("Would be version 2"));
        malformed[i].mutate(doc);
        err[0] = '\0';
        int rc = import_json(f, doc, &res, err, sizeof err);
        json_decref(doc);
        if (rc != CAIRN_EJSON || strncmp(err, malformed[i].expect, strlen(malformed[i].expect)))
            fail_msg("case %zu: rc %d, error \"%s\", expected \"%s...\"", i, rc, err,
                     malformed[i].expect);
        assert_int_equal(fixture_events(f), events);
    }
    assert_int_equal(cairn_store_projection_digest(f->store, after), 0);
    assert_memory_equal(before, after, 32);
}

static void test_not_json_and_limits(void **state)
{
    fixture_t *f = *state;
    cairn_catalog_result_t res;
    char err[CAIRN_ERRMSG_MAX];
    static const char *const texts[] = {
        "", "{", "[]", "null", "{\"format\": 1}", "{\"a\": 1, \"a\": 2}"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        err[0] = '\0';
        assert_int_equal(
            cairn_catalog_import(f->store, texts[i], strlen(texts[i]), &res, err, sizeof err),
            CAIRN_EJSON);
        assert_true(strncmp(err, "$", 1) == 0);
    }
    size_t big = CAIRN_CATALOG_MAX_BYTES + 1;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, ' ', big);
    assert_int_equal(cairn_catalog_import(f->store, text, big, &res, err, sizeof err),
                     CAIRN_ETOOBIG);
    free(text);
    assert_int_equal(fixture_events(f), 0);
}

static void test_through_the_api(void **state)
{
    fixture_t *f = *state;
    fixture_reply_t r;
    cairn_mpbuf_t args;
    size_t len = 0;
    char *text = fixture_sample_catalog(&len);

    cairn_mpbuf_init(&args);
    msgpack_pack_map(&args.pk, 1);
    cairn_mp_pack_kv_strn(&args.pk, "json", text, len);
    fixture_call(f, "catalog.import", &args, &r);
    free(text);
    assert_int_equal(r.rc, 0);
    uint64_t added;
    assert_int_equal(cairn_mp_get_u64(r.result, "added", &added), 0);
    assert_int_equal(added, 12);
    fixture_reply_free(&r);

    fixture_body(&args, "stack", "learning-by-making", NULL);
    fixture_call(f, "catalog.list", &args, &r);
    assert_int_equal(r.rc, 0);
    const msgpack_object_array *list;
    assert_int_equal(cairn_mp_get_array(r.result, "credentials", 100, &list), 0);
    assert_int_equal(list->size, 2);
    char id[65];
    fixture_get_str(&list->ptr[0], "id", id, sizeof id);
    assert_string_equal(id, "design-thinking");
    const msgpack_object_array *stacks;
    assert_int_equal(cairn_mp_get_array(&list->ptr[0], "stacks", 10, &stacks), 0);
    assert_int_equal(stacks->size, 1);
    fixture_reply_free(&r);

    fixture_body(&args, NULL);
    fixture_call(f, "catalog.list", &args, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(cairn_mp_get_array(r.result, "credentials", 100, &list), 0);
    assert_int_equal(list->size, 12);
    fixture_reply_free(&r);

    fixture_body(&args, "stack", "no-such-stack", NULL);
    fixture_call(f, "catalog.list", &args, &r);
    assert_int_equal(r.rc, CAIRN_ENOTFOUND);

    fixture_body(&args, "id", "wait-time", NULL);
    fixture_call(f, "catalog.show", &args, &r);
    assert_int_equal(r.rc, 0);
    char *json = malloc(1 << 16);
    fixture_get_str(r.result, "json", json, 1 << 16);
    assert_non_null(strstr(json, "Wait Time for Deeper Thinking"));
    free(json);
    fixture_reply_free(&r);

    fixture_body(&args, "id", "nope", NULL);
    fixture_call(f, "catalog.show", &args, &r);
    assert_int_equal(r.rc, CAIRN_ENOTFOUND);
    assert_non_null(strstr(r.errmsg, "nope"));

    fixture_body(&args, "json", "{\"format\": \"cairn-catalog/1\"}", NULL);
    fixture_call(f, "catalog.import", &args, &r);
    assert_int_equal(r.rc, CAIRN_EJSON);
    assert_non_null(strstr(r.errmsg, "$.issuer: required field is missing"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sample_imports_twelve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_twice_adds_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_title_is_version_two, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_midway_stores_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_documents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_json_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_through_the_api, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
