/*
 * test_client_args.c: the client's argument parsing: the generic parser and the verbs whose
 * arguments need more than a table (missing values, unknown options, exclusive choices).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define PARSE(fn, out, ...) fn(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), out, err, sizeof err)

static char err[CAIRN_ARGS_ERR_MAX];

static void test_educator_add_ok(void **state)
{
    cairn_educator_add_args_t a;
    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name", "Ada Teacher", "--email",
                           "ada@example.org", "--role=assessor"),
                     0);
    assert_string_equal(a.name, "Ada Teacher");
    assert_string_equal(a.email, "ada@example.org");
    assert_string_equal(a.role, "assessor");

    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name", "Ben"), 0);
    assert_null(a.email);
    assert_null(a.role);
}

static void test_educator_add_errors(void **state)
{
    cairn_educator_add_args_t a;
    assert_int_equal(cairn_cmd_educator_add_parse(0, ARGV(NULL), &a, err, sizeof err),
                     CAIRN_EINVAL);
    assert_string_equal(err, "missing --name N");

    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name"), CAIRN_EINVAL);
    assert_string_equal(err, "missing value for --name N");

    /* The next option is not taken as the value. */
    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name", "--email", "x@y"),
                     CAIRN_EINVAL);
    assert_string_equal(err, "missing value for --name N");

    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name", "X", "--nmae", "Y"),
                     CAIRN_EINVAL);
    assert_string_equal(err, "unknown option --nmae");

    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name", "X", "-n"), CAIRN_EINVAL);
    assert_string_equal(err, "unknown option -n");

    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--role", "wizard", "--name", "X"),
                     CAIRN_EINVAL);
    assert_non_null(strstr(err, "wizard"));

    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name", "X", "--name", "Y"),
                     CAIRN_EINVAL);
    assert_string_equal(err, "--name given twice");

    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name", ""), CAIRN_EINVAL);
    assert_non_null(strstr(err, "--name"));

    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name", "X", "extra"), CAIRN_EINVAL);
    assert_string_equal(err, "unexpected argument 'extra'");
}

static void test_help(void **state)
{
    cairn_educator_add_args_t a;
    /* --help wins even when required options are missing. */
    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--help"), 1);
    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name", "X", "-h"), 1);
}

static void test_submission_start(void **state)
{
    cairn_submission_start_args_t a;
    assert_int_equal(PARSE(cairn_cmd_submission_start_parse, &a, "--credential", "wait-time",
                           "--educator", "01jd"),
                     0);
    assert_string_equal(a.educator, "01jd");
    assert_string_equal(a.credential, "wait-time");

    assert_int_equal(PARSE(cairn_cmd_submission_start_parse, &a, "--educator", "01jd"),
                     CAIRN_EINVAL);
    assert_string_equal(err, "missing --credential C");
    assert_int_equal(PARSE(cairn_cmd_submission_start_parse, &a, "--credential", "w"),
                     CAIRN_EINVAL);
    assert_string_equal(err, "missing --educator E");
    assert_int_equal(
        PARSE(cairn_cmd_submission_start_parse, &a, "--educator", "01jd", "--credential"),
        CAIRN_EINVAL);
    assert_string_equal(err, "missing value for --credential C");
}

static void test_submission_list(void **state)
{
    cairn_submission_list_args_t a;
    assert_int_equal(cairn_cmd_submission_list_parse(0, ARGV(NULL), &a, err, sizeof err), 0);
    assert_null(a.state);
    assert_int_equal(PARSE(cairn_cmd_submission_list_parse, &a, "--state", "draft"), 0);
    assert_string_equal(a.state, "draft");
    assert_int_equal(PARSE(cairn_cmd_submission_list_parse, &a, "--state", "nonsense"),
                     CAIRN_EINVAL);
    assert_non_null(strstr(err, "nonsense"));
    assert_int_equal(PARSE(cairn_cmd_submission_list_parse, &a, "--educator"), CAIRN_EINVAL);
    assert_string_equal(err, "missing value for --educator E");
}

