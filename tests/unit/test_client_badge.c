/*
 * test_client_badge.c: the links `cairn badge qr` and `cairn badge linkedin` make
 * (client/badge_links.c): percent-encoding, the verification URL (https id, or a base plus the
 * encoded id, with or without its slash; a base that is not https refused), the exact LinkedIn
 * URL with and without expiry, and buffers too small refused rather than cut; and the QR PNG
 * writer producing a PNG file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "badge_links.h"
#include "qr.h"

static struct cairn_badge badge(void)
{
    struct cairn_badge b = {
        .id = "urn:uuid:6a0f3a8e",
        .name = "Wait Time & \"Questions\"",
        .issuer_name = "Valley Région Hub",
        .valid_from_ms = INT64_C(1764000000000), /* 2025-11-24 */
    };
    return b;
}

static void test_urlencode(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(cairn_badge_urlencode("a b/c:d~e_f.g-h\xc3\xa9", out, sizeof out), 0);
    assert_string_equal(out, "a%20b%2Fc%3Ad~e_f.g-h%C3%A9");
    assert_int_equal(cairn_badge_urlencode("a b", out, 4), -1);
    assert_int_equal(cairn_badge_urlencode("a b", out, 6), 0);
}

static void test_verify_url(void **state)
{
    (void)state;
    struct cairn_badge b = badge();
    char url[256];
    assert_int_equal(cairn_badge_verify_url(&b, NULL, url, sizeof url), 1);
    assert_int_equal(cairn_badge_verify_url(&b, "https://hub.example/v", url, sizeof url), 0);
    assert_string_equal(url, "https://hub.example/v/urn%3Auuid%3A6a0f3a8e");
    assert_int_equal(cairn_badge_verify_url(&b, "https://hub.example/v/", url, sizeof url), 0);
    assert_string_equal(url, "https://hub.example/v/urn%3Auuid%3A6a0f3a8e");
    assert_int_equal(cairn_badge_verify_url(&b, "http://hub.example/v", url, sizeof url), -1);
    b.id = "https://hub.example/badges/6a0f3a8e";
    assert_int_equal(cairn_badge_verify_url(&b, "https://other/", url, sizeof url), 0);
    assert_string_equal(url, "https://hub.example/badges/6a0f3a8e");
    assert_int_equal(cairn_badge_verify_url(&b, NULL, url, 10), -1);
}

static void test_linkedin(void **state)
{
    (void)state;
    struct cairn_badge b = badge();
    char url[1024];
    assert_int_equal(cairn_badge_linkedin_url(&b, "https://hub.example/v/x", url, sizeof url), 0);
    assert_string_equal(url, "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME"
                             "&name=Wait%20Time%20%26%20%22Questions%22"
                             "&organizationName=Valley%20R%C3%A9gion%20Hub"
                             "&issueYear=2025&issueMonth=11"
                             "&certUrl=https%3A%2F%2Fhub.example%2Fv%2Fx"
                             "&certId=urn%3Auuid%3A6a0f3a8e");
    b.valid_until_ms = INT64_C(1798761600000); /* 2027-01-01 */
    assert_int_equal(cairn_badge_linkedin_url(&b, NULL, url, sizeof url), 0);
    assert_non_null(strstr(url, "&expirationYear=2027&expirationMonth=1&certId="));
    assert_null(strstr(url, "certUrl"));
    assert_int_equal(cairn_badge_linkedin_url(&b, NULL, url, 80), -1);
}

static void test_qr_png(void **state)
{
    (void)state;
    char path[] = "/tmp/cairn-test-qr-XXXXXX", err[256], png[64];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(cairn_qr_png(path, "https://hub.example/v/x", 4, err, sizeof err), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(png, 1, 8, f), 8);
    fclose(f);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    unlink(path);
    char big[CAIRN_QR_TEXT_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(cairn_qr_png(path, big, 4, err, sizeof err), -1);
    assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urlencode),
        cmocka_unit_test(test_verify_url),
        cmocka_unit_test(test_linkedin),
        cmocka_unit_test(test_qr_png),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
