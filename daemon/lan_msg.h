/*
 * lan_msg.h: the pure decode step of the LAN port's clear hello and sealed pairing message
 * (PROTOCOL.md, LAN devices), apart from the connection (lan.c), so that a fuzz target
 * (tests/fuzz/fuzz_lan.c) reaches every field check. No allocation: pointers point into m.
 */
#ifndef CAIRN_LAN_MSG_H
#define CAIRN_LAN_MSG_H

#include <stddef.h>

#include <msgpack.h>

#include <cairn/mp.h>

#include "store_devices.h" /* CAIRN_DEVICE_NAME_MAX */

/* Hello and the pairing messages are tiny: anything bigger is not one of them. */
extern const cairn_mp_limits_t cairn_lan_msg_limits;

typedef enum {
    CAIRN_LAN_HELLO_PLAIN_REQUEST, /* an API request ("op") sent in clear */
    CAIRN_LAN_HELLO_BAD_VERSION,   /* "v" missing or not 1 */
    CAIRN_LAN_HELLO_PAIR,          /* a pairing device: "pair" selector (<= 16 bytes) */
    CAIRN_LAN_HELLO_BAD_SELECTOR,  /* "pair" present but not a short string */
    CAIRN_LAN_HELLO_DEVICE         /* a paired device */
} cairn_lan_hello_kind_t;

/* What a hello asks for; *sel / *sel_len are set for CAIRN_LAN_HELLO_PAIR. */
cairn_lan_hello_kind_t cairn_lan_hello_kind(const msgpack_object *m, const char **sel,
                                            size_t *sel_len);

/* Checks a pairing message {"t":"pair","name":str} and copies the name (1..127 bytes without
 * control characters, terminated) into name. Returns NULL, or why it is refused. */
const char *cairn_lan_pair_msg(const msgpack_object *m, char name[CAIRN_DEVICE_NAME_MAX + 1]);

#endif
