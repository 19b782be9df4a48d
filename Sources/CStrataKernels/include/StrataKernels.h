// Hot loops of the CPU backend. Every kernel works on contiguous float32 runs; an operand
// stride of 0 broadcasts a scalar. Each exported function is compiled three times
// (AVX-512, AVX2, baseline x86-64) and the loader picks the best one for the CPU.
#ifndef STRATA_KERNELS_H
#define STRATA_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Unary operations; the numbering matches `UnaryOperation` in Swift.
typedef enum {
    STRATA_UNARY_NEG = 0,
    STRATA_UNARY_ABS,
    STRATA_UNARY_SIGN,
    STRATA_UNARY_EXP,
    STRATA_UNARY_LOG,
    STRATA_UNARY_LOG1P,
    STRATA_UNARY_EXPM1,
    STRATA_UNARY_SQRT,
    STRATA_UNARY_RSQRT,
    STRATA_UNARY_SQUARE,
    STRATA_UNARY_SIN,
    STRATA_UNARY_COS,
    STRATA_UNARY_TANH,
    STRATA_UNARY_SIGMOID,
    STRATA_UNARY_RELU,
    STRATA_UNARY_SOFTPLUS,
    STRATA_UNARY_ERF,
} strata_unary_op;

/// Binary arithmetic; the numbering matches `BinaryOperation` in Swift.
typedef enum {
    STRATA_BINARY_ADD = 0,
    STRATA_BINARY_SUB,
    STRATA_BINARY_MUL,
    STRATA_BINARY_DIV,
    STRATA_BINARY_POW,
    STRATA_BINARY_MAXIMUM,
    STRATA_BINARY_MINIMUM,
} strata_binary_op;

/// Comparisons producing bytes 0/1; the numbering matches `ComparisonOperation` in Swift.
typedef enum {
    STRATA_COMPARE_EQ = 0,
    STRATA_COMPARE_NE,
    STRATA_COMPARE_LT,
    STRATA_COMPARE_LE,
    STRATA_COMPARE_GT,
    STRATA_COMPARE_GE,
} strata_compare_op;

/// Reductions; the numbering matches `ReductionOperation` in Swift.
typedef enum {
    STRATA_REDUCE_SUM = 0,
    STRATA_REDUCE_MAX,
    STRATA_REDUCE_MIN,
} strata_reduce_op;

/// y[i] = op(x[i]) for i in [0, n).
void strata_unary_f32(int op, const float *x, float *y, long n);

/// y[i] = op(a[i * a_stride], b[i * b_stride]) with strides 0 or 1.
void strata_binary_f32(int op, const float *a, long a_stride, const float *b, long b_stride, float *y, long n);

/// y[i] = a[i * a_stride] op b[i * b_stride] ? 1 : 0 with strides 0 or 1.
void strata_compare_f32(int op, const float *a, long a_stride, const float *b, long b_stride, uint8_t *y, long n);

/// y[i] = c[i * c_stride] ? a[i * a_stride] : b[i * b_stride] with strides 0 or 1.
void strata_select_f32(const uint8_t *c, long c_stride, const float *a, long a_stride,
                       const float *b, long b_stride, float *y, long n);

/// out[r] = reduce(x[r * cols ..< (r + 1) * cols]) for r in [0, rows).
void strata_reduce_rows_f32(int op, const float *x, long rows, long cols, float *out);

/// out[c] = reduce over r of x[r * cols + c], for c in [0, cols).
void strata_reduce_columns_f32(int op, const float *x, long rows, long cols, float *out);

/// out[r] = index of the first maximum (is_max != 0) or minimum of row r.
void strata_arg_reduce_rows_f32(int is_max, const float *x, long rows, long cols, int64_t *out);

/// y[i] = x[i] converted between float32 and float64.
void strata_f32_to_f64(const float *x, double *y, long n);
void strata_f64_to_f32(const double *x, float *y, long n);

/// Strided copy of a float32 block: dst[i * ds] = src[i * ss] for one innermost run.
void strata_copy_strided_f32(const float *src, long src_stride, float *dst, long n);

