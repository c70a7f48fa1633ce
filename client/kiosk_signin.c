/*
 * kiosk_signin.c: who is at the kiosk. The teacher picks their name from the school's educators
 * and types their PIN; the daemon checks it (educator.signin), counts a wrong one and says so,
 * and after five in a row refuses until a time it names. 'q' on the list quits the kiosk.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fmt.h"
#include "kiosk.h"

#define NAMES_MAX KIOSK_MENU_MAX

int kiosk_signin(kiosk_t *k)
{
    cairn_reply_t reply;
    const msgpack_object_array *list;
    static char names[NAMES_MAX][96], ids[NAMES_MAX][32];
    const char *items[NAMES_MAX];
    size_t n = 0, choice;
    char pin[32];

    cairn_rpc_begin(&k->rpc, "educator.list", 0);
    if (kiosk_call(k, &reply) != 0)
        return KIOSK_QUIT; /* no daemon: nothing a teacher can do here */
    if (cairn_mp_get_array(reply.result, "educators", UINT32_MAX, &list) == 0)
        for (uint32_t i = 0; i < list->size && n < NAMES_MAX; i++, n++) {
            cairn_strv_t name = cairn_rpc_str(&list->ptr[i], "name"),
                         id = cairn_rpc_str(&list->ptr[i], "id");
            cairn_fmt_sanitize(names[n], sizeof names[n], name.p, name.len);
            cairn_fmt_sanitize(ids[n], sizeof ids[n], id.p, id.len);
            items[n] = names[n];
        }
    cairn_reply_free(&reply);
    static const char *const header[] = {"Who are you? Pick your name, then type your PIN."};
    if (n == 0)
        kiosk_say(k, "No educators yet: add them at the box (cairn educator add).");
    int rc = kiosk_menu(k, "Sign in", header, 1, items, n, &choice);
    if (rc != 0)
        return KIOSK_QUIT;
    char prompt[160];
    snprintf(prompt, sizeof prompt, "PIN for %s:", names[choice]);
    rc = kiosk_input(k, "Sign in", prompt, pin, sizeof pin, true);
    if (rc != 0)
        return KIOSK_BACK;
    msgpack_packer *pk = cairn_rpc_begin(&k->rpc, "educator.signin", 2);
    cairn_mp_pack_kv_str(pk, "educator", ids[choice]);
    cairn_mp_pack_kv_str(pk, "pin", pin);
    sodium_memzero(pin, sizeof pin);
    kiosk_screen(k, "Sign in");
    kiosk_linef(2, "Checking the PIN...");
    refresh();
    if (kiosk_call(k, &reply) != 0)
        return KIOSK_BACK; /* the daemon's message: wrong PIN, tries left, or locked until */
    cairn_strv_t v = cairn_rpc_str(reply.result, "id");
    cairn_fmt_sanitize(k->me, sizeof k->me, v.p, v.len);
    v = cairn_rpc_str(reply.result, "name");
    cairn_fmt_sanitize(k->my_name, sizeof k->my_name, v.p, v.len);
    v = cairn_rpc_str(reply.result, "role");
    cairn_fmt_sanitize(k->my_role, sizeof k->my_role, v.p, v.len);
    cairn_reply_free(&reply);
    k->signed_in = true;
    k->last_key = kiosk_now();
    kiosk_say(k, "Welcome, %s.", k->my_name);
    return 0;
}
