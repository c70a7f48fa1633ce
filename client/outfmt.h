/*
 * outfmt.h: machine-readable output for the report verbs (transcript, holders, staff, report):
 * one CSV field (RFC 4180 quoting) and one JSON string (escaped), written to a stream.
 */
#ifndef CAIRN_CLIENT_OUTFMT_H
#define CAIRN_CLIENT_OUTFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <msgpack.h>

#include "rpc.h"

/* s[0..len) as a CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled); a
 * field that starts with = + - @ is prefixed with a quote character so a spreadsheet does not run
 * it as a formula. */
void cairn_out_csv(FILE *f, const char *s, size_t len);

/* s[0..len) as a JSON string with its quotes; control bytes escaped as \u00XX. */
void cairn_out_json_str(FILE *f, const char *s, size_t len);

/* "YYYY-MM-DD" (UTC) of ms since the epoch into out (at least 11 bytes). */
void cairn_out_date(int64_t ms, char *out, size_t outlen);

/* The award date a row carries: its "date" (the daemon's local day, [school] timezone) when
 * present, else the UTC day of its "issued" (a daemon from before time zones). */
void cairn_out_row_date(const msgpack_object *row, char *out, size_t outlen);

/* Result fields: a str, or {NULL, 0} when nil or absent; a number (int or float), 0 when
 * absent; a signed integer, -1 when absent. */
cairn_strv_t cairn_out_opt_str(const msgpack_object *map, const char *key);
double cairn_out_f64(const msgpack_object *map, const char *key);
int64_t cairn_out_i64(const msgpack_object *map, const char *key);

#endif
