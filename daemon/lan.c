/*
 * lan.c: hello, handshake, pairing and sealing for LAN device connections (see lan.h).
 *
 * Phases: HELLO (one clear msgpack frame) -> HS (channel msg1, msg3) -> PAIR (pairing only: one
 * sealed {"t":"pair"}) or OPEN (sealed API requests) -> DONE (answered, closing). Every refusal
 * is one clear line to the device, a log line naming the connection, and the end of that
 * connection only; nothing is recorded for a refused device. A wrong pairing code counts one
 * attempt against that code (pair_store.c), whatever part of msg3 failed.
 */
#include "lan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include <cairn/channel.h>
#include <cairn/err.h>
#include <cairn/frame.h>
#include <cairn/mp.h>

#include "conn.h"
#include "enroll.h"
#include "identity.h"
#include "lan_msg.h"
#include "log.h"
#include "pair_store.h"
#include "store_devices.h"

enum { P_HELLO, P_HS, P_PAIR, P_OPEN, P_DONE };

struct cairn_lan {
    int phase;
    bool pairing, sent_msg2, device_known;
    cairn_pair_entry_t code; /* pairing: the pending code named by the hello */
    cairn_channel_t ch;
    uint8_t peer_pk[32];
    uint64_t started_ms;
};

cairn_lan_t *cairn_lan_new(uint64_t now_ms)
{
    cairn_lan_t *l = calloc(1, sizeof *l);
    if (l != NULL)
        l->started_ms = now_ms;
    return l;
}

void cairn_lan_free(cairn_lan_t *l)
{
    if (l == NULL)
        return;
    cairn_channel_wipe(&l->ch);
    sodium_memzero(l, sizeof *l);
    free(l);
}

/* Ends the connection once what was queued is written. */
static void finish(struct cairn_conn *c)
{
    c->lan->phase = P_DONE;
    cairn_conn_drain(c);
}

static void pack_start(msgpack_sbuffer *sb, msgpack_packer *pk)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
}

/* A clear {"v":1,"ok":false,"error":why} (hello refusals, failed handshakes), then the end. */
static void refuse_clear(struct cairn_conn *c, const char *why)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    pack_start(&sb, &pk);
    msgpack_pack_map(&pk, 3);
    cairn_mp_pack_kv_u64(&pk, "v", 1);
    cairn_mp_pack_kv_bool(&pk, "ok", false);
    cairn_mp_pack_kv_str(&pk, "error", why);
    cairn_conn_write_frame(c, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    cairn_log_warn("%s: LAN device refused: %s", c->peer, why);
    finish(c);
}

/* Seals one message of the LAN protocol (not an API reply) and writes it. */
static int send_sealed(struct cairn_conn *c, const msgpack_sbuffer *sb)
{
    size_t cap = sb->size + CAIRN_CHANNEL_OVERHEAD, outlen;
    uint8_t *out = malloc(cap);
    if (out == NULL)
        return -ENOMEM;
    int rc =
        cairn_channel_seal(&c->lan->ch, (const uint8_t *)sb->data, sb->size, out, cap, &outlen);
    if (rc == 0)
        rc = cairn_conn_write_frame(c, out, outlen);
    free(out);
    return rc;
}

/* A sealed {"t":"err","error":why}, then the end. */
static void refuse_sealed(struct cairn_conn *c, const char *why)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    pack_start(&sb, &pk);
    msgpack_pack_map(&pk, 2);
    cairn_mp_pack_kv_str(&pk, "t", "err");
    cairn_mp_pack_kv_str(&pk, "error", why);
    send_sealed(c, &sb);
    msgpack_sbuffer_destroy(&sb);
    cairn_log_warn("%s: LAN device refused: %s", c->peer, why);
    finish(c);
}

/* An API request sent in clear to the LAN port: answer it with an error reply (its rid, so a
 * client that did not pair reads a clear message) and close. */
