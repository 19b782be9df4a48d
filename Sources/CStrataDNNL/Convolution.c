#include "StrataDNNL.h"
#include "Engine.h"
#include "Threading.h"

#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// omp_set_num_threads is looked up at run time because libgomp comes in only as a dependency of
// libdnnl.
void strata_dnnl_single_threaded(void) {
    static void (*set_threads)(int) = NULL;
    static int looked_up = 0;
    if (!looked_up) {
        set_threads = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
        looked_up = 1;
    }
    if (set_threads) set_threads(1);
}

static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static void make_engine(void) {
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) engine = NULL;
}

dnnl_engine_t strata_dnnl_engine(void) {
    pthread_once(&engine_once, make_engine);
    return engine;
}

enum { TENSORS = 3 };  // two inputs, one output

/// Temporary buffers of one execution (blocked copies and scratchpad), kept for reuse: fresh
/// large allocations would page-fault on every call.
typedef struct workspace {
    void *temporary[TENSORS];
    void *scratch;
    struct workspace *next;
} workspace;

struct strata_conv_plan {
    pthread_mutex_t lock;
    workspace *idle;  // workspaces not in use; concurrent executions each take their own
    dnnl_primitive_desc_t descriptor;
    dnnl_primitive_t primitive;
    int argument[TENSORS];
    dnnl_memory_desc_t plain[TENSORS];    // PyTorch's layout, as Strata stores it
    dnnl_memory_desc_t chosen[TENSORS];   // the layout the kernel wants
    dnnl_primitive_t reorder[TENSORS];    // plain <-> chosen, NULL when they agree
    dnnl_memory_desc_t scratchpad;
    size_t scratchpad_size;
};

static int plain_desc(dnnl_memory_desc_t *md, int ndims, const dnnl_dims_t dims, dnnl_format_tag_t tag) {
    return dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, tag) == dnnl_success;
}

static int any_desc(dnnl_memory_desc_t *md, int ndims, const dnnl_dims_t dims) {
    return dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, dnnl_format_tag_any) == dnnl_success;
}

/// A reorder between two layouts of one tensor, or NULL when no reorder is needed.
static int make_reorder(dnnl_primitive_t *reorder, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to) {
    *reorder = NULL;
    if (dnnl_memory_desc_equal(from, to)) return 1;
    dnnl_primitive_desc_t descriptor;
    if (dnnl_reorder_primitive_desc_create(&descriptor, from, engine, to, engine, NULL) != dnnl_success) return 0;
    int ok = dnnl_primitive_create(reorder, descriptor) == dnnl_success;
    dnnl_primitive_desc_destroy(descriptor);
    return ok;
}

