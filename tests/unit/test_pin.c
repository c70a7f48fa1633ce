/*
 * test_pin.c: kiosk PINs. The format rule; the lockout rule (five wrong in a row lock for a time
 * that doubles per lockout up to an hour; while locked nothing is counted and even the right PIN
 * is refused; a right PIN resets the counts); a new PIN lifts a lockout; an attempt is counted
 * when it begins; the table is outside the log (no event, and a rebuild leaves it alone); and an
 * Argon2id hash made as the daemon makes it verifies.
 */
#include "pin.h"
#include "store_fixture.h"

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

static void test_format_and_lock_times(void **state)
{
    assert_int_equal(cairn_pin_check_format("1234", 4), 0);
    assert_int_equal(cairn_pin_check_format("123456789012", 12), 0);
    assert_int_equal(cairn_pin_check_format("123", 3), CAIRN_EINVAL);
    assert_int_equal(cairn_pin_check_format("1234567890123", 13), CAIRN_EINVAL);
    assert_int_equal(cairn_pin_check_format("12a4", 4), CAIRN_EINVAL);
    assert_int_equal(cairn_pin_check_format("12 4", 4), CAIRN_EINVAL);
    assert_int_equal(cairn_pin_lock_ms(0), 30000);
    assert_int_equal(cairn_pin_lock_ms(1), 60000);
    assert_int_equal(cairn_pin_lock_ms(2), 120000);
    assert_int_equal(cairn_pin_lock_ms(7), 3600000);
    assert_int_equal(cairn_pin_lock_ms(1000), 3600000);
}

/* One whole attempt at time now: begin, then end as right or wrong. */
static int attempt(fixture_t *f, uint64_t now, bool right, unsigned *left, uint64_t *until)
{
    char hash[crypto_pwhash_STRBYTES];
    int rc = cairn_pin_attempt_begin(f->store, "ada", now, hash, until);
    if (rc != 0)
        return rc;
    assert_string_equal(hash, "$argon2id$fake");
    return cairn_pin_attempt_end(f->store, "ada", now, right, left, until);
}

static void test_lockout(void **state)
{
    fixture_t *f = *state;
    unsigned left = 0;
    uint64_t until = 0, now = 1000000;
    char hash[crypto_pwhash_STRBYTES];
    assert_int_equal(cairn_pin_attempt_begin(f->store, "ada", now, hash, &until), CAIRN_ENOTFOUND);
    assert_int_equal(cairn_pin_store(f->store, "ada", "$argon2id$fake"), 0);
    for (unsigned i = 1; i <= 4; i++) {
        assert_int_equal(attempt(f, now, false, &left, &until), 0);
        assert_int_equal(left, CAIRN_PIN_TRIES - i);
        assert_int_equal(until, 0);
    }
    assert_int_equal(attempt(f, now, false, &left, &until), 0);
    assert_int_equal(until, now + 30000); /* the fifth locks for 30 s */
    /* locked: refused before any check, nothing counted, whatever the PIN */
    assert_int_equal(attempt(f, now + 29999, true, &left, &until), CAIRN_ESTATE);
    assert_int_equal(until, now + 30000);
    assert_int_equal(fixture_int(f, "SELECT failures FROM educator_pins"), 0);
    /* after it ends: five more wrong lock for twice as long */
    now += 30000;
    for (int i = 0; i < 5; i++)
        assert_int_equal(attempt(f, now, false, &left, &until), 0);
    assert_int_equal(until, now + 60000);
    now += 60000;
    /* a right PIN resets both counts: the next lockout is 30 s again */
    assert_int_equal(attempt(f, now, false, &left, &until), 0);
    assert_int_equal(attempt(f, now, true, &left, &until), 0);
    assert_int_equal(fixture_int(f, "SELECT failures + lockouts + locked_until FROM educator_pins"),
                     0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(attempt(f, now, false, &left, &until), 0);
    assert_int_equal(until, now + 30000);
    /* setting a new PIN at the box lifts the lockout */
    assert_int_equal(cairn_pin_store(f->store, "ada", "$argon2id$fake"), 0);
    assert_int_equal(attempt(f, now + 1, true, &left, &until), 0);
}

static void test_counted_when_begun(void **state)
{
    fixture_t *f = *state;
    char hash[crypto_pwhash_STRBYTES];
    uint64_t until;
    assert_int_equal(cairn_pin_store(f->store, "ada", "$argon2id$fake"), 0);
    /* five attempts begun in parallel, none ended yet: each is already counted */
    for (int i = 0; i < 5; i++)
        assert_int_equal(cairn_pin_attempt_begin(f->store, "ada", 1000, hash, &until), 0);
    assert_int_equal(fixture_int(f, "SELECT failures FROM educator_pins"), 5);
}

static void test_local_only(void **state)
{
    fixture_t *f = *state;
    char hash[crypto_pwhash_STRBYTES];
    bool equal = false;
    assert_int_equal(crypto_pwhash_str(hash, "2468", 4, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE),
                     0);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_int_equal(crypto_pwhash_str_verify(hash, "2468", 4), 0);
    assert_int_not_equal(crypto_pwhash_str_verify(hash, "2469", 4), 0);
    assert_int_equal(cairn_pin_store(f->store, "ada", hash), 0);
    assert_int_equal(fixture_events(f), 0); /* no event: nothing to sync */
    assert_int_equal(cairn_store_rebuild(f->store, &equal, NULL), 0);
    assert_true(equal);
    assert_int_equal(fixture_int(f, "SELECT count(*) FROM educator_pins"), 1); /* kept */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_and_lock_times),
        cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counted_when_begun, setup, teardown),
        cmocka_unit_test_setup_teardown(test_local_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
