/*
 * sync_window.c: parsing and checking upload windows (sync_window.h). A week is a bitmap of
 * its 10080 minutes, so checking is one bit and any combination of items is exact.
 */
#include "sync_window.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <cairn/err.h>

#define ITEM_MAX 64

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static void set_minute(cairn_window_t *w, unsigned m)
{
    m %= CAIRN_WINDOW_MINUTES;
    w->open[m / 8] |= (uint8_t)(1u << (m % 8));
}

bool cairn_window_open_at(const cairn_window_t *w, unsigned m)
{
    if (!w->set)
        return true;
    m %= CAIRN_WINDOW_MINUTES;
    return (w->open[m / 8] >> (m % 8)) & 1u;
}

bool cairn_window_open_now(const cairn_window_t *w, time_t t)
{
    if (!w->set)
        return true;
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL)
        return true;
    unsigned day = (unsigned)((tm.tm_wday + 6) % 7); /* tm: 0 = Sunday; ours: 0 = Monday */
    return cairn_window_open_at(w, day * 1440u + (unsigned)tm.tm_hour * 60u + (unsigned)tm.tm_min);
}

static int day_of(const char *s, size_t len)
{
    for (int i = 0; i < 7; i++) {
        if (len == 3 && strncmp(s, day_names[i], 3) == 0)
            return i;
    }
    return -1;
}

/* "HH:MM" with HH 00..24 and MM 00..59 (24 only as 24:00, and only when end). */
static int parse_time(const char *s, size_t len, bool end, unsigned *minute)
{
    if (len != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    unsigned h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
    unsigned m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
        return -1;
    *minute = h * 60 + m;
    return 0;
}

static int bad(char *why, size_t whylen, const char *item, const char *what)
{
    snprintf(why, whylen, "upload window '%s': %s", item, what);
    return CAIRN_EINVAL;
}

/* One item: "[DAYS] [HH:MM-HH:MM]". */
static int parse_item(const char *item, cairn_window_t *w, char *why, size_t whylen)
{
    char buf[ITEM_MAX];
    snprintf(buf, sizeof buf, "%s", item);
    char *days = NULL, *times = NULL, *sp = strchr(buf, ' ');
    if (sp != NULL) {
        *sp = '\0';
        days = buf;
        times = sp + 1;
        while (*times == ' ')
            times++;
        if (strchr(times, ' ') != NULL)
            return bad(why, whylen, item, "expected '[DAYS] [HH:MM-HH:MM]'");
    } else if (isdigit((unsigned char)buf[0])) {
        times = buf;
    } else {
        days = buf;
    }
    bool day_on[7] = {false};
    if (days == NULL) {
        for (int i = 0; i < 7; i++)
            day_on[i] = true;
    } else {
        char *dash = strchr(days, '-');
        int a = day_of(days, dash ? (size_t)(dash - days) : strlen(days));
        int b = dash ? day_of(dash + 1, strlen(dash + 1)) : a;
        if (a < 0 || b < 0)
            return bad(why, whylen, item, "expected a day (mon..sun) or a range such as mon-fri");
        for (int i = a;; i = (i + 1) % 7) {
            day_on[i] = true;
            if (i == b)
                break;
        }
    }
    unsigned from = 0, to = 1440;
    if (times != NULL) {
        char *dash = strchr(times, '-');
        if (dash == NULL || parse_time(times, (size_t)(dash - times), false, &from) != 0 ||
            parse_time(dash + 1, strlen(dash + 1), true, &to) != 0)
            return bad(why, whylen, item, "expected a time range HH:MM-HH:MM (00:00 to 24:00)");
        if (from == to)
            return bad(why, whylen, item, "the time range is empty (start equals end)");
    }
    for (unsigned d = 0; d < 7; d++) {
        if (!day_on[d])
            continue;
        unsigned len = to > from ? to - from : 1440 - from + to;
        for (unsigned m = 0; m < len; m++)
            set_minute(w, d * 1440 + from + m);
    }
    return 0;
}

int cairn_window_parse(const char *s, cairn_window_t *w, char *why, size_t whylen)
{
    cairn_window_t out;
    memset(&out, 0, sizeof out);
    out.set = true;
    if (strcmp(s, "always") == 0) {
        memset(out.open, 0xff, sizeof out.open);
        *w = out;
        return 0;
    }
    const char *p = s;
    int items = 0;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len > 0 && p[len - 1] == ' ')
            len--;
        char item[ITEM_MAX];
        if (len == 0)
            return snprintf(why, whylen,
                            "upload windows: an empty item (two commas, or a comma "
                            "at an end)"),
                   CAIRN_EINVAL;
        if (len >= sizeof item)
            return snprintf(why, whylen, "upload windows: an item longer than %d characters",
                            ITEM_MAX - 1),
                   CAIRN_EINVAL;
        memcpy(item, p, len);
        item[len] = '\0';
        for (size_t i = 0; i < len; i++)
            item[i] = (char)tolower((unsigned char)item[i]);
        int rc = parse_item(item, &out, why, whylen);
        if (rc != 0)
            return rc;
        items++;
        if (e == NULL)
            break;
        p = e + 1;
        if (*p == '\0')
            return snprintf(why, whylen, "upload windows: a comma at the end"), CAIRN_EINVAL;
    }
    if (items == 0)
        return snprintf(why, whylen,
                        "upload windows: empty (use 'always' or e.g. "
                        "'16:00-07:00, sat, sun')"),
               CAIRN_EINVAL;
    *w = out;
    return 0;
}
