/*
 * fmt.c: sizes, durations and wrapped, sanitised text for people (see fmt.h).
 */
#include "fmt.h"

#include <stdbool.h>
#include <string.h>

#include <cairn/hlc.h>

void cairn_fmt_size(uint64_t bytes, char *out, size_t outlen)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(out, outlen, "%u B", (unsigned)bytes);
        return;
    }
    double v = (double)bytes / 1024.0;
    size_t u = 0;
    /* Switch unit before rounding would print "1024.0 KiB". */
    while (v >= 1023.95 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(out, outlen, "%.1f %s", v, units[u]);
}

void cairn_fmt_duration(uint64_t seconds, char *out, size_t outlen)
{
    uint64_t d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60, s = seconds % 60;
    if (seconds < 60)
        snprintf(out, outlen, "%llus", (unsigned long long)s);
    else if (seconds < 3600)
        snprintf(out, outlen, "%llum %02llus", (unsigned long long)m, (unsigned long long)s);
    else if (seconds < 86400)
        snprintf(out, outlen, "%lluh %02llum", (unsigned long long)(seconds / 3600),
                 (unsigned long long)m);
    else
        snprintf(out, outlen, "%llud %02lluh", (unsigned long long)d, (unsigned long long)h);
}

void cairn_fmt_time(uint64_t hlc, char *out, size_t outlen)
{
    char full[40];
    cairn_hlc_format(hlc, full, sizeof full);
    /* "2026-11-25T17:11:37.123Z+0005" -> "2026-11-25 17:11 UTC" */
    if (strlen(full) >= 16 && full[10] == 'T')
        snprintf(out, outlen, "%.10s %.5s UTC", full, full + 11);
    else
        snprintf(out, outlen, "%s", full);
}

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

char *cairn_fmt_sanitize(char *out, size_t outlen, const char *s, size_t len)
{
    size_t n = 0;
    if (outlen == 0)
        return out;
    for (size_t i = 0; i < len && n + 1 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        out[n++] = is_control(c) ? '?' : (char)c;
    }
    /* Never leave half a UTF-8 character at a truncation point. */
    if (n < len) {
        size_t lead = n;
        while (lead > 0 && ((unsigned char)out[lead - 1] & 0xc0) == 0x80)
            lead--;
        if (lead > 0) {
            unsigned char c = (unsigned char)out[lead - 1];
            size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            if (n - (lead - 1) < need)
                n = lead - 1;
        }
    }
    out[n] = '\0';
    return out;
}

void cairn_fmt_put(FILE *f, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\t')
            c = ' ';
        fputc(is_control(c) ? '?' : c, f);
    }
}

size_t cairn_fmt_width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        w += ((unsigned char)s[i] & 0xc0) != 0x80;
    return w;
}

void cairn_fmt_put_padded(FILE *f, const char *s, size_t len, size_t width)
{
    cairn_fmt_put(f, s, len);
    for (size_t w = cairn_fmt_width(s, len); w < width; w++)
        fputc(' ', f);
}

static void spaces(FILE *f, size_t n)
{
    while (n--)
        fputc(' ', f);
}

void cairn_fmt_wrap(FILE *f, const char *first, const char *s, size_t len, size_t indent,
                    size_t width)
{
    size_t col = cairn_fmt_width(first, strlen(first));
    size_t i = 0;
    bool line_empty = true;

    fputs(first, f);
    while (i < len) {
        if (s[i] == '\n') {
            fputc('\n', f);
            spaces(f, indent);
            col = indent;
            line_empty = true;
            i++;
            continue;
        }
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            i++;
        size_t w = cairn_fmt_width(s + start, i - start);
        if (!line_empty && col + 1 + w > width) {
            fputc('\n', f);
            spaces(f, indent);
            col = indent;
            line_empty = true;
        }
        if (!line_empty) {
            fputc(' ', f);
            col++;
        }
        cairn_fmt_put(f, s + start, i - start);
        col += w;
        line_empty = false;
    }
    fputc('\n', f);
}
