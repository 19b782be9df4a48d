#include "StrataKernels.h"
#include "Dispatch.h"

// The elementwise part of one LSTM step, for the hidden units [start, end) of every batch row.
// Same operations in the same order as the per-step composite of tensor ops (LSTM.swift) and
// without contraction into FMA, so the two paths round alike.
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

STRATA_DISPATCH
void strata_lstm_cell_forward_f32(float *restrict gates, const float *restrict c_prev, float *restrict c,
                                  float *restrict h, long batch, long hidden, long start, long end) {
    for (long b = 0; b < batch; b++) {
        float *restrict row = gates + b * 4 * hidden;
        const float *restrict cp = c_prev + b * hidden;
        float *restrict cr = c + b * hidden;
        float *restrict hr = h + b * hidden;
        for (long j = start; j < end; j++) {
            float i = strata_sigmoidf(row[j]);
            float f = strata_sigmoidf(row[hidden + j]);
            float g = strata_tanhf(row[2 * hidden + j]);
            float o = strata_sigmoidf(row[3 * hidden + j]);
            float cell = f * cp[j] + i * g;
            row[j] = i;
            row[hidden + j] = f;
            row[2 * hidden + j] = g;
            row[3 * hidden + j] = o;
            cr[j] = cell;
            hr[j] = o * strata_tanhf(cell);
        }
    }
}

STRATA_DISPATCH
void strata_lstm_cell_backward_f32(const float *restrict gates, const float *restrict c_prev, const float *restrict c,
                                   const float *restrict dh_out, const float *restrict dh_next, float *restrict dc,
                                   float *restrict dgates, long batch, long hidden, long start, long end) {
    for (long b = 0; b < batch; b++) {
        const float *restrict row = gates + b * 4 * hidden;
        float *restrict drow = dgates + b * 4 * hidden;
        long s = b * hidden;
        for (long j = start; j < end; j++) {
            float i = row[j], f = row[hidden + j], g = row[2 * hidden + j], o = row[3 * hidden + j];
            float dh = dh_out[s + j] + dh_next[s + j];
            float tanh_cell = strata_tanhf(c[s + j]);
            float dcell = dc[s + j] + dh * o * (1.0f - tanh_cell * tanh_cell);
            drow[j] = dcell * g * i * (1.0f - i);
            drow[hidden + j] = dcell * c_prev[s + j] * f * (1.0f - f);
            drow[2 * hidden + j] = dcell * i * (1.0f - g * g);
            drow[3 * hidden + j] = dh * tanh_cell * o * (1.0f - o);
            dc[s + j] = dcell * f;
        }
    }
}
