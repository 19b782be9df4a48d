// Convolution through oneDNN: plans (primitive + reorders between PyTorch's plain layouts and
// the blocked layouts oneDNN's AVX-512/AVX2 kernels prefer), created once per shape and executed
// many times. oneDNN runs single-threaded here; Strata splits batches across its own pool.
#ifndef STRATA_DNNL_H
#define STRATA_DNNL_H

#ifdef __cplusplus
extern "C" {
#endif

/// A 2-D convolution over NCHW float32 data with OIHW (or grouped) weights. Padding may differ
/// on each side; right/bottom padding is chosen by the caller so the sizes are consistent.
typedef struct {
    int batch, in_channels, in_height, in_width;
    int out_channels, out_height, out_width;
    int kernel_height, kernel_width;
    int stride_height, stride_width;
    int pad_top, pad_left, pad_bottom, pad_right;
    int dilation_height, dilation_width;  ///< 1 means no dilation (PyTorch's convention)
    int groups;
} strata_conv_shape;

typedef enum {
    STRATA_CONV_FORWARD = 0,       ///< (src, weights) -> dst
    STRATA_CONV_BACKWARD_DATA,     ///< (diff_dst, weights) -> diff_src
    STRATA_CONV_BACKWARD_WEIGHTS,  ///< (src, diff_dst) -> diff_weights
} strata_conv_kind;

typedef struct strata_conv_plan strata_conv_plan;

/// A plan for one kind and shape, or NULL when oneDNN cannot build it.
strata_conv_plan *strata_conv_plan_create(strata_conv_kind kind, const strata_conv_shape *shape);

/// Runs the plan on plain-layout buffers; returns 0 on success. Thread-safe: concurrent calls
/// on one plan use separate streams, temporaries and scratchpads.
int strata_conv_plan_execute(const strata_conv_plan *plan, const float *first, const float *second, float *output);

void strata_conv_plan_destroy(strata_conv_plan *plan);

/// The implementation oneDNN chose (e.g. "jit:avx512_core"), for benchmarks and logs.
const char *strata_conv_plan_implementation(const strata_conv_plan *plan);

/// Row-major float32 `c = alpha op(a) op(b) + beta c` (op transposes when asked; op(a) is m x k,
/// op(b) k x n) through oneDNN's JIT GEMM on the calling thread only. oneDNN picks its kernels
/// from the CPU's features, so it runs AVX-512 on CPUs that Debian's OpenBLAS 0.3.21 serves
/// with its Haswell (AVX2) kernels, such as AMD Zen 5. Returns 0, or oneDNN's error status.
int strata_dnnl_sgemm(int transpose_a, int transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
                      const float *b, long ldb, float beta, float *c, long ldc);

#ifdef __cplusplus
}
#endif

#endif
