import ArgumentParser
import Foundation
import Strata
import StrataDistributed

/// Allreduce latency and bandwidth through `MPIProcessGroup` for float32 messages of 4 KB to
/// 64 MB, one JSON line per size from rank 0, in the shape of the OSU allreduce benchmark
/// (Tools/mpi_allreduce_bench.c runs the same loop in C against the same MPI).
struct AllReduceBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "allreduce-benchmark",
                                                    abstract: "Allreduce latency and bandwidth, 4 KB to 64 MB.")

    @Option(help: "Timed iterations per size (after 2 warm-up ones).") var iterations: Int = 20

    func run() throws {
        let group = try detectedProcessGroup()
        var bytes = 4096
        while bytes <= 64 << 20 {
            let tensor = Tensor.full([bytes / 4], value: 1, dtype: .float32)
            for _ in 0..<2 { _ = try group.allReduceSum(tensor) }
            try group.barrier()
            let start = ContinuousClock.now
            for _ in 0..<iterations { _ = try group.allReduceSum(tensor) }
            let elapsed = ContinuousClock.now - start
            let seconds = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) / Double(iterations)
            // Bus bandwidth as NCCL's tests define it for a ring: 2 (N - 1) / N bytes per rank.
            let busBytes = 2 * Double(group.size - 1) / Double(max(group.size, 1)) * Double(bytes)
            if group.isLeader {
                print(#"{"op": "allreduce", "ranks": \#(group.size), "bytes": \#(bytes), "latency_us": \#(seconds * 1e6), "bus_gbps": \#(busBytes / seconds / 1e9)}"#)
            }
            bytes *= 4
        }
    }
}
