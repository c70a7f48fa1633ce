/*
 * test_config.c: cairnd.conf parsing: defaults, every key, the written default file and the
 * example files in conf/, and the exact errors for unknown sections and keys, duplicates, bad
 * values and over-long lines, each naming FILE:LINE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/err.h"
#include "config.h"
#include "log.h"

static char dir[256];
static char path[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cairn-test-config.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof path, "%s/cairnd.conf", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static void write_conf(const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#define NODE "[node]\nrole = school\nname = Test School\n"

/* Loads text and expects failure with a message containing want (FILE:LINE: prefix checked). */
static void expect_error(const char *text, int line, const char *want)
{
    cairn_config_t cfg;
    char err[512] = "", prefix[PATH_MAX + 32];
    write_conf(text);
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), CAIRN_ECONFIG);
    snprintf(prefix, sizeof prefix, "%s:%d: ", path, line);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, want) == NULL)
        fail_msg("error '%s' does not start with '%s' and contain '%s'", err, prefix, want);
}

static void test_defaults(void **state)
{
    (void)state;
    cairn_config_t cfg;
    cairn_config_defaults(&cfg);
    assert_int_equal(cfg.role, CAIRN_ROLE_SCHOOL);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 0); /* loopback TCP is opt-in */
    assert_string_equal(cfg.socket_name, "cairnd.sock");
    assert_int_equal(cfg.max_connections, 64);
    assert_int_equal(cfg.chunk_size, 1048576);
    assert_int_equal(cfg.disk_reserve, 1073741824ull);
    assert_int_equal(cfg.write_concurrency, 4);
    assert_int_equal(cfg.log_level, CAIRN_LOG_INFO);

    /* A file with only [node] keeps every other default. */
    char err[512];
    cairn_config_t loaded;
    write_conf(NODE);
    assert_int_equal(cairn_config_load(path, &loaded, err, sizeof err), 0);
    assert_string_equal(loaded.name, "Test School");
    assert_int_equal(loaded.listen_port, 0);
    assert_int_equal(loaded.disk_reserve, cfg.disk_reserve);
}

