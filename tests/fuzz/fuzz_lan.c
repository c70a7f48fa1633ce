/*
 * fuzz_lan.c: libFuzzer target for what a device sends the LAN port before it is trusted: the
 * clear hello (cairn_lan_hello_kind) and the sealed pairing message's plaintext
 * (cairn_lan_pair_msg), decoded with the LAN limits as lan.c does; and the op check a paired
 * device's request goes through (cairn_lan_op_allowed).
 *
 * The input is one msgpack message, read as a hello and as a pairing message. Checked beyond
 * "no crash": a pairing selector is at most 16 bytes; an accepted device name is 1..127 bytes,
 * terminated, without control characters; a refusal says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/mp.h"
#include "cairn/paircode.h"
#include "lan.h"
#include "lan_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_mp_doc_t doc;
    if (cairn_mp_decode(data, size, &cairn_lan_msg_limits, &doc) != 0)
        return 0;
    const msgpack_object *m = &doc.root;
    const char *sel = NULL, *op;
    size_t sel_len = 0, oplen;
    switch (cairn_lan_hello_kind(m, &sel, &sel_len)) {
    case CAIRN_LAN_HELLO_PLAIN_REQUEST: {
        uint64_t rid = 0;
        (void)cairn_mp_get_u64(m, "rid", &rid); /* the refusal echoes it */
        if (cairn_mp_get_str(m, "op", 64, &op, &oplen) == 0)
            (void)cairn_lan_op_allowed(op, oplen);
        break;
    }
    case CAIRN_LAN_HELLO_PAIR:
        must(sel != NULL && sel_len <= 16);
        (void)cairn_pair_selector_valid(sel, sel_len);
        break;
    case CAIRN_LAN_HELLO_BAD_VERSION:
    case CAIRN_LAN_HELLO_BAD_SELECTOR:
    case CAIRN_LAN_HELLO_DEVICE:
        break;
    }
    char name[CAIRN_DEVICE_NAME_MAX + 1];
    memset(name, 0xa5, sizeof name);
    const char *why = cairn_lan_pair_msg(m, name);
    if (why == NULL) {
        size_t n = strnlen(name, sizeof name);
        must(n >= 1 && n <= CAIRN_DEVICE_NAME_MAX);
        for (size_t i = 0; i < n; i++)
            must((unsigned char)name[i] >= 0x20 && name[i] != 0x7f);
    } else {
        must(why[0] != '\0');
    }
    cairn_mp_doc_free(&doc);
    return 0;
}
