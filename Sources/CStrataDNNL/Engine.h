// Private to CStrataDNNL.
#ifndef STRATA_DNNL_ENGINE_H
#define STRATA_DNNL_ENGINE_H

#include <oneapi/dnnl/dnnl.h>

/// The CPU engine every plan runs on, created once; NULL when oneDNN cannot make one.
dnnl_engine_t strata_dnnl_engine(void);

#endif
