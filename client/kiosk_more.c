/*
 * kiosk_more.c: the kiosk's other screens: a teacher's recommendations (who recommended what and
 * why; accept or dismiss), and for a leader the staff summary: every educator with their
 * submissions by state and the recommendations still open, so the quiet 75% show too.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "kiosk.h"

static void strv_copy(char *out, size_t outlen, cairn_strv_t s)
{
    cairn_fmt_sanitize(out, outlen, s.p, s.len);
}

static int answer(kiosk_t *k, const char *id, const char *title, const char *note)
{
    static const char *const items[] = {"Accept", "Dismiss", "Back"};
    const char *header[2] = {title, note};
    size_t choice;
    cairn_reply_t reply;
    int rc = kiosk_menu(k, "Recommendation", header, 2, items, 3, &choice);
    if (rc != 0 || choice == 2)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(
        &k->rpc, choice == 0 ? "recommendation.accept" : "recommendation.dismiss", 2);
    cairn_mp_pack_kv_str(pk, "id", id);
    cairn_mp_pack_kv_str(pk, "as", k->me);
    if (kiosk_call(k, &reply) != 0)
        return 0;
    cairn_reply_free(&reply);
    kiosk_say(k, choice == 0 ? "Accepted: start it from the main menu when you are ready."
                             : "Dismissed.");
    return 0;
}

int kiosk_recommendations(kiosk_t *k)
{
    for (;;) {
        cairn_reply_t reply;
        const msgpack_object_array *list;
        static char labels[KIOSK_MENU_MAX][240], ids[KIOSK_MENU_MAX][32],
            notes[KIOSK_MENU_MAX][200], titles[KIOSK_MENU_MAX][240];
        const char *items[KIOSK_MENU_MAX];
        size_t n = 0, choice;
        msgpack_packer *pk = cairn_rpc_begin(&k->rpc, "recommendation.list", 1);
        cairn_mp_pack_kv_str(pk, "educator", k->me);
        if (kiosk_call(k, &reply) != 0)
            return 0;
        if (cairn_mp_get_array(reply.result, "recommendations", UINT32_MAX, &list) == 0)
            for (uint32_t i = 0; i < list->size && n < KIOSK_MENU_MAX; i++, n++) {
                const msgpack_object *r = &list->ptr[i];
                char title[120], from[80], state[16], note[160];
                strv_copy(ids[n], sizeof ids[n], cairn_rpc_str(r, "id"));
                strv_copy(title, sizeof title, cairn_rpc_str(r, "title"));
                strv_copy(from, sizeof from, cairn_rpc_str(r, "from_name"));
                strv_copy(state, sizeof state, cairn_rpc_str(r, "state"));
                strv_copy(note, sizeof note, cairn_rpc_str(r, "note"));
                snprintf(labels[n], sizeof labels[n], "%s, from %s (%s)", title, from, state);
                snprintf(titles[n], sizeof titles[n], "%s, recommended by %s", title, from);
                snprintf(notes[n], sizeof notes[n], "Note: %s", note[0] ? note : "(none)");
                items[n] = labels[n];
            }
        cairn_reply_free(&reply);
        if (n == 0)
            kiosk_say(k, "No recommendations for you yet.");
        int rc = kiosk_menu(k, "Recommendations for me", NULL, 0, items, n, &choice);
        if (rc != 0)
            return rc == KIOSK_IDLE ? KIOSK_IDLE : 0;
        if (answer(k, ids[choice], titles[choice], notes[choice]) == KIOSK_IDLE)
            return KIOSK_IDLE;
    }
}

typedef struct {
    char id[32], name[64], role[16];
    unsigned draft, submitted, withdrawn, open_recs;
} staff_t;

int kiosk_staff(kiosk_t *k)
{
    static staff_t staff[KIOSK_MENU_MAX];
    size_t n = 0;
    cairn_reply_t reply;
    const msgpack_object_array *list;
    /* three reads, pipelined: educators, every submission, open recommendations */
    cairn_rpc_begin(&k->rpc, "educator.list", 0);
    if (kiosk_call(k, &reply) != 0)
        return 0;
    if (cairn_mp_get_array(reply.result, "educators", UINT32_MAX, &list) == 0)
        for (uint32_t i = 0; i < list->size && n < KIOSK_MENU_MAX; i++, n++) {
            memset(&staff[n], 0, sizeof staff[n]);
            strv_copy(staff[n].id, sizeof staff[n].id, cairn_rpc_str(&list->ptr[i], "id"));
            strv_copy(staff[n].name, sizeof staff[n].name, cairn_rpc_str(&list->ptr[i], "name"));
            strv_copy(staff[n].role, sizeof staff[n].role, cairn_rpc_str(&list->ptr[i], "role"));
        }
    cairn_reply_free(&reply);
    cairn_rpc_begin(&k->rpc, "submission.list", 0);
    if (kiosk_call(k, &reply) != 0)
        return 0;
    if (cairn_mp_get_array(reply.result, "submissions", UINT32_MAX, &list) == 0)
        for (uint32_t i = 0; i < list->size; i++) {
            char ed[32], state[16];
            strv_copy(ed, sizeof ed, cairn_rpc_str(&list->ptr[i], "educator"));
            strv_copy(state, sizeof state, cairn_rpc_str(&list->ptr[i], "state"));
            for (size_t s = 0; s < n; s++)
                if (strcmp(staff[s].id, ed) == 0) {
                    staff[s].draft += strcmp(state, "draft") == 0;
                    staff[s].submitted += strcmp(state, "submitted") == 0;
                    staff[s].withdrawn += strcmp(state, "withdrawn") == 0;
                }
        }
    cairn_reply_free(&reply);
    msgpack_packer *pk = cairn_rpc_begin(&k->rpc, "recommendation.list", 1);
    cairn_mp_pack_kv_str(pk, "state", "open");
    if (kiosk_call(k, &reply) != 0)
        return 0;
    if (cairn_mp_get_array(reply.result, "recommendations", UINT32_MAX, &list) == 0)
        for (uint32_t i = 0; i < list->size; i++) {
            char ed[32];
            strv_copy(ed, sizeof ed, cairn_rpc_str(&list->ptr[i], "to"));
            for (size_t s = 0; s < n; s++)
                staff[s].open_recs += strcmp(staff[s].id, ed) == 0;
        }
    cairn_reply_free(&reply);

    int row = kiosk_screen(k, "Staff summary");
    kiosk_linef(row++, "%-28s %-9s %6s %10s %10s %6s", "NAME", "ROLE", "DRAFT", "SUBMITTED",
                "WITHDRAWN", "RECS");
    for (size_t s = 0; s < n && row < LINES - 2; s++)
        kiosk_linef(row++, "%-28.28s %-9s %6u %10u %10u %6u", staff[s].name, staff[s].role,
                    staff[s].draft, staff[s].submitted, staff[s].withdrawn, staff[s].open_recs);
    kiosk_linef(LINES - 1, "Any key to go back");
    refresh();
    return kiosk_key(k) == -KIOSK_IDLE ? KIOSK_IDLE : 0;
}
