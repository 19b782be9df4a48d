#include "StrataKernels.h"
#include "Dispatch.h"

// Layer normalization over rows [start, end) of a dense [rows, n] tensor (Ba et al., 2016): each
// row normalized by its own mean and biased variance, then scaled by weight and shifted by bias
// (per column). A row is summed in float lanes and the lanes added in double, two passes (the
// mean, then the squared deviations from it), so its statistics do not depend on the thread
// that takes it.

#define STRATA_LANES 16

/// Σ (x[i] - center) and Σ (x[i] - center)² over one row.
static inline __attribute__((always_inline)) void row_sums(const float *restrict x, long n, float center, double *sum,
                                                           double *squares) {
    float lanes[STRATA_LANES] = {0}, lanes_squares[STRATA_LANES] = {0};
    long i = 0;
    for (; i + STRATA_LANES <= n; i += STRATA_LANES)
        for (int l = 0; l < STRATA_LANES; l++) {
            float deviation = x[i + l] - center;
            lanes[l] += deviation;
            lanes_squares[l] += deviation * deviation;
        }
    double total = 0, total_squares = 0;
    for (; i < n; i++) {
        float deviation = x[i] - center;
        total += deviation;
        total_squares += (double)deviation * deviation;
    }
    for (int l = 0; l < STRATA_LANES; l++) {
        total += lanes[l];
        total_squares += lanes_squares[l];
    }
    *sum = total;
    *squares = total_squares;
}

STRATA_DISPATCH
void strata_layer_norm_forward_f32(const float *x, const float *weight, const float *bias, float *y, float *mean,
                                   float *inverse_std, long n, double epsilon, long start, long end) {
    for (long row = start; row < end; row++) {
        const float *restrict in = x + row * n;
        float *restrict out = y + row * n;
        // The squared deviations from the float mean m_f exceed those from the exact mean m by
        // n (m - m_f)², which the sum of deviations from m_f (n (m - m_f)) gives back.
        double total, unused;
        row_sums(in, n, 0.0f, &total, &unused);
        float center = (float)(total / (double)n);
        double shifted, squares;
        row_sums(in, n, center, &shifted, &squares);
        double offset = shifted / (double)n;
        double variance = squares / (double)n - offset * offset;
        variance = variance < 0 ? 0 : variance;
        float inverse = (float)(1.0 / __builtin_sqrt(variance + epsilon));
        mean[row] = center;
        inverse_std[row] = inverse;
        if (weight && bias)
            for (long i = 0; i < n; i++) out[i] = (in[i] - center) * inverse * weight[i] + bias[i];
        else if (weight)
            for (long i = 0; i < n; i++) out[i] = (in[i] - center) * inverse * weight[i];
        else if (bias)
            for (long i = 0; i < n; i++) out[i] = (in[i] - center) * inverse + bias[i];
        else
            for (long i = 0; i < n; i++) out[i] = (in[i] - center) * inverse;
    }
}

// With x̂ = (x - mean) s and ĝ = g weight, per row: dx = s (ĝ - mean(ĝ) - x̂ mean(ĝ x̂)); per
// column, summed over the rows [start, end) into dweight (Σ g x̂) and dbias (Σ g), which are
// added to (either may be NULL).
STRATA_DISPATCH
void strata_layer_norm_backward_f32(const float *g, const float *x, const float *mean, const float *inverse_std,
                                    const float *weight, float *dx, float *dweight, float *dbias, long n, long start,
                                    long end) {
    for (long row = start; row < end; row++) {
        const float *restrict gr = g + row * n;
        const float *restrict xr = x + row * n;
        float *restrict out = dx + row * n;
        const float center = mean[row], s = inverse_std[row];
        float lanes_g[STRATA_LANES] = {0}, lanes_gx[STRATA_LANES] = {0};
        long i = 0;
        for (; i + STRATA_LANES <= n; i += STRATA_LANES)
            for (int l = 0; l < STRATA_LANES; l++) {
                float scaled = weight ? gr[i + l] * weight[i + l] : gr[i + l];
                lanes_g[l] += scaled;
                lanes_gx[l] += scaled * (xr[i + l] - center) * s;
            }
        double sum_g = 0, sum_gx = 0;
        for (; i < n; i++) {
            float scaled = weight ? gr[i] * weight[i] : gr[i];
            sum_g += scaled;
            sum_gx += scaled * (xr[i] - center) * s;
        }
        for (int l = 0; l < STRATA_LANES; l++) {
            sum_g += lanes_g[l];
            sum_gx += lanes_gx[l];
        }
        const float mean_g = (float)(sum_g / (double)n), mean_gx = (float)(sum_gx / (double)n);
        if (weight)
            for (long c = 0; c < n; c++) {
                float normalized = (xr[c] - center) * s;
                out[c] = s * (gr[c] * weight[c] - mean_g - normalized * mean_gx);
            }
        else
            for (long c = 0; c < n; c++) {
                float normalized = (xr[c] - center) * s;
                out[c] = s * (gr[c] - mean_g - normalized * mean_gx);
            }
        if (dweight)
            for (long c = 0; c < n; c++) dweight[c] += gr[c] * (xr[c] - center) * s;
        if (dbias)
            for (long c = 0; c < n; c++) dbias[c] += gr[c];
    }
}
