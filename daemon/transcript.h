/*
 * transcript.h: an educator's PD-hours transcript (op educator.transcript, PROTOCOL.md 2.1): the
 * credentials they earned (awards not revoked) in a period of award dates, with totals per
 * calendar year (the school's local days, timezone.h) and in all. Read-only; the awards reach a
 * school by sync, so it works at a school and at a hub alike.
 */
#ifndef CAIRN_TRANSCRIPT_H
#define CAIRN_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cairn/id.h>

#include "store.h"

#define CAIRN_TRANSCRIPT_MAX 10000 /* awards on one transcript (more: CAIRN_ETOOBIG) */
#define CAIRN_TRANSCRIPT_ALL_FROM 0
#define CAIRN_TRANSCRIPT_ALL_TO INT64_MAX

typedef struct {
    char award[CAIRN_ID_TEXT_LEN + 1];
    char *credential; /* the credential id (the part of the achievement before '@') */
    uint64_t version;
    char *title;     /* NULL when the catalog no longer holds that version */
    double pd_hours; /* 0 when the title is NULL */
    int64_t issued;  /* ms since the epoch */
    char date[16];   /* its local calendar day, YYYY-MM-DD */
    int year;        /* and year */
} cairn_transcript_award_t;

typedef struct {
    int year; /* local calendar year of the award date */
    uint32_t awards;
    double pd_hours;
} cairn_transcript_year_t;

typedef struct {
    cairn_transcript_award_t *awards; /* by award date, then id */
    size_t n;
    cairn_transcript_year_t *years; /* ascending; only the years with an award */
    size_t nyears;
    double total_pd_hours;
} cairn_transcript_t;

/* Parses a strict calendar date "YYYY-MM-DD" (years 1970-9999, a real day: 2026-02-30 is
 * refused) into ms since the epoch at the first instant of that local day, or, with end_of_day,
 * the last ms of it (cairn_timezone_day). Returns 0 or CAIRN_EINVAL with err naming what was
 * wrong. */
int cairn_transcript_date(const char *s, size_t len, bool end_of_day, int64_t *ms, char *err,
                          size_t errlen);

/* The local calendar year of ms since the epoch (ms >= 0). */
int cairn_transcript_year_of(int64_t ms);

/* Fills t for educator (a full id) with the awards issued in [from, to] (ms, inclusive).
 * Returns 0, -ENOMEM, CAIRN_ETOOBIG or a store error; t is empty on error. */
int cairn_transcript_build(cairn_store_t *s, const char *educator, int64_t from, int64_t to,
                           cairn_transcript_t *t);

void cairn_transcript_free(cairn_transcript_t *t);

#endif
