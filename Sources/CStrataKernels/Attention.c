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
//
// Vectorization: the keys (and, in the backward pass, the values) are first copied transposed,
// [depth][padded keys], so a tile's scores are QUERY_BLOCK x KEY_TILE sums of broadcast-times-
// vector products along the keys, with no horizontal reductions; the products with value rows
// and the gradient updates run over CHUNK floats held in registers. Padding keys past the end
// score 0 and are hidden like causal ones.

enum { QUERY_BLOCK = 8, KEY_TILE = 64, CHUNK = 16 };

// Fast paths for full blocks: GCC/Clang vector extensions (AVX-512 code in the x86-64-v4 clone,
// split into narrower registers in the others), several query rows or keys at once so enough
// independent accumulators hide the multiply-add latency. Each output element sums its terms in
// the same order as the generic loops, so results are unchanged.
// The helpers below are always inlined, so the -Wpsabi note on passing 64-byte vectors in the
// clones without AVX-512 concerns no real call.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float v16f __attribute__((vector_size(64), aligned(4)));

static inline __attribute__((always_inline)) v16f load16(const float *p) {
    v16f x;
    __builtin_memcpy(&x, p, sizeof x);
    return x;
}

static inline __attribute__((always_inline)) void store16(float *p, v16f x) { __builtin_memcpy(p, &x, sizeof x); }

static inline __attribute__((always_inline)) v16f splat16(float a) {
    return (v16f){a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a};
}

/// Keys [0, keys) of k (row j at k + j * stride) transposed into kt [depth][padded], zeros past `keys`.
static void transpose_padded(const float *restrict k, long stride, long keys, long depth, long padded, float *restrict kt) {
    for (long j = 0; j < keys; j++)
        for (long d = 0; d < depth; d++) kt[d * padded + j] = k[j * stride + d];
    for (long d = 0; d < depth; d++)
        for (long j = keys; j < padded; j++) kt[d * padded + j] = 0;
}

/// s[r][t] = q_r . k_(j0 + t) for rows r < rows of q (row r at q + r * stride) and a whole tile,
/// from the transposed keys (row d of the tile at kt + d * padded + j0).
static inline __attribute__((always_inline)) void tile_products(const float *restrict q, long stride, long rows, long depth,
                                                                const float *restrict kt, long padded,
                                                                float s[QUERY_BLOCK][KEY_TILE]) {
    if (rows == QUERY_BLOCK && KEY_TILE == 64) {
        // Four rows x four vectors of keys: 16 independent accumulators.
        for (int r0 = 0; r0 < QUERY_BLOCK; r0 += 4) {
            v16f a[4][4] = {{{0}}};
            for (long d = 0; d < depth; d++) {
                const float *restrict keys = kt + d * padded;
                v16f k0 = load16(keys), k1 = load16(keys + 16), k2 = load16(keys + 32), k3 = load16(keys + 48);
                for (int r = 0; r < 4; r++) {
                    v16f w = splat16(q[(r0 + r) * stride + d]);
                    a[r][0] += w * k0;
                    a[r][1] += w * k1;
                    a[r][2] += w * k2;
                    a[r][3] += w * k3;
                }
            }
            for (int r = 0; r < 4; r++)
                for (int u = 0; u < 4; u++) store16(&s[r0 + r][16 * u], a[r][u]);
        }
        return;
    }
    for (long r = 0; r < rows; r++) {
        float acc[KEY_TILE] = {0};
        const float *restrict row = q + r * stride;
        for (long d = 0; d < depth; d++) {
            const float a = row[d];
            const float *restrict keys = kt + d * padded;
            for (int t = 0; t < KEY_TILE; t++) acc[t] += a * keys[t];
        }
        for (int t = 0; t < KEY_TILE; t++) s[r][t] = acc[t];
    }
}

/// Scales row i's scores, adds its mask and sets to -inf the keys it may not see (padding past
/// `keys`, and with `causal` those after i); returns how many leading keys of the tile it sees.
static inline __attribute__((always_inline)) long mask_scores(float *restrict s, const float *mask, long mask_row,
                                                              long mask_col, long i, long j0, long keys, float scale,
                                                              int causal) {
    long visible = keys - j0 < KEY_TILE ? keys - j0 : KEY_TILE;
    if (causal && i - j0 + 1 < visible) visible = i - j0 + 1 > 0 ? i - j0 + 1 : 0;
    for (int t = 0; t < KEY_TILE; t++) s[t] *= scale;
    if (mask) {
        const float *row = mask + i * mask_row + j0 * mask_col;
        if (mask_col == 1)
            for (long t = 0; t < visible; t++) s[t] += row[t];
        else
            for (long t = 0; t < visible; t++) s[t] += row[t * mask_col];
    }
    for (long t = visible; t < KEY_TILE; t++) s[t] = -INFINITY;
    return visible;
}

