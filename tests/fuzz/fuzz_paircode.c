/*
 * fuzz_paircode.c: libFuzzer target for reading a pairing code as a person types it
 * (cairn_pair_code_parse) and for the selector check a LAN hello goes through before it names a
 * file. A parsed code must show and parse back to itself, and its selector must be valid.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/paircode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[CAIRN_PAIR_CODE_INPUT_MAX + 8];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    cairn_pair_code_t code, back;
    if (cairn_pair_code_parse(text, &code) == 0) {
        char shown[CAIRN_PAIR_CODE_SHOW_LEN + 1], sel[3];
        cairn_pair_code_show(&code, shown);
        if (cairn_pair_code_parse(shown, &back) != 0 || strcmp(back.c, code.c) != 0)
            abort();
        cairn_pair_code_selector(&code, sel);
        if (!cairn_pair_selector_valid(sel, 2))
            abort();
    }
    (void)cairn_pair_selector_valid((const char *)data, size);
    return 0;
}
