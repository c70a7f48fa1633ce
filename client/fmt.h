/*
 * fmt.h: how the cairn client shows things to people: sizes, durations, wrapped text.
 *
 * Text from the daemon or a catalog is untrusted: everything printed goes through the sanitising
 * functions here, which replace control characters so a name cannot move the cursor or recolour
 * the terminal. Pure functions (or writers to a given FILE), unit-testable.
 */
#ifndef CAIRN_CLIENT_FMT_H
#define CAIRN_CLIENT_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CAIRN_FMT_SIZE_MAX 16
#define CAIRN_FMT_WIDTH 80

/* "0 B", "999 B", "1.0 KiB", "1.5 MiB", "200.0 MiB", "3.7 GiB": binary units, one decimal from
 * KiB up. Always fits in CAIRN_FMT_SIZE_MAX bytes. */
void cairn_fmt_size(uint64_t bytes, char *out, size_t outlen);

/* "42s", "3m 05s", "2h 03m", "5d 04h". */
void cairn_fmt_duration(uint64_t seconds, char *out, size_t outlen);

/* A hybrid logical clock timestamp as "2026-11-25 17:11 UTC" (minutes are enough for people). */
void cairn_fmt_time(uint64_t hlc, char *out, size_t outlen);

/* Copies s[0..len) into out (always NUL-terminated, truncated at a UTF-8 character boundary),
 * replacing control characters (C0, DEL) and NUL with '?'. Returns out. */
char *cairn_fmt_sanitize(char *out, size_t outlen, const char *s, size_t len);

/* Writes s[0..len) to f with control characters replaced by '?' (a tab becomes a space). */
void cairn_fmt_put(FILE *f, const char *s, size_t len);

/* Writes s[0..len) to f in the same way, padded with spaces to width display columns (counting
 * UTF-8 characters, not bytes). */
void cairn_fmt_put_padded(FILE *f, const char *s, size_t len, size_t width);

/* Display width of s[0..len): its UTF-8 characters (continuation bytes do not count). */
size_t cairn_fmt_width(const char *s, size_t len);

/* Writes s[0..len) word-wrapped to width columns: the first line starts with first (its width
 * counts), later lines with indent spaces. Newlines in s start new paragraphs with the indent.
 * A word longer than a line is put on a line of its own, unbroken. Ends with a newline. */
void cairn_fmt_wrap(FILE *f, const char *first, const char *s, size_t len, size_t indent,
                    size_t width);

#endif
