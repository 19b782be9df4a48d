#include "StrataKernels.h"
#include "Dispatch.h"
#include <math.h>

#define STRATA_MAP(expression) for (long i = 0; i < n; i++) { float v = x[i]; y[i] = (expression); } break

STRATA_DISPATCH
void strata_unary_f32(int op, const float *x, float *y, long n) {
    switch ((strata_unary_op)op) {
    case STRATA_UNARY_NEG: STRATA_MAP(-v);
    case STRATA_UNARY_ABS: STRATA_MAP(fabsf(v));  // clears the sign bit: abs(-0) = +0
    case STRATA_UNARY_SIGN: STRATA_MAP(v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v));
    case STRATA_UNARY_EXP: STRATA_MAP(strata_expf(v));
    case STRATA_UNARY_LOG: STRATA_MAP(strata_logf(v));
    case STRATA_UNARY_LOG1P: STRATA_MAP(strata_log1pf(v));
    case STRATA_UNARY_EXPM1: STRATA_MAP(expm1f(v));
    case STRATA_UNARY_SQRT: STRATA_MAP(sqrtf(v));
    case STRATA_UNARY_RSQRT: STRATA_MAP(1.0f / sqrtf(v));
    case STRATA_UNARY_SQUARE: STRATA_MAP(v * v);
    case STRATA_UNARY_SIN: STRATA_MAP(sinf(v));
    case STRATA_UNARY_COS: STRATA_MAP(cosf(v));
    case STRATA_UNARY_TANH: STRATA_MAP(strata_tanhf(v));
    case STRATA_UNARY_SIGMOID: STRATA_MAP(strata_sigmoidf(v));
    // As the reference: only negatives become 0, so NaN propagates and -0 stays -0.
    case STRATA_UNARY_RELU: STRATA_MAP(v < 0.0f ? 0.0f : v);
    case STRATA_UNARY_SOFTPLUS: STRATA_MAP(strata_softplusf(v));
    case STRATA_UNARY_ERF: STRATA_MAP(erff(v));
    }
}