/// The geometry of 2-D pooling over `planes` NCHW planes of `height x width` (PyTorch's options).
typedef struct {
    long planes, height, width, out_height, out_width;
    long kernel_height, kernel_width, stride_height, stride_width, pad_height, pad_width;
    long dilation_height, dilation_width;
    int count_include_pad;
} strata_pool_shape;

/// Max pooling: maxima and their positions `row * width + column` within each plane (a larger
/// value or any NaN takes over, so ties keep the first and the last NaN wins, as PyTorch).
void strata_max_pool_f32(const float *x, float *y, int64_t *indices, const strata_pool_shape *shape);

/// Average pooling; the divisor is PyTorch's (window clipped to the padded input, or to the input).
void strata_average_pool_f32(const float *x, float *y, const strata_pool_shape *shape);

/// The gradient of average pooling: dx (zero-filled by the caller) += dy / divisor over each window.
void strata_average_pool_backward_f32(const float *dy, float *dx, const strata_pool_shape *shape);

/// A CPU hint for spin-wait loops (x86 `pause`): lets the sibling hyperthread run and saves power.
void strata_spin_pause(void);

/// A per-thread depth of `withoutThreadPool` scopes: while it is positive, the thread pool runs
/// the parallel loops this thread starts on this thread alone.
void strata_serial_enter(void);
void strata_serial_leave(void);
int strata_serial_active(void);

/// The forward epilogue of a dense layer, in place on a block of `rows` x `cols` values whose
/// rows are `ldy` apart: y = y + bias[c] (when bias is not NULL), then y = max(y, 0) when `relu`
/// (y < 0 ? 0 : y, so NaN passes as in strata_unary_f32).
void strata_linear_epilogue_f32(float *y, long rows, long cols, long ldy, const float *bias, int relu);

/// The pass before a dense layer's backward GEMMs over a block of `rows` x `cols` values whose
/// rows are `ld` apart in `g`, `y` and `masked`: when `y` is not NULL (a ReLU output),
/// masked = y > 0 ? g : 0; then, when `bias_gradient` is not NULL, bias_gradient[c] = the sum
/// over rows of the (masked) gradient, added row by row from zero.
void strata_linear_gradient_f32(const float *g, const float *y, float *masked, long rows, long cols, long ld,
                                float *bias_gradient);

/// Softmax cross-entropy per row of `x` [rows, cols] against `labels` (each in [0, cols)):
/// log_sum_exp[r] = log Σ_c exp(x[r, c]) (shifted by the row's maximum), loss[r] = log_sum_exp[r] - x[r, labels[r]].
void strata_softmax_cross_entropy_forward_f32(const float *x, const int64_t *labels, long rows, long cols,
                                              float *loss, float *log_sum_exp);

/// Its gradient for per-row upstream gradients `gradient` [rows]:
/// dx[r, c] = gradient[r] * (exp(x[r, c] - log_sum_exp[r]) - (c == labels[r])).
void strata_softmax_cross_entropy_backward_f32(const float *x, const int64_t *labels, const float *log_sum_exp,
                                               const float *gradient, long rows, long cols, float *dx);

/// Fixed-count embedding bags side by side: out [batch, Σ widths + append_width] holds per row,
/// for each table t (rows widths[t] wide) in turn, the sum of its rows at the row's next
/// bag_sizes[t] ids (added in order from the first), then that row of `append` [batch,
/// append_width] (append may be NULL when append_width is 0). Returns -1, or the flat position
/// in `ids` of the first id outside its table's row_counts[t] rows (the output is then partial).
long strata_embedding_bags_forward_f32(const float *const *tables, const long *row_counts, const long *widths,
                                       const long *bag_sizes, long table_count, const int64_t *ids, long batch,
                                       long id_columns, const float *append, long append_width, float *out);
long strata_embedding_bags_forward_f64(const double *const *tables, const long *row_counts, const long *widths,
                                       const long *bag_sizes, long table_count, const int64_t *ids, long batch,
                                       long id_columns, const double *append, long append_width, double *out);

