#include "CStrataMPI.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Open MPI's handles are pointers to its predefined objects; only their addresses matter here.
typedef void *mpi_handle;

// Open MPI's values of the constants used (mpi.h of Open MPI 3.0 to 5.x).
enum { MPI_SUCCESS_VALUE = 0, MPI_ERR_COUNT_VALUE = 2, MPI_THREAD_SERIALIZED_VALUE = 2, MPI_MAX_ERROR_STRING_VALUE = 256 };
#define MPI_IN_PLACE_VALUE ((void *)1)

static struct {
    void *library;
    int (*initialized)(int *);
    int (*finalized)(int *);
    int (*init_thread)(int *, char ***, int, int *);
    int (*comm_rank)(mpi_handle, int *);
    int (*comm_size)(mpi_handle, int *);
    int (*comm_set_errhandler)(mpi_handle, mpi_handle);
    int (*allreduce)(const void *, void *, int, mpi_handle, mpi_handle, mpi_handle);
    int (*iallreduce)(const void *, void *, int, mpi_handle, mpi_handle, mpi_handle, mpi_handle *);
    int (*test)(mpi_handle *, int *, void *);
    int (*wait)(mpi_handle *, void *);
    int (*bcast)(void *, int, mpi_handle, int, mpi_handle);
    int (*allgather)(const void *, int, mpi_handle, void *, int, mpi_handle, mpi_handle);
    int (*barrier)(mpi_handle);
    int (*abort)(mpi_handle, int);
    int (*finalize)(void);
    int (*error_string)(int, char *, int *);
    mpi_handle comm_world, errors_return, op_sum;
    mpi_handle types[3];
} mpi;

static int resolve(void **slot, const char *name, char *message, size_t capacity) {
    *slot = dlsym(mpi.library, name);
    if (*slot == NULL) {
        snprintf(message, capacity, "libmpi has no symbol %s (is it Open MPI 3.0 or later?)", name);
        return 1;
    }
    return 0;
}

int strata_mpi_load(char *message, size_t capacity) {
    if (mpi.library != NULL) return 0;
    // RTLD_GLOBAL: Open MPI's plugins (mca_*.so) resolve their libmpi symbols globally.
    void *library = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (library == NULL) library = dlopen("libmpi.so", RTLD_NOW | RTLD_GLOBAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(message, capacity, "cannot open Open MPI's libmpi.so.40 (install openmpi-bin and libopenmpi-dev): %s",
                 reason ? reason : "not found");
        return 1;
    }
    mpi.library = library;
    struct { void **slot; const char *name; } symbols[] = {
        {(void **)&mpi.initialized, "MPI_Initialized"},
        {(void **)&mpi.finalized, "MPI_Finalized"},
        {(void **)&mpi.init_thread, "MPI_Init_thread"},
        {(void **)&mpi.comm_rank, "MPI_Comm_rank"},
        {(void **)&mpi.comm_size, "MPI_Comm_size"},
        {(void **)&mpi.comm_set_errhandler, "MPI_Comm_set_errhandler"},
        {(void **)&mpi.allreduce, "MPI_Allreduce"},
        {(void **)&mpi.iallreduce, "MPI_Iallreduce"},
        {(void **)&mpi.test, "MPI_Test"},
        {(void **)&mpi.wait, "MPI_Wait"},
        {(void **)&mpi.bcast, "MPI_Bcast"},
        {(void **)&mpi.allgather, "MPI_Allgather"},
        {(void **)&mpi.barrier, "MPI_Barrier"},
        {(void **)&mpi.abort, "MPI_Abort"},
        {(void **)&mpi.finalize, "MPI_Finalize"},
        {(void **)&mpi.error_string, "MPI_Error_string"},
        // The objects behind MPI_COMM_WORLD, MPI_ERRORS_RETURN, MPI_SUM, MPI_FLOAT,
        // MPI_DOUBLE and MPI_INT64_T.
        {&mpi.comm_world, "ompi_mpi_comm_world"},
        {&mpi.errors_return, "ompi_mpi_errors_return"},
        {&mpi.op_sum, "ompi_mpi_op_sum"},
        {&mpi.types[STRATA_MPI_FLOAT32], "ompi_mpi_float"},
        {&mpi.types[STRATA_MPI_FLOAT64], "ompi_mpi_double"},
        {&mpi.types[STRATA_MPI_INT64], "ompi_mpi_int64_t"},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        if (resolve(symbols[i].slot, symbols[i].name, message, capacity) != 0) {
            dlclose(library);
            memset(&mpi, 0, sizeof mpi);
            return 1;
        }
    }
    return 0;
}

