/*
 * outfmt.c: CSV fields, JSON strings and dates for the report verbs (outfmt.h).
 */
#include "outfmt.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <cairn/mp.h>

void cairn_out_csv(FILE *f, const char *s, size_t len)
{
    if (s == NULL)
        return;
    bool quote = len > 0 && strchr("=+-@", s[0]) != NULL;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    if (len > 0 && strchr("=+-@", s[0]) != NULL)
        fputc('\'', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

void cairn_out_json_str(FILE *f, const char *s, size_t len)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void cairn_out_date(int64_t ms, char *out, size_t outlen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || gmtime_r(&t, &tm) == NULL) {
        snprintf(out, outlen, "?");
        return;
    }
    strftime(out, outlen, "%Y-%m-%d", &tm);
}

void cairn_out_row_date(const msgpack_object *row, char *out, size_t outlen)
{
    cairn_strv_t d = cairn_out_opt_str(row, "date");
    if (d.p != NULL && d.len == 10)
        snprintf(out, outlen, "%.10s", d.p);
    else
        cairn_out_date(cairn_out_i64(row, "issued"), out, outlen);
}

cairn_strv_t cairn_out_opt_str(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = cairn_mp_get(map, key);
    cairn_strv_t none = {NULL, 0};
    return o != NULL && o->type == MSGPACK_OBJECT_STR ? cairn_rpc_str(map, key) : none;
}

double cairn_out_f64(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = cairn_mp_get(map, key);
    if (o != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return (double)o->via.u64;
    if (o != NULL && (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32))
        return o->via.f64;
    return 0;
}

int64_t cairn_out_i64(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = cairn_mp_get(map, key);
    if (o != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
        return (int64_t)o->via.u64;
    if (o != NULL && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return o->via.i64;
    return -1;
}