/// Its backward for the output gradient `gradient`: adds each row's slice of table t into
/// table_gradients[t] (zeroed by the caller; NULL: not wanted) at the same ids, rows and ids in
/// order, and copies the append slice into append_gradient (NULL: not wanted). The ids must be
/// those a forward call accepted.
void strata_embedding_bags_backward_f32(const float *gradient, float *const *table_gradients, const long *widths,
                                        const long *bag_sizes, long table_count, const int64_t *ids, long batch,
                                        long id_columns, float *append_gradient, long append_width);
void strata_embedding_bags_backward_f64(const double *gradient, double *const *table_gradients, const long *widths,
                                        const long *bag_sizes, long table_count, const int64_t *ids, long batch,
                                        long id_columns, double *append_gradient, long append_width);

/// Binary cross-entropy of logits x [n] against targets t [n]: loss[i] = softplus(x[i]) - t[i] x[i]
/// (strata_softplusf, then the product, then the difference, as the composite rounds).
void strata_sigmoid_cross_entropy_forward_f32(const float *x, const float *t, long n, float *loss);

/// Its gradient with respect to x for upstream gradients g (g_stride 0: one value for all):
/// dx[i] = g sigmoid(x[i]) - g t[i].
void strata_sigmoid_cross_entropy_backward_f32(const float *x, const float *t, const float *g, long g_stride, long n,
                                               float *dx);

/// Hyperparameters of one fused Adam step, already converted to float32 as the plain rule does.
typedef struct {
    float beta1, one_minus_beta1;
    float beta2, one_minus_beta2;
    float step_size;              ///< lr / (1 - beta1^t)
    float bias_correction2_sqrt;  ///< sqrt(1 - beta2^t)
    float epsilon;
    float decay_factor;           ///< 1 - lr * weight_decay for AdamW, else 1
} strata_adam_parameters;

/// One Adam/AdamW step over n elements in a single pass, writing new parameter and moment
/// buffers. `max_exp_avg_sq`/`max_out` are null unless AMSGrad. Same operation order as the
/// plain rule written with tensor ops, without contraction into FMA, so results are identical;
/// like the rule, it stores a subnormal moment as +0.
void strata_adam_f32(const float *param, const float *grad, const float *exp_avg, const float *exp_avg_sq,
                     const float *max_exp_avg_sq, float *param_out, float *exp_avg_out, float *exp_avg_sq_out,
                     float *max_out, long n, const strata_adam_parameters *h);

/// The same step as strata_adam_f32 written in place: param, exp_avg, exp_avg_sq (and
/// max_exp_avg_sq with AMSGrad, else NULL) are read and overwritten; no two pointers may overlap.
void strata_adam_in_place_f32(float *restrict param, const float *restrict grad, float *restrict exp_avg,
                              float *restrict exp_avg_sq, float *restrict max_exp_avg_sq, long n,
                              const strata_adam_parameters *h);

/// A convolution step's epilogue in training, in place on `planes` NCHW planes of `plane_size`
/// (the first is plane `first_plane` of the whole tensor, whose channel is the plane index
/// modulo `channels`): y = relu?(y + bias[channel]); `bias` NULL for none, `relu` 0 or 1. ReLU
/// rounds as strata_unary_f32's (negative to 0, NaN kept).
void strata_bias_relu_planes_f32(float *y, const float *bias, long first_plane, long planes, long channels, long plane_size,
                                 int relu);

/// The backward of that epilogue with an optional max-pool after it, for channels
/// [first_channel, end_channel) of every image: from the gradient of the step's `result`
/// ([batch, channels, result_plane], the activated or pooled output), writes the gradient of the
/// convolution's output `convolved` ([batch, channels, convolved_plane]): with `indices` (the
/// max-pool's positions within each plane) the gradient is scattered to the maxima, else taken
/// elementwise; with `relu` only where `result` > 0. `bias_gradient[c]` (NULL for none) gets
/// the sum over images and positions of channel c's gradient, added in double.
void strata_conv_epilogue_backward_f32(const float *gradient, const float *result, const int64_t *indices, float *convolved,
                                       double *bias_gradient, long batch, long channels, long first_channel, long end_channel,
                                       long result_plane, long convolved_plane, int relu);

