#include "StrataKernels.h"

void strata_spin_pause(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}
