/*
 * test_chunk_bufs.c: the receivers' chunk buffers (daemon/chunk_bufs.c): aligned for O_DIRECT,
 * at most CAIRN_CHUNK_MEM held in all, spares reused rather than allocated again, and freed by
 * a trim (ASan's leak check sees any left).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "chunk_xfer.h"

static void test_take_give(void **state)
{
    (void)state;
    cairn_chunk_state_t st;
    memset(&st, 0, sizeof st);
    uint32_t cap;
    uint8_t *a = cairn_chunk_buf_take(&st, 1000, &cap);
    assert_non_null(a);
    assert_int_equal((uintptr_t)a % CAIRN_BLOBS_DIRECT_ALIGN, 0);
    assert_int_equal(cap, CAIRN_BLOBS_DIRECT_ALIGN); /* rounded up to a whole block */
    assert_int_equal(st.buf_mem, cap);
    memset(a, 1, 1000);
    cairn_chunk_buf_give(&st, a, cap);
    assert_int_equal(st.buf_mem, 0);

    uint32_t cap2;
    uint8_t *b = cairn_chunk_buf_take(&st, 900, &cap2);
    assert_ptr_equal(b, a); /* the spare, not a new buffer */
    assert_int_equal(cap2, cap);
    uint8_t *c = cairn_chunk_buf_take(&st, 5000, &cap2); /* the spare is too small */
    assert_non_null(c);
    assert_ptr_not_equal(c, a);
    assert_int_equal(cap2, 2 * CAIRN_BLOBS_DIRECT_ALIGN);
    cairn_chunk_buf_give(&st, b, cap);
    cairn_chunk_buf_give(&st, c, cap2);
    cairn_chunk_buf_trim(&st);
    for (int i = 0; i < CAIRN_CHUNK_SPARES; i++)
        assert_null(st.spare[i]);
}

/* Room: CAIRN_CHUNK_MEM in all, counted in whole blocks. */
static void test_room(void **state)
{
    (void)state;
    cairn_chunk_state_t st;
    memset(&st, 0, sizeof st);
    uint32_t chunk = CAIRN_CHUNK_SIZE, caps[64];
    uint8_t *held[64];
    int n = 0;
    while (cairn_chunk_buf_room(&st, chunk)) {
        assert_true(n < 64);
        held[n] = cairn_chunk_buf_take(&st, chunk, &caps[n]);
        assert_non_null(held[n]);
        n++;
    }
    assert_int_equal((uint64_t)n * chunk, CAIRN_CHUNK_MEM);
    assert_false(cairn_chunk_buf_room(&st, 1));
    n--;
    cairn_chunk_buf_give(&st, held[n], caps[n]);
    assert_true(cairn_chunk_buf_room(&st, chunk));
    assert_false(cairn_chunk_buf_room(&st, chunk + 1));
    while (n > 0) {
        n--;
        cairn_chunk_buf_give(&st, held[n], caps[n]);
    }
    assert_int_equal(st.buf_mem, 0);
    cairn_chunk_buf_trim(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_give),
        cmocka_unit_test(test_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
