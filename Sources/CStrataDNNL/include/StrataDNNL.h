// Convolution through oneDNN: plans (primitive + reorders between PyTorch's plain layouts and
// the blocked layouts oneDNN's AVX-512/AVX2 kernels prefer), created once per shape and executed
// many times. oneDNN runs single-threaded here; Strata splits batches across its own pool.
#ifndef STRATA_DNNL_H
#define STRATA_DNNL_H

#include <stddef.h>

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

/// The same with the tensors whose bit is set in `chosen_layouts` (1 first, 2 second, 4 output)
/// already in the plan's own layout for them: those are read or written as they are, without a
/// reorder (see strata_conv_plan_is_blocked16).
int strata_conv_plan_execute_layouts(const strata_conv_plan *plan, const float *first, const float *second, float *output,
                                     int chosen_layouts);

/// Whether the plan's own layout for tensor `tensor` (0 first, 1 second, 2 output) is oneDNN's
/// nChw16c (`aBcd16b`): [batch, ceil(channels / 16), height, width, 16], channels past the last
/// zero-padded.
int strata_conv_plan_is_blocked16(const strata_conv_plan *plan, int tensor);

void strata_conv_plan_destroy(strata_conv_plan *plan);

/// The implementation oneDNN chose (e.g. "jit:avx512_core"), for benchmarks and logs.
const char *strata_conv_plan_implementation(const strata_conv_plan *plan);

/// A max-pool applied to a convolution's output inside an inference plan. Padding may differ on
/// each side (ceil mode pads the bottom/right); padded cells never win.
typedef struct {
    int kernel_height, kernel_width;
    int stride_height, stride_width;
    int pad_top, pad_left, pad_bottom, pad_right;
    int dilation_height, dilation_width;  ///< 1 means no dilation
    int out_height, out_width;
} strata_max_pool_shape;

/// An inference step: `maxPool?(relu?(conv(src, weights) + bias + residual))` as one oneDNN
/// convolution (direct jit kernels) with post-ops (and a pooling primitive on its blocked output),
/// plain NCHW in and out. Ungrouped convolutions only.
typedef struct strata_conv_inference_plan strata_conv_inference_plan;

/// A plan, or NULL when oneDNN cannot build it. `pool` may be NULL.
strata_conv_inference_plan *strata_conv_inference_plan_create(const strata_conv_shape *shape, int has_bias,
                                                              int adds_residual, int relu,
                                                              const strata_max_pool_shape *pool);

/// Bytes of the weights in the layout the plan's kernel reads.
size_t strata_conv_inference_packed_weights_size(const strata_conv_inference_plan *plan);

/// Writes OIHW `weights` into `packed` (64-byte aligned, `packed_weights_size` bytes) in the
/// kernel's layout, once per weight tensor; returns 0 on success.
int strata_conv_inference_pack_weights(const strata_conv_inference_plan *plan, const float *weights, void *packed);

/// Runs the plan: `source` NCHW, `packed_weights` from `pack_weights`, `bias` `[out_channels]`
/// (ignored without bias), `residual` shaped like the convolution's output (ignored without
/// one), `output` NCHW (pooled when the plan pools). Returns 0 on success. Thread-safe.
int strata_conv_inference_execute(const strata_conv_inference_plan *plan, const float *source, const void *packed_weights,
                                  const float *bias, const float *residual, float *output);

/// The channel block of the layout the plan's last stage writes: 16 for nChw16c, 8 for nChw8c
/// (oneDNN's blocked layouts: `[batch][channels / block][height][width][block]`, channels padded
/// to a multiple of the block), 0 for another one. Output in that layout costs no reorder.
int strata_conv_inference_output_block(const strata_conv_inference_plan *plan);

/// `strata_conv_inference_execute` with each activation's layout given: 0 plain NCHW, 16
/// nChw16c, 8 nChw8c. A source or residual in the layout the kernel reads is used as it is; the
/// output may be the residual's buffer (the sum then happens in place). Returns 0 on success.
int strata_conv_inference_execute_blocked(const strata_conv_inference_plan *plan, const float *source, int source_block,
                                          const void *packed_weights, const float *bias, const float *residual,
                                          int residual_block, float *output, int output_block);

void strata_conv_inference_plan_destroy(strata_conv_inference_plan *plan);

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
