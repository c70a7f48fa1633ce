/*
 * test_sync_msg.c: the pure decode steps the sync session, the LAN port and the API server call
 * (sync_msg.c, lan_msg.c, cairn_api_request_decode): what each accepts, what each refuses and
 * why, and the bounds the callers rely on. The same steps are fuzzed (fuzz_sync_msg, fuzz_lan,
 * fuzz_api).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <cairn/err.h>
#include <cairn/mp.h>

#include "api.h"
#include "lan_msg.h"
#include "mpbuf.h"
#include "sync_chunks.h"
#include "sync_msg.h"

/* Packs a map from (key, kind, value) triples: kind 's' str, 'u' uint, 'b' 32-byte bin filled
 * with the value, 'z' bin of the value's length, 't'/'f' bool; ends at a NULL key. */
static void pack(cairn_mpbuf_t *b, cairn_mp_doc_t *doc, ...)
{
    va_list ap;
    uint32_t n = 0;
    va_start(ap, doc);
    while (va_arg(ap, const char *) != NULL) {
        (void)va_arg(ap, int);
        (void)va_arg(ap, uint64_t);
        n++;
    }
    va_end(ap);
    cairn_mpbuf_init(b);
    msgpack_pack_map(&b->pk, n);
    va_start(ap, doc);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;) {
        int kind = va_arg(ap, int);
        uint64_t v = va_arg(ap, uint64_t);
        uint8_t bin[CAIRN_CHUNK_PIECE + 1];
        cairn_mp_pack_cstr(&b->pk, k);
        if (kind == 's') {
            cairn_mp_pack_cstr(&b->pk, (const char *)(uintptr_t)v);
        } else if (kind == 'u') {
            msgpack_pack_uint64(&b->pk, v);
        } else if (kind == 'b') {
            memset(bin, (int)v, 32);
            msgpack_pack_bin_with_body(&b->pk, bin, 32);
        } else if (kind == 'z') {
            memset(bin, 7, (size_t)v);
            msgpack_pack_bin_with_body(&b->pk, bin, (size_t)v);
        } else if (kind == 't' || kind == 'f') {
            if (kind == 't')
                msgpack_pack_true(&b->pk);
            else
                msgpack_pack_false(&b->pk);
        }
    }
    va_end(ap);
    assert_int_equal(
        cairn_mp_decode((const uint8_t *)b->sb.data, b->sb.size, &cairn_sync_msg_limits, doc), 0);
}

#define S(x) 's', (uint64_t)(uintptr_t)(x)
#define U(x) 'u', (uint64_t)(x)
#define B(x) 'b', (uint64_t)(x)
#define Z(x) 'z', (uint64_t)(x)
#define T 't', (uint64_t)0
#define F 'f', (uint64_t)0

static void done(cairn_mpbuf_t *b, cairn_mp_doc_t *doc)
{
    cairn_mp_doc_free(doc);
    cairn_mpbuf_free(b);
}

