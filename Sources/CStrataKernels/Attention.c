#include <math.h>
#include <stdlib.h>
#include "StrataKernels.h"
#include "Dispatch.h"

// Scaled dot-product attention over one [rows, depth] x [keys, depth] slice, flash-attention
// style (Dao et al., 2022): keys are visited in tiles with an online softmax (running maximum m,
// running sum l, output rescaled by exp(m_old - m_new) when the maximum grows), so no
// rows x keys matrix is ever stored; only the row's log-sum-exp is kept for the backward pass.
//
// The additive mask (may be NULL) is addressed with a row and a column stride, so a key-padding
// mask broadcast over rows (row stride 0) is never materialized. `causal` hides key j from row i
// when j > i (top-left aligned, as PyTorch's is_causal).

enum { QUERY_BLOCK = 8, KEY_TILE = 64 };

// The dot products are sums in any order: reassociation lets clang vectorize them.
static inline __attribute__((always_inline)) float dot(const float *restrict a, const float *restrict b, long n) {
#pragma clang fp reassociate(on)
    float sum = 0;
    for (long t = 0; t < n; t++) sum += a[t] * b[t];
    return sum;
}

static inline __attribute__((always_inline)) void axpy(float *restrict y, const float *restrict x, float alpha, long n) {
    for (long t = 0; t < n; t++) y[t] += alpha * x[t];
}

static inline __attribute__((always_inline)) float score(const float *q, const float *k, const float *mask, long mask_row,
                                                         long mask_col, long i, long j, long depth, float scale) {
    float s = dot(q + i * depth, k + j * depth, depth) * scale;
    return mask ? s + mask[i * mask_row + j * mask_col] : s;
}

STRATA_DISPATCH
void strata_attention_forward_f32(const float *q, const float *k, const float *v, const float *mask, long mask_row,
                                  long mask_col, float *out, float *lse, long keys, long depth, long value_depth,
                                  float scale, int causal, long row_start, long row_end) {
    float *acc = malloc(sizeof(float) * QUERY_BLOCK * (size_t)(value_depth > 0 ? value_depth : 1));
    float s[QUERY_BLOCK][KEY_TILE];
    float m[QUERY_BLOCK], l[QUERY_BLOCK];
    for (long i0 = row_start; i0 < row_end; i0 += QUERY_BLOCK) {
        long rows = row_end - i0 < QUERY_BLOCK ? row_end - i0 : QUERY_BLOCK;
        for (long r = 0; r < rows; r++) {
            m[r] = -INFINITY;
            l[r] = 0;
            for (long c = 0; c < value_depth; c++) acc[r * value_depth + c] = 0;
        }
        long key_end = causal ? (i0 + rows < keys ? i0 + rows : keys) : keys;
        for (long j0 = 0; j0 < key_end; j0 += KEY_TILE) {
            long tile = key_end - j0 < KEY_TILE ? key_end - j0 : KEY_TILE;
            for (long r = 0; r < rows; r++) {
                long i = i0 + r;
                float tile_max = -INFINITY;
                for (long t = 0; t < tile; t++) {
                    long j = j0 + t;
                    float value = (causal && j > i) ? -INFINITY : score(q, k, mask, mask_row, mask_col, i, j, depth, scale);
                    s[r][t] = value;
                    tile_max = value > tile_max ? value : tile_max;
                }
                float new_max = tile_max > m[r] ? tile_max : m[r];
                if (new_max == -INFINITY) continue;  // every key so far is masked
                float rescale = strata_expf(m[r] - new_max);
                float *row_acc = acc + r * value_depth;
                if (rescale != 1.0f) {
                    l[r] *= rescale;
                    for (long c = 0; c < value_depth; c++) row_acc[c] *= rescale;
                }
                for (long t = 0; t < tile; t++) {
                    float p = strata_expf(s[r][t] - new_max);
                    if (p == 0) continue;
                    l[r] += p;
                    axpy(row_acc, v + (j0 + t) * value_depth, p, value_depth);
                }
                m[r] = new_max;
            }
        }
        for (long r = 0; r < rows; r++) {
            // A row with every key masked has l = 0: 0/0 gives NaN, as the composite's softmax does.
            float inverse = 1.0f / l[r];
            for (long c = 0; c < value_depth; c++) out[(i0 + r) * value_depth + c] = acc[r * value_depth + c] * inverse;
            lse[i0 + r] = m[r] + logf(l[r]);
        }
    }
    free(acc);
}

// The gradient of one slice from the forward pass's output and log-sum-exp: with
// p_ij = exp(s_ij - lse_i) and D_i = dO_i . O_i,
//   dV_j += p_ij dO_i,   dP_ij = dO_i . V_j,   dS_ij = p_ij (dP_ij - D_i),
//   dQ_i += scale dS_ij K_j,   dK_j += scale dS_ij Q_i.
// dq, dk and dv are overwritten. Scores are recomputed rather than stored.
STRATA_DISPATCH
void strata_attention_backward_f32(const float *q, const float *k, const float *v, const float *mask, long mask_row,
                                   long mask_col, const float *out, const float *dout, const float *lse, float *dq,
                                   float *dk, float *dv, long rows, long keys, long depth, long value_depth, float scale,
                                   int causal) {
    for (long t = 0; t < rows * depth; t++) dq[t] = 0;
    for (long t = 0; t < keys * depth; t++) dk[t] = 0;
    for (long t = 0; t < keys * value_depth; t++) dv[t] = 0;
    for (long i = 0; i < rows; i++) {
        const float *dout_i = dout + i * value_depth;
        float d_i = dot(dout_i, out + i * value_depth, value_depth);
        long key_end = causal ? (i + 1 < keys ? i + 1 : keys) : keys;
        for (long j = 0; j < key_end; j++) {
            float p = strata_expf(score(q, k, mask, mask_row, mask_col, i, j, depth, scale) - lse[i]);
            if (p == 0) continue;
            axpy(dv + j * value_depth, dout_i, p, value_depth);
            float ds = p * (dot(dout_i, v + j * value_depth, value_depth) - d_i) * scale;
            axpy(dq + i * depth, k + j * depth, ds, depth);
            axpy(dk + j * depth, q + i * depth, ds, depth);
        }
    }
}
