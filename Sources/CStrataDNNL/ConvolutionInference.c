#include "StrataDNNL.h"
#include "Engine.h"
#include "Threading.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// One inference step: convolution (Winograd or direct jit kernels) with the bias, a residual sum
// and ReLU as oneDNN post-ops, then optionally a max-pool on the convolution's own (blocked)
// output, so the activations make one trip from the plain layout and back instead of one per op,
// or none when the caller keeps them in the blocked layout (nChw16c/nChw8c) from one step to the
// next.

enum { SOURCE, CONVOLVED, POOLED, TEMPORARIES };

/// Buffers of one execution, kept for reuse (fresh large allocations page-fault on every call).
typedef struct inference_workspace {
    void *temporary[TEMPORARIES];
    void *scratch;
    struct inference_workspace *next;
} inference_workspace;

struct strata_conv_inference_plan {
    pthread_mutex_t lock;
    inference_workspace *idle;
    dnnl_primitive_desc_t convolution_descriptor, pool_descriptor;
    dnnl_primitive_t convolution, pool;
    dnnl_memory_desc_t plain_source, source, weights, plain_weights, bias, plain_convolved, convolved, pooled, plain_output;
    dnnl_primitive_t source_reorder;    // plain -> source, NULL when equal
    dnnl_primitive_t residual_reorder;  // plain output -> convolved (residual only), NULL when equal
    dnnl_primitive_t weights_reorder;   // plain -> weights (always made; a copy when equal)
    dnnl_primitive_t output_reorder;    // last stage's layout -> plain, NULL when equal
    int has_bias, adds_residual;
    size_t scratch_size;
};

static int describe(dnnl_memory_desc_t *md, int ndims, const dnnl_dims_t dims, dnnl_format_tag_t tag) {
    return dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, tag) == dnnl_success;
}

static int reorder_between(dnnl_primitive_t *reorder, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                           int always) {
    *reorder = NULL;
    if (!always && dnnl_memory_desc_equal(from, to)) return 1;
    dnnl_primitive_desc_t descriptor;
    dnnl_engine_t engine = strata_dnnl_engine();
    if (dnnl_reorder_primitive_desc_create(&descriptor, from, engine, to, engine, NULL) != dnnl_success) return 0;
    int ok = dnnl_primitive_create(reorder, descriptor) == dnnl_success;
    dnnl_primitive_desc_destroy(descriptor);
    return ok;
}

static size_t scratch_of(dnnl_primitive_desc_t descriptor) {
    return dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0));
}

static dnnl_primitive_attr_t make_attributes(int adds_residual, int relu) {
    dnnl_primitive_attr_t attributes;
    if (dnnl_primitive_attr_create(&attributes) != dnnl_success) return NULL;
    dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user);
    if (adds_residual || relu) {
        dnnl_post_ops_t post_ops;
        if (dnnl_post_ops_create(&post_ops) != dnnl_success) {
            dnnl_primitive_attr_destroy(attributes);
            return NULL;
        }
        // The sum adds what the destination holds before the kernel writes it: the residual.
        int ok = (!adds_residual || dnnl_post_ops_append_sum(post_ops, 1.0f) == dnnl_success)
            && (!relu || dnnl_post_ops_append_eltwise(post_ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f) == dnnl_success)
            && dnnl_primitive_attr_set_post_ops(attributes, post_ops) == dnnl_success;
        dnnl_post_ops_destroy(post_ops);
        if (!ok) {
            dnnl_primitive_attr_destroy(attributes);
            return NULL;
        }
    }
    return attributes;
}

/// Whether a convolution takes Winograd: 3x3, stride 1, undilated, with 64 channels or more in
/// and out. oneDNN then runs F(2x2,3x3) for a single image and F(4x4,3x3) for batches, which beat
/// the direct kernels on every such convolution of resnet18 timed on one AVX-512 core (oneDNN
/// 2.6): 1.55x at batch 1 on 64 and 128 channels, 1.2x on 256, even on 512 at 7x7; about 2x at 16
/// images. With 32 output channels (a batch-1 channel part of resnet18's first stage on two
/// threads) it was no faster than the direct kernel, so fewer channels keep that.
static int prefers_winograd(const strata_conv_shape *s) {
    return s->kernel_height == 3 && s->kernel_width == 3 && s->stride_height == 1 && s->stride_width == 1
        && s->dilation_height == 1 && s->dilation_width == 1 && s->in_channels >= 64 && s->out_channels >= 64;
}

