#include "StrataDNNL.h"
#include "Threading.h"

#include <oneapi/dnnl/dnnl.h>

int strata_dnnl_sgemm(int transpose_a, int transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
                      const float *b, long ldb, float beta, float *c, long ldc) {
    strata_dnnl_single_threaded();
    dnnl_status_t status = dnnl_sgemm(transpose_a ? 'T' : 'N', transpose_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb,
                                      beta, c, ldc);
    return status == dnnl_success ? 0 : (int)status;
}
