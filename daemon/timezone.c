/*
 * timezone.c: see timezone.h. Conversions use the C library (mktime/localtime_r over the TZ
 * database) rather than our own rules: daylight saving and historic offsets are data, and
 * tzdata is where Debian keeps them up to date.
 */
#include "timezone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairn/err.h>

static char zone_name[CAIRN_TIMEZONE_MAX + 1];
static char zone_display[CAIRN_TIMEZONE_MAX + 1];

static bool name_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '+' || c == '/';
}

int cairn_timezone_check(const char *name, char *err, size_t errlen)
{
    size_t len = strlen(name);
    const char *dir = getenv("TZDIR") != NULL ? getenv("TZDIR") : "/usr/share/zoneinfo";
    if (strcmp(name, "UTC") == 0)
        return 0;
    if (len == 0 || len > CAIRN_TIMEZONE_MAX) {
        snprintf(err, errlen,
                 "expected a time zone name such as Africa/Nairobi or UTC (1 to %d "
                 "bytes)",
                 CAIRN_TIMEZONE_MAX);
        return CAIRN_EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        bool part_start = i == 0 || name[i - 1] == '/';
        if (!name_byte(name[i]) || (part_start && (name[i] == '/' || name[i] == '-')) ||
            name[len - 1] == '/') {
            snprintf(err, errlen,
                     "'%.64s' is not a time zone name: expected Area/Location such as "
                     "Africa/Nairobi, or UTC",
                     name);
            return CAIRN_EINVAL;
        }
    }
    char path[512];
    unsigned char magic[4] = {0};
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "rbe");
    size_t got = fp != NULL ? fread(magic, 1, sizeof magic, fp) : 0;
    if (fp != NULL)
        fclose(fp);
    if (got != sizeof magic || memcmp(magic, "TZif", 4) != 0) {
        snprintf(err, errlen,
                 "'%.64s' is not a time zone in %s (e.g. Africa/Nairobi, Europe/Paris, UTC; "
                 "is the tzdata package installed?)",
                 name, dir);
        return CAIRN_EINVAL;
    }
    return 0;
}

void cairn_timezone_apply(const char *name)
{
    snprintf(zone_name, sizeof zone_name, "%s", name);
    if (name[0] != '\0') {
        char tz[CAIRN_TIMEZONE_MAX + 2];
        snprintf(tz, sizeof tz, ":%s", name); /* ':' = a file of the database, never a rule */
        setenv("TZ", tz, 1);
    }
    tzset();
}

const char *cairn_timezone_name(void)
{
    const char *tz = getenv("TZ");
    char link[256];
    ssize_t n;
    if (zone_name[0] != '\0')
        return zone_name;
    if (tz != NULL && tz[0] != '\0') {
        snprintf(zone_display, sizeof zone_display, "%.64s", tz[0] == ':' ? tz + 1 : tz);
        return zone_display;
    }
    if ((n = readlink("/etc/localtime", link, sizeof link - 1)) > 0) {
        link[n] = '\0';
        const char *below = strstr(link, "zoneinfo/");
        snprintf(zone_display, sizeof zone_display, "%.64s",
                 below != NULL ? below + strlen("zoneinfo/") : link);
        return zone_display;
    }
    return "local time";
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* The first instant of local day y-m-d (m may be 13: January of y + 1), in ms. A zone that skips
 * midnight (a DST change at 00:00) starts the day at the first time that exists. */
static int64_t day_start(int y, int m, int d)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    return (int64_t)t * 1000;
}

int cairn_timezone_day(const char *s, size_t len, bool end_of_day, int64_t *ms, char *err,
                       size_t errlen)
{
    bool shape = len == 10 && s[4] == '-' && s[7] == '-';
    for (size_t i = 0; shape && i < len; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            shape = false;
    if (!shape) {
        snprintf(err, errlen, "bad date '%.*s': expected YYYY-MM-DD", (int)(len > 40 ? 40 : len),
                 s);
        return CAIRN_EINVAL;
    }
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days(y, m)) {
        snprintf(err, errlen, "bad date '%.10s': no such day (years 1970 to 9999)", s);
        return CAIRN_EINVAL;
    }
    if (!end_of_day) {
        *ms = day_start(y, m, d);
    } else { /* the next day's first instant, less 1 ms; mktime normalises day 32 etc. */
        *ms = day_start(y, m, d + 1) - 1;
    }
    if (*ms < 0)
        *ms = 0; /* 1970-01-01 east of Greenwich began before the epoch */
    return 0;
}

void cairn_timezone_date(int64_t ms, char out[CAIRN_TIMEZONE_DATE_LEN + 1], int *year)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || localtime_r(&t, &tm) == NULL || tm.tm_year < -1899 || tm.tm_year > 8099 ||
        strftime(out, CAIRN_TIMEZONE_DATE_LEN + 1, "%Y-%m-%d", &tm) != CAIRN_TIMEZONE_DATE_LEN) {
        snprintf(out, CAIRN_TIMEZONE_DATE_LEN + 1, "unknown");
        *year = 0;
        return;
    }
    *year = tm.tm_year + 1900;
}