/// Makes `plan`'s convolution primitive: Winograd (forward_inference) or direct. Direct runs as
/// forward_training, though nothing is kept for a backward pass: oneDNN 2.6 ranks brgconv first
/// for forward_inference, and the direct jit kernels that forward_training gets were as fast or
/// faster on every convolution of LeNet and resnet18 timed on one AVX-512 core here (LeNet's:
/// 1.45 vs 1.95 ms and 34 vs 42 ms per 128 images). The post-ops and the values are the same.
static int create_convolution(strata_conv_inference_plan *plan, const strata_conv_shape *s, dnnl_primitive_attr_t attributes,
                              const dnnl_memory_desc_t *src_any, const dnnl_memory_desc_t *weights_any,
                              const dnnl_memory_desc_t *dst_any, int winograd) {
    dnnl_dims_t strides = {s->stride_height, s->stride_width};
    dnnl_dims_t dilates = {s->dilation_height - 1, s->dilation_width - 1};  // oneDNN counts extra gaps
    dnnl_dims_t pad_l = {s->pad_top, s->pad_left}, pad_r = {s->pad_bottom, s->pad_right};
    dnnl_convolution_desc_t convolution;
    if (dnnl_dilated_convolution_forward_desc_init(&convolution, winograd ? dnnl_forward_inference : dnnl_forward_training,
                                                   winograd ? dnnl_convolution_winograd : dnnl_convolution_direct, src_any,
                                                   weights_any, plan->has_bias ? &plan->bias : NULL, dst_any, strides, dilates,
                                                   pad_l, pad_r) != dnnl_success
        || dnnl_primitive_desc_create(&plan->convolution_descriptor, &convolution, attributes, strata_dnnl_engine(), NULL)
               != dnnl_success) {
        plan->convolution_descriptor = NULL;
        return 0;
    }
    if (dnnl_primitive_create(&plan->convolution, plan->convolution_descriptor) == dnnl_success) return 1;
    dnnl_primitive_desc_destroy(plan->convolution_descriptor);
    plan->convolution_descriptor = NULL;
    plan->convolution = NULL;
    return 0;
}

