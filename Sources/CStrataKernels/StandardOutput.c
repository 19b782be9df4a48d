#include "StrataKernels.h"
#include <stdio.h>

void strata_line_buffer_stdout(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
}
