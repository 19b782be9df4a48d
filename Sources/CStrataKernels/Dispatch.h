// Private to CStrataKernels: run-time dispatch and branch-free float32 math that vectorizes.
#ifndef STRATA_DISPATCH_H
#define STRATA_DISPATCH_H

#include <stdint.h>
#include <string.h>

/// Compiles a function for AVX-512, AVX2 and baseline x86-64; the loader picks one at run time.
#if defined(__x86_64__)
#define STRATA_DISPATCH __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define STRATA_DISPATCH
#endif

static inline int32_t strata_bits(float x) { int32_t i; memcpy(&i, &x, 4); return i; }
static inline float strata_float(int32_t i) { float x; memcpy(&x, &i, 4); return x; }

/// exp(x) for float32 within about 1 ulp: x = n ln2 + r with |r| <= ln2/2, exp(r) by its Taylor
/// series to degree 7 (truncation error r^8/8! < 6e-9), then scaled by 2^n built in the exponent
/// bits. Results below FLT_MIN flush to zero.
/// exp(v) split as 2^n * p with n = round(v / ln 2) and p = exp(v - n ln 2) from its Taylor
/// series to degree 7: the shared core of `strata_expf` and `strata_exp_bounded`.
typedef struct { float n, p; } strata_exp_parts;

static inline strata_exp_parts strata_exp_split(float v) {
    const float log2e = 1.44269504088896341f;
    const float ln2_hi = 0.693359375f;          // ln 2 split so n * ln2_hi is exact
    const float ln2_lo = -2.12194440e-4f;
    const float round_magic = 12582912.0f;      // 1.5 * 2^23: adding it rounds to an integer
    float n = (v * log2e + round_magic) - round_magic;
    float r = v - n * ln2_hi - n * ln2_lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    return (strata_exp_parts){n, p};
}

static inline float strata_expf(float x) {
    // Between ln(FLT_MIN) and ln(FLT_MAX), so n stays in [-126, 128]; outside, the result is
    // overwritten below.
    float clamped = x < -87.33654f ? -87.33654f : (x > 88.72283f ? 88.72283f : x);
    strata_exp_parts parts = strata_exp_split(clamped);
    float n = parts.n, p = parts.p;
    // 2^n as 2^(n/2) * 2^(n - n/2), so both exponent fields stay in [1, 254] for every n in
    // [-126, 128]; a single factor cannot hold both 2^-126 and 2^128.
    int32_t whole = (int32_t)n;
    int32_t half = whole >> 1;
    float y = p * strata_float((half + 127) << 23) * strata_float((whole - half + 127) << 23);
    y = x < -87.33654f ? 0.0f : y;
    y = x > 88.72283f ? __builtin_inff() : y;
    return x != x ? x : y;
}

/// log(x) for float32: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s) with
/// s = (m - 1)/(m + 1), |s| <= 0.172, summed to s^9 (next term < 1e-9).
static inline float strata_logf(float x) {
    const float ln2_hi = 0.693359375f;
    const float ln2_lo = -2.12194440e-4f;
    int subnormal = x < 1.17549435e-38f;
    float scaled = subnormal ? x * 8388608.0f : x;  // 2^23 lifts subnormals into the normal range
    int32_t bits = strata_bits(scaled);
    int32_t e = ((bits >> 23) & 0xff) - 127 - (subnormal ? 23 : 0);
    float m = strata_float((bits & 0x007fffff) | 0x3f800000);
    int big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    e = big ? e + 1 : e;
    float s = (m - 1.0f) / (m + 1.0f);
    float s2 = s * s;
    float series = 1.0f / 9.0f;
    series = series * s2 + 1.0f / 7.0f;
    series = series * s2 + 1.0f / 5.0f;
    series = series * s2 + 1.0f / 3.0f;
    series = series * s2 + 1.0f;
    float fe = (float)e;
    float y = fe * ln2_hi + (2.0f * s * series + fe * ln2_lo);
    y = x == 0.0f ? -__builtin_inff() : y;
    y = x < 0.0f ? __builtin_nanf("") : y;
    y = x == __builtin_inff() ? x : y;
    return x != x ? x : y;
}

/// (Always inlined, as softplus below: called out of line, the loops around them would not
/// vectorize.)
/// log(1 + u) accurate for tiny u: log(1+u) * u / ((1+u) - 1) cancels the rounding of 1 + u
/// (Goldberg, "What every computer scientist should know about floating-point", 1991).
__attribute__((always_inline)) static inline float strata_log1pf(float u) {
    float w = 1.0f + u;
    float d = w - 1.0f;
    float y = d == 0.0f ? u : strata_logf(w) * (u / d);
    return w == __builtin_inff() ? strata_logf(u) : y;
}

/// exp(v) for 0 <= v <= 88 only (no range or NaN handling): the core of `strata_expf` for callers
/// that bound the argument themselves, such as tanh.
static inline float strata_exp_bounded(float v) {
    strata_exp_parts parts = strata_exp_split(v);
    return parts.p * strata_float(((int32_t)parts.n + 127) << 23);
}

/// tanh(x): an odd Taylor polynomial for |x| < 0.3 (error < 1e-9), 1 - 2/(exp(2|x|) + 1) beyond.
/// exp's argument is capped at 88: past |x| = 44 the fraction is below float's resolution of 1.
static inline float strata_tanhf(float x) {
    float a = x < 0.0f ? -x : x;
    float x2 = x * x;
    float p = -1382.0f / 155925.0f;
    p = p * x2 + 62.0f / 2835.0f;
    p = p * x2 - 17.0f / 315.0f;
    p = p * x2 + 2.0f / 15.0f;
    p = p * x2 - 1.0f / 3.0f;
    float small = x + x * x2 * p;
    float twice = 2.0f * a;
    float big = 1.0f - 2.0f / (strata_exp_bounded(twice < 88.0f ? twice : 88.0f) + 1.0f);
    big = x < 0.0f ? -big : big;
    // Zero returns itself (x + x x^2 p would turn -0 into +0); NaN returns itself.
    return (x == 0.0f || x != x) ? x : (a < 0.3f ? small : big);
}

static inline float strata_sigmoidf(float x) { return 1.0f / (1.0f + strata_expf(-x)); }

/// softplus(x) = max(x, 0) + log(1 + exp(-|x|)), stable for large |x|.
__attribute__((always_inline)) static inline float strata_softplusf(float x) {
    float a = x < 0.0f ? -x : x;
    float positive = x > 0.0f ? x : 0.0f;
    return positive + strata_log1pf(strata_expf(-a));
}

#endif