strata_conv_inference_plan *strata_conv_inference_plan_create(const strata_conv_shape *s, int has_bias, int adds_residual,
                                                              int relu, const strata_max_pool_shape *pool) {
    dnnl_engine_t engine = strata_dnnl_engine();
    if (!engine || s->groups != 1) return NULL;
    strata_dnnl_single_threaded();
    dnnl_dims_t src_dims = {s->batch, s->in_channels, s->in_height, s->in_width};
    dnnl_dims_t dst_dims = {s->batch, s->out_channels, s->out_height, s->out_width};
    dnnl_dims_t weight_dims = {s->out_channels, s->in_channels, s->kernel_height, s->kernel_width};
    dnnl_dims_t bias_dims = {s->out_channels};

    strata_conv_inference_plan *plan = calloc(1, sizeof(strata_conv_inference_plan));
    if (!plan) return NULL;
    pthread_mutex_init(&plan->lock, NULL);
    plan->has_bias = has_bias;
    plan->adds_residual = adds_residual;
    dnnl_memory_desc_t src_any, weights_any, dst_any, plain_dst;
    int ok = describe(&plan->plain_source, 4, src_dims, dnnl_nchw) && describe(&plain_dst, 4, dst_dims, dnnl_nchw)
        && describe(&plan->plain_weights, 4, weight_dims, dnnl_oihw) && describe(&plan->bias, 1, bias_dims, dnnl_x)
        && describe(&src_any, 4, src_dims, dnnl_format_tag_any) && describe(&weights_any, 4, weight_dims, dnnl_format_tag_any)
        && describe(&dst_any, 4, dst_dims, dnnl_format_tag_any);
    dnnl_primitive_attr_t attributes = ok ? make_attributes(adds_residual, relu) : NULL;
    if (!attributes) goto fail;
    // Winograd where it pays (see prefers_winograd), else the direct jit kernels; a shape that
    // oneDNN's Winograd refuses takes the direct kernels too.
    ok = (prefers_winograd(s) && create_convolution(plan, s, attributes, &src_any, &weights_any, &dst_any, 1))
        || create_convolution(plan, s, attributes, &src_any, &weights_any, &dst_any, 0);
    dnnl_primitive_attr_destroy(attributes);
    if (!ok) goto fail;
    plan->source = *dnnl_primitive_desc_query_md(plan->convolution_descriptor, dnnl_query_src_md, 0);
    plan->weights = *dnnl_primitive_desc_query_md(plan->convolution_descriptor, dnnl_query_weights_md, 0);
    plan->convolved = *dnnl_primitive_desc_query_md(plan->convolution_descriptor, dnnl_query_dst_md, 0);
    plan->scratch_size = scratch_of(plan->convolution_descriptor);
    const dnnl_memory_desc_t *last = &plan->convolved;
    plan->plain_convolved = plain_dst;
    plan->plain_output = plain_dst;
    if (pool) {
        dnnl_dims_t pooled_dims = {s->batch, s->out_channels, pool->out_height, pool->out_width};
        dnnl_dims_t pool_strides = {pool->stride_height, pool->stride_width};
        dnnl_dims_t kernel = {pool->kernel_height, pool->kernel_width};
        dnnl_dims_t pool_dilation = {pool->dilation_height - 1, pool->dilation_width - 1};
        dnnl_dims_t pool_l = {pool->pad_top, pool->pad_left}, pool_r = {pool->pad_bottom, pool->pad_right};
        dnnl_memory_desc_t pooled_any;
        dnnl_pooling_v2_desc_t pooling;
        dnnl_primitive_attr_t pool_attributes = make_attributes(0, 0);
        ok = pool_attributes && describe(&pooled_any, 4, pooled_dims, dnnl_format_tag_any)
            && describe(&plan->plain_output, 4, pooled_dims, dnnl_nchw)
            && dnnl_pooling_v2_forward_desc_init(&pooling, dnnl_forward_inference, dnnl_pooling_max, &plan->convolved,
                                                 &pooled_any, pool_strides, kernel, pool_dilation, pool_l, pool_r) == dnnl_success
            && dnnl_primitive_desc_create(&plan->pool_descriptor, &pooling, pool_attributes, engine, NULL) == dnnl_success
            && dnnl_primitive_create(&plan->pool, plan->pool_descriptor) == dnnl_success;
        if (pool_attributes) dnnl_primitive_attr_destroy(pool_attributes);
        if (!ok) goto fail;
        plan->pooled = *dnnl_primitive_desc_query_md(plan->pool_descriptor, dnnl_query_dst_md, 0);
        size_t pool_scratch = scratch_of(plan->pool_descriptor);
        if (pool_scratch > plan->scratch_size) plan->scratch_size = pool_scratch;
        last = &plan->pooled;
    }
    ok = reorder_between(&plan->source_reorder, &plan->plain_source, &plan->source, 0)
        && reorder_between(&plan->weights_reorder, &plan->plain_weights, &plan->weights, 1)
        && (!adds_residual || reorder_between(&plan->residual_reorder, &plain_dst, &plan->convolved, 0))
        && reorder_between(&plan->output_reorder, last, &plan->plain_output, 0);
    if (ok) return plan;
fail:
    strata_conv_inference_plan_destroy(plan);
    return NULL;
}

size_t strata_conv_inference_packed_weights_size(const strata_conv_inference_plan *plan) {
    return dnnl_memory_desc_get_size(&plan->weights);
}

/// Runs `reorder` from `from` (described by `from_md`) to `to` (`to_md`) on `stream`.
static int run_reorder(dnnl_primitive_t reorder, dnnl_stream_t stream, const dnnl_memory_desc_t *from_md, const void *from,
                       const dnnl_memory_desc_t *to_md, void *to) {
    dnnl_engine_t engine = strata_dnnl_engine();
    dnnl_memory_t source = NULL, target = NULL;
    int ok = dnnl_memory_create(&source, from_md, engine, (void *)from) == dnnl_success
        && dnnl_memory_create(&target, to_md, engine, to) == dnnl_success;
    dnnl_exec_arg_t arguments[2] = {{DNNL_ARG_FROM, source}, {DNNL_ARG_TO, target}};
    ok = ok && dnnl_primitive_execute(reorder, stream, 2, arguments) == dnnl_success;
    if (source) dnnl_memory_destroy(source);
    if (target) dnnl_memory_destroy(target);
    return ok;
}

int strata_conv_inference_pack_weights(const strata_conv_inference_plan *plan, const float *weights, void *packed) {
    strata_dnnl_single_threaded();
    dnnl_stream_t stream;
    if (dnnl_stream_create(&stream, strata_dnnl_engine(), dnnl_stream_default_flags) != dnnl_success) return -1;
    int ok = run_reorder(plan->weights_reorder, stream, &plan->plain_weights, weights, &plan->weights, packed)
        && dnnl_stream_wait(stream) == dnnl_success;
    dnnl_stream_destroy(stream);
    return ok ? 0 : -1;
}

