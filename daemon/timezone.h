/*
 * timezone.h: the node's time zone for calendar days ([school] timezone): transcript periods,
 * award dates and yearly PD-hour totals are counted in the school's local days, as teachers'
 * re-certification periods are. The zone is process-wide (the C library's TZ): set once at
 * start-up from the configuration, before any thread starts. It also governs the local times of
 * [sync] upload_windows, which were always "local time".
 */
#ifndef CAIRN_TIMEZONE_H
#define CAIRN_TIMEZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAIRN_TIMEZONE_MAX 64 /* bytes of a zone name (the longest IANA name is 32) */

/* Checks a zone name: "UTC", or an IANA name (Area/Location, letters, digits, '_', '-', '+')
 * whose file in the time zone database (TZDIR, else /usr/share/zoneinfo) is a TZif file. POSIX
 * rule strings ("EST5EDT,M3.2.0,M11.1.0") and paths are refused. Returns 0 or CAIRN_EINVAL with
 * err naming what was wrong. */
int cairn_timezone_check(const char *name, char *err, size_t errlen);

/* Makes name (checked) the process's zone; "" keeps the box's own (TZ, else /etc/localtime). */
void cairn_timezone_apply(const char *name);

/* The zone in use, for display: the configured name, else TZ, else /etc/localtime's target
 * below zoneinfo/, else "local time". */
const char *cairn_timezone_name(void);

/* Strict "YYYY-MM-DD" (years 1970-9999, a real day) in the zone in use: ms since the epoch of the
 * day's first instant, or with end_of_day its last ms (days of 23 or 25 hours included). Returns
 * 0 or CAIRN_EINVAL with err naming what was wrong. */
int cairn_timezone_day(const char *s, size_t len, bool end_of_day, int64_t *ms, char *err,
                       size_t errlen);

/* The local calendar date of ms ("YYYY-MM-DD") and its year ("unknown" and 0 out of range). */
#define CAIRN_TIMEZONE_DATE_LEN 10
void cairn_timezone_date(int64_t ms, char out[CAIRN_TIMEZONE_DATE_LEN + 1], int *year);

#endif
