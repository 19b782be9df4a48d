#include "StrataKernels.h"

void strata_spin_pause(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

static _Thread_local int serial_depth;

void strata_serial_enter(void) { serial_depth++; }

void strata_serial_leave(void) { serial_depth--; }

int strata_serial_active(void) { return serial_depth > 0; }
