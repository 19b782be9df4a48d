#include "StrataKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// A float32 product against a right-hand matrix laid out once for many calls: the recurrent
// weight of an LSTM is multiplied by a few batch rows once per time step (64 times per sequence
// in lstm_train), and a general GEMM lays it out again on every call. The layout is panels of 32 columns (two AVX-512
// registers); panel p holds rows 0..<k of columns 32p..<32p+32, one row after another, with the
// columns past n zero.
//
// The kernel keeps an 8 x 32 block of the result in 16 registers and adds one rank-1 update per
// row of the panel: two loads of the panel's row, then a broadcast and two FMAs per result row.

enum { PANEL = 32, BLOCK_ROWS = 8 };

long strata_sgemm_packed_size(long k, long n) { return (n + PANEL - 1) / PANEL * PANEL * k; }

long strata_sgemm_packed_panels(long n) { return (n + PANEL - 1) / PANEL; }

void strata_sgemm_pack_f32(int transpose, long k, long n, const float *b, long ldb, float *packed, long first_panel,
                           long end_panel) {
    for (long p = first_panel; p < end_panel; p++) {
        float *panel = packed + p * k * PANEL;
        long columns = n - p * PANEL < PANEL ? n - p * PANEL : PANEL;
        for (long row = 0; row < k; row++) {
            float *out = panel + row * PANEL;
            if (transpose) {
                const float *in = b + p * PANEL * ldb + row;
                for (long j = 0; j < columns; j++) out[j] = in[j * ldb];
            } else {
                const float *in = b + row * ldb + p * PANEL;
                for (long j = 0; j < columns; j++) out[j] = in[j];
            }
            for (long j = columns; j < PANEL; j++) out[j] = 0;
        }
    }
}

#if defined(__x86_64__)
#define STRATA_AVX512 __attribute__((target("avx512f")))

// rows x 32 of c (rows <= 8, the columns past n masked off) = a[rows, k] panel[k, 32], plus the
// same block of `addend` when there is one. Always inlined with a constant `rows`, so each row
// count gets its own unrolled loop.
STRATA_AVX512 static inline __attribute__((always_inline)) void
packed_block(int rows, long k, const float *a, long lda, const float *panel, const float *addend, long ld_addend, float *c,
             long ldc, __mmask16 low, __mmask16 high) {
    __m512 sum[BLOCK_ROWS][2];
    for (int r = 0; r < rows; r++) sum[r][0] = sum[r][1] = _mm512_setzero_ps();
    for (long i = 0; i < k; i++) {
        __m512 b0 = _mm512_load_ps(panel + i * PANEL), b1 = _mm512_load_ps(panel + i * PANEL + 16);
        for (int r = 0; r < rows; r++) {
            __m512 x = _mm512_set1_ps(a[r * lda + i]);
            sum[r][0] = _mm512_fmadd_ps(x, b0, sum[r][0]);
            sum[r][1] = _mm512_fmadd_ps(x, b1, sum[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        float *out = c + r * ldc;
        if (addend) {
            const float *in = addend + r * ld_addend;
            sum[r][0] = _mm512_add_ps(sum[r][0], _mm512_maskz_loadu_ps(low, in));
            sum[r][1] = _mm512_add_ps(sum[r][1], _mm512_maskz_loadu_ps(high, in + 16));
        }
        _mm512_mask_storeu_ps(out, low, sum[r][0]);
        _mm512_mask_storeu_ps(out + 16, high, sum[r][1]);
    }
}

static __mmask16 columns_mask(long columns) {
    return columns >= 16 ? (__mmask16)0xffff : (columns <= 0 ? (__mmask16)0 : (__mmask16)((1u << columns) - 1));
}

STRATA_AVX512 static void packed_avx512(long m, long n, long k, const float *a, long lda, const float *packed,
                                        const float *addend, long ld_addend, float *c, long ldc) {
    for (long p = 0; p < strata_sgemm_packed_panels(n); p++) {
        long left = n - p * PANEL;
        __mmask16 low = columns_mask(left), high = columns_mask(left - 16);
        const float *panel = packed + p * k * PANEL;
        for (long r = 0; r < m; r += BLOCK_ROWS) {
            const float *ar = a + r * lda;
            const float *dr = addend ? addend + r * ld_addend + p * PANEL : 0;
            float *cr = c + r * ldc + p * PANEL;
            switch (m - r < BLOCK_ROWS ? m - r : BLOCK_ROWS) {
            case 8: packed_block(8, k, ar, lda, panel, dr, ld_addend, cr, ldc, low, high); break;
            case 7: packed_block(7, k, ar, lda, panel, dr, ld_addend, cr, ldc, low, high); break;
            case 6: packed_block(6, k, ar, lda, panel, dr, ld_addend, cr, ldc, low, high); break;
            case 5: packed_block(5, k, ar, lda, panel, dr, ld_addend, cr, ldc, low, high); break;
            case 4: packed_block(4, k, ar, lda, panel, dr, ld_addend, cr, ldc, low, high); break;
            case 3: packed_block(3, k, ar, lda, panel, dr, ld_addend, cr, ldc, low, high); break;
            case 2: packed_block(2, k, ar, lda, panel, dr, ld_addend, cr, ldc, low, high); break;
            default: packed_block(1, k, ar, lda, panel, dr, ld_addend, cr, ldc, low, high); break;
            }
        }
    }
}
#endif

int strata_sgemm_packed_fast(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

void strata_sgemm_packed_f32(long m, long n, long k, const float *a, long lda, const float *packed, const float *addend,
                             long ld_addend, float *c, long ldc) {
#if defined(__x86_64__)
    if (strata_sgemm_packed_fast()) {
        packed_avx512(m, n, k, a, lda, packed, addend, ld_addend, c, ldc);
        return;
    }
#endif
    // Without AVX-512: the same sums, one result row at a time (callers use BLAS here instead).
    for (long r = 0; r < m; r++)
        for (long j = 0; j < n; j++) {
            const float *column = packed + j / PANEL * k * PANEL + j % PANEL;
            float sum = 0;
            for (long i = 0; i < k; i++) sum += a[r * lda + i] * column[i * PANEL];
            c[r * ldc + j] = addend ? sum + addend[r * ld_addend + j] : sum;
        }
}
