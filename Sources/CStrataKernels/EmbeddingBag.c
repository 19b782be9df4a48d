#include "StrataKernels.h"

// Fixed-count embedding bags of several tables side by side (ConcatenatedEmbeddingBags in
// Swift). Row b of the output holds, for each table t in turn, the sum of the table's rows at
// ids[b, first .. first + bag_sizes[t]) (its columns of the id matrix), added in column order
// from the first row as the composite's sum over the bag axis adds them; then the `append` row.
// The backward adds each output row's slice of the gradient into the table gradient at the same
// ids, rows in order and columns in order within a row, as the composite's scatter-add does.
// Plain loops: the rows are a few floats wide, so a call per row would cost more than the adds.

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#define STRATA_EMBEDDING_BAGS(SUFFIX, T)                                                                          \
    long strata_embedding_bags_forward_##SUFFIX(const T *const *tables, const long *row_counts, const long *widths, \
                                                const long *bag_sizes, long table_count, const int64_t *ids,        \
                                                long batch, long id_columns, const T *append, long append_width,    \
                                                T *out) {                                                           \
        long out_width = append_width;                                                                             \
        for (long t = 0; t < table_count; t++) out_width += widths[t];                                             \
        for (long b = 0; b < batch; b++) {                                                                         \
            const int64_t *row = ids + b * id_columns;                                                             \
            T *target = out + b * out_width;                                                                       \
            for (long t = 0; t < table_count; t++) {                                                               \
                const long width = widths[t], count = row_counts[t], size = bag_sizes[t];                          \
                for (long j = 0; j < size; j++) {                                                                  \
                    if (row[j] < 0 || row[j] >= count) return (row - ids) + j;                                     \
                }                                                                                                  \
                const T *table = tables[t];                                                                        \
                if (width == 1) {                                                                                  \
                    /* A wide weight: one value per id, summed in a register. */                                   \
                    T sum = size > 0 ? table[row[0]] : 0;                                                          \
                    for (long j = 1; j < size; j++) sum += table[row[j]];                                          \
                    target[0] = sum;                                                                               \
                } else if (size == 0) {                                                                            \
                    for (long c = 0; c < width; c++) target[c] = 0;                                                \
                } else {                                                                                           \
                    const T *first = table + row[0] * width;                                                       \
                    for (long c = 0; c < width; c++) target[c] = first[c];                                         \
                    for (long j = 1; j < size; j++) {                                                              \
                        const T *next = table + row[j] * width;                                                    \
                        for (long c = 0; c < width; c++) target[c] += next[c];                                     \
                    }                                                                                              \
                }                                                                                                  \
                row += size;                                                                                       \
                target += width;                                                                                   \
            }                                                                                                      \
            for (long c = 0; c < append_width; c++) target[c] = append[b * append_width + c];                      \
        }                                                                                                          \
        return -1;                                                                                                 \
    }                                                                                                              \
                                                                                                                   \
    void strata_embedding_bags_backward_##SUFFIX(const T *gradient, T *const *table_gradients, const long *widths,  \
                                                 const long *bag_sizes, long table_count, const int64_t *ids,       \
                                                 long batch, long id_columns, T *append_gradient,                   \
                                                 long append_width) {                                               \
        long out_width = append_width;                                                                             \
        for (long t = 0; t < table_count; t++) out_width += widths[t];                                             \
        for (long b = 0; b < batch; b++) {                                                                         \
            const int64_t *row = ids + b * id_columns;                                                             \
            const T *source = gradient + b * out_width;                                                            \
            for (long t = 0; t < table_count; t++) {                                                               \
                const long width = widths[t];                                                                      \
                T *table = table_gradients[t];                                                                     \
                if (table != 0 && width == 1) {                                                                    \
                    for (long j = 0; j < bag_sizes[t]; j++) table[row[j]] += source[0];                            \
                } else if (table != 0) {                                                                           \
                    for (long j = 0; j < bag_sizes[t]; j++) {                                                      \
                        T *target = table + row[j] * width;                                                        \
                        for (long c = 0; c < width; c++) target[c] += source[c];                                   \
                    }                                                                                              \
                }                                                                                                  \
                row += bag_sizes[t];                                                                               \
                source += width;                                                                                   \
            }                                                                                                      \
            if (append_gradient != 0) {                                                                            \
                for (long c = 0; c < append_width; c++) append_gradient[b * append_width + c] = source[c];         \
            }                                                                                                      \
        }                                                                                                          \
    }

STRATA_EMBEDDING_BAGS(f32, float)
STRATA_EMBEDDING_BAGS(f64, double)
