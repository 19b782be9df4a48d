#include "StrataKernels.h"
#include "Dispatch.h"

// Sixteen independent partial results let the compiler keep a whole vector of accumulators
// without reassociating floating-point additions on its own; the fixed order makes the result
// independent of thread count.
#define STRATA_LANES 16

static inline float strata_combine(int op, float p, float q) {
    if (op == STRATA_REDUCE_SUM) return p + q;
    if (p != p) return p;
    if (q != q) return q;
    if (op == STRATA_REDUCE_MAX) return p > q ? p : q;
    return p < q ? p : q;
}

STRATA_DISPATCH
void strata_reduce_rows_f32(int op, const float *x, long rows, long cols, float *out) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        float lanes[STRATA_LANES];
        float start = op == STRATA_REDUCE_SUM ? 0.0f : row[0];
        for (int l = 0; l < STRATA_LANES; l++) lanes[l] = start;
        long c = 0;
        if (op == STRATA_REDUCE_SUM) {
            for (; c + STRATA_LANES <= cols; c += STRATA_LANES)
                for (int l = 0; l < STRATA_LANES; l++) lanes[l] += row[c + l];
        } else if (op == STRATA_REDUCE_MAX) {
            for (; c + STRATA_LANES <= cols; c += STRATA_LANES)
                for (int l = 0; l < STRATA_LANES; l++) {
                    float v = row[c + l];
                    lanes[l] = (v > lanes[l] || v != v) ? v : lanes[l];
                }
        } else {
            for (; c + STRATA_LANES <= cols; c += STRATA_LANES)
                for (int l = 0; l < STRATA_LANES; l++) {
                    float v = row[c + l];
                    lanes[l] = (v < lanes[l] || v != v) ? v : lanes[l];
                }
        }
        float total = lanes[0];
        for (int l = 1; l < STRATA_LANES; l++) total = strata_combine(op, total, lanes[l]);
        for (; c < cols; c++) total = strata_combine(op, total, row[c]);
        out[r] = total;
    }
}

STRATA_DISPATCH
void strata_reduce_columns_f32(int op, const float *x, long rows, long cols, float *out) {
    for (long c = 0; c < cols; c++) out[c] = op == STRATA_REDUCE_SUM ? 0.0f : x[c];
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        if (op == STRATA_REDUCE_SUM) {
            for (long c = 0; c < cols; c++) out[c] += row[c];
        } else if (op == STRATA_REDUCE_MAX) {
            for (long c = 0; c < cols; c++) out[c] = (row[c] > out[c] || row[c] != row[c]) ? row[c] : out[c];
        } else {
            for (long c = 0; c < cols; c++) out[c] = (row[c] < out[c] || row[c] != row[c]) ? row[c] : out[c];
        }
    }
}

STRATA_DISPATCH
void strata_arg_reduce_rows_f32(int is_max, const float *x, long rows, long cols, int64_t *out) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        long best = 0;
        float value = row[0];
        for (long c = 1; c < cols && value == value; c++) {
            float v = row[c];
            if (v != v || (is_max ? v > value : v < value)) { best = c; value = v; }
        }
        out[r] = best;
    }
}
