/*
 * kiosk.h: "cairn kiosk", the full-screen terminal UI of the shared staff-room machine.
 *
 * A teacher picks their name, signs in with their PIN (educator.signin: the daemon counts wrong
 * PINs and locks), sees their submissions, feedback when there is some, and recommendations, adds
 * evidence from a folder (a USB stick, a camera's folder) or as text, and submits. A leader also
 * sees a staff summary. After idle_s seconds without a key press the kiosk signs out by itself.
 * Every action is one request to the local daemon: nothing waits on the internet.
 *
 * Files: kiosk_main.c (the verb, the loop, signing out), kiosk_ui.c (screen, keys, menus, input,
 * progress bar), kiosk_signin.c, kiosk_teacher.c (submissions, evidence), kiosk_more.c
 * (recommendations, the leader's staff summary). Everything from the daemon is drawn sanitised.
 */
#ifndef CAIRN_CLIENT_KIOSK_H
#define CAIRN_CLIENT_KIOSK_H

#include <stdbool.h>
#include <stddef.h>

#include "rpc.h"

/* What an interaction ended with, besides 0 (done / chosen). */
#define KIOSK_BACK 1 /* the user went back (Esc, or 'q') */
#define KIOSK_IDLE 2 /* idle time passed: sign out */
#define KIOSK_QUIT 3 /* quit the kiosk (only from the sign-in screen) */

#define KIOSK_MENU_MAX 64

typedef struct {
    cairn_rpc_t rpc;
    unsigned idle_s;
    double last_key; /* monotonic seconds of the last key press */
    bool signed_in;
    char me[32], my_name[201], my_role[16];
    char msg[512]; /* shown on the next screen, then cleared */
} kiosk_t;

/* kiosk_ui.c */
void kiosk_ui_start(void);
void kiosk_ui_stop(void);
double kiosk_now(void);
/* Clears the screen and draws the title bar (who is signed in) and the pending message; returns
 * the first free row. */
int kiosk_screen(kiosk_t *k, const char *title);
/* Draws text (untrusted: sanitised) at row, cut to the screen width. */
void kiosk_line(int row, const char *text, size_t len);
void kiosk_linef(int row, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Waits for a key; KIOSK_IDLE (negative-free: returned as -KIOSK_IDLE) when signed in and idle.
 * Returns the key, or -KIOSK_IDLE. */
int kiosk_key(kiosk_t *k);
/* A numbered menu under title: digits or arrows + Enter choose, Esc or 'q' go back. Returns 0 with
 * *choice, KIOSK_BACK or KIOSK_IDLE. header lines (may be NULL) are drawn above the items. */
int kiosk_menu(kiosk_t *k, const char *title, const char *const *header, size_t nheader,
               const char *const *items, size_t n, size_t *choice);
/* One line of input (masked with '*' for a PIN). Returns 0, KIOSK_BACK or KIOSK_IDLE. */
int kiosk_input(kiosk_t *k, const char *title, const char *prompt, char *out, size_t outlen,
                bool masked);
void kiosk_say(kiosk_t *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One request: 0 with *reply, or the error (its message in k->msg). reply freed on error. */
int kiosk_call(kiosk_t *k, cairn_reply_t *reply);
/* A progress callback drawing a bar on the current screen (for cairn_progress_init_hook). */
void kiosk_progress_draw(void *arg, const char *line, uint64_t done, uint64_t total);

/* kiosk_signin.c: 0 signed in, KIOSK_QUIT, or KIOSK_BACK (try again). */
int kiosk_signin(kiosk_t *k);
/* kiosk_teacher.c */
int kiosk_submissions(kiosk_t *k);
int kiosk_start_submission(kiosk_t *k);
/* kiosk_more.c */
int kiosk_recommendations(kiosk_t *k);
int kiosk_staff(kiosk_t *k);

#endif