/// strata_bias_relu_planes_f32 and strata_max_pool_f32 (2x2, stride 2, no padding) in one pass
/// over a convolution's output `y` in oneDNN's nChw16c layout ([images][ceil(channels / 16)]
/// [height][width][16]), for blocks [first_block, end_block) (block = image * ceil(channels / 16)
/// + channel block): writes the pooled values and their positions `row * width + column` in
/// plain NCHW ([images][channels][out_height][out_width]), with strata_max_pool_f32's values,
/// positions and ties.
void strata_bias_relu_max_pool_2x2_blocked16_f32(const float *y, const float *bias, float *pooled, int64_t *indices,
                                                 long channels, long height, long width, long out_height, long out_width,
                                                 int relu, long first_block, long end_block);

/// The backward of that step for channel blocks [first_channel_block, end_channel_block) of every
/// image: writes the gradient of the convolution's output in nChw16c (`convolved`, padded
/// channels zero) from the pooled gradient, `pooled` values and `indices` as
/// strata_conv_epilogue_backward_f32 does, and `bias_gradient[c]` (NULL for none).
void strata_max_pool_2x2_backward_blocked16_f32(const float *gradient, const float *pooled, const int64_t *indices,
                                                float *convolved, double *bias_gradient, long images, long channels,
                                                long height, long width, long out_height, long out_width, int relu,
                                                long first_channel_block, long end_channel_block);

/// The scalars of one SGD-with-momentum step, each rounded to float32 once as the rule's
/// tensor-scalar ops round them.
typedef struct {
    float momentum;
    float one_minus_dampening;
    float learning_rate;
    int nesterov;
} strata_sgd_parameters;

/// One SGD-with-momentum step over n elements in a single pass (PyTorch's rule):
/// b' = b momentum + g (1 - dampening), or b' = g on the first step (`buffer` NULL);
/// w' = w - (nesterov ? g + b' momentum : b') lr. Writes new parameter and buffer arrays; same
/// operation order as the rule written with tensor ops, no FMA contraction: identical results.
void strata_sgd_momentum_f32(const float *param, const float *grad, const float *buffer, float *param_out,
                             float *buffer_out, long n, const strata_sgd_parameters *h);

/// The same step as strata_sgd_momentum_f32 (not the first) in place: param and buffer are read
/// and overwritten; no two pointers may overlap.
void strata_sgd_momentum_in_place_f32(float *restrict param, const float *restrict grad, float *restrict buffer, long n,
                                      const strata_sgd_parameters *h);

/// Hyperparameters of one fused FTRL-proximal step, converted to float32 as the plain rule does.
typedef struct {
    float alpha;  ///< the learning rate
    float beta, l1, l2;
} strata_ftrl_parameters;

/// One FTRL-proximal step over count elements (StrataOptimizers' FTRLProximal): reads the
/// weights, gradient and the z and n accumulators, writes the new ones. Each output may be its
/// input's buffer (in place); otherwise no two pointers may overlap. Same operation order as
/// the plain rule written with tensor ops, without contraction into FMA.
void strata_ftrl_f32(const float *param, const float *grad, const float *z, const float *n, float *param_out,
                     float *z_out, float *n_out, long count, const strata_ftrl_parameters *h);

// A float32 product against a right-hand matrix laid out once for many calls (the recurrent
// weight of a sequence, multiplied once per time step). The layout is panels of 32 columns; panel
// p holds rows 0..<k of columns 32p..<32p+32 one after another, columns past n zero.

/// Floats the layout of a k x n matrix takes.
long strata_sgemm_packed_size(long k, long n);
/// Number of 32-column panels for n columns.
long strata_sgemm_packed_panels(long n);
/// Lays out panels [first_panel, end_panel) of b (k x n, row-major with leading dimension ldb;
/// with `transpose`, b is stored n x k and read as its transpose).
void strata_sgemm_pack_f32(int transpose, long k, long n, const float *b, long ldb, float *packed, long first_panel,
                           long end_panel);