static void test_every_key(void **state)
{
    (void)state;
    cairn_config_t cfg;
    char err[512];
    write_conf("# a comment\n"
               "; another\n"
               "\n"
               "[node]\n"
               "role = hub\n"
               "name = North Region Hub\n"
               "[api]\n"
               "listen = [::1]:9000\n"
               "socket = other.sock\n"
               "max_connections = 7\n"
               "[blobs]\n"
               "chunk_size = 512K\n"
               "disk_reserve = 3G\n"
               "write_concurrency = 9\n"
               "[log]\n"
               "level = debug ; inline comment\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.role, CAIRN_ROLE_HUB);
    assert_string_equal(cfg.name, "North Region Hub");
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 9000);
    assert_string_equal(cfg.socket_name, "other.sock");
    assert_int_equal(cfg.max_connections, 7);
    assert_int_equal(cfg.chunk_size, 512 * 1024);
    assert_int_equal(cfg.disk_reserve, 3ull << 30);
    assert_int_equal(cfg.write_concurrency, 9);
    assert_int_equal(cfg.log_level, CAIRN_LOG_DEBUG);

    write_conf(NODE "[api]\nlisten = 127.0.0.2:0\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.listen_host, "127.0.0.2");
    assert_int_equal(cfg.listen_port, 0); /* TCP disabled */
    assert_int_equal(cfg.lan_enabled, 0); /* the LAN listener is off unless configured */

    /* The LAN listener faces the school LAN: any IP literal, and port 0 keeps it off. */
    write_conf(NODE "[api]\nlan_listen = 0.0.0.0:7411\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.lan_host, "0.0.0.0");
    assert_int_equal(cfg.lan_port, 7411);
    assert_int_equal(cfg.lan_enabled, 1);
    write_conf(NODE "[api]\nlan_listen = [fd00::5]:7411\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.lan_host, "fd00::5");
    write_conf(NODE "[api]\nlan_listen = 10.0.0.2:0\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.lan_enabled, 0);
}

static void test_size_suffixes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t want;
    } ok[] = {
        {"0", 0},
        {"1048576", 1048576},
        {"64K", 65536},
        {"64k", 65536},
        {"2M", 2u << 20},
        {"1G", 1ull << 30},
        {"16MiB", 16u << 20},
        {"17179869184", 16ull << 30},
        {"1024G", 1ull << 40},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t v = 1;
        assert_int_equal(cairn_config_parse_size(ok[i].text, &v), 0);
        assert_int_equal(v, ok[i].want);
    }
    static const char *const bad[] = {"",
                                      "lots",
                                      "-1",
                                      "1.5M",
                                      "1T",
                                      "M",
                                      "1 M",
                                      "1MB",
                                      "1Kb",
                                      " 1",
                                      "99999999999999999999",
                                      "17179869184G"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 7;
        if (cairn_config_parse_size(bad[i], &v) != CAIRN_EINVAL)
            fail_msg("'%s' was accepted as a size", bad[i]);
        assert_int_equal(v, 7);
    }

    cairn_config_t cfg;
    char err[512];
    write_conf(NODE "[blobs]\ndisk_reserve = 16M\nchunk_size = 65536\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.disk_reserve, 16u << 20);
    assert_int_equal(cfg.chunk_size, 65536);
}

static void test_unknown_key_and_section(void **state)
{
    (void)state;
    expect_error(NODE "\n[api]\nbogus_key = 1\n", 6, "unknown key 'bogus_key' in [api]");
    expect_error(NODE "[blobs]\nlisten = 127.0.0.1:1\n", 5, "unknown key 'listen' in [blobs]");
    expect_error(NODE "[relay]\nhub = x\n", 4, "unknown section [relay]");
    expect_error(NODE "[sync]\nhub = x\n", 5, "unknown key 'hub' in [sync]");
    expect_error(NODE "[sync]\nreconnect_min_ms = 900\nreconnect_max_ms = 800\n", 5,
                 "reconnect_min_ms");
    expect_error(NODE "[empty]\n", 4, "unknown section [empty]");
    expect_error("role = school\n" NODE, 1, "outside any section");
    expect_error(NODE "[node]\nRole = hub\n", 5, "unknown key 'Role' in [node]");
    /* The first error is the one reported. */
    expect_error(NODE "[api]\nnope = 1\n[log]\nlevel = loud\n", 5, "unknown key 'nope'");
}

static void test_bad_values(void **state)
{
    (void)state;
    expect_error(NODE "\n[blobs]\nchunk_size = lots\n", 6, "bad value 'lots' for chunk_size");
    expect_error(NODE "[blobs]\nchunk_size = 32K\n", 5, "chunk_size in [blobs]: expected a size");
    expect_error(NODE "[blobs]\nchunk_size = 4M\n", 5, "chunk_size");
    expect_error(NODE "[blobs]\ndisk_reserve = 1T\n", 5, "disk_reserve");
    expect_error(NODE "[blobs]\nwrite_concurrency = 0\n", 5, "write_concurrency");
    expect_error(NODE "[blobs]\nwrite_concurrency = 65\n", 5, "from 1 to 64");
    expect_error(NODE "[api]\nmax_connections = 0\n", 5, "max_connections");
    expect_error(NODE "[api]\nmax_connections = 4097\n", 5, "max_connections");
    expect_error(NODE "[api]\nmax_connections = 12abc\n", 5, "max_connections");
    expect_error(NODE "[api]\nlisten = 0.0.0.0:7420\n", 5, "not a loopback address");
    expect_error(NODE "[api]\nlisten = 10.1.2.3:7420\n", 5, "not a loopback address");
    expect_error(NODE "[api]\nlisten = [::]:7420\n", 5, "not a loopback address");
    expect_error(NODE "[api]\nlisten = localhost:7420\n", 5, "not an IP address");
    expect_error(NODE "[api]\nlisten = 127.0.0.1\n", 5, "HOST:PORT");
    expect_error(NODE "[api]\nlisten = 127.0.0.1:65536\n", 5, "port");
    expect_error(NODE "[api]\nlisten = ::1:7420\n", 5, "brackets");
    expect_error(NODE "[api]\nlan_listen = school-box:7411\n", 5, "not an IP address");
    expect_error(NODE "[api]\nlan_listen = 0.0.0.0\n", 5, "HOST:PORT");
    expect_error(NODE "[api]\nlan_listen = 0.0.0.0:99999\n", 5, "port");
    expect_error(NODE "[api]\nsocket = a/b\n", 5, "socket");
    expect_error(NODE "[api]\nsocket =\n", 5, "socket");
    expect_error(NODE "[log]\nlevel = loud\n", 5, "expected debug, info, warn or error");
    expect_error(NODE "[blobs]\npartial_max_age = -1\n", 5, "expected off or a number of days");
    expect_error(NODE "[blobs]\npartial_max_age = 2w\n", 5, "partial_max_age in [blobs]");
    expect_error("[node]\nrole = wizard\nname = x\n", 2, "expected school or hub");
    expect_error("[node]\nrole = hub\nname =\n", 3, "must not be empty");
}

/* [review] (hub): the queue target, claim expiry and the credential lists. */
static void test_review_section(void **state)
{
    (void)state;
    cairn_config_t cfg;
    char err[512];
    write_conf(NODE);
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.review_target_days, 14);
    assert_int_equal(cfg.review_claim_hours, 48);
    assert_string_equal(cfg.review_peer, "");
    write_conf(NODE "[review]\ntarget_days = 10\nclaim_hours = 1\n"
                    "peer_review = wait-time, design-thinking\ndouble_blind = accountable-talk\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.review_target_days, 10);
    assert_int_equal(cfg.review_claim_hours, 1);
    assert_string_equal(cfg.review_peer, "wait-time, design-thinking");
    assert_string_equal(cfg.review_blind, "accountable-talk");
    expect_error(NODE "[review]\ntarget_days = 0\n", 5, "from 1 to 3650");
    expect_error(NODE "[review]\nclaim_hours = 4000\n", 5, "from 1 to 3650");
    expect_error(NODE "[review]\nclaim_days = 2\n", 5, "unknown key 'claim_days' in [review]");
}

/* [school] timezone: empty by default (the box's zone), an IANA name or UTC, checked against the
 * zone database. */
static void test_school_timezone(void **state)
{
    (void)state;
    cairn_config_t cfg;
    char err[512];
    write_conf(NODE);
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.timezone, "");
    write_conf(NODE "[school]\ntimezone = Africa/Nairobi\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.timezone, "Africa/Nairobi");
    write_conf(NODE "[school]\ntimezone = UTC\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.timezone, "UTC");
    expect_error(NODE "[school]\ntimezone = Mars/Olympus\n", 5,
                 "'Mars/Olympus' is not a time zone in");
    expect_error(NODE "[school]\ntimezone = EST5EDT,M3.2.0,M11.1.0\n", 5, "not a time zone name");
    expect_error(NODE "[school]\ntimezone = ../../etc/passwd\n", 5, "not a time zone name");
    expect_error(NODE "[school]\ntimezone =\n", 5, "expected a time zone name");
    expect_error(NODE "[school]\nzone = UTC\n", 5, "unknown key 'zone' in [school]");
}

static void test_structure_errors(void **state)
{
    (void)state;
    cairn_config_t cfg;
    char err[512];

    expect_error(NODE "[log]\nlevel = info\nlevel = warn\n", 6, "set twice (first on line 5)");
    expect_error(NODE "[log]\nlevel = info\n  warn\n", 6, "must not start with a space");
    expect_error(NODE "[log]\njust words\n", 5, "syntax error");
    expect_error(NODE "[log\n", 4, "syntax error");

    char long_line[400];
    memset(long_line, '#', sizeof long_line);
    long_line[sizeof long_line - 1] = '\0';
    char text[600];
    snprintf(text, sizeof text, NODE "%s\n[log]\nlevel = info\n", long_line);
    expect_error(text, 4, "line is longer than");

    write_conf("[api]\nmax_connections = 3\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), CAIRN_ECONFIG);
    assert_non_null(strstr(err, "missing key 'role' in [node]"));
    write_conf("[node]\nrole = hub\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), CAIRN_ECONFIG);
    assert_non_null(strstr(err, "missing key 'name'"));

    /* A failed load leaves the caller's config alone. */
    cairn_config_defaults(&cfg);
    cfg.max_connections = 99;
    write_conf(NODE "[api]\nmax_connections = 5\nbogus = 1\n");
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), CAIRN_ECONFIG);
    assert_int_equal(cfg.max_connections, 99);

    assert_true(cairn_config_load("/nonexistent/cairnd.conf", &cfg, err, sizeof err) < 0);
    assert_non_null(strstr(err, "/nonexistent/cairnd.conf"));
}

static void test_listen_parse(void **state)
{
    (void)state;
    char host[64], why[256];
    uint16_t port = 1;
    assert_int_equal(cairn_config_parse_listen("127.0.0.1:0", host, &port, why, sizeof why), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 0);
    assert_int_equal(cairn_config_parse_listen("127.9.8.7:80", host, &port, why, sizeof why), 0);
    assert_int_equal(port, 80);
    assert_int_equal(cairn_config_parse_listen("[::1]:7420", host, &port, why, sizeof why), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(cairn_config_parse_listen("192.168.1.2:7420", host, &port, why, sizeof why),
                     CAIRN_EINVAL);
    assert_non_null(strstr(why, "192.168.1.2 is not a loopback address"));
    assert_int_equal(cairn_config_parse_listen(":7420", host, &port, why, sizeof why),
                     CAIRN_EINVAL);
    assert_int_equal(cairn_config_parse_listen("[::1]7420", host, &port, why, sizeof why),
                     CAIRN_EINVAL);
}

static void check_written(cairn_role_t role, const char *name)
{
    cairn_config_t cfg, defaults;
    char err[512];
    unlink(path);
    assert_int_equal(cairn_config_write_default(path, role, name), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    cairn_config_defaults(&defaults);
    assert_int_equal(cfg.role, role);
    assert_string_equal(cfg.name, name);
    /* Every other key is commented out at its default. */
    assert_string_equal(cfg.listen_host, defaults.listen_host);
    assert_int_equal(cfg.listen_port, defaults.listen_port);
    assert_string_equal(cfg.socket_name, defaults.socket_name);
    assert_int_equal(cfg.max_connections, defaults.max_connections);
    assert_int_equal(cfg.chunk_size, defaults.chunk_size);
    assert_int_equal(cfg.disk_reserve, defaults.disk_reserve);
    assert_int_equal(cfg.write_concurrency, defaults.write_concurrency);
    assert_int_equal(cfg.log_level, defaults.log_level);
}

/* "# key = value": a commented-out default, as opposed to prose. */
static int is_commented_key(const char *line)
{
    if (strncmp(line, "# ", 2) != 0)
        return 0;
    size_t n = strspn(line + 2, "abcdefghijklmnopqrstuvwxyz_");
    return n > 0 && strncmp(line + 2 + n, " = ", 3) == 0;
}

/* Uncomments every "# key = value" line of the written file: the defaults shown are real. */
static void test_documented_defaults_load(void **state)
{
    (void)state;
    check_written(CAIRN_ROLE_SCHOOL, "Hillside Primary");
    check_written(CAIRN_ROLE_HUB, "North Region Hub");
    assert_int_equal(cairn_config_write_default(path, CAIRN_ROLE_HUB, ""), CAIRN_EINVAL);
    assert_int_equal(cairn_config_write_default(path, CAIRN_ROLE_HUB, "a\nb"), CAIRN_EINVAL);

    FILE *in = fopen(path, "r");
    assert_non_null(in);
    char text[8192] = "", line[256];
    int uncommented = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        if (is_commented_key(line)) {
            strncat(text, line + 2, sizeof text - strlen(text) - 1);
            uncommented++;
        } else {
            strncat(text, line, sizeof text - strlen(text) - 1);
        }
    }
    fclose(in);
    assert_int_equal(uncommented, 17);
    write_conf(text);
    cairn_config_t cfg, defaults;
    char err[512];
    assert_int_equal(cairn_config_load(path, &cfg, err, sizeof err), 0);
    cairn_config_defaults(&defaults);
    assert_int_equal(cfg.disk_reserve, defaults.disk_reserve);
    assert_int_equal(cfg.chunk_size, defaults.chunk_size);
    assert_int_equal(cfg.listen_port, defaults.listen_port);
    assert_int_equal(cfg.partial_max_age_days, 30);
}

/* conf/school.conf and conf/hub.conf are the files `cairnd init` writes for those roles. */
static void test_example_files(void **state)
{
    (void)state;
    char src[PATH_MAX], conf[PATH_MAX + 64], err[512];
    snprintf(src, sizeof src, "%s", __FILE__);
    char *cut = strstr(src, "/tests/unit/");
    if (cut == NULL)
        skip();
    *cut = '\0';
    static const struct {
        const char *file;
        cairn_role_t role;
    } files[] = {{"school.conf", CAIRN_ROLE_SCHOOL}, {"hub.conf", CAIRN_ROLE_HUB}};
    for (size_t i = 0; i < 2; i++) {
        cairn_config_t cfg;
        snprintf(conf, sizeof conf, "%s/conf/%s", src, files[i].file);
        if (cairn_config_load(conf, &cfg, err, sizeof err) != 0)
            fail_msg("%s", err);
        assert_int_equal(cfg.role, files[i].role);

        /* Byte for byte what init writes for the same role and name. */
        unlink(path);
        assert_int_equal(cairn_config_write_default(path, cfg.role, cfg.name), 0);
        FILE *a = fopen(conf, "r"), *b = fopen(path, "r");
        assert_non_null(a);
        assert_non_null(b);
        int ca, cb;
        do {
            ca = fgetc(a);
            cb = fgetc(b);
        } while (ca == cb && ca != EOF);
        fclose(a);
        fclose(b);
        if (ca != cb)
            fail_msg("%s differs from cairn_config_write_default's output", conf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_suffixes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key_and_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_school_timezone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_structure_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_documented_defaults_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_example_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
