/*
 * api_util.h: what the store-backed handlers (api_catalog.c, api_educator.c, api_submission.c)
 * share: reading request arguments, and packing result columns.
 *
 * Each argument reader states what it expects in one call and, on a mismatch, fills req->errmsg
 * naming the field and returns the code for the handler to return.
 */
#ifndef CAIRN_API_UTIL_H
#define CAIRN_API_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <sqlite3.h>

#include "api.h"
#include "store_priv.h"

/* Fails req with code and the message a lower layer wrote into err (the code's own text when it
 * wrote none). Returns code. */
int cairn_api_fail(cairn_req_t *req, int code, const char *err);

/* A str argument of min..max bytes without NUL bytes. An optional one that is absent gives
 * *s = NULL, *len = 0 and returns 0. Returns 0 or CAIRN_EINVAL. */
int cairn_api_arg_str(cairn_req_t *req, const char *key, bool required, size_t min, size_t max,
                      const char **s, size_t *len);

/* An optional uint argument; *present says whether it was given. Returns 0 or CAIRN_EINVAL. */
int cairn_api_arg_u64(cairn_req_t *req, const char *key, uint64_t *v, bool *present);

/* A required id-or-prefix argument resolved to a full id of kind (PROTOCOL.md 2.1). Returns 0,
 * CAIRN_EINVAL, CAIRN_ENOTFOUND, CAIRN_EAMBIGUOUS or CAIRN_ESTORE. */
int cairn_api_arg_id(cairn_req_t *req, const char *key, cairn_id_kind_t kind,
                     char out[CAIRN_ID_TEXT_LEN + 1]);

/* 0 when stack id s[0..len) is in the catalog, else CAIRN_ENOTFOUND ("no stack 'x'") or a store
 * error, with req->errmsg filled (api_catalog.c). */
int cairn_api_stack_exists(cairn_req_t *req, const char *stack, size_t len);

/* Packs one row of st as one array element. */
typedef void (*cairn_api_row_fn)(msgpack_packer *pk, sqlite3_stmt *st);

/* Steps st (bound, cached) to its end and packs key and [fn(row) for each row] into req->pk (a
 * map entry: the caller packs the map header); resets st. Returns 0, or the error code after
 * filling req->errmsg with what was being read. */
int cairn_api_pack_rows(cairn_req_t *req, const char *key, sqlite3_stmt *st, cairn_api_row_fn fn);

/* Prepares sql (cached; ?1 is bound to id) and steps it to its first row: 0 with *st on that row
 * (the caller resets it), or the error code after filling req->errmsg ("reading WHAT ID";
 * CAIRN_ENOTFOUND when there is no row). */
int cairn_api_row_by_id(cairn_req_t *req, const char *sql, const char *what, const char *id,
                        sqlite3_stmt **st);

/* Packs key and the text column col of st's current row (nil when NULL). */
void cairn_api_pack_kv_column(msgpack_packer *pk, const char *key, sqlite3_stmt *st, int col);

#endif
