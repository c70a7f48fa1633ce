/*
 * stack_progress.h: where an educator stands on one credential, for the stack (pathway) views
 * (stack.show, the kiosk). ONE function, so that the states that come later (reviewed, earned
 * from awards) are added in one place: extend cairn_stack_progress() and the state names below.
 */
#ifndef CAIRN_STACK_PROGRESS_H
#define CAIRN_STACK_PROGRESS_H

#include <stdint.h>

#include <cairn/id.h>

#include "store.h"

typedef struct {
    /* "not started", or the state of the latest attempt: "draft", "submitted", "withdrawn" */
    char state[24];
    char submission[CAIRN_ID_TEXT_LEN + 1]; /* the latest attempt's id, "" when not started */
    uint64_t attempts;                      /* attempts made, withdrawn ones included */
} cairn_stack_progress_t;

/* Fills out for educator (a full id) and credential. Returns 0 or a store error. */
int cairn_stack_progress(cairn_store_t *s, const char *educator, const char *credential,
                         cairn_stack_progress_t *out);

#endif
