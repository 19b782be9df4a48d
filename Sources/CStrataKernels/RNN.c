#include <math.h>
#include "StrataKernels.h"
#include "Dispatch.h"

// The elementwise part of one Elman RNN step, for the hidden units [start, end) of every batch
// row, in float32 and float64: h = act(a) in place, where `a` already holds the projected input
// with both biases plus h_prev W_hh^T. Backward: da = (dh_out + dh_next) act'(a), with act'
// read from h itself (tanh: 1 - h², ReLU: h > 0, as the composite's ReLU rule).
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#define RNN_STEPS(T, SUFFIX, TANH, ZERO, ONE)                                                                   \
static inline __attribute__((always_inline)) void rnn_forward_row_##SUFFIX(T *restrict a, int relu,           \
                                                                           long start, long end) {              \
    if (relu) {                                                                                                 \
        for (long j = start; j < end; j++) a[j] = a[j] > ZERO ? a[j] : ZERO;                                    \
    } else {                                                                                                    \
        for (long j = start; j < end; j++) a[j] = TANH(a[j]);                                                   \
    }                                                                                                           \
}                                                                                                               \
                                                                                                                \
static inline __attribute__((always_inline)) void rnn_backward_row_##SUFFIX(                                   \
        const T *restrict h, const T *restrict dh_out, const T *restrict dh_next, T *restrict da, int relu,     \
        long start, long end) {                                                                                 \
    if (relu) {                                                                                                 \
        for (long j = start; j < end; j++) da[j] = h[j] > ZERO ? dh_out[j] + dh_next[j] : ZERO;                 \
    } else {                                                                                                    \
        for (long j = start; j < end; j++) da[j] = (dh_out[j] + dh_next[j]) * (ONE - h[j] * h[j]);              \
    }                                                                                                           \
}                                                                                                               \
                                                                                                                \
STRATA_DISPATCH                                                                                                 \
void strata_rnn_cell_forward_##SUFFIX(T *a, long batch, long hidden, int relu, long start, long end) {          \
    for (long b = 0; b < batch; b++) rnn_forward_row_##SUFFIX(a + b * hidden, relu, start, end);               \
}                                                                                                               \
                                                                                                                \
STRATA_DISPATCH                                                                                                 \
void strata_rnn_cell_backward_##SUFFIX(const T *h, const T *dh_out, const T *dh_next, T *da, long batch,        \
                                       long hidden, int relu, long start, long end) {                           \
    for (long b = 0; b < batch; b++) {                                                                          \
        long s = b * hidden;                                                                                    \
        rnn_backward_row_##SUFFIX(h + s, dh_out + s, dh_next + s, da + s, relu, start, end);                   \
    }                                                                                                           \
}

RNN_STEPS(float, f32, strata_tanhf, 0.0f, 1.0f)
RNN_STEPS(double, f64, tanh, 0.0, 1.0)
