#include "StrataKernels.h"
#include "Dispatch.h"

// Batch normalization over channels [start, end) of a dense [batch, channels, inner] tensor
// (the equations are in ReferenceBackend+BatchNorm.swift). Each (sample, channel) plane of
// `inner` values is summed in sixteen float lanes in a fixed order and the plane sums are added
// in double, so a channel's statistics do not depend on the thread count or on which thread
// takes it.
#define STRATA_LANES 16

/// Σ p[i] and Σ (p[i] - center) q[i]: with q = p the squared deviations (variance), with q = g
/// the gradient's correlation with x - mean.
static inline __attribute__((always_inline))
void strata_plane_sums(const float *restrict p, const float *restrict q, long count, float center,
                       double *sum_q, double *sum_product) {
    float lanes_q[STRATA_LANES] = {0}, lanes_product[STRATA_LANES] = {0};
    long i = 0;
    for (; i + STRATA_LANES <= count; i += STRATA_LANES)
        for (int l = 0; l < STRATA_LANES; l++) {
            lanes_q[l] += q[i + l];
            lanes_product[l] += (p[i + l] - center) * q[i + l];
        }
    float tail_q = 0, tail_product = 0;
    for (; i < count; i++) {
        tail_q += q[i];
        tail_product += (p[i] - center) * q[i];
    }
    double total_q = tail_q, total_product = tail_product;
    for (int l = 0; l < STRATA_LANES; l++) {
        total_q += lanes_q[l];
        total_product += lanes_product[l];
    }
    *sum_q += total_q;
    *sum_product += total_product;
}

STRATA_DISPATCH
void strata_batch_norm_forward_f32(const float *x, const float *weight, const float *bias, float *y, float *mean,
                                   float *variance, float *inverse_std, long batch, long channels, long inner,
                                   double epsilon, long start, long end) {
    const double count = (double)(batch * inner);
    for (long c = start; c < end; c++) {
        // Two passes over the channel (it stays in cache): the mean, then the squared deviations
        // from its float rounding m_f, which exceed those from the exact mean m by (m - m_f)²
        // per value.
        double total = 0, unused = 0;
        for (long n = 0; n < batch; n++)
            strata_plane_sums(x + (n * channels + c) * inner, x + (n * channels + c) * inner, inner, 0.0f, &total, &unused);
        double exact = total / count;
        float center = (float)exact;
        double squares = 0, ignored = 0;
        for (long n = 0; n < batch; n++) {
            const float *plane = x + (n * channels + c) * inner;
            double deviations = 0;
            strata_plane_sums(plane, plane, inner, center, &ignored, &deviations);
            squares += deviations;
        }
        double shift_error = exact - (double)center;
        double biased = squares / count - shift_error * shift_error;
        biased = biased < 0 ? 0 : biased;
        double inverse = 1.0 / __builtin_sqrt(biased + epsilon);
        mean[c] = center;
        variance[c] = (float)biased;
        inverse_std[c] = (float)inverse;
        float scale = (float)(inverse * (weight ? (double)weight[c] : 1.0));
        float offset = bias ? bias[c] : 0.0f;
        for (long n = 0; n < batch; n++) {
            const float *restrict plane = x + (n * channels + c) * inner;
            float *restrict out = y + (n * channels + c) * inner;
            for (long i = 0; i < inner; i++) out[i] = (plane[i] - center) * scale + offset;
        }
    }
}

STRATA_DISPATCH
void strata_batch_norm_backward_f32(const float *g, const float *x, const float *mean, const float *inverse_std,
                                    const float *weight, float *dx, float *dweight, float *dbias, long batch,
                                    long channels, long inner, long start, long end) {
    const double count = (double)(batch * inner);
    for (long c = start; c < end; c++) {
        float center = mean[c];
        double inverse = inverse_std[c];
        double sum_g = 0, sum_g_centered = 0;
        for (long n = 0; n < batch; n++) {
            long at = (n * channels + c) * inner;
            strata_plane_sums(x + at, g + at, inner, center, &sum_g, &sum_g_centered);
        }
        dbias[c] = (float)sum_g;
        dweight[c] = (float)(sum_g_centered * inverse);
        // dx = a (g - Σg / m - (x - mean) s² Σ g (x - mean) / m), with a = weight s.
        float a = (float)(inverse * (weight ? (double)weight[c] : 1.0));
        float mean_g = (float)(sum_g / count);
        float slope = (float)(inverse * inverse * sum_g_centered / count);
        for (long n = 0; n < batch; n++) {
            long at = (n * channels + c) * inner;
            const float *restrict gp = g + at, *restrict xp = x + at;
            float *restrict out = dx + at;
            for (long i = 0; i < inner; i++) out[i] = a * (gp[i] - mean_g - (xp[i] - center) * slope);
        }
    }
}
