/*
 * test_client_fmt.c: what the client shows people: media types guessed from file names, human
 * sizes and durations, the progress line, sanitised and wrapped text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt.h"
#include "media.h"
#include "progress.h"

static void test_media(void **state)
{
    assert_string_equal(cairn_media_guess("lesson.mp4"), "video/mp4");
    assert_string_equal(cairn_media_guess("/home/ada/Videos/LESSON.MOV"), "video/quicktime");
    assert_string_equal(cairn_media_guess("a.webm"), "video/webm");
    assert_string_equal(cairn_media_guess("a.mkv"), "video/x-matroska");
    assert_string_equal(cairn_media_guess("talk.m4a"), "audio/mp4");
    assert_string_equal(cairn_media_guess("talk.mp3"), "audio/mpeg");
    assert_string_equal(cairn_media_guess("talk.wav"), "audio/wav");
    assert_string_equal(cairn_media_guess("plan.pdf"), "application/pdf");
    assert_string_equal(cairn_media_guess("work.JPG"), "image/jpeg");
    assert_string_equal(cairn_media_guess("work.jpeg"), "image/jpeg");
    assert_string_equal(cairn_media_guess("work.png"), "image/png");
    assert_string_equal(cairn_media_guess("IMG_0001.HEIC"), "image/heic");
    assert_string_equal(cairn_media_guess("plan.doc"), "application/msword");
    assert_string_equal(cairn_media_guess("plan.docx"),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assert_string_equal(cairn_media_guess("notes.txt"), "text/plain");
    /* Unknown, none, hidden file, trailing dot, a dot only in a directory name. */
    assert_string_equal(cairn_media_guess("archive.tar.zst"), CAIRN_MEDIA_DEFAULT);
    assert_string_equal(cairn_media_guess("README"), CAIRN_MEDIA_DEFAULT);
    assert_string_equal(cairn_media_guess(".mp4"), CAIRN_MEDIA_DEFAULT);
    assert_string_equal(cairn_media_guess("video."), CAIRN_MEDIA_DEFAULT);
    assert_string_equal(cairn_media_guess("/tmp/x.mp4/video"), CAIRN_MEDIA_DEFAULT);
}

static void test_size(void **state)
{
    char b[CAIRN_FMT_SIZE_MAX];
    static const struct {
        uint64_t n;
        const char *s;
    } cases[] = {
        {0, "0 B"},
        {1, "1 B"},
        {1023, "1023 B"},
        {1024, "1.0 KiB"},
        {1536, "1.5 KiB"},
        {1024 * 1024 - 1, "1.0 MiB"}, /* never "1024.0 KiB" */
        {1024 * 1024, "1.0 MiB"},
        {200ull * 1024 * 1024, "200.0 MiB"},
        {4ull * 1000 * 1000 * 1000, "3.7 GiB"},
        {5ull << 40, "5.0 TiB"},
        {UINT64_MAX, "16.0 EiB"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cairn_fmt_size(cases[i].n, b, sizeof b);
        assert_string_equal(b, cases[i].s);
    }
}

static void test_duration(void **state)
{
    char b[32];
    cairn_fmt_duration(0, b, sizeof b);
    assert_string_equal(b, "0s");
    cairn_fmt_duration(59, b, sizeof b);
    assert_string_equal(b, "59s");
    cairn_fmt_duration(185, b, sizeof b);
    assert_string_equal(b, "3m 05s");
    cairn_fmt_duration(2 * 3600 + 3 * 60 + 9, b, sizeof b);
    assert_string_equal(b, "2h 03m");
    cairn_fmt_duration(5 * 86400 + 4 * 3600, b, sizeof b);
    assert_string_equal(b, "5d 04h");
}

static void test_progress_line(void **state)
{
    char b[CAIRN_PROGRESS_LINE_MAX];
    const uint64_t mib = 1024 * 1024;
    cairn_progress_format(b, sizeof b, "sending", 90 * mib, 200 * mib, 2.0);
    assert_string_equal(b, "sending   45%  90.0 MiB / 200.0 MiB  45.0 MiB/s  ETA 2s");
    /* Too early for a rate. */
    cairn_progress_format(b, sizeof b, "hashing", 1 * mib, 200 * mib, 0.1);
    assert_string_equal(b, "hashing    0%  1.0 MiB / 200.0 MiB");
    /* Done: a rate, no ETA; an empty file is 100%. */
    cairn_progress_format(b, sizeof b, "sending", 10 * mib, 10 * mib, 1.0);
    assert_string_equal(b, "sending  100%  10.0 MiB / 10.0 MiB  10.0 MiB/s");
    cairn_progress_format(b, sizeof b, "sending", 0, 0, 1.0);
    assert_string_equal(b, "sending  100%  0 B / 0 B");
}

static void test_progress_not_a_tty(void **state)
{
    /* Nothing at all is written when the stream is not a terminal. */
    FILE *f = tmpfile();
    cairn_progress_t p;
    cairn_progress_init(&p, f);
    assert_false(p.tty);
    cairn_progress_start(&p, "hashing", 100);
    cairn_progress_update(&p, 50);
    cairn_progress_update(&p, 100);
    cairn_progress_clear(&p);
    assert_int_equal(ftell(f), 0);
    fclose(f);
}

static void test_sanitize(void **state)
{
    char b[16];
    cairn_fmt_sanitize(b, sizeof b, "a\033[2Jb\n", 7);
    assert_string_equal(b, "a?[2Jb?");
    /* Truncation never splits a UTF-8 character: "é" is two bytes. */
    cairn_fmt_sanitize(b, 4, "ab\xc3\xa9", 4);
    assert_string_equal(b, "ab");
    cairn_fmt_sanitize(b, 5, "ab\xc3\xa9z", 5);
    assert_string_equal(b, "ab\xc3\xa9");
    /* An embedded NUL does not cut the string short. */
    cairn_fmt_sanitize(b, sizeof b, "a\0b", 3);
    assert_string_equal(b, "a?b");
}

static char *wrap(const char *first, const char *s, size_t indent, size_t width)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    cairn_fmt_wrap(f, first, s, strlen(s), indent, width);
    fclose(f);
    return out;
}

static void test_wrap(void **state)
{
    char *s = wrap("  - ", "one two three four five", 4, 14);
    assert_string_equal(s, "  - one two\n    three four\n    five\n");
    free(s);
    /* A word longer than the line stands alone; spaces collapse; newlines start paragraphs. */
    s = wrap("", "a  verylongwordindeed b\nc", 2, 8);
    assert_string_equal(s, "a\n  verylongwordindeed\n  b\n  c\n");
    free(s);
    /* Width counts characters, not bytes. */
    s = wrap("", "\xc3\xa9\xc3\xa9\xc3\xa9 abc", 0, 7);
    assert_string_equal(s, "\xc3\xa9\xc3\xa9\xc3\xa9 abc\n");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_media),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_progress_line),
        cmocka_unit_test(test_progress_not_a_tty),
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