/// acc[c] += Σ_t weights[t] x[t * stride + c] for c < width, t < count: each CHUNK of acc stays
/// in registers across the sum.
static inline __attribute__((always_inline)) void accumulate_rows(float *restrict acc, const float *restrict weights,
                                                                  const float *restrict x, long stride, long count,
                                                                  long width) {
    long c = 0;
    for (; c + CHUNK <= width; c += CHUNK) {
        float part[CHUNK];
        for (int u = 0; u < CHUNK; u++) part[u] = acc[c + u];
        for (long t = 0; t < count; t++) {
            const float w = weights[t];
            for (int u = 0; u < CHUNK; u++) part[u] += w * x[t * stride + c + u];
        }
        for (int u = 0; u < CHUNK; u++) acc[c + u] = part[u];
    }
    for (; c < width; c++) {
        float sum = acc[c];
        for (long t = 0; t < count; t++) sum += weights[t] * x[t * stride + c];
        acc[c] = sum;
    }
}

/// The forward pass's acc[r] += Σ_t s[r][t] v_(t) for a full block of rows and value_depth 32,
/// every row at once over t < count (hidden keys have weight 0); row t of v at v + t * stride.
static inline __attribute__((always_inline)) void accumulate_block32(float *restrict acc, float s[QUERY_BLOCK][KEY_TILE],
                                                                     const float *restrict v, long stride, long count) {
    v16f a[QUERY_BLOCK][2];
    for (int r = 0; r < QUERY_BLOCK; r++) {
        a[r][0] = load16(acc + r * 32);
        a[r][1] = load16(acc + r * 32 + 16);
    }
    for (long t = 0; t < count; t++) {
        v16f x0 = load16(v + t * stride), x1 = load16(v + t * stride + 16);
        for (int r = 0; r < QUERY_BLOCK; r++) {
            v16f w = splat16(s[r][t]);
            a[r][0] += w * x0;
            a[r][1] += w * x1;
        }
    }
    for (int r = 0; r < QUERY_BLOCK; r++) {
        store16(acc + r * 32, a[r][0]);
        store16(acc + r * 32 + 16, a[r][1]);
    }
}

/// The backward pass's updates for a full block of rows with depth and value_depth 32:
/// dV_j += Σ_r p_rj dO_r and dK_j += Σ_r dS_rj Q_r four keys at a time, then dQ_r += Σ_j dS_rj K_j
/// for every row at once (the same order of terms as `accumulate_rows`). Rows of q, k and dout
/// lie `q_stride`, `k_stride` and `dout_stride` apart.
static inline __attribute__((always_inline)) void backward_block32(const float *restrict q, long q_stride, const float *restrict k,
                                                                   long k_stride, const float *restrict dout, long dout_stride,
                                                                   float p[QUERY_BLOCK][KEY_TILE],
                                                                   float ds[QUERY_BLOCK][KEY_TILE], float *restrict dq,
                                                                   float *restrict dk, float *restrict dv, long tile) {
    long t0 = 0;
    for (; t0 + 4 <= tile; t0 += 4) {
        v16f av[4][2], ak[4][2];
        for (int u = 0; u < 4; u++)
            for (int h = 0; h < 2; h++) {
                av[u][h] = load16(dv + (t0 + u) * 32 + 16 * h);
                ak[u][h] = load16(dk + (t0 + u) * 32 + 16 * h);
            }
        for (int r = 0; r < QUERY_BLOCK; r++) {
            v16f g0 = load16(dout + r * dout_stride), g1 = load16(dout + r * dout_stride + 16);
            v16f q0 = load16(q + r * q_stride), q1 = load16(q + r * q_stride + 16);
            for (int u = 0; u < 4; u++) {
                v16f wp = splat16(p[r][t0 + u]), ws = splat16(ds[r][t0 + u]);
                av[u][0] += wp * g0;
                av[u][1] += wp * g1;
                ak[u][0] += ws * q0;
                ak[u][1] += ws * q1;
            }
        }
        for (int u = 0; u < 4; u++)
            for (int h = 0; h < 2; h++) {
                store16(dv + (t0 + u) * 32 + 16 * h, av[u][h]);
                store16(dk + (t0 + u) * 32 + 16 * h, ak[u][h]);
            }
    }
    float column[QUERY_BLOCK];
    for (long t = t0; t < tile; t++) {
        for (int r = 0; r < QUERY_BLOCK; r++) column[r] = p[r][t];
        accumulate_rows(dv + t * 32, column, dout, dout_stride, QUERY_BLOCK, 32);
        for (int r = 0; r < QUERY_BLOCK; r++) column[r] = ds[r][t];
        accumulate_rows(dk + t * 32, column, q, q_stride, QUERY_BLOCK, 32);
    }
    accumulate_block32(dq, ds, k, k_stride, tile);  // dQ_r += Σ_j dS_rj K_j: the forward's P·V shape
}

