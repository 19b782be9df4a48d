#include "StrataKernels.h"
#include "Dispatch.h"
#include <math.h>

// The fused updates must round exactly like the op-by-op rules they replace.
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

STRATA_DISPATCH
void strata_adam_f32(const float *param, const float *grad, const float *exp_avg, const float *exp_avg_sq,
                     const float *max_exp_avg_sq, float *param_out, float *exp_avg_out, float *exp_avg_sq_out,
                     float *max_out, long n, const strata_adam_parameters *h) {
    const float beta1 = h->beta1, one_minus_beta1 = h->one_minus_beta1;
    const float beta2 = h->beta2, one_minus_beta2 = h->one_minus_beta2;
    const float step_size = h->step_size, correction = h->bias_correction2_sqrt;
    const float epsilon = h->epsilon, decay = h->decay_factor;
    for (long i = 0; i < n; i++) {
        float g = grad[i];
        float m = exp_avg[i] * beta1 + g * one_minus_beta1;
        float v = exp_avg_sq[i] * beta2 + (g * g) * one_minus_beta2;
        exp_avg_out[i] = m;
        exp_avg_sq_out[i] = v;
        float second = v;
        if (max_out) {
            float previous = max_exp_avg_sq[i];
            second = previous != previous ? previous : (v != v ? v : (previous > v ? previous : v));
            max_out[i] = second;
        }
        float start = param[i] * decay;
        float denominator = sqrtf(second) / correction + epsilon;
        param_out[i] = start - (m / denominator) * step_size;
    }
}
