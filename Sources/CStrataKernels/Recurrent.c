#include "StrataKernels.h"
#include "Dispatch.h"

// The elementwise part of one LSTM step, for the hidden units [start, end) of every batch row.
// Same operations in the same order as the per-step composite of tensor ops (LSTM.swift) and
// without contraction into FMA, so the two paths round alike.
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

// One batch row, with one restrict parameter per gate: the four column ranges never overlap,
// and saying so (clang honours restrict on parameters only) lets the loop vectorize. Always
// inlined, so it is compiled for each target of the dispatching function.
static inline __attribute__((always_inline)) void lstm_forward_row(float *restrict gi, float *restrict gf, float *restrict gg, float *restrict go,
                                    const float *restrict cp, float *restrict cr, float *restrict hr, long start, long end) {
    for (long j = start; j < end; j++) {
        float i = strata_sigmoidf(gi[j]);
        float f = strata_sigmoidf(gf[j]);
        float g = strata_tanhf(gg[j]);
        float o = strata_sigmoidf(go[j]);
        float cell = f * cp[j] + i * g;
        gi[j] = i;
        gf[j] = f;
        gg[j] = g;
        go[j] = o;
        cr[j] = cell;
        hr[j] = o * strata_tanhf(cell);
    }
}

STRATA_DISPATCH
void strata_lstm_cell_forward_f32(float *gates, const float *c_prev, float *c, float *h,
                                  long batch, long hidden, long start, long end) {
    for (long b = 0; b < batch; b++) {
        float *row = gates + b * 4 * hidden;
        lstm_forward_row(row, row + hidden, row + 2 * hidden, row + 3 * hidden, c_prev + b * hidden, c + b * hidden,
                         h + b * hidden, start, end);
    }
}

static inline __attribute__((always_inline)) void lstm_backward_row(const float *restrict gi, const float *restrict gf, const float *restrict gg,
                                     const float *restrict go, const float *restrict cp, const float *restrict cr,
                                     const float *restrict dh_out, const float *restrict dh_next, float *restrict dc,
                                     float *restrict di, float *restrict df, float *restrict dg, float *restrict d_o,
                                     long start, long end) {
    for (long j = start; j < end; j++) {
        float i = gi[j], f = gf[j], g = gg[j], o = go[j];
        float dh = dh_out[j] + dh_next[j];
        float tanh_cell = strata_tanhf(cr[j]);
        float dcell = dc[j] + dh * o * (1.0f - tanh_cell * tanh_cell);
        di[j] = dcell * g * i * (1.0f - i);
        df[j] = dcell * cp[j] * f * (1.0f - f);
        dg[j] = dcell * i * (1.0f - g * g);
        d_o[j] = dh * tanh_cell * o * (1.0f - o);
        dc[j] = dcell * f;
    }
}

STRATA_DISPATCH
void strata_lstm_cell_backward_f32(const float *gates, const float *c_prev, const float *c,
                                   const float *dh_out, const float *dh_next, float *dc,
                                   float *dgates, long batch, long hidden, long start, long end) {
    for (long b = 0; b < batch; b++) {
        const float *row = gates + b * 4 * hidden;
        float *drow = dgates + b * 4 * hidden;
        long s = b * hidden;
        lstm_backward_row(row, row + hidden, row + 2 * hidden, row + 3 * hidden, c_prev + s, c + s, dh_out + s, dh_next + s,
                          dc + s, drow, drow + hidden, drow + 2 * hidden, drow + 3 * hidden, start, end);
    }
}
