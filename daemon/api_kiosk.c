/*
 * api_kiosk.c: setting a PIN at the box and signing in at the kiosk (PROTOCOL.md 2.1):
 * educator.pin.set and educator.signin. Argon2id runs in libuv's thread pool (it takes ~0.1 s and
 * 64 MiB at the interactive limits), never on the loop; the PIN is wiped from memory once hashed
 * or checked and is never logged. The counting and lockout are pin.c's, on the loop thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <uv.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api_util.h"
#include "daemon.h"
#include "log.h"
#include "mpbuf.h"
#include "pin.h"

typedef struct {
    uv_work_t work;
    cairn_daemon_t *d;
    struct cairn_conn *conn;
    uint64_t rid;
    bool set; /* educator.pin.set; else educator.signin */
    bool ok;  /* the work's outcome: hashed, or the PIN is right */
    char educator[CAIRN_ID_TEXT_LEN + 1];
    char name[201], role[16];
    char pin[CAIRN_PIN_MAX + 1];
    size_t pin_len;
    char hash[crypto_pwhash_STRBYTES];
} pin_job_t;

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "20:31:05 UTC (in 30 s)" */
static void format_until(char *out, size_t outlen, uint64_t until_ms, uint64_t now_ms)
{
    time_t t = (time_t)(until_ms / 1000);
    struct tm tm;
    char hms[16] = "?";
    if (gmtime_r(&t, &tm) != NULL)
        strftime(hms, sizeof hms, "%H:%M:%S", &tm);
    snprintf(out, outlen, "%s UTC (in %llu s)", hms,
             (unsigned long long)((until_ms - now_ms + 999) / 1000));
}

