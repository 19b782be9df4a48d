/* OSU-style allreduce loop in C against the same Open MPI, the yardstick for
 * `strata-mpi-check allreduce-benchmark` (same sizes, warm-up and iterations, float32 sums in
 * place). Build and run:
 *   mpicc -O2 Benchmarks/mpi_allreduce_bench.c -o /tmp/mpi_allreduce_bench
 *   mpirun -np 2 /tmp/mpi_allreduce_bench 20
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int iterations = argc > 1 ? atoi(argv[1]) : 20;
    for (long bytes = 4096; bytes <= (64L << 20); bytes *= 4) {
        long count = bytes / 4;
        float *buffer = malloc(bytes);
        for (long i = 0; i < count; i++) buffer[i] = 1;
        for (int i = 0; i < 2; i++) MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        for (int i = 0; i < iterations; i++) MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double seconds = (MPI_Wtime() - start) / iterations;
        double bus = 2.0 * (size - 1) / size * (double)bytes;
        if (rank == 0)
            printf("{\"op\": \"allreduce\", \"impl\": \"c\", \"ranks\": %d, \"bytes\": %ld, \"latency_us\": %.1f, \"bus_gbps\": %.3f}\n",
                   size, bytes, seconds * 1e6, bus / seconds / 1e9);
        free(buffer);
    }
    MPI_Finalize();
    return 0;
}
