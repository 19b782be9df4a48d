#include "StrataKernels.h"
#include "Dispatch.h"

// The elementwise ends of a fused dense layer (CPULinearKernel): the epilogue after the forward
// GEMM and the pass before the backward GEMMs. Each rounds exactly like the ops it replaces:
// `y + bias` then `relu`, and `select(y > 0, g, 0)` then a column sum taken row by row, as
// strata_reduce_columns_f32 takes it.

STRATA_DISPATCH
void strata_linear_epilogue_f32(float *y, long rows, long cols, long ldy, const float *bias, int relu) {
    for (long r = 0; r < rows; r++) {
        float *row = y + r * ldy;
        if (bias) {
            for (long c = 0; c < cols; c++) row[c] = row[c] + bias[c];
        }
        if (relu) {
            for (long c = 0; c < cols; c++) row[c] = row[c] < 0.0f ? 0.0f : row[c];
        }
    }
}

STRATA_DISPATCH
void strata_linear_gradient_f32(const float *g, const float *y, float *masked, long rows, long cols, long ld,
                                float *bias_gradient) {
    if (bias_gradient) {
        for (long c = 0; c < cols; c++) bias_gradient[c] = 0.0f;
    }
    for (long r = 0; r < rows; r++) {
        const float *g_row = g + r * ld;
        if (y) {
            const float *y_row = y + r * ld;
            float *m_row = masked + r * ld;
            for (long c = 0; c < cols; c++) m_row[c] = y_row[c] > 0.0f ? g_row[c] : 0.0f;
            g_row = m_row;
        }
        if (bias_gradient) {
            for (long c = 0; c < cols; c++) bias_gradient[c] += g_row[c];
        }
    }
}
