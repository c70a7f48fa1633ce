/*
 * lan_msg.c: decoding of the LAN hello and pairing message (see lan_msg.h). No connection, no
 * files, no allocation.
 */
#include "lan_msg.h"

#include <stdbool.h>
#include <string.h>

const cairn_mp_limits_t cairn_lan_msg_limits = {
    .max_depth = 2, .max_container = 16, .max_objects = 64, .max_str = 1024, .max_bin = 64};

cairn_lan_hello_kind_t cairn_lan_hello_kind(const msgpack_object *m, const char **sel,
                                            size_t *sel_len)
{
    uint64_t v = 0;
    if (cairn_mp_get(m, "op") != NULL)
        return CAIRN_LAN_HELLO_PLAIN_REQUEST;
    if (cairn_mp_get_u64(m, "v", &v) != 0 || v != 1)
        return CAIRN_LAN_HELLO_BAD_VERSION;
    if (cairn_mp_get_str(m, "pair", 16, sel, sel_len) == 0)
        return CAIRN_LAN_HELLO_PAIR;
    if (cairn_mp_get(m, "pair") != NULL)
        return CAIRN_LAN_HELLO_BAD_SELECTOR;
    return CAIRN_LAN_HELLO_DEVICE;
}

/* A device name: 1..127 bytes, printable ASCII or UTF-8, no control characters. */
static bool name_ok(const char *s, size_t len)
{
    if (len == 0 || len > CAIRN_DEVICE_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f)
            return false;
    }
    return true;
}

const char *cairn_lan_pair_msg(const msgpack_object *m, char name[CAIRN_DEVICE_NAME_MAX + 1])
{
    const char *t, *n;
    size_t tlen, nlen;
    if (cairn_mp_get_str(m, "t", 16, &t, &tlen) != 0 || tlen != 4 || memcmp(t, "pair", 4) != 0)
        return "expected a pairing message";
    if (cairn_mp_get_str(m, "name", 1024, &n, &nlen) != 0 || !name_ok(n, nlen))
        return "device name must be 1 to 127 bytes without control characters";
    memcpy(name, n, nlen);
    name[nlen] = '\0';
    return NULL;
}