static void pin_work(uv_work_t *w)
{
    pin_job_t *j = w->data;
    if (j->set)
        j->ok = crypto_pwhash_str(j->hash, j->pin, j->pin_len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                  crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
    else
        j->ok = crypto_pwhash_str_verify(j->hash, j->pin, j->pin_len) == 0;
    sodium_memzero(j->pin, sizeof j->pin);
}

static void reply_err(pin_job_t *j, int code, const char *msg)
{
    cairn_conn_reply_err(j->conn, j->rid, code, msg);
}

static void pin_done(uv_work_t *w, int status)
{
    pin_job_t *j = w->data;
    char msg[CAIRN_ERRMSG_MAX], until[64];
    uint64_t now = wall_ms(), locked_until = 0;
    unsigned left = 0;
    int rc = status == 0 ? 0 : CAIRN_ESTATE;
    cairn_mpbuf_t res;
    cairn_mpbuf_init(&res);
    if (rc != 0) {
        reply_err(j, rc, "cairnd is stopping");
    } else if (j->set) {
        rc = j->ok ? cairn_pin_store(j->d->store, j->educator, j->hash) : -ENOMEM;
        if (rc != 0) {
            snprintf(msg, sizeof msg, "storing the PIN: %s", cairn_strerror(rc));
            reply_err(j, rc, msg);
        } else {
            cairn_log_info("kiosk: PIN set for educator %s", j->educator);
            msgpack_pack_map(&res.pk, 1);
            cairn_mp_pack_kv_str(&res.pk, "educator", j->educator);
        }
    } else {
        rc = cairn_pin_attempt_end(j->d->store, j->educator, now, j->ok, &left, &locked_until);
        if (rc != 0) {
            snprintf(msg, sizeof msg, "recording the sign-in: %s", cairn_strerror(rc));
            reply_err(j, rc, msg);
        } else if (!j->ok) {
            cairn_log_info("kiosk: wrong PIN for educator %s%s", j->educator,
                           locked_until ? " (locked)" : "");
            if (locked_until) {
                format_until(until, sizeof until, locked_until, now);
                snprintf(msg, sizeof msg, "wrong PIN: %s is locked after %d wrong PINs until %s",
                         j->name, CAIRN_PIN_TRIES, until);
            } else {
                snprintf(msg, sizeof msg, "wrong PIN: %u %s left before a lockout", left,
                         left == 1 ? "try" : "tries");
            }
            reply_err(j, rc = CAIRN_EDENIED, msg);
        } else {
            msgpack_pack_map(&res.pk, 3);
            cairn_mp_pack_kv_str(&res.pk, "id", j->educator);
            cairn_mp_pack_kv_str(&res.pk, "name", j->name);
            cairn_mp_pack_kv_str(&res.pk, "role", j->role);
        }
    }
    if (rc == 0 && cairn_mpbuf_status(&res) == 0)
        cairn_conn_reply_ok(j->conn, j->rid, res.sb.data, res.sb.size);
    cairn_mpbuf_free(&res);
    cairn_conn_release(j->conn);
    sodium_memzero(j->hash, sizeof j->hash);
    free(j);
}

/* Reads educator and pin, then queues the job. */
static int start_job(cairn_req_t *req, bool set)
{
    char err[CAIRN_ERRMSG_MAX] = "", until[64];
    const char *ed, *pin;
    size_t ed_len, pin_len;
    uint64_t locked_until = 0, now = wall_ms();
    int rc = cairn_api_arg_str(req, "educator", true, 1, 200, &ed, &ed_len);
    if (rc == 0)
        rc = cairn_api_arg_str(req, "pin", true, 0, 64, &pin, &pin_len);
    if (rc != 0)
        return rc;
    if (cairn_pin_check_format(pin, pin_len) != 0)
        return cairn_req_fail(req, CAIRN_EINVAL, "a PIN is %d to %d digits", CAIRN_PIN_MIN,
                              CAIRN_PIN_MAX);
    pin_job_t *j = calloc(1, sizeof *j);
    if (j == NULL)
        return cairn_req_fail(req, -ENOMEM, "out of memory");
    rc = cairn_store_resolve_educator(req->d->store, ed, ed_len, j->educator, err, sizeof err);
    if (rc == 0) {
        sqlite3_stmt *st = NULL;
        rc = cairn_store_stmt(req->d->store, "SELECT name, role FROM educators WHERE id = ?1", &st);
        if (rc == 0) {
            sqlite3_bind_text(st, 1, j->educator, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW) {
                snprintf(j->name, sizeof j->name, "%s", (const char *)sqlite3_column_text(st, 0));
                snprintf(j->role, sizeof j->role, "%s", (const char *)sqlite3_column_text(st, 1));
            }
            sqlite3_reset(st);
        }
    }
    if (rc != 0) {
        free(j);
        return cairn_api_fail(req, rc, err);
    }
    if (!set) {
        rc = cairn_pin_attempt_begin(req->d->store, j->educator, now, j->hash, &locked_until);
        if (rc == CAIRN_ENOTFOUND)
            snprintf(err, sizeof err, "%s has no PIN yet: set one at the box (cairn educator pin)",
                     j->name);
        else if (rc == CAIRN_ESTATE) {
            format_until(until, sizeof until, locked_until, now);
            snprintf(err, sizeof err, "%s is locked after %d wrong PINs until %s", j->name,
                     CAIRN_PIN_TRIES, until);
        }
        if (rc != 0) {
            free(j);
            return cairn_api_fail(req, rc, err);
        }
    }
    j->d = req->d;
    j->conn = req->conn;
    j->rid = req->rid;
    j->set = set;
    memcpy(j->pin, pin, pin_len);
    j->pin_len = pin_len;
    j->work.data = j;
    rc = uv_queue_work(req->d->loop, &j->work, pin_work, pin_done);
    if (rc != 0) {
        sodium_memzero(j->pin, sizeof j->pin);
        free(j);
        return cairn_req_fail(req, rc, "cannot queue the PIN check: %s", uv_strerror(rc));
    }
    cairn_conn_hold(req->conn);
    return CAIRN_API_PENDING;
}

static int pin_set(cairn_req_t *req)
{
    return start_job(req, true);
}

static int signin(cairn_req_t *req)
{
    return start_job(req, false);
}

const cairn_api_route_t cairn_api_routes_kiosk[] = {
    {"educator.pin.set", pin_set},
    {"educator.signin", signin},
    {NULL, NULL},
};
