/*
 * fuzz_window.c: libFuzzer target for cairn_window_parse, which reads [sync] upload_windows from
 * cairnd.conf. Anything it accepts opens at least one minute of the week and is stable when
 * parsed again; anything it refuses says why, and leaves the output untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/err.h"
#include "sync_window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[1025];
    if (size >= sizeof text)
        size = sizeof text - 1;
    memcpy(text, data, size);
    text[size] = '\0';
    cairn_window_t w, again, untouched;
    char why[256] = "";
    memset(&w, 0xa5, sizeof w);
    untouched = w;
    int rc = cairn_window_parse(text, &w, why, sizeof why);
    if (rc != 0) {
        if (rc != CAIRN_EINVAL || why[0] == '\0' || memcmp(&w, &untouched, sizeof w) != 0)
            abort();
        return 0;
    }
    if (!w.set)
        abort();
    bool any = false;
    for (unsigned m = 0; m < CAIRN_WINDOW_MINUTES && !any; m++)
        any = cairn_window_open_at(&w, m);
    if (!any)
        abort();
    if (cairn_window_parse(text, &again, why, sizeof why) != 0 ||
        memcmp(again.open, w.open, sizeof w.open) != 0)
        abort();
    return 0;
}
