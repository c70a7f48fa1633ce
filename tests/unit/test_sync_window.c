/*
 * test_sync_window.c: the school's upload windows and rate cap (sync_window.c, ratelimit.c) and
 * their [sync] keys in cairnd.conf: strict parsing with FILE:LINE errors.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cairn/err.h>

#include "config.h"
#include "ratelimit.h"
#include "sync_window.h"

#define MIN(d, h, m) ((unsigned)((d)*1440 + (h)*60 + (m)))
enum { MON, TUE, WED, THU, FRI, SAT, SUN };

static cairn_window_t parse_ok(const char *s)
{
    cairn_window_t w;
    char why[200] = "";
    if (cairn_window_parse(s, &w, why, sizeof why) != 0)
        fail_msg("'%s' refused: %s", s, why);
    return w;
}

static void parse_bad(const char *s, const char *want)
{
    cairn_window_t w;
    char why[200] = "";
    assert_int_equal(cairn_window_parse(s, &w, why, sizeof why), CAIRN_EINVAL);
    if (strstr(why, want) == NULL)
        fail_msg("'%s': reason '%s' lacks '%s'", s, why, want);
}

static void test_evenings_and_weekends(void **state)
{
    (void)state;
    cairn_window_t w = parse_ok("16:00-07:00, sat, sun");
    assert_true(w.set);
    assert_false(cairn_window_open_at(&w, MIN(TUE, 12, 0)));
    assert_false(cairn_window_open_at(&w, MIN(TUE, 7, 0)));
    assert_false(cairn_window_open_at(&w, MIN(TUE, 15, 59)));
    assert_true(cairn_window_open_at(&w, MIN(TUE, 16, 0)));
    assert_true(cairn_window_open_at(&w, MIN(TUE, 23, 59)));
    assert_true(cairn_window_open_at(&w, MIN(WED, 0, 0)));
    assert_true(cairn_window_open_at(&w, MIN(WED, 6, 59)));
    assert_true(cairn_window_open_at(&w, MIN(SAT, 12, 0)));
    assert_true(cairn_window_open_at(&w, MIN(SUN, 12, 0)));
    /* Sunday 16:00-07:00 wraps into Monday morning. */
    assert_true(cairn_window_open_at(&w, MIN(MON, 6, 0)));
    assert_false(cairn_window_open_at(&w, MIN(MON, 8, 0)));
}

static void test_day_ranges(void **state)
{
    (void)state;
    cairn_window_t w = parse_ok("mon-fri 22:00-24:00, FRI-mon 00:00-01:30");
    assert_true(cairn_window_open_at(&w, MIN(THU, 23, 0)));
    assert_false(cairn_window_open_at(&w, MIN(SAT, 23, 0)));
    assert_true(cairn_window_open_at(&w, MIN(SAT, 1, 0)));
    assert_false(cairn_window_open_at(&w, MIN(TUE, 1, 0)));
    assert_true(cairn_window_open_at(&w, MIN(MON, 1, 29)));
    assert_false(cairn_window_open_at(&w, MIN(MON, 1, 30)));
    cairn_window_t all = parse_ok("always");
    for (unsigned m = 0; m < CAIRN_WINDOW_MINUTES; m += 7)
        assert_true(cairn_window_open_at(&all, m));
    cairn_window_t none;
    memset(&none, 0, sizeof none);
    assert_true(cairn_window_open_at(&none, 5)); /* not configured: open */
}

static void test_bad_windows(void **state)
{
    (void)state;
    parse_bad("", "empty");
    parse_bad("16:00-07:00,", "comma at the end");
    parse_bad("16:00-07:00,,sat", "empty item");
    parse_bad("someday", "expected a day");
    parse_bad("mon-xyz", "expected a day");
    parse_bad("16:00", "time range");
    parse_bad("25:00-07:00", "time range");
    parse_bad("16:60-07:00", "time range");
    parse_bad("24:00-07:00", "time range");
    parse_bad("10:00-10:00", "empty");
    parse_bad("mon 10:00-11:00 extra", "expected");
    parse_bad("4pm-7am", "'4pm-7am'");
}

static void test_rate_limit(void **state)
{
    (void)state;
    cairn_ratelimit_t r;
    cairn_ratelimit_init(&r, 250000, 65536, 1000);
    assert_int_equal(r.burst, 65536);
    assert_int_equal(cairn_ratelimit_available(&r, 1000), 65536);
    assert_true(cairn_ratelimit_take(&r, 65536, 1000));
    assert_false(cairn_ratelimit_take(&r, 65536, 1000));
    assert_int_equal(cairn_ratelimit_wait_ms(&r, 65536, 1000), 263);
    assert_false(cairn_ratelimit_take(&r, 65536, 1200));
    assert_true(cairn_ratelimit_take(&r, 65536, 1263));
    /* Over 10 s no more than rate x 10 + one burst goes. */
    uint64_t sent = 0;
    for (uint64_t t = 2000; t <= 12000; t += 10) {
        while (cairn_ratelimit_take(&r, 4096, t))
            sent += 4096;
    }
    assert_true(sent <= 250000 * 10 + 65536);
    assert_true(sent >= 250000 * 10 - 65536);
    cairn_ratelimit_init(&r, 0, 65536, 0);
    assert_true(cairn_ratelimit_take(&r, 1u << 30, 0));
    assert_int_equal(cairn_ratelimit_available(&r, 0), UINT64_MAX);
}

static char path[PATH_MAX];

static void load_conf(const char *text, int want_rc, const char *want_err)
{
    snprintf(path, sizeof path, "/tmp/cairn-test-window.%d.conf", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    cairn_config_t cfg;
    char err[512] = "";
    int rc = cairn_config_load(path, &cfg, err, sizeof err);
    unlink(path);
    assert_int_equal(rc, want_rc);
    if (want_err != NULL && strstr(err, want_err) == NULL)
        fail_msg("error '%s' lacks '%s'", err, want_err);
    if (rc == 0) {
        assert_int_equal(cfg.upload_rate, 256000);
        assert_true(cfg.upload_window.set);
    }
}

#define NODE "[node]\nrole = school\nname = Test School\n"

static void test_config_keys(void **state)
{
    (void)state;
    load_conf(NODE "[sync]\nupload_rate = 250K\nupload_windows = 16:00-07:00, sat, sun\n", 0, NULL);
    load_conf(NODE "[sync]\nupload_rate = fast\n", CAIRN_ECONFIG, ".conf:5: ");
    load_conf(NODE "[sync]\nupload_rate = fast\n", CAIRN_ECONFIG, "bytes per second");
    load_conf(NODE "[sync]\nupload_rate = 1K\nupload_windows = 16:00-31:00\n", CAIRN_ECONFIG,
              ".conf:6: ");
    load_conf(NODE "[sync]\nupload_windows = noon\n", CAIRN_ECONFIG, "upload window 'noon'");
    load_conf(NODE "[sync]\nupload_windows = sat\nupload_windows = sun\n", CAIRN_ECONFIG,
              "set twice");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evenings_and_weekends), cmocka_unit_test(test_day_ranges),
        cmocka_unit_test(test_bad_windows),           cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_config_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
