/*
 * secure.c: hello, handshake and welcome of a LAN connection, device side (see secure.h).
 *
 * The daemon is not trusted until the handshake has proven its key: its clear messages are
 * decoded with small limits and only ever shown as a refusal. The PSK derived from a pairing
 * code is wiped as soon as the channel holds its own copy.
 */
#include "secure.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include <cairn/channel.h>
#include <cairn/err.h>
#include <cairn/frame.h>
#include <cairn/mp.h>

#include "fmt.h"

static const cairn_mp_limits_t small_limits = {
    .max_depth = 2, .max_container = 16, .max_objects = 64, .max_str = 1024, .max_bin = 64};

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

static int write_frame(cairn_conn_t *c, const void *payload, size_t len)
{
    uint8_t hdr[CAIRN_FRAME_HEADER];
    int rc = cairn_frame_header(hdr, len);
    if (rc != 0)
        return rc;
    struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)payload, len}};
    return cairn_conn_writev(c, iov, 2);
}

/* Reads one raw frame and explains a failure. */
static int read_raw(cairn_conn_t *c, const char *where, const char *stage, const uint8_t **f,
                    size_t *len, char *err, size_t errlen)
{
    int rc = cairn_conn_read_raw(c, f, len);
    if (rc == -ECONNRESET)
        return fail(err, errlen, rc, "cairnd at %s closed the connection during the %s", where,
                    stage);
    if (rc != 0)
        return fail(err, errlen, rc, "connection to cairnd at %s failed during the %s: %s", where,
                    stage, cairn_strerror(rc));
    return 0;
}

/* A clear {"ok": false, "error": ...} from the daemon: copies its reason into err. 1 if it was
 * one, else 0. */
static int clear_refusal(const uint8_t *f, size_t len, const char *where, char *err, size_t errlen)
{
    cairn_mp_doc_t doc;
    const char *e;
    size_t elen;
    bool ok = true;
    if (cairn_mp_decode(f, len, &small_limits, &doc) != 0)
        return 0;
    int found = cairn_mp_get_bool(&doc.root, "ok", &ok) == 0 && !ok &&
                cairn_mp_get_str(&doc.root, "error", 1024, &e, &elen) == 0;
    if (found) {
        char clean[1100];
        cairn_fmt_sanitize(clean, sizeof clean, e, elen);
        snprintf(err, errlen, "cairnd at %s refused: %s", where, clean);
    }
    cairn_mp_doc_free(&doc);
    return found;
}

static int send_hello(cairn_conn_t *c, const cairn_pair_code_t *code)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, code != NULL ? 2 : 1);
    cairn_mp_pack_kv_u64(&pk, "v", 1);
    if (code != NULL) {
        char sel[3];
        cairn_pair_code_selector(code, sel);
        cairn_mp_pack_kv_str(&pk, "pair", sel);
    }
    int rc = sb.data != NULL ? write_frame(c, sb.data, sb.size) : -ENOMEM;
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* The hello reply; with a code, its salt becomes the PSK. */
static int take_hello_reply(cairn_conn_t *c, const char *where, const cairn_pair_code_t *code,
                            uint8_t psk[32], char *err, size_t errlen)
{
    const uint8_t *f, *salt;
    size_t len, salt_len;
    int rc = read_raw(c, where, "hello", &f, &len, err, errlen);
    if (rc != 0)
        return rc;
    if (clear_refusal(f, len, where, err, errlen))
        return CAIRN_EDENIED;
    cairn_mp_doc_t doc;
    bool ok = false;
    if (cairn_mp_decode(f, len, &small_limits, &doc) != 0 ||
        cairn_mp_get_bool(&doc.root, "ok", &ok) != 0 || !ok) {
        cairn_mp_doc_free(&doc);
        return fail(err, errlen, CAIRN_EPROTO,
                    "%s did not answer as a cairnd LAN port (is it the daemon's lan_listen?)",
                    where);
    }
    rc = 0;
    if (code != NULL) {
        if (cairn_mp_get_bin(&doc.root, "salt", CAIRN_PAIR_SALT_LEN, &salt, &salt_len) != 0 ||
            salt_len != CAIRN_PAIR_SALT_LEN)
            rc = fail(err, errlen, CAIRN_EPROTO, "cairnd at %s sent no pairing salt", where);
        else if (cairn_pair_code_psk(code, salt, psk) != 0)
            rc = fail(err, errlen, CAIRN_ECRYPTO, "cannot derive the key from the pairing code");
    }
    cairn_mp_doc_free(&doc);
    return rc;
}

