#include "StrataKernels.h"
#include "Dispatch.h"
#include <math.h>

// The fused updates must round exactly like the op-by-op rules they replace.
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

// sqrt as the correctly rounded instruction, without libm's errno path: sqrtf's possible call
// into libm (for a negative input, to set errno) keeps the compiler from vectorizing the loop.
// The second moment is never negative, and the value is the same as sqrtf's.
#define STRATA_SQRTF(x) __builtin_elementwise_sqrt(x)

/// `x`, or +0 when it is subnormal (its magnitude below the smallest normal float): Adam stores its
/// moments so, as the rule does, because arithmetic on subnormals takes a slow microcode path.
static inline float strata_flush_subnormal(float x) {
    return __builtin_fabsf(x) < 1.17549435e-38f ? 0.0f : x;
}

/// The AMSGrad maximum as `maximum` computes it: NaN from either side propagates.
static inline float strata_amsgrad_max(float previous, float v) {
    return previous != previous ? previous : (v != v ? v : (previous > v ? previous : v));
}

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
        float m = strata_flush_subnormal(exp_avg[i] * beta1 + g * one_minus_beta1);
        float v = strata_flush_subnormal(exp_avg_sq[i] * beta2 + (g * g) * one_minus_beta2);
        exp_avg_out[i] = m;
        exp_avg_sq_out[i] = v;
        float second = v;
        if (max_out) {
            second = strata_amsgrad_max(max_exp_avg_sq[i], v);
            max_out[i] = second;
        }
        float start = param[i] * decay;
        float denominator = STRATA_SQRTF(second) / correction + epsilon;
        param_out[i] = start - (m / denominator) * step_size;
    }
}

STRATA_DISPATCH
void strata_adam_in_place_f32(float *restrict param, const float *restrict grad, float *restrict exp_avg,
                              float *restrict exp_avg_sq, float *restrict max_exp_avg_sq, long n,
                              const strata_adam_parameters *h) {
    const float beta1 = h->beta1, one_minus_beta1 = h->one_minus_beta1;
    const float beta2 = h->beta2, one_minus_beta2 = h->one_minus_beta2;
    const float step_size = h->step_size, correction = h->bias_correction2_sqrt;
    const float epsilon = h->epsilon, decay = h->decay_factor;
    // Two loops rather than a test per element, so each vectorizes.
    if (max_exp_avg_sq) {
        for (long i = 0; i < n; i++) {
            float g = grad[i];
            float m = strata_flush_subnormal(exp_avg[i] * beta1 + g * one_minus_beta1);
            float v = strata_flush_subnormal(exp_avg_sq[i] * beta2 + (g * g) * one_minus_beta2);
            float second = strata_amsgrad_max(max_exp_avg_sq[i], v);
            exp_avg[i] = m;
            exp_avg_sq[i] = v;
            max_exp_avg_sq[i] = second;
            float denominator = STRATA_SQRTF(second) / correction + epsilon;
            param[i] = param[i] * decay - (m / denominator) * step_size;
        }
    } else {
        for (long i = 0; i < n; i++) {
            float g = grad[i];
            float m = strata_flush_subnormal(exp_avg[i] * beta1 + g * one_minus_beta1);
            float v = strata_flush_subnormal(exp_avg_sq[i] * beta2 + (g * g) * one_minus_beta2);
            exp_avg[i] = m;
            exp_avg_sq[i] = v;
            float denominator = STRATA_SQRTF(v) / correction + epsilon;
            param[i] = param[i] * decay - (m / denominator) * step_size;
        }
    }
}

STRATA_DISPATCH
void strata_sgd_momentum_f32(const float *param, const float *grad, const float *buffer, float *param_out,
                             float *buffer_out, long n, const strata_sgd_parameters *h) {
    const float momentum = h->momentum, one_minus_dampening = h->one_minus_dampening, rate = h->learning_rate;
    const int nesterov = h->nesterov;
    for (long i = 0; i < n; i++) {
        float g = grad[i];
        float b = buffer ? buffer[i] * momentum + g * one_minus_dampening : g;
        buffer_out[i] = b;
        float direction = nesterov ? g + b * momentum : b;
        param_out[i] = param[i] - direction * rate;
    }
}

STRATA_DISPATCH
void strata_sgd_momentum_in_place_f32(float *restrict param, const float *restrict grad, float *restrict buffer, long n,
                                      const strata_sgd_parameters *h) {
    const float momentum = h->momentum, one_minus_dampening = h->one_minus_dampening, rate = h->learning_rate;
    // One loop per variant rather than a test per element, so each vectorizes.
    if (h->nesterov) {
        for (long i = 0; i < n; i++) {
            float g = grad[i];
            float b = buffer[i] * momentum + g * one_minus_dampening;
            buffer[i] = b;
            param[i] = param[i] - (g + b * momentum) * rate;
        }
    } else {
        for (long i = 0; i < n; i++) {
            float b = buffer[i] * momentum + grad[i] * one_minus_dampening;
            buffer[i] = b;
            param[i] = param[i] - b * rate;
        }
    }
}

STRATA_DISPATCH
void strata_ftrl_f32(const float *param, const float *grad, const float *z, const float *n, float *param_out,
                     float *z_out, float *n_out, long count, const strata_ftrl_parameters *h) {
    const float alpha = h->alpha, beta = h->beta, l1 = h->l1, l2 = h->l2;
    // Element i is read before it is written, so an output that is its input's buffer (the
    // optimizer's in-place step) carries no dependence between elements: without this the
    // compiler's overlap check sends every in-place step down the scalar loop.
#pragma clang loop vectorize(assume_safety)
    for (long i = 0; i < count; i++) {
        float g = grad[i], old_n = n[i];
        float new_n = old_n + g * g;
        float root_n = STRATA_SQRTF(new_n);
        float sigma = (root_n - STRATA_SQRTF(old_n)) / alpha;
        float new_z = (z[i] + g) - sigma * param[i];
        // sign(z) * relu(|z| - l1), as the unary ops compute them (sign keeps a zero's sign).
        float sign = new_z > 0 ? 1.0f : (new_z < 0 ? -1.0f : new_z);
        float excess = fabsf(new_z) - l1;
        float shrunk = sign * (excess < 0 ? 0.0f : excess);
        n_out[i] = new_n;
        z_out[i] = new_z;
        param_out[i] = -shrunk / ((root_n + beta) / alpha + l2);
    }
}
