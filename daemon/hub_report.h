/*
 * hub_report.h: the hub's report (op hub.report, PROTOCOL.md 2.1): per school (the submission's
 * partition origin) or per credential, the awards not revoked, the submissions in review
 * (submitted or in-review) and the median review turnaround: from the submit's HLC to the
 * FIRST decision's HLC (wall clock parts), in days. Read-only.
 */
#ifndef CAIRN_HUB_REPORT_H
#define CAIRN_HUB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define CAIRN_REPORT_GROUPS_MAX 100000

typedef struct {
    char *key;  /* the school's node id in hex, or the credential id */
    char *name; /* the school's enrolled name (NULL when not a peer), or the credential title */
    uint64_t awards, in_review, decided;
    double median_days; /* of the decided ones; 0 when decided == 0 */
    double *days;       /* internal: the turnarounds (freed by cairn_hub_report_free) */
    size_t ndays, capdays;
} cairn_report_group_t;

typedef struct {
    cairn_report_group_t *groups; /* by key */
    size_t n, cap;
    cairn_report_group_t total; /* key "" */
} cairn_hub_report_t;

/* by_school false: by credential. Returns 0, CAIRN_ETOOBIG, -ENOMEM or a store error. */
int cairn_hub_report_build(cairn_store_t *s, bool by_school, cairn_hub_report_t *r);
void cairn_hub_report_free(cairn_hub_report_t *r);

/* The median of n sorted values (n > 0). */
double cairn_report_median(const double *v, size_t n);

#endif
