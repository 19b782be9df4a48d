#include <math.h>
#include "StrataKernels.h"
#include "Dispatch.h"

// The elementwise part of one GRU step (PyTorch's equations, gates r, z, n), for the hidden
// units [start, end) of every batch row, in float32 and float64. Same operations in the same
// order as the per-step composite of tensor ops (gruCell in Tensor+GRU.swift) and without
// contraction into FMA, so the two paths round alike:
//
//     hp = h_prev W_hh^T + b_hh;   r = σ(a_r + hp_r);   z = σ(a_z + hp_z)
//     n = tanh(a_n + r hp_n);   h = n + z (h_prev - n)
//
// Backward, with dh the gradient of h (from the output and from the step after):
//
//     dn = dh (1 - z);   dz = dh (h_prev - n);   da_n = dn (1 - n²);   dhp_n = da_n r
//     da_r = da_n hp_n r (1 - r);   da_z = dz z (1 - z);   dh_prev = dh z + dhp W_hh
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

static inline double gru_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

// One batch row; restrict per gate so the loops vectorize. Always inlined, so it is compiled
// for each target of the dispatching function.
#define GRU_ROWS(T, SUFFIX, SIGMOID, TANH, ONE)                                                                 \
static inline __attribute__((always_inline)) void gru_forward_row_##SUFFIX(                                    \
        T *restrict ar, T *restrict az, T *restrict an, T *restrict pr, T *restrict pz, T *restrict pn,         \
        const T *restrict br, const T *restrict bz, const T *restrict bn, const T *restrict hp,                 \
        T *restrict h, long start, long end) {                                                                  \
    for (long j = start; j < end; j++) {                                                                        \
        T hr = br ? pr[j] + br[j] : pr[j];                                                                      \
        T hz = bz ? pz[j] + bz[j] : pz[j];                                                                      \
        T hn = bn ? pn[j] + bn[j] : pn[j];                                                                      \
        T r = SIGMOID(ar[j] + hr);                                                                              \
        T z = SIGMOID(az[j] + hz);                                                                              \
        T n = TANH(an[j] + r * hn);                                                                             \
        ar[j] = r;                                                                                              \
        az[j] = z;                                                                                              \
        an[j] = n;                                                                                              \
        pr[j] = hr;                                                                                             \
        pz[j] = hz;                                                                                             \
        pn[j] = hn;                                                                                             \
        h[j] = n + z * (hp[j] - n);                                                                             \
    }                                                                                                           \
}                                                                                                               \
                                                                                                                \
static inline __attribute__((always_inline)) void gru_backward_row_##SUFFIX(                                   \
        const T *restrict gr, const T *restrict gz, const T *restrict gn, const T *restrict pn,                 \
        const T *restrict hp, const T *restrict dh_out, T *restrict carry, T *restrict dar, T *restrict daz,    \
        T *restrict dan, T *restrict dpr, T *restrict dpz, T *restrict dpn, long start, long end) {             \
    for (long j = start; j < end; j++) {                                                                        \
        T r = gr[j], z = gz[j], n = gn[j];                                                                      \
        T dh = dh_out[j] + carry[j];                                                                            \
        T dn = dh * (ONE - z);                                                                                  \
        T dz = dh * (hp[j] - n);                                                                                \
        T da_n = dn * (ONE - n * n);                                                                            \
        T da_r = da_n * pn[j] * r * (ONE - r);                                                                  \
        T da_z = dz * z * (ONE - z);                                                                            \
        dar[j] = da_r;                                                                                          \
        daz[j] = da_z;                                                                                          \
        dan[j] = da_n;                                                                                          \
        dpr[j] = da_r;                                                                                          \
        dpz[j] = da_z;                                                                                          \
        dpn[j] = da_n * r;                                                                                      \
        carry[j] = dh * z;                                                                                      \
    }                                                                                                           \
}

GRU_ROWS(float, f32, strata_sigmoidf, strata_tanhf, 1.0f)
GRU_ROWS(double, f64, gru_sigmoid, tanh, 1.0)

#define GRU_STEPS(T, SUFFIX)                                                                                    \
STRATA_DISPATCH                                                                                                 \
void strata_gru_cell_forward_##SUFFIX(T *gates, T *hidden_projection, const T *bias, const T *h_prev, T *h,     \
                                      long batch, long hidden, long start, long end) {                          \
    for (long b = 0; b < batch; b++) {                                                                          \
        T *row = gates + b * 3 * hidden;                                                                        \
        T *projection = hidden_projection + b * 3 * hidden;                                                     \
        gru_forward_row_##SUFFIX(row, row + hidden, row + 2 * hidden, projection, projection + hidden,          \
                                 projection + 2 * hidden, bias, bias ? bias + hidden : 0,                       \
                                 bias ? bias + 2 * hidden : 0, h_prev + b * hidden, h + b * hidden, start, end); \
    }                                                                                                           \
}                                                                                                               \
                                                                                                                \
STRATA_DISPATCH                                                                                                 \
void strata_gru_cell_backward_##SUFFIX(const T *gates, const T *hidden_projection, const T *h_prev,             \
                                       const T *dh_out, T *carry, T *dprojected, T *dhidden_projection,         \
                                       long batch, long hidden, long start, long end) {                         \
    for (long b = 0; b < batch; b++) {                                                                          \
        long row = b * 3 * hidden, s = b * hidden;                                                              \
        const T *g = gates + row;                                                                               \
        T *da = dprojected + row, *dp = dhidden_projection + row;                                               \
        gru_backward_row_##SUFFIX(g, g + hidden, g + 2 * hidden, hidden_projection + row + 2 * hidden,          \
                                  h_prev + s, dh_out + s, carry + s, da, da + hidden, da + 2 * hidden, dp,      \
                                  dp + hidden, dp + 2 * hidden, start, end);                                    \
    }                                                                                                           \
}

GRU_STEPS(float, f32)
GRU_STEPS(double, f64)
