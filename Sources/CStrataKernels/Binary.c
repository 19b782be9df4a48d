#include "StrataKernels.h"
#include "Dispatch.h"
#include <math.h>

// One loop per stride pattern so that each vectorizes: vector-vector, scalar-vector, vector-scalar.
#define STRATA_ZIP(expression)                                                          \
    if (a_stride == 1 && b_stride == 1) {                                               \
        for (long i = 0; i < n; i++) { float p = a[i], q = b[i]; y[i] = (expression); } \
    } else if (a_stride == 0 && b_stride == 1) {                                        \
        float p = a[0];                                                                 \
        for (long i = 0; i < n; i++) { float q = b[i]; y[i] = (expression); }          \
    } else if (a_stride == 1 && b_stride == 0) {                                        \
        float q = b[0];                                                                 \
        for (long i = 0; i < n; i++) { float p = a[i]; y[i] = (expression); }          \
    } else {                                                                            \
        float p = a[0], q = b[0];                                                       \
        for (long i = 0; i < n; i++) { y[i] = (expression); }                           \
    }                                                                                   \
    break

STRATA_DISPATCH
void strata_binary_f32(int op, const float *a, long a_stride, const float *b, long b_stride, float *y, long n) {
    switch ((strata_binary_op)op) {
    case STRATA_BINARY_ADD: STRATA_ZIP(p + q);
    case STRATA_BINARY_SUB: STRATA_ZIP(p - q);
    case STRATA_BINARY_MUL: STRATA_ZIP(p * q);
    case STRATA_BINARY_DIV: STRATA_ZIP(p / q);
    case STRATA_BINARY_POW: STRATA_ZIP(powf(p, q));
    // NaN propagates as in PyTorch: a comparison with NaN is false, so test the NaN first.
    case STRATA_BINARY_MAXIMUM: STRATA_ZIP(p != p ? p : (q != q ? q : (p > q ? p : q)));
    case STRATA_BINARY_MINIMUM: STRATA_ZIP(p != p ? p : (q != q ? q : (p < q ? p : q)));
    }
}

STRATA_DISPATCH
void strata_compare_f32(int op, const float *a, long a_stride, const float *b, long b_stride, uint8_t *y, long n) {
    switch ((strata_compare_op)op) {
    case STRATA_COMPARE_EQ: STRATA_ZIP(p == q);
    case STRATA_COMPARE_NE: STRATA_ZIP(p != q);
    case STRATA_COMPARE_LT: STRATA_ZIP(p < q);
    case STRATA_COMPARE_LE: STRATA_ZIP(p <= q);
    case STRATA_COMPARE_GT: STRATA_ZIP(p > q);
    case STRATA_COMPARE_GE: STRATA_ZIP(p >= q);
    }
}

STRATA_DISPATCH
void strata_select_f32(const uint8_t *c, long c_stride, const float *a, long a_stride,
                       const float *b, long b_stride, float *y, long n) {
    // The common patterns get loops without stride multiplications, which vectorize: a dense
    // condition choosing between dense values and a broadcast scalar (relu's gradient picks
    // between g and 0) or between two dense tensors.
    if (c_stride == 1 && a_stride == 1 && b_stride == 0) {
        const float q = b[0];
        for (long i = 0; i < n; i++) y[i] = c[i] ? a[i] : q;
    } else if (c_stride == 1 && a_stride == 0 && b_stride == 1) {
        const float p = a[0];
        for (long i = 0; i < n; i++) y[i] = c[i] ? p : b[i];
    } else if (c_stride == 1 && a_stride == 1 && b_stride == 1) {
        for (long i = 0; i < n; i++) y[i] = c[i] ? a[i] : b[i];
    } else {
        for (long i = 0; i < n; i++) y[i] = c[i * c_stride] ? a[i * a_stride] : b[i * b_stride];
    }
}

STRATA_DISPATCH
void strata_f32_to_f64(const float *x, double *y, long n) {
    for (long i = 0; i < n; i++) y[i] = (double)x[i];
}

STRATA_DISPATCH
void strata_f64_to_f32(const double *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = (float)x[i];
}

STRATA_DISPATCH
void strata_copy_strided_f32(const float *src, long src_stride, float *dst, long n) {
    if (src_stride == 1) {
        memcpy(dst, src, (size_t)n * sizeof(float));
    } else {
        for (long i = 0; i < n; i++) dst[i] = src[i * src_stride];
    }
}