strata_conv_plan *strata_conv_plan_create(strata_conv_kind kind, const strata_conv_shape *s) {
    pthread_once(&engine_once, make_engine);
    if (!engine) return NULL;
    strata_dnnl_single_threaded();
    const int grouped = s->groups > 1;
    dnnl_dims_t src_dims = {s->batch, s->in_channels, s->in_height, s->in_width};
    dnnl_dims_t dst_dims = {s->batch, s->out_channels, s->out_height, s->out_width};
    dnnl_dims_t weight_dims = {s->out_channels, s->in_channels, s->kernel_height, s->kernel_width};
    dnnl_dims_t group_dims = {s->groups, s->out_channels / s->groups, s->in_channels / s->groups,
                              s->kernel_height, s->kernel_width};
    dnnl_dims_t strides = {s->stride_height, s->stride_width};
    dnnl_dims_t dilates = {s->dilation_height - 1, s->dilation_width - 1};  // oneDNN counts extra gaps
    dnnl_dims_t pad_l = {s->pad_top, s->pad_left}, pad_r = {s->pad_bottom, s->pad_right};

    dnnl_memory_desc_t src_plain, dst_plain, weights_plain, src_any, dst_any, weights_any;
    int ok = plain_desc(&src_plain, 4, src_dims, dnnl_nchw) && plain_desc(&dst_plain, 4, dst_dims, dnnl_nchw)
        && (grouped ? plain_desc(&weights_plain, 5, group_dims, dnnl_goihw) : plain_desc(&weights_plain, 4, weight_dims, dnnl_oihw))
        && any_desc(&src_any, 4, src_dims) && any_desc(&dst_any, 4, dst_dims)
        && (grouped ? any_desc(&weights_any, 5, group_dims) : any_desc(&weights_any, 4, weight_dims));
    if (!ok) return NULL;

    dnnl_primitive_attr_t attributes;
    if (dnnl_primitive_attr_create(&attributes) != dnnl_success) return NULL;
    dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user);

    // The forward descriptor: the primitive itself, or the hint that backward ones require.
    dnnl_convolution_desc_t forward;
    dnnl_primitive_desc_t forward_descriptor = NULL;
    if (dnnl_dilated_convolution_forward_desc_init(&forward, dnnl_forward_training, dnnl_convolution_direct, &src_any,
                                                   &weights_any, NULL, &dst_any, strides, dilates, pad_l, pad_r) != dnnl_success
        || dnnl_primitive_desc_create(&forward_descriptor, &forward, attributes, engine, NULL) != dnnl_success) {
        dnnl_primitive_attr_destroy(attributes);
        return NULL;
    }

    strata_conv_plan *plan = calloc(1, sizeof(strata_conv_plan));
    pthread_mutex_init(&plan->lock, NULL);
    dnnl_status_t status = dnnl_success;
    if (kind == STRATA_CONV_FORWARD) {
        plan->descriptor = forward_descriptor;
        forward_descriptor = NULL;
        plan->argument[0] = DNNL_ARG_SRC; plan->plain[0] = src_plain;
        plan->argument[1] = DNNL_ARG_WEIGHTS; plan->plain[1] = weights_plain;
        plan->argument[2] = DNNL_ARG_DST; plan->plain[2] = dst_plain;
    } else if (kind == STRATA_CONV_BACKWARD_DATA) {
        dnnl_convolution_desc_t backward;
        status = dnnl_dilated_convolution_backward_data_desc_init(&backward, dnnl_convolution_direct, &src_any, &weights_any,
                                                                  &dst_any, strides, dilates, pad_l, pad_r);
        if (status == dnnl_success)
            status = dnnl_primitive_desc_create(&plan->descriptor, &backward, attributes, engine, forward_descriptor);
        plan->argument[0] = DNNL_ARG_DIFF_DST; plan->plain[0] = dst_plain;
        plan->argument[1] = DNNL_ARG_WEIGHTS; plan->plain[1] = weights_plain;
        plan->argument[2] = DNNL_ARG_DIFF_SRC; plan->plain[2] = src_plain;
    } else {
        dnnl_convolution_desc_t backward;
        status = dnnl_dilated_convolution_backward_weights_desc_init(&backward, dnnl_convolution_direct, &src_any,
                                                                     &weights_any, NULL, &dst_any, strides, dilates,
                                                                     pad_l, pad_r);
        if (status == dnnl_success)
            status = dnnl_primitive_desc_create(&plan->descriptor, &backward, attributes, engine, forward_descriptor);
        plan->argument[0] = DNNL_ARG_SRC; plan->plain[0] = src_plain;
        plan->argument[1] = DNNL_ARG_DIFF_DST; plan->plain[1] = dst_plain;
        plan->argument[2] = DNNL_ARG_DIFF_WEIGHTS; plan->plain[2] = weights_plain;
    }
    if (forward_descriptor) dnnl_primitive_desc_destroy(forward_descriptor);
    dnnl_primitive_attr_destroy(attributes);
    if (status != dnnl_success || dnnl_primitive_create(&plan->primitive, plan->descriptor) != dnnl_success) {
        strata_conv_plan_destroy(plan);
        return NULL;
    }
    for (int t = 0; t < TENSORS; t++) {
        plan->chosen[t] = *dnnl_primitive_desc_query_md(plan->descriptor, dnnl_query_exec_arg_md, plan->argument[t]);
        int is_output = t == TENSORS - 1;
        if (!make_reorder(&plan->reorder[t], is_output ? &plan->chosen[t] : &plan->plain[t],
                          is_output ? &plan->plain[t] : &plan->chosen[t])) {
            strata_conv_plan_destroy(plan);
            return NULL;
        }
    }
    plan->scratchpad = *dnnl_primitive_desc_query_md(plan->descriptor, dnnl_query_scratchpad_md, 0);
    plan->scratchpad_size = dnnl_memory_desc_get_size(&plan->scratchpad);
    return plan;
}

static void *aligned_buffer(size_t size) {
    void *pointer = NULL;
    if (size == 0) size = 64;
    return posix_memalign(&pointer, 64, (size + 63) / 64 * 64) == 0 ? pointer : NULL;
}

/// A workspace of this plan: an idle one, or a new one.
static workspace *take_workspace(strata_conv_plan *plan) {
    pthread_mutex_lock(&plan->lock);
    workspace *space = plan->idle;
    if (space) plan->idle = space->next;
    pthread_mutex_unlock(&plan->lock);
    if (space) return space;
    space = calloc(1, sizeof(workspace));
    if (!space) return NULL;
    for (int t = 0; t < TENSORS; t++) {
        if (plan->reorder[t]) space->temporary[t] = aligned_buffer(dnnl_memory_desc_get_size(&plan->chosen[t]));
    }
    space->scratch = aligned_buffer(plan->scratchpad_size);
    return space;
}

static void return_workspace(strata_conv_plan *plan, workspace *space) {
    pthread_mutex_lock(&plan->lock);
    space->next = plan->idle;
    plan->idle = space;
    pthread_mutex_unlock(&plan->lock);
}

static void free_workspace(workspace *space) {
    for (int t = 0; t < TENSORS; t++) free(space->temporary[t]);
    free(space->scratch);
    free(space);
}