/// Whether this CPU runs `strata_sgemm_packed_f32` with its AVX-512 kernel. Without it the
/// function is a plain loop, correct but slower than a BLAS: Strata's kernels then keep their
/// GEMM, and only the tests call the loop.
int strata_sgemm_packed_fast(void);
/// c[m, n] = a[m, k] b + addend[m, n] (without the addend when it is null; it may be c itself),
/// b laid out by `strata_sgemm_pack_f32` in a 64-byte aligned buffer (the kernel's loads of it
/// are aligned); on the calling thread. a, addend and c are row-major with leading dimensions lda,
/// ld_addend and ldc.
void strata_sgemm_packed_f32(long m, long n, long k, const float *a, long lda, const float *packed, const float *addend,
                             long ld_addend, float *c, long ldc);

/// One LSTM step's gate nonlinearities and cell update for hidden units [start, end) of every
/// batch row. `gates` [batch, 4 * hidden] holds the pre-activations (gate order i, f, g, o) and
/// is overwritten with σ(i), σ(f), tanh(g), σ(o); writes c = f c_prev + i g and h = o tanh(c)
/// ([batch, hidden] each).
void strata_lstm_cell_forward_f32(float *gates, const float *c_prev, float *c, float *h,
                                  long batch, long hidden, long start, long end);

/// The backward of one LSTM step for hidden units [start, end): from the activated `gates`, the
/// cell states `c_prev` and `c`, and the hidden gradient `dh_out + dh_next` ([batch, hidden]),
/// writes the pre-activation gradients `dgates` [batch, 4 * hidden] and replaces the carried
/// cell gradient `dc` (that of c on entry) with that of c_prev.
void strata_lstm_cell_backward_f32(const float *gates, const float *c_prev, const float *c,
                                   const float *dh_out, const float *dh_next, float *dc,
                                   float *dgates, long batch, long hidden, long start, long end);

/// One GRU step's gates and new hidden state for hidden units [start, end) of every batch row
/// (gate order r, z, n). `gates` [batch, 3 * hidden] holds the input projection x W_ih^T + b_ih
/// and is overwritten with r, z, n; `hidden_projection` [batch, 3 * hidden] holds h_prev W_hh^T
/// and gets b_hh added (`bias` [3 * hidden], or null); writes h [batch, hidden].
void strata_gru_cell_forward_f32(float *gates, float *hidden_projection, const float *bias, const float *h_prev, float *h,
                                 long batch, long hidden, long start, long end);
/// `strata_gru_cell_forward_f32` in float64.
void strata_gru_cell_forward_f64(double *gates, double *hidden_projection, const double *bias, const double *h_prev,
                                 double *h, long batch, long hidden, long start, long end);

/// The backward of one GRU step for hidden units [start, end): from the activated `gates`, the
/// `hidden_projection` (with b_hh), h_prev and the output gradient `dh_out`, with `carry` holding
/// the gradient reaching h from the step after (less its direct part, added here); writes the
/// gradients of the input projection `dprojected` and of the hidden projection
/// `dhidden_projection` ([batch, 3 * hidden] each) and replaces `carry` with the direct part of
/// h_prev's gradient, dh z (the caller adds dhidden_projection W_hh).
void strata_gru_cell_backward_f32(const float *gates, const float *hidden_projection, const float *h_prev,
                                  const float *dh_out, float *carry, float *dprojected, float *dhidden_projection,
                                  long batch, long hidden, long start, long end);
/// `strata_gru_cell_backward_f32` in float64.
void strata_gru_cell_backward_f64(const double *gates, const double *hidden_projection, const double *h_prev,
                                  const double *dh_out, double *carry, double *dprojected, double *dhidden_projection,
                                  long batch, long hidden, long start, long end);

/// One Elman RNN step's nonlinearity (tanh, or ReLU when `relu`) in place over hidden units
/// [start, end) of every row of `a` [batch, hidden] (the pre-activation, including h_prev W_hh^T).
void strata_rnn_cell_forward_f32(float *a, long batch, long hidden, int relu, long start, long end);
/// `strata_rnn_cell_forward_f32` in float64.
void strata_rnn_cell_forward_f64(double *a, long batch, long hidden, int relu, long start, long end);