/* msg1, msg2, msg3 on ch. */
static int handshake(cairn_conn_t *c, cairn_channel_t *ch, const char *where, const uint8_t *pinned,
                     char *err, size_t errlen)
{
    uint8_t out[CAIRN_CHANNEL_HANDSHAKE_MAX];
    size_t olen, len;
    const uint8_t *f;
    int rc = cairn_channel_handshake_out(ch, out, sizeof out, &olen);
    if (rc == 0)
        rc = write_frame(c, out, olen);
    if (rc != 0)
        return fail(err, errlen, rc, "cannot start the handshake with %s: %s", where,
                    cairn_strerror(rc));
    rc = read_raw(c, where, "handshake", &f, &len, err, errlen);
    if (rc != 0)
        return rc;
    if (clear_refusal(f, len, where, err, errlen))
        return CAIRN_EDENIED;
    if (cairn_channel_handshake_in(ch, f, len) != 0) {
        const char *why = cairn_channel_reason(ch);
        if (pinned != NULL && why != NULL && strstr(why, "pinned") != NULL)
            return fail(err, errlen, CAIRN_ECRYPTO,
                        "cairnd at %s does not have the key pinned for it in known_hosts: it may "
                        "be another machine; if the school box was reinstalled, pair again",
                        where);
        return fail(err, errlen, CAIRN_ECRYPTO, "handshake with %s failed: %s", where,
                    why != NULL ? why : "?");
    }
    rc = cairn_channel_handshake_out(ch, out, sizeof out, &olen);
    if (rc == 0)
        rc = write_frame(c, out, olen);
    if (rc != 0)
        return fail(err, errlen, rc, "handshake with %s failed: %s", where, cairn_strerror(rc));
    return 0;
}

/* Decodes one opened LAN message (not an API reply) into doc and returns its "t"; a
 * {"t":"err"} becomes the daemon's refusal in err. */
static int parse_sealed(const uint8_t *pt, size_t ptlen, const char *where, const char *stage,
                        cairn_mp_doc_t *doc, const char **t, size_t *tlen, char *err, size_t errlen)
{
    if (cairn_mp_decode(pt, ptlen, &small_limits, doc) != 0 ||
        cairn_mp_get_str(&doc->root, "t", 16, t, tlen) != 0) {
        cairn_mp_doc_free(doc);
        return fail(err, errlen, CAIRN_EPROTO, "cairnd at %s sent a malformed %s message", where,
                    stage);
    }
    const char *e;
    size_t elen;
    if (*tlen == 3 && memcmp(*t, "err", 3) == 0) {
        char clean[1100] = "no reason given";
        if (cairn_mp_get_str(&doc->root, "error", 1024, &e, &elen) == 0)
            cairn_fmt_sanitize(clean, sizeof clean, e, elen);
        cairn_mp_doc_free(doc);
        return fail(err, errlen, CAIRN_EDENIED, "cairnd at %s refused: %s", where, clean);
    }
    return 0;
}

/* The first message after msg3: a clear refusal (the daemon refused msg3: a wrong code, say)
 * or the sealed welcome {"t":"ok","name":...}. */