int strata_conv_plan_is_blocked16(const strata_conv_plan *plan, int tensor) {
    if (tensor < 0 || tensor >= TENSORS || plan->plain[tensor].ndims != 4) return 0;
    dnnl_memory_desc_t blocked;
    if (dnnl_memory_desc_init_by_tag(&blocked, 4, plan->plain[tensor].dims, dnnl_f32, dnnl_aBcd16b) != dnnl_success) return 0;
    return dnnl_memory_desc_equal(&blocked, &plan->chosen[tensor]);
}

int strata_conv_plan_execute(const strata_conv_plan *plan, const float *first, const float *second, float *output) {
    return strata_conv_plan_execute_layouts(plan, first, second, output, 0);
}

int strata_conv_plan_execute_layouts(const strata_conv_plan *constant_plan, const float *first, const float *second, float *output,
                                     int chosen_layouts) {
    strata_dnnl_single_threaded();
    // The workspace list is the plan's only mutable part, guarded by its mutex.
    strata_conv_plan *plan = (strata_conv_plan *)constant_plan;
    void *user[TENSORS] = {(void *)first, (void *)second, output};
    dnnl_memory_t plain[TENSORS] = {NULL, NULL, NULL}, chosen[TENSORS] = {NULL, NULL, NULL};
    dnnl_memory_t scratch = NULL;
    dnnl_stream_t stream = NULL;
    int result = -1;
    workspace *space = take_workspace(plan);
    if (!space) return -1;
    if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
        return_workspace(plan, space);
        return -1;
    }
    int converts[TENSORS];  // whether tensor t goes through a reorder
    for (int t = 0; t < TENSORS; t++) {
        const int given = (chosen_layouts >> t) & 1;
        converts[t] = plan->reorder[t] && !given;
        if (dnnl_memory_create(&plain[t], given ? &plan->chosen[t] : &plan->plain[t], engine, user[t]) != dnnl_success) goto done;
        if (converts[t]) {
            if (!space->temporary[t]
                || dnnl_memory_create(&chosen[t], &plan->chosen[t], engine, space->temporary[t]) != dnnl_success) goto done;
        } else {
            chosen[t] = plain[t];
        }
    }
    for (int t = 0; t < TENSORS - 1; t++) {
        if (!converts[t]) continue;
        dnnl_exec_arg_t arguments[2] = {{DNNL_ARG_FROM, plain[t]}, {DNNL_ARG_TO, chosen[t]}};
        if (dnnl_primitive_execute(plan->reorder[t], stream, 2, arguments) != dnnl_success) goto done;
    }
    if (!space->scratch || dnnl_memory_create(&scratch, &plan->scratchpad, engine, space->scratch) != dnnl_success) goto done;
    {
        dnnl_exec_arg_t arguments[TENSORS + 1];
        for (int t = 0; t < TENSORS; t++) arguments[t] = (dnnl_exec_arg_t){plan->argument[t], chosen[t]};
        arguments[TENSORS] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, scratch};
        if (dnnl_primitive_execute(plan->primitive, stream, TENSORS + 1, arguments) != dnnl_success) goto done;
    }
    if (converts[TENSORS - 1]) {
        dnnl_exec_arg_t arguments[2] = {{DNNL_ARG_FROM, chosen[TENSORS - 1]}, {DNNL_ARG_TO, plain[TENSORS - 1]}};
        if (dnnl_primitive_execute(plan->reorder[TENSORS - 1], stream, 2, arguments) != dnnl_success) goto done;
    }
    result = dnnl_stream_wait(stream) == dnnl_success ? 0 : -1;
done:
    for (int t = 0; t < TENSORS; t++) {
        if (chosen[t] && chosen[t] != plain[t]) dnnl_memory_destroy(chosen[t]);
        if (plain[t]) dnnl_memory_destroy(plain[t]);
    }
    if (scratch) dnnl_memory_destroy(scratch);
    dnnl_stream_destroy(stream);
    return_workspace(plan, space);
    return result;
}

void strata_conv_plan_destroy(strata_conv_plan *plan) {
    if (!plan) return;
    while (plan->idle) {
        workspace *next = plan->idle->next;
        free_workspace(plan->idle);
        plan->idle = next;
    }
    pthread_mutex_destroy(&plan->lock);
    for (int t = 0; t < TENSORS; t++) {
        if (plan->reorder[t]) dnnl_primitive_destroy(plan->reorder[t]);
    }
    if (plan->primitive) dnnl_primitive_destroy(plan->primitive);
    if (plan->descriptor) dnnl_primitive_desc_destroy(plan->descriptor);
    free(plan);
}

const char *strata_conv_plan_implementation(const strata_conv_plan *plan) {
    const char *name = "unknown";
    dnnl_primitive_desc_query(plan->descriptor, dnnl_query_impl_info_str, 0, &name);
    return name;
}
