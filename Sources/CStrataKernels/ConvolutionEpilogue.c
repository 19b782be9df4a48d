#include "StrataKernels.h"
#include "Dispatch.h"

// The elementwise ends of a convolution step in training (conv2d(...then:) with gradients):
// bias and ReLU on the convolution's output in place, and in backward the gradient of the
// convolution's output from that of the step's result (ReLU mask, max-pool scatter) together
// with the bias gradient, in one pass over each plane.

STRATA_DISPATCH
void strata_bias_relu_planes_f32(float *y, const float *bias, long first_plane, long planes, long channels, long plane_size,
                                 int relu) {
    for (long p = 0; p < planes; p++) {
        float *row = y + p * plane_size;
        const float shift = bias ? bias[(first_plane + p) % channels] : 0.0f;
        if (bias && relu) {
            for (long i = 0; i < plane_size; i++) {
                float v = row[i] + shift;
                row[i] = v < 0.0f ? 0.0f : v;  // relu as strata_unary_f32 computes it
            }
        } else if (bias) {
            for (long i = 0; i < plane_size; i++) row[i] = row[i] + shift;
        } else if (relu) {
            for (long i = 0; i < plane_size; i++) row[i] = row[i] < 0.0f ? 0.0f : row[i];
        }
    }
}

STRATA_DISPATCH
void strata_conv_epilogue_backward_f32(const float *gradient, const float *result, const int64_t *indices, float *convolved,
                                       double *bias_gradient, long batch, long channels, long first_channel, long end_channel,
                                       long result_plane, long convolved_plane, int relu) {
    for (long c = first_channel; c < end_channel; c++) {
        double sum = 0;
        for (long n = 0; n < batch; n++) {
            const long plane = n * channels + c;
            const float *g = gradient + plane * result_plane, *r = result + plane * result_plane;
            float *d = convolved + plane * convolved_plane;
            if (indices) {
                const int64_t *positions = indices + plane * result_plane;
                memset(d, 0, (size_t)convolved_plane * sizeof(float));
                for (long o = 0; o < result_plane; o++) {
                    // ReLU passes the gradient where its input was positive: where the pooled maximum is.
                    if (relu && !(r[o] > 0.0f)) continue;
                    d[positions[o]] += g[o];
                    sum += g[o];
                }
            } else if (relu) {
                for (long i = 0; i < convolved_plane; i++) {
                    float v = r[i] > 0.0f ? g[i] : 0.0f;
                    d[i] = v;
                    sum += v;
                }
            } else {
                for (long i = 0; i < convolved_plane; i++) {
                    d[i] = g[i];
                    sum += g[i];
                }
            }
        }
        if (bias_gradient) bias_gradient[c] = sum;
    }
}

// The same ends for a 2x2, stride-2, unpadded max-pool with the convolution's output in oneDNN's
// nChw16c layout ([images][ceil(channels / 16)][height][width][16]), as the convolution wrote it
// and as its backward passes read it: no reorder of the full-size activations either way. A
// block is one image's 16 channels; the 16 lanes vectorize.

STRATA_DISPATCH
void strata_bias_relu_max_pool_2x2_blocked16_f32(const float *y, const float *bias, float *pooled, int64_t *indices,
                                                 long channels, long height, long width, long out_height, long out_width,
                                                 int relu, long first_block, long end_block) {
    const long channel_blocks = (channels + 15) / 16, out_plane = out_height * out_width;
    // One output row of all 16 lanes, [out_width][16], then written out lane by lane so that the
    // stores to the plain planes are contiguous.
    enum { ROW = 256 };
    float best_row[ROW * 16];
    int64_t offset_row[ROW * 16];
    for (long block = first_block; block < end_block; block++) {
        const long image = block / channel_blocks, first_channel = block % channel_blocks * 16;
        const long lanes = channels - first_channel < 16 ? channels - first_channel : 16;
        float shift[16];
        for (long lane = 0; lane < 16; lane++) shift[lane] = bias && lane < lanes ? bias[first_channel + lane] : 0.0f;
        const float *source = y + block * height * width * 16;
        float *values = pooled + (image * channels + first_channel) * out_plane;
        int64_t *positions = indices + (image * channels + first_channel) * out_plane;
        for (long oy = 0; oy < out_height; oy++) {
            for (long start = 0; start < out_width; start += ROW) {
                const long count = out_width - start < ROW ? out_width - start : ROW;
                for (long i = 0; i < count; i++) {
                    const long corner = 2 * oy * width + 2 * (start + i);
                    const float *top = source + corner * 16, *bottom = top + width * 16;
                    float *best = best_row + i * 16;
                    int64_t *offset = offset_row + i * 16;
                    // Candidates in PyTorch's scan order; a larger value or a NaN takes over (as strata_max_pool_f32).
                    for (long lane = 0; lane < 16; lane++) {
                        float v = top[lane] + shift[lane];
                        float b = relu && v < 0.0f ? 0.0f : v;
                        int64_t at = corner;
                        v = top[16 + lane] + shift[lane];
                        v = relu && v < 0.0f ? 0.0f : v;
                        int take = v > b || v != v;
                        b = take ? v : b;
                        at = take ? corner + 1 : at;
                        v = bottom[lane] + shift[lane];
                        v = relu && v < 0.0f ? 0.0f : v;
                        take = v > b || v != v;
                        b = take ? v : b;
                        at = take ? corner + width : at;
                        v = bottom[16 + lane] + shift[lane];
                        v = relu && v < 0.0f ? 0.0f : v;
                        take = v > b || v != v;
                        b = take ? v : b;
                        at = take ? corner + width + 1 : at;
                        best[lane] = b;
                        offset[lane] = at;
                    }
                }
                for (long lane = 0; lane < lanes; lane++) {
                    float *value_row = values + lane * out_plane + oy * out_width + start;
                    int64_t *position_row = positions + lane * out_plane + oy * out_width + start;
                    for (long i = 0; i < count; i++) {
                        value_row[i] = best_row[i * 16 + lane];
                        position_row[i] = offset_row[i * 16 + lane];
                    }
                }
            }
        }
    }
}

STRATA_DISPATCH
void strata_max_pool_2x2_backward_blocked16_f32(const float *gradient, const float *pooled, const int64_t *indices,
                                                float *convolved, double *bias_gradient, long images, long channels,
                                                long height, long width, long out_height, long out_width, int relu,
                                                long first_channel_block, long end_channel_block) {
    const long channel_blocks = (channels + 15) / 16, out_plane = out_height * out_width, plane = height * width;
    for (long channel_block = first_channel_block; channel_block < end_channel_block; channel_block++) {
        const long first_channel = channel_block * 16;
        const long lanes = channels - first_channel < 16 ? channels - first_channel : 16;
        double sums[16] = {0};
        for (long image = 0; image < images; image++) {
            float *target = convolved + (image * channel_blocks + channel_block) * plane * 16;
            memset(target, 0, (size_t)plane * 16 * sizeof(float));  // padded lanes stay zero
            for (long lane = 0; lane < lanes; lane++) {
                const long at = (image * channels + first_channel + lane) * out_plane;
                const float *g = gradient + at, *r = pooled + at;
                const int64_t *p = indices + at;
                double sum = 0;
                for (long o = 0; o < out_plane; o++) {
                    if (relu && !(r[o] > 0.0f)) continue;
                    target[p[o] * 16 + lane] += g[o];
                    sum += g[o];
                }
                sums[lane] += sum;
            }
        }
        if (bias_gradient) {
            for (long lane = 0; lane < lanes; lane++) bias_gradient[first_channel + lane] = sums[lane];
        }
    }
}
