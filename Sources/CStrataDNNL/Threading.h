// Private to CStrataDNNL.
#ifndef STRATA_DNNL_THREADING_H
#define STRATA_DNNL_THREADING_H

/// Makes the calling thread's oneDNN calls run on one OpenMP thread. oneDNN's OpenMP team would
/// spin between calls and fight Strata's pool and OpenBLAS for the cores; omp_set_num_threads
/// sets a per-thread value, so each calling thread needs it.
void strata_dnnl_single_threaded(void);

#endif