static void finalize_at_exit(void) { strata_mpi_finalize(); }

int strata_mpi_initialize(int *rank, int *size) {
    int done = 0, status;
    if ((status = mpi.initialized(&done)) != MPI_SUCCESS_VALUE) return status;
    if (!done) {
        int provided = 0;
        if ((status = mpi.init_thread(NULL, NULL, MPI_THREAD_SERIALIZED_VALUE, &provided)) != MPI_SUCCESS_VALUE) return status;
        // mpirun counts a process that exits without MPI_Finalize as failed.
        atexit(finalize_at_exit);
    }
    if ((status = mpi.comm_set_errhandler(mpi.comm_world, mpi.errors_return)) != MPI_SUCCESS_VALUE) return status;
    if ((status = mpi.comm_rank(mpi.comm_world, rank)) != MPI_SUCCESS_VALUE) return status;
    return mpi.comm_size(mpi.comm_world, size);
}

// MPI counts are int: longer buffers go in pieces of 2^30 elements.
static const int64_t piece = (int64_t)1 << 30;

static size_t element_size(strata_mpi_datatype type) { return type == STRATA_MPI_FLOAT32 ? 4 : 8; }

int strata_mpi_allreduce_sum(void *buffer, int64_t count, strata_mpi_datatype type) {
    for (int64_t start = 0; start < count; start += piece) {
        int n = (int)(count - start < piece ? count - start : piece);
        char *at = (char *)buffer + start * (int64_t)element_size(type);
        int status = mpi.allreduce(MPI_IN_PLACE_VALUE, at, n, mpi.types[type], mpi.op_sum, mpi.comm_world);
        if (status != MPI_SUCCESS_VALUE) return status;
    }
    return MPI_SUCCESS_VALUE;
}

int strata_mpi_iallreduce_sum(void *buffer, int64_t count, strata_mpi_datatype type, void **request) {
    if (count > INT_MAX) return MPI_ERR_COUNT_VALUE;
    return mpi.iallreduce(MPI_IN_PLACE_VALUE, buffer, (int)count, mpi.types[type], mpi.op_sum, mpi.comm_world, request);
}

// MPI_STATUS_IGNORE is a null MPI_Status pointer in Open MPI.
int strata_mpi_test(void **request, int *done) { return mpi.test(request, done, NULL); }

int strata_mpi_wait(void **request) { return mpi.wait(request, NULL); }

int strata_mpi_broadcast(void *buffer, int64_t count, strata_mpi_datatype type, int root) {
    for (int64_t start = 0; start < count; start += piece) {
        int n = (int)(count - start < piece ? count - start : piece);
        char *at = (char *)buffer + start * (int64_t)element_size(type);
        int status = mpi.bcast(at, n, mpi.types[type], root, mpi.comm_world);
        if (status != MPI_SUCCESS_VALUE) return status;
    }
    return MPI_SUCCESS_VALUE;
}

int strata_mpi_allgather(const void *buffer, void *result, int64_t count, strata_mpi_datatype type) {
    // The caller keeps count * size within MPI's int counts (checked in Swift).
    return mpi.allgather(buffer, (int)count, mpi.types[type], result, (int)count, mpi.types[type], mpi.comm_world);
}

int strata_mpi_barrier(void) { return mpi.barrier(mpi.comm_world); }

void strata_mpi_abort(int code) { mpi.abort(mpi.comm_world, code); }

int strata_mpi_finalize(void) {
    int done = 0;
    mpi.finalized(&done);
    return done ? MPI_SUCCESS_VALUE : mpi.finalize();
}

void strata_mpi_error_string(int code, char *message, size_t capacity) {
    char text[MPI_MAX_ERROR_STRING_VALUE];
    int length = 0;
    if (mpi.error_string == NULL || mpi.error_string(code, text, &length) != MPI_SUCCESS_VALUE) {
        snprintf(message, capacity, "MPI error %d", code);
    } else {
        snprintf(message, capacity, "%.*s", length, text);
    }
}
