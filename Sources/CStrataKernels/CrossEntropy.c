#include "StrataKernels.h"
#include "Dispatch.h"

// Softmax cross-entropy against integer labels, one row of logits per sample (SoftmaxCrossEntropy
// in Swift). The forward takes the steps of the composite `-logSoftmax(x)[label]` with the same
// float32 functions: the row's maximum as the shift (0 when it is not finite), strata_expf of
// the shifted row summed as strata_reduce_rows_f32 sums (sixteen lanes, then the tail),
// strata_logf of the sum plus the shift, minus the labelled logit.

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#define STRATA_LANES 16

STRATA_DISPATCH
void strata_softmax_cross_entropy_forward_f32(const float *x, const int64_t *labels, long rows, long cols,
                                              float *loss, float *log_sum_exp) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        float shift = row[0];
        for (long c = 1; c < cols; c++) {
            float v = row[c];
            shift = (v > shift || v != v) ? v : shift;
        }
        if (!(shift - shift == 0.0f)) shift = 0.0f;  // ±inf or NaN: no shift, as logSumExp
        float lanes[STRATA_LANES];
        for (int l = 0; l < STRATA_LANES; l++) lanes[l] = 0.0f;
        long c = 0;
        for (; c + STRATA_LANES <= cols; c += STRATA_LANES)
            for (int l = 0; l < STRATA_LANES; l++) lanes[l] += strata_expf(row[c + l] - shift);
        float total = lanes[0];
        for (int l = 1; l < STRATA_LANES; l++) total += lanes[l];
        for (; c < cols; c++) total += strata_expf(row[c] - shift);
        float lse = strata_logf(total) + shift;
        log_sum_exp[r] = lse;
        loss[r] = -(row[labels[r]] - lse);
    }
}

STRATA_DISPATCH
void strata_softmax_cross_entropy_backward_f32(const float *x, const int64_t *labels, const float *log_sum_exp,
                                               const float *gradient, long rows, long cols, float *dx) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        float *out = dx + r * cols;
        const float lse = log_sum_exp[r], g = gradient[r];
        for (long c = 0; c < cols; c++) out[c] = g * strata_expf(row[c] - lse);
        out[labels[r]] -= g;
    }
}

// Binary cross-entropy of logits (SigmoidCrossEntropy in Swift): the composite
// `softplus(x) - t * x` with the same float32 functions, and its gradient g σ(x) - g t.

STRATA_DISPATCH
void strata_sigmoid_cross_entropy_forward_f32(const float *x, const float *t, long n, float *loss) {
    for (long i = 0; i < n; i++) loss[i] = strata_softplusf(x[i]) - t[i] * x[i];
}

STRATA_DISPATCH
void strata_sigmoid_cross_entropy_backward_f32(const float *x, const float *t, const float *g, long g_stride, long n,
                                               float *dx) {
    for (long i = 0; i < n; i++) {
        const float gi = g[i * g_stride];
        dx[i] = gi * strata_sigmoidf(x[i]) - gi * t[i];
    }
}