static int take_welcome(cairn_conn_t *c, cairn_channel_t *ch, const char *where, char *name,
                        size_t cap, char *err, size_t errlen)
{
    const uint8_t *f;
    size_t len;
    int rc = read_raw(c, where, "handshake", &f, &len, err, errlen);
    if (rc != 0)
        return rc;
    uint8_t *pt = malloc(len);
    size_t ptlen = 0;
    if (pt == NULL)
        return fail(err, errlen, -ENOMEM, "out of memory");
    rc = cairn_channel_open(ch, f, len, pt, len, &ptlen);
    if (rc != 0) {
        free(pt);
        if (clear_refusal(f, len, where, err, errlen))
            return CAIRN_EDENIED;
        return fail(err, errlen, CAIRN_ECRYPTO, "cairnd at %s sent a welcome that does not open",
                    where);
    }
    cairn_mp_doc_t doc;
    const char *t, *n;
    size_t tlen, nlen;
    rc = parse_sealed(pt, ptlen, where, "welcome", &doc, &t, &tlen, err, errlen);
    free(pt);
    if (rc != 0)
        return rc;
    if (tlen != 2 || memcmp(t, "ok", 2) != 0) {
        cairn_mp_doc_free(&doc);
        return fail(err, errlen, CAIRN_EPROTO, "cairnd at %s sent an unexpected welcome", where);
    }
    if (cairn_mp_get_str(&doc.root, "name", 1024, &n, &nlen) == 0)
        cairn_fmt_sanitize(name, cap, n, nlen);
    cairn_mp_doc_free(&doc);
    return 0;
}

int cairn_secure_start(cairn_conn_t *c, const char *where, const uint8_t pk[32],
                       const uint8_t sk[64], const uint8_t *pinned, const cairn_pair_code_t *code,
                       uint8_t daemon_pk[32], char *daemon_name, size_t cap, char *err,
                       size_t errlen)
{
    uint8_t psk[32];
    cairn_channel_t *ch = calloc(1, sizeof *ch);
    if (ch == NULL)
        return fail(err, errlen, -ENOMEM, "out of memory");
    daemon_name[0] = '\0';
    int rc = send_hello(c, code);
    if (rc != 0)
        rc = fail(err, errlen, rc, "cannot write to cairnd at %s: %s", where, cairn_strerror(rc));
    if (rc == 0)
        rc = take_hello_reply(c, where, code, psk, err, errlen);
    if (rc == 0 && cairn_channel_init(ch, 1, pk, sk, pinned, code != NULL ? psk : NULL) != 0)
        rc = fail(err, errlen, CAIRN_ECRYPTO, "cannot set up the secure channel");
    sodium_memzero(psk, sizeof psk);
    if (rc == 0)
        rc = handshake(c, ch, where, pinned, err, errlen);
    if (rc == 0)
        rc = take_welcome(c, ch, where, daemon_name, cap, err, errlen);
    if (rc == 0)
        rc = cairn_channel_peer(ch, daemon_pk);
    if (rc != 0) {
        cairn_channel_wipe(ch);
        free(ch);
        return rc;
    }
    c->ch = ch;
    return 0;
}

int cairn_secure_pair(cairn_conn_t *c, const char *where, const char *name, char *err,
                      size_t errlen)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    cairn_mp_pack_kv_str(&pk, "t", "pair");
    cairn_mp_pack_kv_str(&pk, "name", name);
    int rc = sb.data != NULL ? write_frame(c, sb.data, sb.size) : -ENOMEM;
    msgpack_sbuffer_destroy(&sb);
    if (rc != 0)
        return fail(err, errlen, rc, "cannot write to cairnd at %s: %s", where, cairn_strerror(rc));
    const uint8_t *f;
    size_t len;
    rc = cairn_conn_read_frame(c, &f, &len);
    if (rc == -ECONNRESET)
        return fail(err, errlen, rc, "cairnd at %s closed the connection during the pairing",
                    where);
    if (rc != 0)
        return fail(err, errlen, rc, "connection to cairnd at %s failed during the pairing: %s",
                    where, cairn_strerror(rc));
    cairn_mp_doc_t doc;
    const char *t;
    size_t tlen;
    rc = parse_sealed(f, len, where, "pairing", &doc, &t, &tlen, err, errlen);
    if (rc != 0)
        return rc;
    bool paired = tlen == 6 && memcmp(t, "paired", 6) == 0;
    cairn_mp_doc_free(&doc);
    if (!paired)
        return fail(err, errlen, CAIRN_EPROTO, "cairnd at %s answered the pairing oddly", where);
    return 0;
}
