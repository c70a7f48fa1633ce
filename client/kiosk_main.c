/*
 * kiosk_main.c: the "cairn kiosk" verb: one connection to the local daemon for the whole run,
 * then sign in, the main menu, and back to sign in on "Sign out" or after the idle time. Only the
 * sign-in screen can quit (q), so a teacher walking away leaves the next one a clean kiosk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairn/err.h>

#include "args.h"
#include "cmd.h"
#include "kiosk.h"

#define IDLE_DEFAULT_S 120
#define IDLE_MAX_S 86400

static const cairn_cmd_doc_t kiosk_doc = {
    "cairn kiosk",
    "[--idle SECONDS]",
    "The staff-room kiosk: a full-screen terminal UI. Teachers pick their name and sign in with\n"
    "their PIN (set at the box with \"cairn educator pin\"; 5 wrong PINs lock the name for a\n"
    "while), see their submissions, feedback and recommendations, add evidence from a folder\n"
    "(USB stick, camera) or as text, and submit; leaders also see a staff summary. Signs out\n"
    "after SECONDS without a key press (default 120, 1 to 86400). q on the sign-in screen quits.\n",
};

static int main_menu(kiosk_t *k)
{
    static const char *const teacher[] = {"My submissions", "Start a submission",
                                          "Recommendations for me", "Sign out"};
    static const char *const leader[] = {"Staff summary", "My submissions", "Start a submission",
                                         "Recommendations for me", "Sign out"};
    bool is_leader = strcmp(k->my_role, "leader") == 0;
    for (;;) {
        size_t choice;
        int rc = kiosk_menu(k, "Main menu", NULL, 0, is_leader ? leader : teacher,
                            is_leader ? 5 : 4, &choice);
        if (rc == KIOSK_IDLE)
            return KIOSK_IDLE;
        if (rc == KIOSK_BACK)
            continue; /* signing out is a choice, not an Esc */
        if (is_leader && choice-- == 0) {
            rc = kiosk_staff(k);
        } else if (choice == 0) {
            rc = kiosk_submissions(k);
        } else if (choice == 1) {
            rc = kiosk_start_submission(k);
        } else if (choice == 2) {
            rc = kiosk_recommendations(k);
        } else {
            return 0;
        }
        if (rc == KIOSK_IDLE)
            return KIOSK_IDLE;
    }
}

static void sign_out(kiosk_t *k, bool idle)
{
    if (idle)
        kiosk_say(k, "Signed out after %u s without a key press.", k->idle_s);
    else
        kiosk_say(k, "Signed out. Goodbye, %s.", k->my_name);
    k->signed_in = false;
    memset(k->me, 0, sizeof k->me);
    memset(k->my_name, 0, sizeof k->my_name);
    memset(k->my_role, 0, sizeof k->my_role);
}

static int run_kiosk(const cairn_cli_t *cli, int argc, char **argv)
{
    const char *idle = NULL;
    const cairn_opt_t opts[] = {{"idle", "SECONDS", &idle, NULL}, {NULL, NULL, NULL, NULL}};
    const cairn_argspec_t spec = {opts, NULL, 0, NULL};
    char err[CAIRN_ARGS_ERR_MAX];
    int rc = cairn_args_parse(&spec, argc, argv, err, sizeof err);
    kiosk_t *k = calloc(1, sizeof *k);
    if (k == NULL)
        return cairn_cli_fail("out of memory");
    k->idle_s = IDLE_DEFAULT_S;
    if (rc == 0 && idle != NULL) {
        size_t n = strlen(idle);
        if (n == 0 || n > 5 || strspn(idle, "0123456789") != n || atol(idle) < 1 ||
            atol(idle) > IDLE_MAX_S) {
            snprintf(err, sizeof err, "bad --idle '%s': expected seconds, 1 to %d", idle,
                     IDLE_MAX_S);
            rc = CAIRN_EINVAL;
        } else {
            k->idle_s = (unsigned)atol(idle);
        }
    }
    if (rc == 0 && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        snprintf(err, sizeof err, "the kiosk needs a terminal");
        rc = CAIRN_EINVAL;
    }
    if ((rc = cairn_cli_parsed(&kiosk_doc, rc, err)) != CAIRN_CLI_CONTINUE) {
        free(k);
        return rc;
    }
    if ((rc = cairn_cli_connect(cli, &k->rpc)) != CAIRN_EXIT_OK) {
        free(k);
        return rc;
    }
    kiosk_ui_start();
    for (;;) {
        rc = kiosk_signin(k);
        if (rc == KIOSK_QUIT)
            break;
        if (rc != 0)
            continue;
        rc = main_menu(k);
        sign_out(k, rc == KIOSK_IDLE);
    }
    kiosk_ui_stop();
    if (k->msg[0])
        fprintf(stderr, "cairn: kiosk: %s\n", k->msg);
    cairn_rpc_close(&k->rpc);
    free(k);
    return CAIRN_EXIT_OK;
}

const cairn_subcmd_t cairn_cmd_kiosk[] = {
    {"kiosk", run_kiosk, &kiosk_doc},
    {NULL, NULL, NULL},
};