static inline __attribute__((always_inline)) float dot(const float *restrict a, const float *restrict b, long n) {
#pragma clang fp reassociate(on)
    float sum = 0;
    for (long t = 0; t < n; t++) sum += a[t] * b[t];
    return sum;
}

static inline long round_up(long n, long multiple) { return (n + multiple - 1) / multiple * multiple; }

STRATA_DISPATCH
void strata_attention_forward_f32(const float *q, const float *k, const float *v, const float *mask, long mask_row,
                                  long mask_col, float *out, float *lse, long keys, long depth, long value_depth,
                                  long q_stride, long k_stride, long v_stride, float scale, int causal, long row_start,
                                  long row_end) {
    // Causal rows see keys up to their own index only.
    long key_limit = causal && row_end < keys ? row_end : keys;
    long padded = round_up(key_limit > 0 ? key_limit : 1, KEY_TILE);
    float *kt = malloc(sizeof(float) * (size_t)(depth > 0 ? depth : 1) * (size_t)padded);
    float *acc = malloc(sizeof(float) * QUERY_BLOCK * (size_t)(value_depth > 0 ? value_depth : 1));
    transpose_padded(k, k_stride, key_limit, depth, padded, kt);
    float s[QUERY_BLOCK][KEY_TILE];
    float m[QUERY_BLOCK], l[QUERY_BLOCK];
    for (long i0 = row_start; i0 < row_end; i0 += QUERY_BLOCK) {
        long rows = row_end - i0 < QUERY_BLOCK ? row_end - i0 : QUERY_BLOCK;
        for (long r = 0; r < rows; r++) {
            m[r] = -INFINITY;
            l[r] = 0;
            for (long c = 0; c < value_depth; c++) acc[r * value_depth + c] = 0;
        }
        long key_end = causal ? (i0 + rows < key_limit ? i0 + rows : key_limit) : key_limit;
        for (long j0 = 0; j0 < key_end; j0 += KEY_TILE) {
            tile_products(q + i0 * q_stride, q_stride, rows, depth, kt + j0, padded, s);
            // A full block with value_depth 32 sums P.V for all its rows at once after the loop.
            const int whole_block = rows == QUERY_BLOCK && value_depth == 32;
            for (long r = 0; r < rows; r++) {
                long visible = mask_scores(s[r], mask, mask_row, mask_col, i0 + r, j0, key_end, scale, causal);
                // Lane-wise maxima first (16 independent comparisons), then across the lanes.
                float lane_max[16];
                for (int u = 0; u < 16; u++) lane_max[u] = s[r][u];
                for (int t = 16; t < KEY_TILE; t += 16)
                    for (int u = 0; u < 16; u++) lane_max[u] = s[r][t + u] > lane_max[u] ? s[r][t + u] : lane_max[u];
                float tile_max = -INFINITY;
                for (int u = 0; u < 16; u++) tile_max = lane_max[u] > tile_max ? lane_max[u] : tile_max;
                float new_max = tile_max > m[r] ? tile_max : m[r];
                if (new_max == -INFINITY) {  // every key so far is masked
                    for (int t = 0; t < KEY_TILE; t++) s[r][t] = 0;
                    continue;
                }
                float rescale = strata_expf(m[r] - new_max);
                float sum = 0;
                {
#pragma clang fp reassociate(on)
                    for (int t = 0; t < KEY_TILE; t++) {
                        float p = strata_expf(s[r][t] - new_max);
                        s[r][t] = p;
                        sum += p;
                    }
                }
                float *row_acc = acc + r * value_depth;
                if (rescale != 1.0f)
                    for (long c = 0; c < value_depth; c++) row_acc[c] *= rescale;
                l[r] = l[r] * rescale + sum;
                if (!whole_block) accumulate_rows(row_acc, s[r], v + j0 * v_stride, v_stride, visible, value_depth);
                m[r] = new_max;
            }
            if (whole_block)
                accumulate_block32(acc, s, v + j0 * v_stride, v_stride, key_end - j0 < KEY_TILE ? key_end - j0 : KEY_TILE);
        }
        for (long r = 0; r < rows; r++) {
            // A row with every key masked has l = 0: 0/0 gives NaN, as the composite's softmax does.
            float inverse = 1.0f / l[r];
            for (long c = 0; c < value_depth; c++) out[(i0 + r) * value_depth + c] = acc[r * value_depth + c] * inverse;
            lse[i0 + r] = m[r] + logf(l[r]);
        }
    }
    free(acc);
    free(kt);
}

