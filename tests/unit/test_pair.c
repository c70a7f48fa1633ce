/* test_pair.c: pairing codes (format, parsing, PSK) and the pairing store: code files with
 * expiry, single use and the wrong-attempt limit, and the devices table (PROTOCOL.md 12). */
#include "store_fixture.h"

#include <regex.h>
#include <sys/stat.h>

#include <sodium.h>

#include <cairn/paircode.h>

#include "pair_store.h"
#include "store_devices.h"

static void test_code_format(void **state)
{
    (void)state;
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    char seen[200][CAIRN_PAIR_CODE_CHARS + 1];
    for (int i = 0; i < 200; i++) {
        cairn_pair_code_t c, back;
        char shown[CAIRN_PAIR_CODE_SHOW_LEN + 1];
        cairn_pair_code_new(&c, i % 2 ? "7z" : NULL);
        cairn_pair_code_show(&c, shown);
        assert_int_equal(strlen(shown), CAIRN_PAIR_CODE_SHOW_LEN);
        assert_int_equal(regexec(&re, shown, 0, NULL, 0), 0);
        assert_int_equal(cairn_pair_code_parse(shown, &back), 0);
        assert_string_equal(back.c, c.c);
        if (i % 2)
            assert_memory_equal(c.c, "7z", 2);
        /* 50 random bits: 200 codes never repeat their secret part */
        for (int j = 0; j < i; j++)
            assert_true(strcmp(seen[j] + 2, c.c + 2) != 0);
        memcpy(seen[i], c.c, sizeof c.c);
    }
    regfree(&re);
}

