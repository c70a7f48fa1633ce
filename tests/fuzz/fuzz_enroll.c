/*
 * fuzz_enroll.c: libFuzzer target for the enrolment token parser (cairn_enroll_token_decode,
 * enroll.c: "cairn-enrol-1:" + base64url of a msgpack map; what `cairnd enroll join` reads from
 * an operator) and, on the same text, the duration parser of `--expires` (cairn_parse_duration).
 *
 * Checked beyond "no crash": a refused token leaves the output untouched and says why; an
 * accepted one has a terminated non-empty address and school name, encodes again, and the
 * encoding decodes to the same token (the decoder accepts nothing the encoder cannot say).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/err.h"
#include "enroll.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * CAIRN_ENROLL_TOKEN_MAX)
        return 0; /* longer lines are refused on length alone; the bound is a unit test */
    char *s = malloc(size + 1);
    must(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';

    uint64_t ms;
    if (cairn_parse_duration(s, &ms) == 0)
        must(ms >= 1000 && ms <= 3650ull * 86400000); /* 1 s .. 10 years (enroll.h) */

    cairn_enroll_token_t t, again;
    char err[256] = "";
    memset(&t, 0xa5, sizeof t);
    int rc = cairn_enroll_token_decode(s, &t, err, sizeof err);
    free(s);
    if (rc != 0) {
        must(rc == CAIRN_EINVAL && err[0] != '\0');
        for (size_t i = 0; i < sizeof t; i++)
            must(((const uint8_t *)&t)[i] == 0xa5);
        return 0;
    }
    must(memchr(t.address, '\0', sizeof t.address) != NULL && t.address[0] != '\0');
    must(memchr(t.school, '\0', sizeof t.school) != NULL && t.school[0] != '\0');
    char line[CAIRN_ENROLL_TOKEN_MAX + 1];
    must(cairn_enroll_token_encode(&t, line, sizeof line) == 0);
    memset(&again, 0, sizeof again);
    must(cairn_enroll_token_decode(line, &again, err, sizeof err) == 0);
    must(strcmp(t.address, again.address) == 0 && strcmp(t.school, again.school) == 0 &&
         memcmp(t.hub_pk, again.hub_pk, 32) == 0 && memcmp(t.id, again.id, sizeof t.id) == 0 &&
         memcmp(t.secret, again.secret, 32) == 0 && t.expires_ms == again.expires_ms);
    return 0;
}
