/*
 * kiosk_teacher.c: a teacher's submissions at the kiosk: the list, one submission's parts with
 * their evidence (and feedback when a review sent some), adding a file from a folder (a USB stick
 * or a camera's folder) with a progress bar, adding text, submitting, and starting a new one.
 */
#include <curses.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fmt.h"
#include "kiosk.h"
#include "upload.h"

#define LINES_MAX 24
#define FILES_MAX 40
#define TEXT_MAX 1000 /* one line typed at the kiosk */

typedef struct {
    char part[65];
    char kind[16];
} part_t;

typedef struct {
    char lines[LINES_MAX][200];
    const char *view[LINES_MAX];
    size_t nlines;
    part_t parts[16];
    size_t nparts;
    char state[16];
} sub_view_t;

static void add_line(sub_view_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(sub_view_t *v, const char *fmt, ...)
{
    va_list ap;
    if (v->nlines == LINES_MAX)
        return;
    va_start(ap, fmt);
    vsnprintf(v->lines[v->nlines], sizeof v->lines[0], fmt, ap);
    va_end(ap);
    v->view[v->nlines] = v->lines[v->nlines];
    v->nlines++;
}

static void strv_copy(char *out, size_t outlen, cairn_strv_t s)
{
    cairn_fmt_sanitize(out, outlen, s.p, s.len);
}

/* The assessor's current verdict and feedback on each part, and the decision (submission.show's
 * "review" map, PROTOCOL.md 2.1 and 11). */
static void add_review(sub_view_t *v, const msgpack_object *review)
{
    const msgpack_object_array *scores, *decisions;
    char part[64], verdict[16], text[160];
    if (review == NULL || review->type != MSGPACK_OBJECT_MAP)
        return;
    if (cairn_mp_get_array(review, "decisions", 64, &decisions) == 0)
        for (uint32_t i = 0; i < decisions->size; i++) {
            bool counts = false;
            cairn_mp_get_bool(&decisions->ptr[i], "counts", &counts);
            if (counts) {
                strv_copy(verdict, sizeof verdict, cairn_rpc_str(&decisions->ptr[i], "outcome"));
                add_line(v, "Decision: %s", verdict);
            }
        }
    if (cairn_mp_get_array(review, "scores", 256, &scores) != 0)
        return;
    for (uint32_t i = 0; i < scores->size; i++) {
        const msgpack_object *sc = &scores->ptr[i];
        bool current = false;
        cairn_mp_get_bool(sc, "current", &current);
        if (!current)
            continue;
        strv_copy(part, sizeof part, cairn_rpc_str(sc, "part"));
        strv_copy(verdict, sizeof verdict, cairn_rpc_str(sc, "verdict"));
        strv_copy(text, sizeof text, cairn_rpc_str(sc, "feedback"));
        add_line(v, "Feedback on %s (%s): %s", part, verdict, text[0] ? text : "-");
    }
}

/* Reads a submission into v: its title, state, the review and each part with its evidence. */
static int load(kiosk_t *k, const char *id, sub_view_t *v)
{
    cairn_reply_t reply;
    const msgpack_object_array *parts;
    char a[128], b[128], c[64];
    msgpack_packer *pk = cairn_rpc_begin(&k->rpc, "submission.show", 1);
    cairn_mp_pack_kv_str(pk, "id", id);
    if (kiosk_call(k, &reply) != 0)
        return -1;
    memset(v, 0, sizeof *v);
    strv_copy(a, sizeof a, cairn_rpc_str(reply.result, "title"));
    strv_copy(b, sizeof b, cairn_rpc_str(reply.result, "credential"));
    add_line(v, "%s (%s)", a, b);
    strv_copy(v->state, sizeof v->state, cairn_rpc_str(reply.result, "state"));
    add_line(v, "State: %s, attempt %llu", v->state,
             (unsigned long long)cairn_rpc_u64(reply.result, "attempt"));
    add_review(v, cairn_mp_get(reply.result, "review"));
    add_line(v, "Evidence:");
    if (cairn_mp_get_array(reply.result, "parts", 16, &parts) == 0)
        for (uint32_t i = 0; i < parts->size && v->nparts < 16; i++) {
            const msgpack_object *p = &parts->ptr[i], *ev = cairn_mp_get(p, "evidence");
            part_t *pt = &v->parts[v->nparts++];
            strv_copy(pt->part, sizeof pt->part, cairn_rpc_str(p, "part"));
            strv_copy(pt->kind, sizeof pt->kind, cairn_rpc_str(p, "kind"));
            bool required = false;
            cairn_mp_get_bool(p, "required", &required);
            if (ev == NULL || ev->type != MSGPACK_OBJECT_MAP) {
                add_line(v, "  %s (%s%s): missing", pt->part, pt->kind,
                         required ? ", required" : "");
                continue;
            }
            cairn_fmt_size(cairn_rpc_u64(ev, "size"), c, sizeof c);
            strv_copy(a, sizeof a, cairn_rpc_str(ev, "name"));
            strv_copy(b, sizeof b, cairn_rpc_str(ev, "type"));
            add_line(v, "  %s (%s): %s %s, %s", pt->part, pt->kind, b, a[0] ? a : "", c);
        }
    cairn_reply_free(&reply);
    return 0;
}

/* Which part: a menu of the credential's parts. */
static int pick_part(kiosk_t *k, const sub_view_t *v, size_t *which)
{
    const char *items[16];
    char labels[16][96];
    for (size_t i = 0; i < v->nparts; i++) {
        snprintf(labels[i], sizeof labels[i], "%s (%s)", v->parts[i].part, v->parts[i].kind);
        items[i] = labels[i];
    }
    return kiosk_menu(k, "Which part is it?", NULL, 0, items, v->nparts, which);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(kiosk_t *k, const char *sub, const sub_view_t *v)
{
    char dir[512], path[1024], err[256];
    static char names[FILES_MAX][256];
    char *sorted[FILES_MAX];
    size_t n = 0, choice, part;
    int rc = kiosk_input(k, "Add a file", "Folder to take the file from (USB stick, camera):", dir,
                         sizeof dir, false);
    if (rc != 0)
        return rc;
    DIR *d = opendir(dir);
    if (d == NULL) {
        kiosk_say(k, "Cannot open the folder %s", dir);
        return KIOSK_BACK;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < FILES_MAX) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        snprintf(names[n], sizeof names[n], "%s", e->d_name);
        sorted[n] = names[n];
        n++;
    }
    closedir(d);
    if (n == 0) {
        kiosk_say(k, "No files in %s", dir);
        return KIOSK_BACK;
    }
    qsort(sorted, n, sizeof sorted[0], by_name);
    if ((rc = kiosk_menu(k, "Which file?", NULL, 0, (const char *const *)sorted, n, &choice)) !=
            0 ||
        (rc = pick_part(k, v, &part)) != 0)
        return rc;
    snprintf(path, sizeof path, "%s/%s", dir, sorted[choice]);
    cairn_upload_t *up = NULL;
    if (cairn_upload_open(&up, path, err, sizeof err) != 0) {
        kiosk_say(k, "%s", err);
        return KIOSK_BACK;
    }
    int row = kiosk_screen(k, "Adding evidence");
    kiosk_linef(row, "Sending %s as %s. Keep the stick in until it says done.", sorted[choice],
                v->parts[part].part);
    refresh();
    cairn_progress_t progress;
    cairn_upload_result_t res;
    cairn_progress_init_hook(&progress, kiosk_progress_draw, NULL);
    rc = cairn_upload_send(up, &k->rpc, sub, v->parts[part].part, &progress, &res);
    cairn_upload_close(up);
    if (rc != 0) {
        kiosk_say(k, "Not added: %s", k->rpc.err);
        return KIOSK_BACK;
    }
    char size[32];
    cairn_fmt_size(res.size, size, sizeof size);
    kiosk_say(k, "Added %s (%s) as %s.", sorted[choice], size, v->parts[part].part);
    k->last_key = kiosk_now(); /* an upload is activity */
    return 0;
}

static int add_text(kiosk_t *k, const char *sub, const sub_view_t *v)
{
    char text[TEXT_MAX + 1];
    size_t part;
    cairn_reply_t reply;
    int rc = pick_part(k, v, &part);
    if (rc == 0)
        rc = kiosk_input(k, "Add text", "Type the text, then Enter:", text, sizeof text, false);
    if (rc != 0)
        return rc;
    msgpack_packer *pk = cairn_rpc_begin(&k->rpc, "evidence.add", 3);
    cairn_mp_pack_kv_str(pk, "submission", sub);
    cairn_mp_pack_kv_str(pk, "part", v->parts[part].part);
    cairn_mp_pack_kv_str(pk, "text", text);
    if (kiosk_call(k, &reply) != 0)
        return KIOSK_BACK;
    cairn_reply_free(&reply);
    kiosk_say(k, "Added the text as %s.", v->parts[part].part);
    return 0;
}

static int submit(kiosk_t *k, const char *sub)
{
    cairn_reply_t reply;
    msgpack_packer *pk = cairn_rpc_begin(&k->rpc, "submission.submit", 1);
    cairn_mp_pack_kv_str(pk, "id", sub);
    if (kiosk_call(k, &reply) != 0)
        return KIOSK_BACK; /* e.g. the parts still missing, named by the daemon */
    cairn_reply_free(&reply);
    kiosk_say(k, "Submitted. A reviewer will look at it; feedback will show here.");
    return 0;
}

static int submission_screen(kiosk_t *k, const char *sub)
{
    static const char *const items[] = {"Add a file from a folder", "Add text", "Submit", "Back"};
    sub_view_t *v = malloc(sizeof *v);
    int rc = v == NULL ? KIOSK_BACK : 0;
    while (rc != KIOSK_IDLE && v != NULL) {
        size_t choice;
        if (load(k, sub, v) != 0) {
            rc = KIOSK_BACK;
            break;
        }
        rc = kiosk_menu(k, "Submission", v->view, v->nlines, items, 4, &choice);
        if (rc != 0 || choice == 3)
            break;
        rc = choice == 0 ? add_file(k, sub, v) : choice == 1 ? add_text(k, sub, v) : submit(k, sub);
    }
    free(v);
    return rc == KIOSK_IDLE ? KIOSK_IDLE : 0;
}

int kiosk_submissions(kiosk_t *k)
{
    for (;;) {
        cairn_reply_t reply;
        const msgpack_object_array *list;
        static char labels[KIOSK_MENU_MAX][160], ids[KIOSK_MENU_MAX][32];
        const char *items[KIOSK_MENU_MAX];
        size_t n = 0, choice;
        msgpack_packer *pk = cairn_rpc_begin(&k->rpc, "submission.list", 1);
        cairn_mp_pack_kv_str(pk, "educator", k->me);
        if (kiosk_call(k, &reply) != 0)
            return 0;
        if (cairn_mp_get_array(reply.result, "submissions", UINT32_MAX, &list) == 0)
            for (uint32_t i = 0; i < list->size && n < KIOSK_MENU_MAX; i++, n++) {
                const msgpack_object *s = &list->ptr[i];
                char cred[72], state[16];
                strv_copy(cred, sizeof cred, cairn_rpc_str(s, "credential"));
                strv_copy(state, sizeof state, cairn_rpc_str(s, "state"));
                strv_copy(ids[n], sizeof ids[n], cairn_rpc_str(s, "id"));
                snprintf(labels[n], sizeof labels[n], "%s, attempt %llu: %s", cred,
                         (unsigned long long)cairn_rpc_u64(s, "attempt"), state);
                items[n] = labels[n];
            }
        cairn_reply_free(&reply);
        if (n == 0)
            kiosk_say(k, "No submissions yet: start one from the main menu.");
        int rc = kiosk_menu(k, "My submissions", NULL, 0, items, n, &choice);
        if (rc != 0)
            return rc == KIOSK_IDLE ? KIOSK_IDLE : 0;
        if (submission_screen(k, ids[choice]) == KIOSK_IDLE)
            return KIOSK_IDLE;
    }
}

int kiosk_start_submission(kiosk_t *k)
{
    cairn_reply_t reply;
    const msgpack_object_array *list;
    static char labels[KIOSK_MENU_MAX][160], ids[KIOSK_MENU_MAX][72];
    const char *items[KIOSK_MENU_MAX];
    size_t n = 0, choice;
    char sub[32];
    cairn_rpc_begin(&k->rpc, "catalog.list", 0);
    if (kiosk_call(k, &reply) != 0)
        return 0;
    if (cairn_mp_get_array(reply.result, "credentials", UINT32_MAX, &list) == 0)
        for (uint32_t i = 0; i < list->size && n < KIOSK_MENU_MAX; i++, n++) {
            char title[120];
            strv_copy(ids[n], sizeof ids[n], cairn_rpc_str(&list->ptr[i], "id"));
            strv_copy(title, sizeof title, cairn_rpc_str(&list->ptr[i], "title"));
            snprintf(labels[n], sizeof labels[n], "%.80s (%.64s)", title, ids[n]);
            items[n] = labels[n];
        }
    cairn_reply_free(&reply);
    int rc = kiosk_menu(k, "Start a submission", NULL, 0, items, n, &choice);
    if (rc != 0)
        return rc == KIOSK_IDLE ? KIOSK_IDLE : 0;
    msgpack_packer *pk = cairn_rpc_begin(&k->rpc, "submission.start", 2);
    cairn_mp_pack_kv_str(pk, "educator", k->me);
    cairn_mp_pack_kv_str(pk, "credential", ids[choice]);
    if (kiosk_call(k, &reply) != 0)
        return 0;
    strv_copy(sub, sizeof sub, cairn_rpc_str(reply.result, "id"));
    cairn_reply_free(&reply);
    kiosk_say(k, "Started. Add your evidence, then submit.");
    return submission_screen(k, sub);
}