static void test_code_parse(void **state)
{
    (void)state;
    cairn_pair_code_t c;
    /* As people type it: any case, no dashes or spaces, i/l read as 1 and o as 0. */
    assert_int_equal(cairn_pair_code_parse("7k2m-qx4p-9t3w", &c), 0);
    assert_string_equal(c.c, "7k2mqx4p9t3w");
    assert_int_equal(cairn_pair_code_parse("7K2MQX4P9T3W", &c), 0);
    assert_string_equal(c.c, "7k2mqx4p9t3w");
    assert_int_equal(cairn_pair_code_parse(" 7K2M QX4P 9T3W ", &c), 0);
    assert_int_equal(cairn_pair_code_parse("OIL0-0000-0000", &c), 0);
    assert_string_equal(c.c, "011000000000");
    /* Refused: u, other characters, too short, too long, absurd input. */
    assert_int_equal(cairn_pair_code_parse("7K2M-QX4P-9T3U", &c), CAIRN_EINVAL);
    assert_int_equal(cairn_pair_code_parse("7K2M-QX4P-9T3!", &c), CAIRN_EINVAL);
    assert_int_equal(cairn_pair_code_parse("7K2M-QX4P-9T3", &c), CAIRN_EINVAL);
    assert_int_equal(cairn_pair_code_parse("7K2M-QX4P-9T3WX", &c), CAIRN_EINVAL);
    assert_int_equal(cairn_pair_code_parse("", &c), CAIRN_EINVAL);
    char longtext[200];
    memset(longtext, '-', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    memcpy(longtext, "7K2MQX4P9T3W", 12);
    assert_int_equal(cairn_pair_code_parse(longtext, &c), CAIRN_EINVAL);
    /* A selector from the network names a file: only 2 normalised characters pass. */
    assert_true(cairn_pair_selector_valid("7z", 2));
    assert_false(cairn_pair_selector_valid("7Z", 2));
    assert_false(cairn_pair_selector_valid("u0", 2));
    assert_false(cairn_pair_selector_valid("..", 2));
    assert_false(cairn_pair_selector_valid("/a", 2));
    assert_false(cairn_pair_selector_valid("7", 1));
    assert_false(cairn_pair_selector_valid("7zz", 3));
}

static void test_code_psk(void **state)
{
    (void)state;
    cairn_pair_code_t a, b;
    uint8_t salt1[16], salt2[16], k1[32], k2[32], k3[32], k4[32];
    memset(salt1, 1, sizeof salt1);
    memset(salt2, 2, sizeof salt2);
    assert_int_equal(cairn_pair_code_parse("7K2M-QX4P-9T3W", &a), 0);
    assert_int_equal(cairn_pair_code_parse("7k2mqx4p9t3w", &b), 0);
    assert_int_equal(cairn_pair_code_psk(&a, salt1, k1), 0);
    assert_int_equal(cairn_pair_code_psk(&b, salt1, k2), 0);
    assert_memory_equal(k1, k2, 32); /* the same code however typed */
    assert_int_equal(cairn_pair_code_psk(&a, salt2, k3), 0);
    assert_memory_not_equal(k1, k3, 32); /* the salt matters */
    assert_int_equal(cairn_pair_code_parse("7K2M-QX4P-9T3X", &b), 0);
    assert_int_equal(cairn_pair_code_psk(&b, salt1, k4), 0);
    assert_memory_not_equal(k1, k4, 32); /* one character off: another key */
}

typedef struct {
    int pending, used, dead, expired;
} counts_t;

static void count_fn(void *arg, const cairn_pair_entry_t *e, cairn_pair_state_t st)
{
    counts_t *c = arg;
    for (size_t i = 0; i < sizeof e->psk; i++)
        assert_int_equal(e->psk[i], 0); /* listing never hands out a PSK */
    c->pending += st == CAIRN_PAIR_PENDING;
    c->used += st == CAIRN_PAIR_USED;
    c->dead += st == CAIRN_PAIR_DEAD;
    c->expired += st == CAIRN_PAIR_EXPIRED;
}

static void test_pair_store(void **state)
{
    (void)state;
    fixture_t *f = fixture_open();
    const uint64_t now = 1800000000000ull;
    cairn_pair_code_t code;
    cairn_pair_entry_t e, got;
    char path[256];

    assert_int_equal(cairn_pair_create(f->dir, 600000, now, &code, &e), 0);
    snprintf(path, sizeof path, "%s/pair/%s", f->dir, e.sel);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    size_t len;
    char *text = fixture_read_file(path, &len);
    assert_null(strstr(text, code.c)); /* the code itself is never on disk */
    free(text);
    /* The stored PSK is the code's, with the stored salt. */
    assert_int_equal(cairn_pair_lookup(f->dir, e.sel, 2, now, &got), CAIRN_PAIR_PENDING);
    uint8_t psk[32];
    assert_int_equal(cairn_pair_code_psk(&code, got.salt, psk), 0);
    assert_memory_equal(psk, got.psk, 32);
    assert_int_equal(got.expires_ms, now + 600000);
    assert_int_equal(cairn_pair_lookup(f->dir, e.sel, 2, now + 600000, &got), CAIRN_PAIR_EXPIRED);

    /* Wrong attempts: 4 leave it pending, the 5th kills it for good. */
    unsigned left = 99;
    for (unsigned i = 1; i < CAIRN_PAIR_MAX_FAILURES; i++) {
        assert_int_equal(cairn_pair_fail(f->dir, e.sel, &left), 0);
        assert_int_equal(left, CAIRN_PAIR_MAX_FAILURES - i);
        assert_int_equal(cairn_pair_lookup(f->dir, e.sel, 2, now, &got), CAIRN_PAIR_PENDING);
        assert_int_equal(got.failures, i);
    }
    assert_int_equal(cairn_pair_fail(f->dir, e.sel, &left), 0);
    assert_int_equal(left, 0);
    assert_int_equal(cairn_pair_lookup(f->dir, e.sel, 2, now, &got), CAIRN_PAIR_DEAD);
    assert_int_equal(cairn_pair_fail(f->dir, e.sel, &left), CAIRN_ENOTFOUND);
    assert_int_equal(cairn_pair_consume(f->dir, e.sel), CAIRN_EEXIST);

    /* Single use. */
    cairn_pair_entry_t e2;
    assert_int_equal(cairn_pair_create(f->dir, 600000, now, &code, &e2), 0);
    assert_string_not_equal(e2.sel, e.sel); /* a dead code's selector is never reused */
    assert_int_equal(cairn_pair_consume(f->dir, e2.sel), 0);
    assert_int_equal(cairn_pair_lookup(f->dir, e2.sel, 2, now, &got), CAIRN_PAIR_USED);
    assert_int_equal(cairn_pair_consume(f->dir, e2.sel), CAIRN_EEXIST);

    /* Unknown, malformed (never a path outside pair/), damaged. */
    assert_int_equal(cairn_pair_lookup(f->dir, "..", 2, now, &got), CAIRN_PAIR_UNKNOWN);
    assert_int_equal(cairn_pair_lookup(f->dir, "a/", 2, now, &got), CAIRN_PAIR_UNKNOWN);
    assert_int_equal(cairn_pair_lookup(f->dir, "abc", 3, now, &got), CAIRN_PAIR_UNKNOWN);
    cairn_pair_entry_t e3;
    assert_int_equal(cairn_pair_create(f->dir, 600000, now, &code, &e3), 0);
    snprintf(path, sizeof path, "%s/pair/%s", f->dir, e3.sel);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("salt 00\npsk zz\n", fp);
    fclose(fp);
    assert_int_equal(cairn_pair_lookup(f->dir, e3.sel, 2, now, &got), CAIRN_PAIR_DEAD);

    cairn_pair_entry_t e4;
    assert_int_equal(cairn_pair_create(f->dir, 1000, now, &code, &e4), 0);
    counts_t c = {0};
    assert_int_equal(cairn_pair_list(f->dir, now + 5000, count_fn, &c), 0);
    assert_int_equal(c.pending, 0);
    assert_int_equal(c.used, 1);
    assert_int_equal(c.dead, 2);
    assert_int_equal(c.expired, 1);
    fixture_close(f);
}

static void test_devices(void **state)
{
    (void)state;
    fixture_t *f = fixture_open();
    uint8_t a[32], b[32];
    memset(a, 0xa1, sizeof a);
    memset(b, 0xa2, sizeof b);
    cairn_device_t d;
    char err[256];
    assert_int_equal(cairn_store_device_get(f->store, a, &d), CAIRN_ENOTFOUND);
    assert_int_equal(cairn_store_device_put(f->store, a, "tablet-a", 1000), 0);
    assert_int_equal(cairn_store_device_put(f->store, b, "tablet-b", 2000), 0);
    assert_int_equal(cairn_store_device_get(f->store, a, &d), 0);
    assert_string_equal(d.name, "tablet-a");
    assert_int_equal(d.paired_ms, 1000);
    assert_int_equal(d.revoked_ms, 0);

    /* Revoke by name, by key prefix; ambiguous and unknown are refused and change nothing. */
    assert_int_equal(cairn_store_device_revoke(f->store, "a1a1", 5000, &d, err, sizeof err), 0);
    assert_memory_equal(d.pk, a, 32);
    assert_int_equal(cairn_store_device_get(f->store, a, &d), 0);
    assert_int_equal(d.revoked_ms, 5000);
    assert_int_equal(cairn_store_device_revoke(f->store, "a", 6000, &d, err, sizeof err),
                     CAIRN_ENOTFOUND); /* a prefix needs 4 hex digits */
    assert_int_equal(
        cairn_store_device_put(f->store, (uint8_t[32]){0xa2, 0xa2, 0xa2, 0}, "t3", 3000), 0);
    assert_int_equal(cairn_store_device_revoke(f->store, "A2A2A2", 6000, &d, err, sizeof err),
                     CAIRN_EAMBIGUOUS);
    assert_non_null(strstr(err, "2 devices"));
    assert_int_equal(cairn_store_device_revoke(f->store, "nobody", 6000, &d, err, sizeof err),
                     CAIRN_ENOTFOUND);
    assert_int_equal(cairn_store_device_get(f->store, b, &d), 0);
    assert_int_equal(d.revoked_ms, 0);
    assert_int_equal(cairn_store_device_revoke(f->store, "tablet-b", 7000, &d, err, sizeof err), 0);
    assert_int_equal(d.revoked_ms, 7000);

    /* Pairing again with a new code clears the revocation; the row survives a reopen. */
    assert_int_equal(cairn_store_device_put(f->store, a, "tablet-a2", 8000), 0);
    fixture_reopen(f);
    assert_int_equal(cairn_store_device_get(f->store, a, &d), 0);
    assert_string_equal(d.name, "tablet-a2");
    assert_int_equal(d.revoked_ms, 0);
    fixture_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_format), cmocka_unit_test(test_code_parse),
        cmocka_unit_test(test_code_psk),    cmocka_unit_test(test_pair_store),
        cmocka_unit_test(test_devices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