static void test_evidence_add(void **state)
{
    cairn_evidence_add_args_t a;
    /* Options before, between or after the positionals. */
    assert_int_equal(
        PARSE(cairn_cmd_evidence_add_parse, &a, "01jdx", "--part", "video", "lesson.mp4"), 0);
    assert_string_equal(a.submission, "01jdx");
    assert_string_equal(a.part, "video");
    assert_string_equal(a.file, "lesson.mp4");
    assert_int_equal(
        PARSE(cairn_cmd_evidence_add_parse, &a, "--part", "video", "01jdx", "lesson.mp4"), 0);
    assert_string_equal(a.submission, "01jdx");
    assert_string_equal(a.file, "lesson.mp4");

    assert_int_equal(PARSE(cairn_cmd_evidence_add_parse, &a, "01jdx", "--part", "reflection",
                           "--text", "I waited."),
                     0);
    assert_string_equal(a.text, "I waited.");
    assert_null(a.file);

    /* "--" lets a file name start with a dash. */
    assert_int_equal(
        PARSE(cairn_cmd_evidence_add_parse, &a, "--part", "video", "--", "01jdx", "-odd.mp4"), 0);
    assert_string_equal(a.file, "-odd.mp4");

    assert_int_equal(cairn_cmd_evidence_add_parse(0, ARGV(NULL), &a, err, sizeof err),
                     CAIRN_EINVAL);
    assert_string_equal(err, "missing SUB");
    assert_int_equal(PARSE(cairn_cmd_evidence_add_parse, &a, "01jdx", "lesson.mp4"), CAIRN_EINVAL);
    assert_string_equal(err, "missing --part P");
    assert_int_equal(PARSE(cairn_cmd_evidence_add_parse, &a, "01jdx", "--part", "video"),
                     CAIRN_EINVAL);
    assert_string_equal(err, "missing FILE, --text TEXT or --text-file F");
    assert_int_equal(
        PARSE(cairn_cmd_evidence_add_parse, &a, "01jdx", "--part", "video", "f.mp4", "--text", "x"),
        CAIRN_EINVAL);
    assert_string_equal(err, "give only one of FILE, --text and --text-file");
    assert_int_equal(PARSE(cairn_cmd_evidence_add_parse, &a, "01jdx", "--part", "r", "--text", "x",
                           "--text-file", "f"),
                     CAIRN_EINVAL);
    assert_int_equal(PARSE(cairn_cmd_evidence_add_parse, &a, "01jdx", "--part", "video", "a", "b"),
                     CAIRN_EINVAL);
    assert_string_equal(err, "unexpected argument 'b'");
    assert_int_equal(PARSE(cairn_cmd_evidence_add_parse, &a, "01jdx", "--part", "r", "--text", ""),
                     CAIRN_EINVAL);
    assert_string_equal(err, "--text is empty");
}

static void test_catalog_show(void **state)
{
    cairn_catalog_show_args_t a;
    assert_int_equal(PARSE(cairn_cmd_catalog_show_parse, &a, "wait-time"), 0);
    assert_string_equal(a.id, "wait-time");
    assert_null(a.version);
    assert_int_equal(PARSE(cairn_cmd_catalog_show_parse, &a, "wait-time", "--version", "2"), 0);
    assert_string_equal(a.version, "2");
    assert_int_equal(PARSE(cairn_cmd_catalog_show_parse, &a, "wait-time", "--version", "two"),
                     CAIRN_EINVAL);
    assert_non_null(strstr(err, "--version"));
    assert_int_equal(PARSE(cairn_cmd_catalog_show_parse, &a, "wait-time", "--version", "0"),
                     CAIRN_EINVAL);
    assert_int_equal(PARSE(cairn_cmd_catalog_show_parse, &a, "--version", "1"), CAIRN_EINVAL);
    assert_string_equal(err, "missing ID");
}

static void test_flag_and_lone_dash(void **state)
{
    bool verbose = false;
    const char *pos[1] = {NULL};
    static const char *const names[] = {"FILE", NULL};
    const cairn_opt_t opts[] = {{"verbose", NULL, NULL, &verbose}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, names, 1, pos};
    assert_int_equal(cairn_args_parse(&spec, 2, ARGV("--verbose", "-"), err, sizeof err), 0);
    assert_true(verbose);
    assert_string_equal(pos[0], "-");
    assert_int_equal(cairn_args_parse(&spec, 2, ARGV("--verbose=1", "f"), err, sizeof err),
                     CAIRN_EINVAL);
    assert_string_equal(err, "--verbose takes no value");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_educator_add_ok),
        cmocka_unit_test(test_educator_add_errors),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_submission_start),
        cmocka_unit_test(test_submission_list),
        cmocka_unit_test(test_evidence_add),
        cmocka_unit_test(test_catalog_show),
        cmocka_unit_test(test_flag_and_lone_dash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