static void test_head(void **state)
{
    (void)state;
    cairn_mpbuf_t b;
    cairn_mp_doc_t d;
    cairn_sync_msg_head_t h;
    const char *why = NULL;

    pack(&b, &d, "p", S("catalog"), NULL);
    assert_int_equal(cairn_sync_msg_head(&d.root, &h, &why), CAIRN_EPROTO);
    assert_string_equal(why, "a message without a type");
    done(&b, &d);

    pack(&b, &d, "t", S("err"), "error", S("revoked"), NULL);
    assert_int_equal(cairn_sync_msg_head(&d.root, &h, &why), 0);
    assert_int_equal(h.type, CAIRN_SYNC_MSG_ERR);
    assert_int_equal(h.elen, 7);
    assert_memory_equal(h.error, "revoked", 7);
    done(&b, &d);

    pack(&b, &d, "t", S("err"), NULL); /* no reason: "?" */
    assert_int_equal(cairn_sync_msg_head(&d.root, &h, &why), 0);
    assert_int_equal(h.elen, 1);
    done(&b, &d);

    pack(&b, &d, "t", S("vec"), "p", U(3), NULL);
    assert_int_equal(cairn_sync_msg_head(&d.root, &h, &why), 0);
    assert_int_equal(h.type, CAIRN_SYNC_MSG_VEC);
    assert_true(h.has_alias);
    assert_int_equal(h.alias, 3);
    done(&b, &d);

    pack(&b, &d, "t", S("cs"), "p", S("catalog"), NULL);
    assert_int_equal(cairn_sync_msg_head(&d.root, &h, &why), 0);
    assert_int_equal(h.type, CAIRN_SYNC_MSG_CS);
    assert_false(h.has_alias);
    assert_int_equal(h.plen, 7);
    done(&b, &d);

    pack(&b, &d, "t", S("ack"), NULL);
    assert_int_equal(cairn_sync_msg_head(&d.root, &h, &why), CAIRN_EPROTO);
    assert_string_equal(why, "a message without a partition");
    done(&b, &d);

    char longp[CAIRN_PARTITION_MAX + 2];
    memset(longp, 'x', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    pack(&b, &d, "t", S("vreq"), "p", S(longp), NULL); /* one byte over the partition limit */
    assert_int_equal(cairn_sync_msg_head(&d.root, &h, &why), CAIRN_EPROTO);
    done(&b, &d);

    pack(&b, &d, "t", S("cwant"), NULL);
    assert_int_equal(cairn_sync_msg_head(&d.root, &h, &why), 0);
    assert_int_equal(h.type, CAIRN_SYNC_MSG_CHUNK);
    done(&b, &d);

    pack(&b, &d, "t", S("enrol"), NULL);
    assert_int_equal(cairn_sync_msg_head(&d.root, &h, &why), 0);
    assert_int_equal(h.type, CAIRN_SYNC_MSG_OTHER);
    done(&b, &d);
}

static int chunk(cairn_mpbuf_t *b, cairn_mp_doc_t *d, cairn_sync_chunk_msg_t *c)
{
    const msgpack_object *t = cairn_mp_get(&d->root, "t");
    int rc = cairn_sync_msg_chunk(t->via.str.ptr, t->via.str.size, &d->root, c);
    done(b, d);
    return rc;
}

static void test_chunk(void **state)
{
    (void)state;
    cairn_mpbuf_t b;
    cairn_mp_doc_t d;
    cairn_sync_chunk_msg_t c;

    pack(&b, &d, "t", S("cwant"), "f", B(1), "h", B(2), "o", U(0), "n", U(CAIRN_CHUNK_WANT_MAX),
         NULL);
    assert_int_equal(chunk(&b, &d, &c), 0);
    assert_int_equal(c.kind, 'w');
    assert_int_equal(c.h.b[0], 2);
    assert_int_equal(c.len, CAIRN_CHUNK_WANT_MAX);
    pack(&b, &d, "t", S("cwant"), "f", B(1), "h", B(2), "o", U(0), "n", U(0), NULL);
    assert_int_equal(chunk(&b, &d, &c), CAIRN_EPROTO); /* an empty range */
    pack(&b, &d, "t", S("cwant"), "f", B(1), "h", B(2), "o", U(0), "n", U(CAIRN_CHUNK_WANT_MAX + 1),
         NULL);
    assert_int_equal(chunk(&b, &d, &c), CAIRN_EPROTO);
    pack(&b, &d, "t", S("cwant"), "f", B(1), "h", B(2), "o", U(CAIRN_CHUNK_SIZE_MAX - 10), "n",
         U(11), NULL);
    assert_int_equal(chunk(&b, &d, &c), CAIRN_EPROTO); /* past the largest chunk */
    pack(&b, &d, "t", S("cwant"), "f", Z(31), "h", B(2), "o", U(0), "n", U(1), NULL);
    assert_int_equal(chunk(&b, &d, &c), CAIRN_EPROTO); /* a short hash */

    pack(&b, &d, "t", S("cdata"), "h", B(3), "o", U(65536), "d", Z(100), NULL);
    assert_int_equal(chunk(&b, &d, &c), 0);
    assert_int_equal(c.kind, 'd');
    assert_int_equal(c.dlen, 100);
    assert_int_equal(c.off, 65536);
    pack(&b, &d, "t", S("cdata"), "h", B(3), "o", U(0), "d", Z(0), NULL);
    assert_int_equal(chunk(&b, &d, &c), CAIRN_EPROTO);
    pack(&b, &d, "t", S("cdata"), "h", B(3), "o", U(0), "d", Z(CAIRN_CHUNK_PIECE + 1), NULL);
    assert_int_equal(chunk(&b, &d, &c), CAIRN_EPROTO);

    pack(&b, &d, "t", S("cstat"), "f", B(4), "held", U(10), "size", U(10), "done", T, NULL);
    assert_int_equal(chunk(&b, &d, &c), 0);
    assert_true(c.done);
    pack(&b, &d, "t", S("cstat"), "f", B(4), "held", U(11), "size", U(10), "done", F, NULL);
    assert_int_equal(chunk(&b, &d, &c), CAIRN_EPROTO);

    pack(&b, &d, "t", S("cnone"), "h", B(5), NULL);
    assert_int_equal(chunk(&b, &d, &c), 0);
    assert_int_equal(c.kind, 'n');
    pack(&b, &d, "t", S("cnone"), NULL);
    assert_int_equal(chunk(&b, &d, &c), CAIRN_EPROTO);
}

static void test_lan(void **state)
{
    (void)state;
    cairn_mpbuf_t b;
    cairn_mp_doc_t d;
    const char *sel;
    size_t sel_len;
    char name[CAIRN_DEVICE_NAME_MAX + 1];

    pack(&b, &d, "op", S("status"), "rid", U(1), NULL);
    assert_int_equal(cairn_lan_hello_kind(&d.root, &sel, &sel_len), CAIRN_LAN_HELLO_PLAIN_REQUEST);
    done(&b, &d);
    pack(&b, &d, "v", U(2), NULL);
    assert_int_equal(cairn_lan_hello_kind(&d.root, &sel, &sel_len), CAIRN_LAN_HELLO_BAD_VERSION);
    done(&b, &d);
    pack(&b, &d, "v", U(1), "pair", S("k7"), NULL);
    assert_int_equal(cairn_lan_hello_kind(&d.root, &sel, &sel_len), CAIRN_LAN_HELLO_PAIR);
    assert_int_equal(sel_len, 2);
    done(&b, &d);
    pack(&b, &d, "v", U(1), "pair", U(7), NULL);
    assert_int_equal(cairn_lan_hello_kind(&d.root, &sel, &sel_len), CAIRN_LAN_HELLO_BAD_SELECTOR);
    done(&b, &d);
    pack(&b, &d, "v", U(1), NULL);
    assert_int_equal(cairn_lan_hello_kind(&d.root, &sel, &sel_len), CAIRN_LAN_HELLO_DEVICE);
    done(&b, &d);

    pack(&b, &d, "t", S("pair"), "name", S("Staff room tablet"), NULL);
    assert_null(cairn_lan_pair_msg(&d.root, name));
    assert_string_equal(name, "Staff room tablet");
    done(&b, &d);
    pack(&b, &d, "t", S("pair"), "name", S("tab\tlet"), NULL);
    assert_non_null(strstr(cairn_lan_pair_msg(&d.root, name), "control characters"));
    done(&b, &d);
    char longname[CAIRN_DEVICE_NAME_MAX + 2];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    pack(&b, &d, "t", S("pair"), "name", S(longname), NULL);
    assert_non_null(cairn_lan_pair_msg(&d.root, name));
    done(&b, &d);
    pack(&b, &d, "t", S("paired"), "name", S("x"), NULL);
    assert_string_equal(cairn_lan_pair_msg(&d.root, name), "expected a pairing message");
    done(&b, &d);
}

static void test_api_request(void **state)
{
    (void)state;
    cairn_mpbuf_t b;
    cairn_mp_doc_t d, req;
    const char *op, *what;
    size_t oplen;
    uint64_t rid;

    pack(&b, &d, "op", S("status"), "rid", U(9), NULL);
    assert_int_equal(cairn_api_request_decode((const uint8_t *)b.sb.data, b.sb.size, &req, &op,
                                              &oplen, &rid, &what),
                     0);
    assert_int_equal(oplen, 6);
    assert_int_equal(rid, 9);
    cairn_mp_doc_free(&req);
    done(&b, &d);

    pack(&b, &d, "rid", U(9), NULL);
    assert_int_equal(cairn_api_request_decode((const uint8_t *)b.sb.data, b.sb.size, &req, &op,
                                              &oplen, &rid, &what),
                     CAIRN_ENOTFOUND);
    assert_string_equal(what, "request without \"op\"");
    done(&b, &d);

    pack(&b, &d, "op", S("status"), "rid", S("9"), NULL);
    assert_int_equal(cairn_api_request_decode((const uint8_t *)b.sb.data, b.sb.size, &req, &op,
                                              &oplen, &rid, &what),
                     CAIRN_EINVAL);
    assert_string_equal(what, "bad \"rid\"");
    done(&b, &d);

    const uint8_t not_map[] = {0x92, 0x01, 0x02}, truncated[] = {0x82, 0xa2, 'o'};
    assert_int_equal(
        cairn_api_request_decode(not_map, sizeof not_map, &req, &op, &oplen, &rid, &what),
        CAIRN_EPROTO);
    assert_string_equal(what, "message is not a map");
    assert_true(
        cairn_api_request_decode(truncated, sizeof truncated, &req, &op, &oplen, &rid, &what) < 0);
    assert_string_equal(what, "message is not valid msgpack");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_chunk),
        cmocka_unit_test(test_lan),
        cmocka_unit_test(test_api_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
