#include "StrataKernels.h"
#include "Dispatch.h"

// Window bounds in input coordinates, and PyTorch's average-pooling divisor.
typedef struct {
    long top, left, y_begin, y_end, x_begin, x_end, divisor;
} strata_window;

static inline strata_window window_at(const strata_pool_shape *s, long oy, long ox) {
    strata_window w;
    w.top = oy * s->stride_height - s->pad_height;
    w.left = ox * s->stride_width - s->pad_width;
    long bottom = w.top + s->kernel_height, right = w.left + s->kernel_width;
    long padded_bottom = bottom < s->height + s->pad_height ? bottom : s->height + s->pad_height;
    long padded_right = right < s->width + s->pad_width ? right : s->width + s->pad_width;
    long padded_area = (padded_bottom - w.top) * (padded_right - w.left);
    w.y_begin = w.top > 0 ? w.top : 0;
    w.x_begin = w.left > 0 ? w.left : 0;
    w.y_end = bottom < s->height ? bottom : s->height;
    w.x_end = right < s->width ? right : s->width;
    w.divisor = s->count_include_pad ? padded_area : (w.y_end - w.y_begin) * (w.x_end - w.x_begin);
    return w;
}

/// The common 2x2, stride-2, unpadded case: four loads per output and no bounds checks,
/// branch-free so that it vectorizes. Inlined into the dispatched kernel, so each clone gets
/// its own instruction set.
static inline __attribute__((always_inline))
void max_pool_2x2(const float *x, float *y, int64_t *indices, const strata_pool_shape *s) {
    const long width = s->width;
    for (long plane = 0; plane < s->planes; plane++) {
        const float *input = x + plane * s->height * width;
        float *values = y + plane * s->out_height * s->out_width;
        int64_t *positions = indices + plane * s->out_height * s->out_width;
        for (long oy = 0; oy < s->out_height; oy++) {
            const float *top = input + 2 * oy * width, *bottom = top + width;
            float *row_values = values + oy * s->out_width;
            int64_t *row_positions = positions + oy * s->out_width;
            const long base = 2 * oy * width;
            for (long ox = 0; ox < s->out_width; ox++) {
                // Candidates in PyTorch's scan order; a larger value or a NaN takes over.
                float best = top[2 * ox];
                long offset = 0;
                float candidate = top[2 * ox + 1];
                int take = candidate > best || candidate != candidate;
                best = take ? candidate : best;
                offset = take ? 1 : offset;
                candidate = bottom[2 * ox];
                take = candidate > best || candidate != candidate;
                best = take ? candidate : best;
                offset = take ? width : offset;
                candidate = bottom[2 * ox + 1];
                take = candidate > best || candidate != candidate;
                best = take ? candidate : best;
                offset = take ? width + 1 : offset;
                row_values[ox] = best;
                row_positions[ox] = base + 2 * ox + offset;
            }
        }
    }
}

STRATA_DISPATCH
void strata_max_pool_f32(const float *x, float *y, int64_t *indices, const strata_pool_shape *s) {
    if (s->kernel_height == 2 && s->kernel_width == 2 && s->stride_height == 2 && s->stride_width == 2 && s->pad_height == 0
        && s->pad_width == 0 && s->dilation_height == 1 && s->dilation_width == 1 && 2 * s->out_height <= s->height
        && 2 * s->out_width <= s->width) {
        max_pool_2x2(x, y, indices, s);
        return;
    }
    for (long plane = 0; plane < s->planes; plane++) {
        const float *input = x + plane * s->height * s->width;
        for (long oy = 0; oy < s->out_height; oy++) {
            for (long ox = 0; ox < s->out_width; ox++) {
                long top = oy * s->stride_height - s->pad_height, left = ox * s->stride_width - s->pad_width;
                long best = -1;
                float value = 0;
                for (long ky = 0; ky < s->kernel_height; ky++) {
                    long row = top + ky * s->dilation_height;
                    if (row < 0 || row >= s->height) continue;
                    for (long kx = 0; kx < s->kernel_width; kx++) {
                        long column = left + kx * s->dilation_width;
                        if (column < 0 || column >= s->width) continue;
                        float candidate = input[row * s->width + column];
                        if (best < 0 || candidate > value || candidate != candidate) {
                            best = row * s->width + column;
                            value = candidate;
                        }
                    }
                }
                long out = (plane * s->out_height + oy) * s->out_width + ox;
                y[out] = value;
                indices[out] = best;
            }
        }
    }
}

STRATA_DISPATCH
void strata_average_pool_f32(const float *x, float *y, const strata_pool_shape *s) {
    for (long plane = 0; plane < s->planes; plane++) {
        const float *input = x + plane * s->height * s->width;
        for (long oy = 0; oy < s->out_height; oy++) {
            for (long ox = 0; ox < s->out_width; ox++) {
                strata_window w = window_at(s, oy, ox);
                float total = 0;
                for (long row = w.y_begin; row < w.y_end; row++)
                    for (long column = w.x_begin; column < w.x_end; column++) total += input[row * s->width + column];
                y[(plane * s->out_height + oy) * s->out_width + ox] = total / (float)w.divisor;
            }
        }
    }
}

STRATA_DISPATCH
void strata_average_pool_backward_f32(const float *dy, float *dx, const strata_pool_shape *s) {
    for (long plane = 0; plane < s->planes; plane++) {
        float *input = dx + plane * s->height * s->width;
        for (long oy = 0; oy < s->out_height; oy++) {
            for (long ox = 0; ox < s->out_width; ox++) {
                strata_window w = window_at(s, oy, ox);
                float share = dy[(plane * s->out_height + oy) * s->out_width + ox] / (float)w.divisor;
                for (long row = w.y_begin; row < w.y_end; row++)
                    for (long column = w.x_begin; column < w.x_end; column++) input[row * s->width + column] += share;
            }
        }
    }
}