static void refuse_plain_request(struct cairn_conn *c, const msgpack_object *m)
{
    uint64_t rid = 0;
    cairn_mp_get_u64(m, "rid", &rid);
    const char *why = "this address takes only paired devices through the secure channel: pair "
                      "this device with `cairn pair HOST CODE` (a code from `cairnd pair`)";
    msgpack_sbuffer sb;
    msgpack_packer pk;
    pack_start(&sb, &pk);
    msgpack_pack_map(&pk, 5);
    cairn_mp_pack_kv_u64(&pk, "rid", rid);
    cairn_mp_pack_kv_bool(&pk, "ok", false);
    cairn_mp_pack_kv_i64(&pk, "code", CAIRN_EDENIED);
    cairn_mp_pack_kv_str(&pk, "name", cairn_errname(CAIRN_EDENIED));
    cairn_mp_pack_kv_str(&pk, "error", why);
    cairn_conn_write_frame(c, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    cairn_log_warn("%s: LAN request without the secure channel refused", c->peer);
    finish(c);
}

static void handle_hello(struct cairn_conn *c, const uint8_t *f, size_t len)
{
    cairn_lan_t *l = c->lan;
    cairn_mp_doc_t doc;
    if (cairn_mp_decode(f, len, &cairn_lan_msg_limits, &doc) != 0) {
        cairn_log_warn("%s: LAN hello is not a small msgpack map; closing", c->peer);
        cairn_conn_close(c);
        return;
    }
    const msgpack_object *m = &doc.root;
    const char *sel = NULL;
    size_t sel_len = 0;
    cairn_lan_hello_kind_t kind = cairn_lan_hello_kind(m, &sel, &sel_len);
    if (kind == CAIRN_LAN_HELLO_PLAIN_REQUEST) {
        refuse_plain_request(c, m);
    } else if (kind == CAIRN_LAN_HELLO_BAD_VERSION) {
        refuse_clear(c, "unsupported LAN protocol version (this cairnd speaks 1)");
    } else if (kind == CAIRN_LAN_HELLO_PAIR) {
        const char *why = NULL;
        switch (cairn_pair_lookup(c->d->datadir, sel, sel_len, cairn_enroll_now_ms(), &l->code)) {
        case CAIRN_PAIR_PENDING:
            break;
        case CAIRN_PAIR_USED:
            why = "pairing code already used";
            break;
        case CAIRN_PAIR_EXPIRED:
            why = "pairing code expired (make a new one with `cairnd pair`)";
            break;
        case CAIRN_PAIR_DEAD:
            why = "pairing code invalidated after too many wrong attempts (make a new one)";
            break;
        case CAIRN_PAIR_UNKNOWN:
            why = "unknown pairing code (check it, or make a new one with `cairnd pair`)";
            break;
        }
        if (why != NULL) {
            refuse_clear(c, why);
        } else if (cairn_channel_init(&l->ch, 0, c->d->node_pk, c->d->node_sk, NULL, l->code.psk) !=
                   0) {
            refuse_clear(c, "cannot start the handshake");
        } else {
            l->pairing = true;
            l->phase = P_HS;
            msgpack_sbuffer sb;
            msgpack_packer pk;
            pack_start(&sb, &pk);
            msgpack_pack_map(&pk, 3);
            cairn_mp_pack_kv_u64(&pk, "v", 1);
            cairn_mp_pack_kv_bool(&pk, "ok", true);
            cairn_mp_pack_kv_bin(&pk, "salt", l->code.salt, sizeof l->code.salt);
            cairn_conn_write_frame(c, sb.data, sb.size);
            msgpack_sbuffer_destroy(&sb);
        }
    } else if (kind == CAIRN_LAN_HELLO_BAD_SELECTOR) {
        refuse_clear(c, "malformed pairing code selector");
    } else if (cairn_channel_init(&l->ch, 0, c->d->node_pk, c->d->node_sk, NULL, NULL) != 0) {
        refuse_clear(c, "cannot start the handshake");
    } else {
        l->phase = P_HS;
        msgpack_sbuffer sb;
        msgpack_packer pk;
        pack_start(&sb, &pk);
        msgpack_pack_map(&pk, 2);
        cairn_mp_pack_kv_u64(&pk, "v", 1);
        cairn_mp_pack_kv_bool(&pk, "ok", true);
        cairn_conn_write_frame(c, sb.data, sb.size);
        msgpack_sbuffer_destroy(&sb);
    }
    cairn_mp_doc_free(&doc);
}

/* msg3 was refused while pairing: one attempt of the code spent, whatever failed in it. */
static void pairing_attempt_failed(struct cairn_conn *c)
{
    cairn_lan_t *l = c->lan;
    unsigned left = 0;
    char why[160];
    int rc = cairn_pair_fail(c->d->datadir, l->code.sel, &left);
    if (rc != 0)
        snprintf(why, sizeof why, "wrong pairing code");
    else if (left == 0)
        snprintf(why, sizeof why,
                 "wrong pairing code; it is now invalidated after %d wrong attempts",
                 CAIRN_PAIR_MAX_FAILURES);
    else
        snprintf(why, sizeof why, "wrong pairing code (%u attempt%s left)", left,
                 left == 1 ? "" : "s");
    refuse_clear(c, why);
}

/* The channel is up: a device connecting must be paired and not revoked; a pairing device now
 * sends its name. */
static void on_established(struct cairn_conn *c)
{
    cairn_lan_t *l = c->lan;
    char hex[65];
    cairn_channel_peer(&l->ch, l->peer_pk);
    cairn_identity_hex(l->peer_pk, hex);
    size_t n = strlen(c->peer);
    snprintf(c->peer + n, sizeof c->peer - n, " device %.12s", hex);
    cairn_device_t dev;
    memset(&dev, 0, sizeof dev);
    int rc = l->pairing ? 0 : cairn_store_device_get(c->d->store, l->peer_pk, &dev);
    char why[400];
    if (l->pairing) {
        /* the code was right: the welcome below asks for the device's name */
    } else if (rc == CAIRN_ENOTFOUND) {
        snprintf(why, sizeof why,
                 "this device is not paired with %s: pair it with `cairn pair HOST CODE`",
                 c->d->cfg.name);
        return refuse_sealed(c, why);
    } else if (rc != 0) {
        return refuse_sealed(c, "cannot read the devices table");
    } else if (dev.revoked_ms != 0) {
        snprintf(why, sizeof why, "this device (\"%s\") was revoked at %s", dev.name,
                 c->d->cfg.name);
        return refuse_sealed(c, why);
    }
    msgpack_sbuffer sb;
    msgpack_packer pk;
    pack_start(&sb, &pk);
    msgpack_pack_map(&pk, 2);
    cairn_mp_pack_kv_str(&pk, "t", "ok");
    cairn_mp_pack_kv_str(&pk, "name", c->d->cfg.name);
    rc = send_sealed(c, &sb);
    msgpack_sbuffer_destroy(&sb);
    if (rc != 0) {
        cairn_conn_close(c);
        return;
    }
    if (l->pairing) {
        l->phase = P_PAIR;
        return;
    }
    l->phase = P_OPEN;
    l->device_known = true;
    cairn_log_info("%s: paired device \"%s\" connected", c->peer, dev.name);
}

static void handle_handshake(struct cairn_conn *c, const uint8_t *f, size_t len)
{
    cairn_lan_t *l = c->lan;
    if (cairn_channel_handshake_in(&l->ch, f, len) != 0) {
        const char *reason = cairn_channel_reason(&l->ch);
        if (l->pairing && l->sent_msg2)
            return pairing_attempt_failed(c);
        char why[200];
        snprintf(why, sizeof why, "handshake refused: %s", reason != NULL ? reason : "?");
        return refuse_clear(c, why);
    }
    if (cairn_channel_handshake_wants_out(&l->ch)) {
        uint8_t out[CAIRN_CHANNEL_HANDSHAKE_MAX];
        size_t olen;
        if (cairn_channel_handshake_out(&l->ch, out, sizeof out, &olen) != 0 ||
            cairn_conn_write_frame(c, out, olen) != 0) {
            cairn_conn_close(c);
            return;
        }
        l->sent_msg2 = true;
    }
    if (cairn_channel_is_established(&l->ch))
        on_established(c);
}

static void handle_pair(struct cairn_conn *c, const uint8_t *pt, size_t ptlen)
{
    cairn_lan_t *l = c->lan;
    cairn_mp_doc_t doc;
    if (cairn_mp_decode(pt, ptlen, &cairn_lan_msg_limits, &doc) != 0)
        return refuse_sealed(c, "malformed pairing message");
    char namebuf[CAIRN_DEVICE_NAME_MAX + 1];
    const char *why = cairn_lan_pair_msg(&doc.root, namebuf);
    cairn_mp_doc_free(&doc);
    if (why != NULL)
        return refuse_sealed(c, why);
    int rc = cairn_pair_consume(c->d->datadir, l->code.sel);
    if (rc == CAIRN_EEXIST)
        return refuse_sealed(c, "pairing code already used");
    if (rc != 0)
        return refuse_sealed(c, "cannot mark the pairing code used");
    rc = cairn_store_device_put(c->d->store, l->peer_pk, namebuf, (int64_t)cairn_enroll_now_ms());
    if (rc != 0) {
        cairn_log_error("%s: cannot record device \"%s\": %s (its code is spent)", c->peer, namebuf,
                        cairn_strerror(rc));
        return refuse_sealed(c, "cannot record the device (make a new code and pair again)");
    }
    msgpack_sbuffer sb;
    msgpack_packer pk;
    pack_start(&sb, &pk);
    msgpack_pack_map(&pk, 2);
    cairn_mp_pack_kv_str(&pk, "t", "paired");
    cairn_mp_pack_kv_str(&pk, "name", c->d->cfg.name);
    send_sealed(c, &sb);
    msgpack_sbuffer_destroy(&sb);
    cairn_log_info("%s: paired device \"%s\"", c->peer, namebuf);
    finish(c);
}

void cairn_lan_frame(struct cairn_conn *c, const uint8_t *payload, size_t len)
{
    cairn_lan_t *l = c->lan;
    switch (l->phase) {
    case P_HELLO:
        return handle_hello(c, payload, len);
    case P_HS:
        return handle_handshake(c, payload, len);
    case P_PAIR:
    case P_OPEN:
        break;
    default:
        return; /* answered already: the rest is ignored while the connection drains */
    }
    uint8_t *pt = malloc(len);
    if (pt == NULL) {
        cairn_log_error("%s: out of memory opening a message", c->peer);
        cairn_conn_close(c);
        return;
    }
    size_t ptlen = 0;
    int rc = cairn_channel_open(&l->ch, payload, len, pt, len, &ptlen);
    if (rc < 0) {
        const char *reason = cairn_channel_reason(&l->ch);
        cairn_log_warn("%s: channel failed: %s; closing", c->peer, reason != NULL ? reason : "?");
        cairn_conn_close(c);
    } else if (rc == 1) {
        finish(c); /* the device closed its direction cleanly */
    } else if (l->phase == P_PAIR) {
        handle_pair(c, pt, ptlen);
    } else {
        cairn_conn_handle_request(c, pt, ptlen);
    }
    sodium_memzero(pt, ptlen);
    free(pt);
}

int cairn_lan_seal(struct cairn_conn *c, char **buf, size_t *len)
{
    cairn_lan_t *l = c->lan;
    if (*len < CAIRN_FRAME_HEADER)
        return CAIRN_EINVAL;
    size_t ptlen = *len - CAIRN_FRAME_HEADER;
    size_t cap = CAIRN_FRAME_HEADER + ptlen + CAIRN_CHANNEL_OVERHEAD, outlen;
    char *out = malloc(cap);
    if (out == NULL)
        return -ENOMEM;
    int rc =
        cairn_channel_seal(&l->ch, (const uint8_t *)*buf + CAIRN_FRAME_HEADER, ptlen,
                           (uint8_t *)out + CAIRN_FRAME_HEADER, cap - CAIRN_FRAME_HEADER, &outlen);
    if (rc == 0)
        rc = cairn_frame_header((uint8_t *)out, outlen);
    if (rc != 0) {
        free(out);
        return rc;
    }
    free(*buf);
    *buf = out;
    *len = CAIRN_FRAME_HEADER + outlen;
    return 0;
}

bool cairn_lan_op_allowed(const char *op, size_t len)
{
    static const char *const local_only[] = {"bundle.export", "bundle.import"};
    for (size_t i = 0; i < sizeof local_only / sizeof local_only[0]; i++) {
        if (strlen(local_only[i]) == len && memcmp(local_only[i], op, len) == 0)
            return false;
    }
    return true;
}

bool cairn_lan_is_open(const cairn_lan_t *l)
{
    return l->phase == P_OPEN;
}

const char *cairn_lan_tick(struct cairn_conn *c, uint64_t now_ms)
{
    cairn_lan_t *l = c->lan;
    if (l->phase < P_OPEN && now_ms - l->started_ms > CAIRN_LAN_HANDSHAKE_MS)
        return "handshake not completed in time";
    if (l->phase == P_OPEN && l->device_known) {
        cairn_device_t dev;
        int rc = cairn_store_device_get(c->d->store, l->peer_pk, &dev);
        if (rc == CAIRN_ENOTFOUND || (rc == 0 && dev.revoked_ms != 0))
            return "device revoked";
    }
    return NULL;
}