// The gradient of one slice from the forward pass's output and log-sum-exp: with
// p_ij = exp(s_ij - lse_i) and D_i = dO_i . O_i,
//   dV_j += p_ij dO_i,   dP_ij = dO_i . V_j,   dS_ij = p_ij (dP_ij - D_i),
//   dQ_i += scale dS_ij K_j,   dK_j += scale dS_ij Q_i.
// dq, dk and dv are overwritten. Scores are recomputed, a QUERY_BLOCK x KEY_TILE block at a time,
// rather than stored.
STRATA_DISPATCH
void strata_attention_backward_f32(const float *q, const float *k, const float *v, const float *mask, long mask_row,
                                   long mask_col, const float *out, const float *dout, const float *lse, float *dq,
                                   float *dk, float *dv, long rows, long keys, long depth, long value_depth, long q_stride,
                                   long k_stride, long v_stride, long dout_stride, float scale, int causal) {
    for (long t = 0; t < rows * depth; t++) dq[t] = 0;
    for (long t = 0; t < keys * depth; t++) dk[t] = 0;
    for (long t = 0; t < keys * value_depth; t++) dv[t] = 0;
    long key_limit = causal && rows < keys ? rows : keys;
    if (rows == 0 || key_limit == 0) return;
    long padded = round_up(key_limit, KEY_TILE);
    float *kt = malloc(sizeof(float) * (size_t)(depth > 0 ? depth : 1) * (size_t)padded);
    float *vt = malloc(sizeof(float) * (size_t)(value_depth > 0 ? value_depth : 1) * (size_t)padded);
    transpose_padded(k, k_stride, key_limit, depth, padded, kt);
    transpose_padded(v, v_stride, key_limit, value_depth, padded, vt);
    float p[QUERY_BLOCK][KEY_TILE], ds[QUERY_BLOCK][KEY_TILE], column[QUERY_BLOCK];
    float d[QUERY_BLOCK];
    for (long i0 = 0; i0 < rows; i0 += QUERY_BLOCK) {
        long block = rows - i0 < QUERY_BLOCK ? rows - i0 : QUERY_BLOCK;
        for (long r = 0; r < block; r++)
            d[r] = dot(dout + (i0 + r) * dout_stride, out + (i0 + r) * value_depth, value_depth);
        long key_end = causal ? (i0 + block < key_limit ? i0 + block : key_limit) : key_limit;
        for (long j0 = 0; j0 < key_end; j0 += KEY_TILE) {
            long tile = key_end - j0 < KEY_TILE ? key_end - j0 : KEY_TILE;
            tile_products(q + i0 * q_stride, q_stride, block, depth, kt + j0, padded, p);
            tile_products(dout + i0 * dout_stride, dout_stride, block, value_depth, vt + j0, padded, ds);
            for (long r = 0; r < block; r++) {
                mask_scores(p[r], mask, mask_row, mask_col, i0 + r, j0, key_end, scale, causal);
                const float shift = lse[i0 + r];
                // exp(-inf - lse) is 0 at hidden keys; a fully masked row (lse = -inf) gives NaN,
                // as the composite's gradient does.
                for (int t = 0; t < KEY_TILE; t++) {
                    float weight = strata_expf(p[r][t] - shift);
                    p[r][t] = weight;
                    ds[r][t] = weight * (ds[r][t] - d[r]) * scale;
                }
            }
            if (block == QUERY_BLOCK && depth == 32 && value_depth == 32) {
                backward_block32(q + i0 * q_stride, q_stride, k + j0 * k_stride, k_stride, dout + i0 * dout_stride, dout_stride, p,
                                 ds, dq + i0 * 32, dk + j0 * 32, dv + j0 * 32, tile);
                continue;
            }
            // Per key of the tile: dV_j += Σ_r p_rj dO_r and dK_j += Σ_r dS_rj Q_r.
            for (long t = 0; t < tile; t++) {
                for (long r = 0; r < block; r++) column[r] = p[r][t];
                accumulate_rows(dv + (j0 + t) * value_depth, column, dout + i0 * dout_stride, dout_stride, block, value_depth);
                for (long r = 0; r < block; r++) column[r] = ds[r][t];
                accumulate_rows(dk + (j0 + t) * depth, column, q + i0 * q_stride, q_stride, block, depth);
            }
            // Per row of the block: dQ_r += Σ_j dS_rj K_j.
            for (long r = 0; r < block; r++) accumulate_rows(dq + (i0 + r) * depth, ds[r], k + j0 * k_stride, k_stride, tile, depth);
        }
    }
    free(vt);
    free(kt);
}
