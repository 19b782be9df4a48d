// Open MPI reached at run time: libmpi is opened with dlopen and the few functions and
// predefined handles Strata needs are found with dlsym, so building Strata needs no MPI headers
// or library (the package builds and its tests pass on a machine without MPI). Open MPI's C ABI
// (libmpi.so.40, Open MPI 3.0 to 5.x) makes MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ... the
// addresses of exported objects (`&ompi_mpi_comm_world`, ...), which is why they are macros that
// Swift cannot import, and why dlsym can find them.
#ifndef CSTRATA_MPI_H
#define CSTRATA_MPI_H

#include <stddef.h>
#include <stdint.h>

/// The element types Strata reduces.
typedef enum {
    STRATA_MPI_FLOAT32 = 0,
    STRATA_MPI_FLOAT64 = 1,
    STRATA_MPI_INT64 = 2,
} strata_mpi_datatype;

/// Opens libmpi (libmpi.so.40, then libmpi.so) and resolves every symbol Strata uses. Returns 0,
/// or nonzero with a sentence in `message` (what could not be opened or found).
int strata_mpi_load(char *message, size_t capacity);

/// MPI_Init_thread (MPI_THREAD_SERIALIZED: one thread calls MPI at a time) unless MPI is already
/// initialized, with MPI_ERRORS_RETURN on MPI_COMM_WORLD so failures come back as codes. Writes
/// this process's rank and the world's size.
int strata_mpi_initialize(int *rank, int *size);

/// In-place sum over all ranks of `count` elements at `buffer` (split into calls of at most
/// 2^30 elements, since MPI counts are `int`).
int strata_mpi_allreduce_sum(void *buffer, int64_t count, strata_mpi_datatype type);

/// Starts an in-place sum over all ranks of `count` elements at `buffer` (MPI_Iallreduce; at
/// most INT_MAX elements, else MPI_ERR_COUNT) and writes its request handle to `request`. The
/// buffer must stay valid and untouched until `strata_mpi_test` reports it done or
/// `strata_mpi_wait` returns. Open MPI progresses it inside MPI calls: call `strata_mpi_test` now
/// and then.
int strata_mpi_iallreduce_sum(void *buffer, int64_t count, strata_mpi_datatype type, void **request);

/// MPI_Test: sets `done` to 1 (and `request` to null) when the operation has completed.
int strata_mpi_test(void **request, int *done);

/// MPI_Wait: returns when the operation has completed.
int strata_mpi_wait(void **request);

/// Copies `count` elements at `buffer` on `root` into `buffer` on every rank.
int strata_mpi_broadcast(void *buffer, int64_t count, strata_mpi_datatype type, int root);

/// Gathers `count` elements from each rank into `result` (`count * size` elements, rank order).
int strata_mpi_allgather(const void *buffer, void *result, int64_t count, strata_mpi_datatype type);

/// Blocks until every rank has called it.
int strata_mpi_barrier(void);

/// Ends every process of the job with `code` (MPI_Abort on MPI_COMM_WORLD).
void strata_mpi_abort(int code);

/// MPI_Finalize, unless already finalized.
int strata_mpi_finalize(void);

/// MPI_Error_string of `code` into `message`.
void strata_mpi_error_string(int code, char *message, size_t capacity);

#endif
