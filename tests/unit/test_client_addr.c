/*
 * test_client_addr.c: how the client finds its daemon: --data, then --connect, then CAIRN_DATA,
 * and the global options before the verb.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <cairn/err.h>

#include "addr.h"
#include "cli.h"

static char err[256];

static void test_order(void **state)
{
    cairn_addr_t a;
    /* --data beats everything. */
    assert_int_equal(
        cairn_addr_resolve("/srv/cairn", "127.0.0.1:7700", "/env", &a, err, sizeof err), 0);
    assert_int_equal(a.kind, CAIRN_ADDR_UNIX);
    assert_string_equal(a.path, "/srv/cairn/cairnd.sock");
    /* --connect beats the environment. */
    assert_int_equal(cairn_addr_resolve(NULL, "127.0.0.1:7700", "/env", &a, err, sizeof err), 0);
    assert_int_equal(a.kind, CAIRN_ADDR_TCP);
    assert_string_equal(a.host, "127.0.0.1");
    assert_string_equal(a.port, "7700");
    assert_string_equal(a.show, "127.0.0.1:7700");
    /* The environment is the last resort; empty values count as absent. */
    assert_int_equal(cairn_addr_resolve("", "", "/env/", &a, err, sizeof err), 0);
    assert_int_equal(a.kind, CAIRN_ADDR_UNIX);
    assert_string_equal(a.path, "/env/cairnd.sock");
    /* Nothing at all. */
    assert_int_equal(cairn_addr_resolve(NULL, NULL, NULL, &a, err, sizeof err), CAIRN_ENOTFOUND);
    assert_string_equal(err,
                        "no daemon given: use --data DIR, --connect HOST:PORT or set CAIRN_DATA");
    assert_int_equal(cairn_addr_resolve(NULL, NULL, "", &a, err, sizeof err), CAIRN_ENOTFOUND);
}

static void test_hostport(void **state)
{
    cairn_addr_t a;
    assert_int_equal(cairn_addr_parse_hostport("school-box.local:7700", &a), 0);
    assert_string_equal(a.host, "school-box.local");
    assert_int_equal(cairn_addr_parse_hostport("[::1]:80", &a), 0);
    assert_string_equal(a.host, "::1");
    assert_string_equal(a.port, "80");
    assert_int_equal(cairn_addr_parse_hostport("::1:80", &a), CAIRN_EINVAL);
    assert_int_equal(cairn_addr_parse_hostport("host", &a), CAIRN_EINVAL);
    assert_int_equal(cairn_addr_parse_hostport("host:", &a), CAIRN_EINVAL);
    assert_int_equal(cairn_addr_parse_hostport(":80", &a), CAIRN_EINVAL);
    assert_int_equal(cairn_addr_parse_hostport("host:0", &a), CAIRN_EINVAL);
    assert_int_equal(cairn_addr_parse_hostport("host:65536", &a), CAIRN_EINVAL);
    assert_int_equal(cairn_addr_parse_hostport("host:80x", &a), CAIRN_EINVAL);
    assert_int_equal(cairn_addr_parse_hostport("[::1]80", &a), CAIRN_EINVAL);
    assert_int_equal(cairn_addr_resolve(NULL, "nope", NULL, &a, err, sizeof err), CAIRN_EINVAL);
    assert_non_null(strstr(err, "--connect"));
}

static void test_path_too_long(void **state)
{
    cairn_addr_t a;
    char dir[200];
    memset(dir, 'd', sizeof dir - 1);
    dir[0] = '/';
    dir[sizeof dir - 1] = '\0';
    assert_int_equal(cairn_addr_resolve(dir, NULL, NULL, &a, err, sizeof err), CAIRN_EINVAL);
    assert_non_null(strstr(err, "too long"));
}

#define ARGV(...) ((char *[]){"cairn", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"cairn", __VA_ARGS__}) / sizeof(char *)))

static void test_globals(void **state)
{
    cairn_cli_t cli;
    int verb;
    assert_int_equal(cairn_cli_parse_globals(ARGC("--data", "/d", "status"),
                                             ARGV("--data", "/d", "status"), &cli, &verb, err,
                                             sizeof err),
                     0);
    assert_string_equal(cli.data, "/d");
    assert_null(cli.connect);
    assert_int_equal(verb, 3);
    assert_int_equal(cairn_cli_parse_globals(ARGC("--connect=h:1", "--data", "/d", "status"),
                                             ARGV("--connect=h:1", "--data", "/d", "status"), &cli,
                                             &verb, err, sizeof err),
                     0);
    assert_string_equal(cli.connect, "h:1");
    assert_int_equal(verb, 4);
    /* Options after the verb are the verb's, not global. */
    assert_int_equal(cairn_cli_parse_globals(ARGC("status", "--data", "/d"),
                                             ARGV("status", "--data", "/d"), &cli, &verb, err,
                                             sizeof err),
                     0);
    assert_null(cli.data);
    assert_int_equal(verb, 1);
    assert_int_equal(
        cairn_cli_parse_globals(ARGC("--data"), ARGV("--data"), &cli, &verb, err, sizeof err),
        CAIRN_EINVAL);
    assert_string_equal(err, "missing value for --data DIR");
    assert_int_equal(cairn_cli_parse_globals(ARGC("--data", "--connect", "h:1"),
                                             ARGV("--data", "--connect", "h:1"), &cli, &verb, err,
                                             sizeof err),
                     CAIRN_EINVAL);
    assert_string_equal(err, "missing value for --data DIR");
    assert_int_equal(cairn_cli_parse_globals(ARGC("--dta", "/d"), ARGV("--dta", "/d"), &cli, &verb,
                                             err, sizeof err),
                     CAIRN_EINVAL);
    assert_non_null(strstr(err, "--dta"));
    assert_int_equal(
        cairn_cli_parse_globals(ARGC("--help"), ARGV("--help"), &cli, &verb, err, sizeof err), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_path_too_long),
        cmocka_unit_test(test_globals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