static void *aligned_buffer(size_t size) {
    void *pointer = NULL;
    if (size == 0) size = 64;
    return posix_memalign(&pointer, 64, (size + 63) / 64 * 64) == 0 ? pointer : NULL;
}

static void free_workspace(inference_workspace *space) {
    for (int t = 0; t < TEMPORARIES; t++) free(space->temporary[t]);
    free(space->scratch);
    free(space);
}

static inference_workspace *take_workspace(strata_conv_inference_plan *plan) {
    pthread_mutex_lock(&plan->lock);
    inference_workspace *space = plan->idle;
    if (space) plan->idle = space->next;
    pthread_mutex_unlock(&plan->lock);
    if (space) return space;
    space = calloc(1, sizeof(inference_workspace));
    if (space && !(space->scratch = aligned_buffer(plan->scratch_size))) {
        free_workspace(space);
        return NULL;
    }
    return space;
}

/// The workspace's buffer `which` for a tensor laid out as `md`, made on first use (an execution
/// needs only the ones its layouts call for; the sizes are the plan's, the same every time).
static void *temporary(inference_workspace *space, int which, const dnnl_memory_desc_t *md) {
    if (!space->temporary[which]) space->temporary[which] = aligned_buffer(dnnl_memory_desc_get_size(md));
    return space->temporary[which];
}

/// `plain`'s tensor in the layout `block` names: 0 plain NCHW, 16 nChw16c, 8 nChw8c.
static int layout(dnnl_memory_desc_t *md, const dnnl_memory_desc_t *plain, int block) {
    if (block == 0) {
        *md = *plain;
        return 1;
    }
    return (block == 16 || block == 8) && describe(md, 4, plain->dims, block == 16 ? dnnl_nChw16c : dnnl_nChw8c);
}

/// Writes `from` (laid out as `from_md`) to `to` (as `to_md`): a copy when the layouts agree,
/// else through `reorder` when given (one between exactly these layouts) or one made now
/// (oneDNN's primitive cache keeps it for the next call).
static int convert(dnnl_stream_t stream, dnnl_primitive_t reorder, const dnnl_memory_desc_t *from_md, const void *from,
                   const dnnl_memory_desc_t *to_md, void *to) {
    if (dnnl_memory_desc_equal(from_md, to_md)) {
        if (from != to) memcpy(to, from, dnnl_memory_desc_get_size(to_md));
        return 1;
    }
    if (reorder) return run_reorder(reorder, stream, from_md, from, to_md, to);
    dnnl_primitive_t made;
    if (!reorder_between(&made, from_md, to_md, 0)) return 0;
    int ok = run_reorder(made, stream, from_md, from, to_md, to) && dnnl_stream_wait(stream) == dnnl_success;
    dnnl_primitive_destroy(made);
    return ok;
}

int strata_conv_inference_output_block(const strata_conv_inference_plan *plan) {
    const dnnl_memory_desc_t *last = plan->pool ? &plan->pooled : &plan->convolved;
    dnnl_memory_desc_t blocked;
    for (int block = 16; block >= 8; block -= 8) {
        if (layout(&blocked, &plan->plain_output, block) && dnnl_memory_desc_equal(&blocked, last)) return block;
    }
    return 0;
}

int strata_conv_inference_execute(const strata_conv_inference_plan *plan, const float *source, const void *packed_weights,
                                  const float *bias, const float *residual, float *output) {
    return strata_conv_inference_execute_blocked(plan, source, 0, packed_weights, bias, residual, 0, output, 0);
}

