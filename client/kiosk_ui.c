/*
 * kiosk_ui.c: the kiosk's screen primitives over ncurses (kiosk.h). Every screen is drawn from
 * scratch (clear, then draw, then refresh), so what is on the glass is always exactly one
 * screen's state, whatever the terminal missed.
 */
#include <curses.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "kiosk.h"

#define KEY_WAIT_MS 200 /* getch timeout: how often the idle clock is looked at */

double kiosk_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void kiosk_ui_start(void)
{
    setlocale(LC_ALL, "");
    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    timeout(KEY_WAIT_MS);
}

void kiosk_ui_stop(void)
{
    endwin();
}

void kiosk_line(int row, const char *text, size_t len)
{
    char buf[512];
    if (row >= LINES)
        return;
    cairn_fmt_sanitize(buf, sizeof buf, text, len);
    if (COLS > 1 && strlen(buf) > (size_t)COLS - 1)
        buf[COLS - 1] = '\0';
    mvaddstr(row, 0, buf);
}

void kiosk_linef(int row, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kiosk_line(row, buf, strlen(buf));
}

void kiosk_say(kiosk_t *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->msg, sizeof k->msg, fmt, ap);
    va_end(ap);
}

int kiosk_screen(kiosk_t *k, const char *title)
{
    clear();
    if (k->signed_in)
        kiosk_linef(0, "Cairn kiosk | %s | signed in: %s (%s)", title, k->my_name, k->my_role);
    else
        kiosk_linef(0, "Cairn kiosk | %s", title);
    int row = 2;
    if (k->msg[0]) {
        kiosk_line(row, k->msg, strlen(k->msg));
        k->msg[0] = '\0';
        row += 2;
    }
    return row;
}

int kiosk_key(kiosk_t *k)
{
    for (;;) {
        int c = getch();
        if (c != ERR) {
            k->last_key = kiosk_now();
            return c;
        }
        if (k->signed_in && k->idle_s > 0 && kiosk_now() - k->last_key >= (double)k->idle_s)
            return -KIOSK_IDLE;
    }
}

static bool is_enter(int c)
{
    return c == '\n' || c == '\r' || c == KEY_ENTER;
}

int kiosk_menu(kiosk_t *k, const char *title, const char *const *header, size_t nheader,
               const char *const *items, size_t n, size_t *choice)
{
    size_t sel = 0;
    char keep[sizeof k->msg];
    snprintf(keep, sizeof keep, "%s", k->msg);
    for (;;) {
        snprintf(k->msg, sizeof k->msg, "%s", keep);
        int row = kiosk_screen(k, title);
        for (size_t i = 0; i < nheader; i++)
            kiosk_line(row++, header[i], strlen(header[i]));
        if (nheader > 0)
            row++;
        for (size_t i = 0; i < n && row < LINES - 2; i++, row++) {
            if (i == sel)
                attron(A_REVERSE);
            kiosk_linef(row, "%2zu. %s", i + 1, items[i]);
            if (i == sel)
                attroff(A_REVERSE);
        }
        kiosk_linef(LINES - 1, "Number or arrows + Enter to choose, Esc or q to go back");
        refresh();
        int c = kiosk_key(k);
        if (c == -KIOSK_IDLE)
            return KIOSK_IDLE;
        if (c == 27 || c == 'q')
            return KIOSK_BACK;
        if (c == KEY_UP && sel > 0)
            sel--;
        else if (c == KEY_DOWN && sel + 1 < n)
            sel++;
        else if (is_enter(c) && n > 0) {
            *choice = sel;
            k->msg[0] = '\0';
            return 0;
        } else if (c >= '1' && c <= '9' && (size_t)(c - '1') < n) {
            *choice = (size_t)(c - '1');
            k->msg[0] = '\0';
            return 0;
        }
    }
}

int kiosk_input(kiosk_t *k, const char *title, const char *prompt, char *out, size_t outlen,
                bool masked)
{
    size_t len = 0;
    out[0] = '\0';
    curs_set(1);
    for (;;) {
        int row = kiosk_screen(k, title);
        kiosk_line(row, prompt, strlen(prompt));
        if (masked) {
            char stars[64];
            size_t m = len < sizeof stars - 1 ? len : sizeof stars - 1;
            memset(stars, '*', m);
            stars[m] = '\0';
            kiosk_linef(row + 2, "> %s", stars);
        } else {
            kiosk_linef(row + 2, "> %s", out);
        }
        kiosk_linef(LINES - 1, "Enter to confirm, Esc to go back");
        move(row + 2, (int)(2 + (masked ? len : cairn_fmt_width(out, len))));
        refresh();
        int c = kiosk_key(k);
        if (c == -KIOSK_IDLE || c == 27) {
            memset(out, 0, outlen);
            curs_set(0);
            return c == 27 ? KIOSK_BACK : KIOSK_IDLE;
        }
        if (is_enter(c)) {
            curs_set(0);
            return 0;
        }
        if ((c == KEY_BACKSPACE || c == 127 || c == 8) && len > 0) {
            out[--len] = '\0';
        } else if (c >= 32 && c < 256 && c != 127 && len + 1 < outlen) {
            out[len++] = (char)c;
            out[len] = '\0';
        }
    }
}

int kiosk_call(kiosk_t *k, cairn_reply_t *reply)
{
    int rc = cairn_rpc_call(&k->rpc, reply);
    if (rc != 0) {
        kiosk_say(k, "%s", k->rpc.err);
        cairn_reply_free(reply);
    }
    return rc;
}

void kiosk_progress_draw(void *arg, const char *line, uint64_t done, uint64_t total)
{
    (void)arg;
    int width = COLS > 12 ? COLS - 12 : 10;
    int filled = total ? (int)((double)done / (double)total * width) : width;
    char bar[512];
    if (width > (int)sizeof bar - 3)
        width = (int)sizeof bar - 3;
    bar[0] = '[';
    for (int i = 0; i < width; i++)
        bar[1 + i] = i < filled ? '#' : '.';
    bar[1 + width] = ']';
    bar[2 + width] = '\0';
    move(LINES - 4, 0);
    clrtoeol();
    kiosk_line(LINES - 4, line, strlen(line));
    move(LINES - 3, 0);
    clrtoeol();
    kiosk_line(LINES - 3, bar, strlen(bar));
    refresh();
}
