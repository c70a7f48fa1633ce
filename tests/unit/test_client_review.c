/*
 * test_client_review.c: parsing of the review loop's client verbs: review score (exactly one
 * verdict, a part, at most one feedback source), submission resubmit (--no-keep-met) and
 * educator add --peer (only with --role assessor). No daemon needed.
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

static void test_review_score(void **state)
{
    (void)state;
    cairn_review_score_args_t a;
    assert_int_equal(PARSE(cairn_cmd_review_score_parse, &a, "abcd", "--part", "video", "--not-yet",
                           "--feedback", "Pause longer.", "--as", "Rita"),
                     0);
    assert_string_equal(a.submission, "abcd");
    assert_string_equal(a.part, "video");
    assert_true(a.not_yet);
    assert_false(a.meets);
    assert_string_equal(a.feedback, "Pause longer.");
    assert_string_equal(a.as, "Rita");
    assert_int_equal(PARSE(cairn_cmd_review_score_parse, &a, "abcd", "--part=tally", "--meets"), 0);
    assert_true(a.meets);
    assert_null(a.feedback);
    assert_null(a.as);

    assert_int_equal(PARSE(cairn_cmd_review_score_parse, &a, "abcd", "--part", "video"),
                     CAIRN_EINVAL);
    assert_non_null(strstr(err, "exactly one of --meets and --not-yet"));
    assert_int_equal(
        PARSE(cairn_cmd_review_score_parse, &a, "abcd", "--part", "v", "--meets", "--not-yet"),
        CAIRN_EINVAL);
    assert_int_equal(PARSE(cairn_cmd_review_score_parse, &a, "abcd", "--meets"), CAIRN_EINVAL);
    assert_non_null(strstr(err, "--part"));
    assert_int_equal(PARSE(cairn_cmd_review_score_parse, &a, "--part", "v", "--meets"),
                     CAIRN_EINVAL);
    assert_non_null(strstr(err, "SUB"));
    assert_int_equal(PARSE(cairn_cmd_review_score_parse, &a, "abcd", "--part", "v", "--meets",
                           "--feedback", "x", "--feedback-file", "f"),
                     CAIRN_EINVAL);
    assert_int_equal(PARSE(cairn_cmd_review_score_parse, &a, "abcd", "--part", "v", "--meets",
                           "--verdict", "meets"),
                     CAIRN_EINVAL); /* unknown option */
}

static void test_submission_resubmit(void **state)
{
    (void)state;
    cairn_submission_resubmit_args_t a;
    assert_int_equal(PARSE(cairn_cmd_submission_resubmit_parse, &a, "abcd"), 0);
    assert_string_equal(a.submission, "abcd");
    assert_false(a.no_keep_met);
    assert_int_equal(PARSE(cairn_cmd_submission_resubmit_parse, &a, "--no-keep-met", "abcd"), 0);
    assert_true(a.no_keep_met);
    assert_int_equal(PARSE(cairn_cmd_submission_resubmit_parse, &a, "--no-keep-met"), CAIRN_EINVAL);
}

static void test_educator_add_peer(void **state)
{
    (void)state;
    cairn_educator_add_args_t a;
    assert_int_equal(
        PARSE(cairn_cmd_educator_add_parse, &a, "--name", "Pat", "--role", "assessor", "--peer"),
        0);
    assert_true(a.peer);
    assert_int_equal(PARSE(cairn_cmd_educator_add_parse, &a, "--name", "Pat", "--peer"),
                     CAIRN_EINVAL);
    assert_non_null(strstr(err, "--role assessor"));
    assert_int_equal(
        PARSE(cairn_cmd_educator_add_parse, &a, "--name", "Pat", "--role", "teacher", "--peer"),
        CAIRN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_review_score),
        cmocka_unit_test(test_submission_resubmit),
        cmocka_unit_test(test_educator_add_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