int strata_conv_inference_execute_blocked(const strata_conv_inference_plan *constant_plan, const float *source,
                                          int source_block, const void *packed_weights, const float *bias,
                                          const float *residual, int residual_block, float *output, int output_block) {
    strata_dnnl_single_threaded();
    strata_conv_inference_plan *plan = (strata_conv_inference_plan *)constant_plan;  // only the workspace list changes
    dnnl_engine_t engine = strata_dnnl_engine();
    dnnl_memory_desc_t source_md, residual_md, output_md;
    if (!layout(&source_md, &plan->plain_source, source_block) || !layout(&output_md, &plan->plain_output, output_block)
        || (plan->adds_residual && !layout(&residual_md, &plan->plain_convolved, residual_block)))
        return -1;
    inference_workspace *space = take_workspace(plan);
    if (!space) return -1;
    dnnl_stream_t stream = NULL;
    dnnl_memory_t memory[6] = {NULL, NULL, NULL, NULL, NULL, NULL};  // source, weights, bias, convolved, scratch, pooled
    int ok = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) == dnnl_success;
    // Each stage writes the caller's output directly when it is the last one and in its layout.
    const dnnl_memory_desc_t *last = plan->pool ? &plan->pooled : &plan->convolved;
    int direct = dnnl_memory_desc_equal(last, &output_md);
    const void *blocked_source = source;
    void *convolved = plan->pool || !direct ? temporary(space, CONVOLVED, &plan->convolved) : output;
    void *pooled = !plan->pool ? NULL : direct ? output : temporary(space, POOLED, &plan->pooled);
    ok = ok && convolved && (!plan->pool || pooled);
    if (ok && !dnnl_memory_desc_equal(&source_md, &plan->source)) {
        void *copy = temporary(space, SOURCE, &plan->source);
        ok = copy && convert(stream, source_block == 0 ? plan->source_reorder : NULL, &source_md, source, &plan->source, copy);
        blocked_source = copy;
    }
    // The sum post-op adds what the destination holds before the kernel writes it: the residual.
    if (ok && plan->adds_residual)
        ok = convert(stream, residual_block == 0 ? plan->residual_reorder : NULL, &residual_md, residual, &plan->convolved,
                     convolved);
    ok = ok && dnnl_memory_create(&memory[0], &plan->source, engine, (void *)blocked_source) == dnnl_success
        && dnnl_memory_create(&memory[1], &plan->weights, engine, (void *)packed_weights) == dnnl_success
        && dnnl_memory_create(&memory[2], &plan->bias, engine, (void *)bias) == dnnl_success
        && dnnl_memory_create(&memory[3], &plan->convolved, engine, convolved) == dnnl_success;
    if (ok) {
        dnnl_memory_desc_t scratch_md;
        dnnl_dims_t scratch_dims = {(dnnl_dim_t)(plan->scratch_size > 0 ? plan->scratch_size : 1)};
        ok = dnnl_memory_desc_init_by_tag(&scratch_md, 1, scratch_dims, dnnl_u8, dnnl_x) == dnnl_success
            && dnnl_memory_create(&memory[4], &scratch_md, engine, space->scratch) == dnnl_success;
    }
    if (ok) {
        dnnl_exec_arg_t arguments[5] = {{DNNL_ARG_SRC, memory[0]}, {DNNL_ARG_WEIGHTS, memory[1]}, {DNNL_ARG_DST, memory[3]},
                                        {DNNL_ARG_SCRATCHPAD, memory[4]}, {DNNL_ARG_BIAS, memory[2]}};
        ok = dnnl_primitive_execute(plan->convolution, stream, plan->has_bias ? 5 : 4, arguments) == dnnl_success;
    }
    const void *last_data = convolved;
    if (ok && plan->pool) {
        ok = dnnl_memory_create(&memory[5], &plan->pooled, engine, pooled) == dnnl_success;
        dnnl_exec_arg_t arguments[3] = {{DNNL_ARG_SRC, memory[3]}, {DNNL_ARG_DST, memory[5]}, {DNNL_ARG_SCRATCHPAD, memory[4]}};
        ok = ok && dnnl_primitive_execute(plan->pool, stream, 3, arguments) == dnnl_success;
        last_data = pooled;
    }
    if (ok && !direct) ok = convert(stream, output_block == 0 ? plan->output_reorder : NULL, last, last_data, &output_md, output);
    ok = ok && dnnl_stream_wait(stream) == dnnl_success;
    for (int m = 0; m < 6; m++) {
        if (memory[m]) dnnl_memory_destroy(memory[m]);
    }
    if (stream) dnnl_stream_destroy(stream);
    pthread_mutex_lock(&plan->lock);
    space->next = plan->idle;
    plan->idle = space;
    pthread_mutex_unlock(&plan->lock);
    return ok ? 0 : -1;
}

void strata_conv_inference_plan_destroy(strata_conv_inference_plan *plan) {
    if (!plan) return;
    while (plan->idle) {
        inference_workspace *next = plan->idle->next;
        free_workspace(plan->idle);
        plan->idle = next;
    }
    pthread_mutex_destroy(&plan->lock);
    dnnl_primitive_t primitives[6] = {plan->convolution, plan->pool, plan->source_reorder, plan->residual_reorder,
                                      plan->weights_reorder, plan->output_reorder};
    for (int p = 0; p < 6; p++) {
        if (primitives[p]) dnnl_primitive_destroy(primitives[p]);
    }
    if (plan->convolution_descriptor) dnnl_primitive_desc_destroy(plan->convolution_descriptor);
    if (plan->pool_descriptor) dnnl_primitive_desc_destroy(plan->pool_descriptor);
    free(plan);
}