/// The backward of one Elman RNN step for hidden units [start, end): the pre-activation gradient
/// `da` from the step's output `h` and the hidden gradient `dh_out + dh_next` ([batch, hidden]).
void strata_rnn_cell_backward_f32(const float *h, const float *dh_out, const float *dh_next, float *da, long batch,
                                  long hidden, int relu, long start, long end);
/// `strata_rnn_cell_backward_f32` in float64.
void strata_rnn_cell_backward_f64(const double *h, const double *dh_out, const double *dh_next, double *da, long batch,
                                  long hidden, int relu, long start, long end);

/// Batch normalization in training of channels [start, end) of a dense [batch, channels, inner]
/// `x`: writes each channel's mean, biased variance and 1 / sqrt(variance + epsilon), and
/// y = (x - mean) inverse_std weight + bias (a null weight is 1, a null bias 0).
void strata_batch_norm_forward_f32(const float *x, const float *weight, const float *bias, float *y, float *mean,
                                   float *variance, float *inverse_std, long batch, long channels, long inner,
                                   double epsilon, long start, long end);

/// The gradient of `strata_batch_norm_forward_f32` for channels [start, end): dx (x's shape) and
/// the per-channel dweight = Σ g x̂ and dbias = Σ g, from the forward pass's mean and inverse_std.
void strata_batch_norm_backward_f32(const float *g, const float *x, const float *mean, const float *inverse_std,
                                    const float *weight, float *dx, float *dweight, float *dbias, long batch,
                                    long channels, long inner, long start, long end);

/// Scaled dot-product attention for the query rows [row_start, row_end) of one slice: q [rows, depth],
/// k [keys, depth], v [keys, value_depth], each row contiguous and rows q_stride, k_stride and
/// v_stride floats apart (so q, k and v may be heads of one packed projection, not copied);
/// out [rows, value_depth] and lse [rows] (each row's log-sum-exp of scores, for the backward
/// pass) contiguous. `mask` (NULL for none) is
/// additive, element (i, j) at i * mask_row + j * mask_col; `causal` hides keys j > i. Tiled with
/// an online softmax: no rows x keys matrix is stored.
void strata_attention_forward_f32(const float *q, const float *k, const float *v, const float *mask, long mask_row,
                                  long mask_col, float *out, float *lse, long keys, long depth, long value_depth,
                                  long q_stride, long k_stride, long v_stride, float scale, int causal, long row_start,
                                  long row_end);

/// The gradient of `strata_attention_forward_f32` over one whole slice: dq, dk, dv (overwritten,
/// contiguous) from dout (rows dout_stride apart), the forward output (contiguous) and its
/// log-sum-exp.
void strata_attention_backward_f32(const float *q, const float *k, const float *v, const float *mask, long mask_row,
                                   long mask_col, const float *out, const float *dout, const float *lse, float *dq,
                                   float *dk, float *dv, long rows, long keys, long depth, long value_depth, long q_stride,
                                   long k_stride, long v_stride, long dout_stride, float scale, int causal);

/// Layer normalization of rows [start, end) of a dense [rows, n] `x`: writes each row's mean and
/// 1 / sqrt(biased variance + epsilon), and y = (x - mean) inverse_std weight + bias (per column;
/// a null weight is 1, a null bias 0).
void strata_layer_norm_forward_f32(const float *x, const float *weight, const float *bias, float *y, float *mean,
                                   float *inverse_std, long n, double epsilon, long start, long end);

/// The gradient of `strata_layer_norm_forward_f32` for rows [start, end): dx (x's shape) from the
/// forward pass's mean and inverse_std, and the column sums over those rows of g x̂ and g added
/// to dweight and dbias (either may be NULL).
void strata_layer_norm_backward_f32(const float *g, const float *x, const float *mean, const float *inverse_std,
                                    const float *weight, float *dx, float *dweight, float *dbias, long n, long start,
                                    long end);

/// The exact GELU x Φ(x) of `count` dense floats.
void strata_gelu_forward_f32(const float *x, float *y, long count);

/// dx = g (Φ(x) + x φ(x)), the gradient of `strata_gelu_forward_f32`.
void strata_gelu_backward_f32(const float *x, const float *g, float *dx, long count);

#ifdef __cplusplus
}
#endif

#endif
