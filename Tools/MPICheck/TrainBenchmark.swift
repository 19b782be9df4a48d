import ArgumentParser
import Foundation
import Strata
import StrataDistributed
import StrataNN
import StrataOptimizers

/// Training throughput of StrataBench's `lenet_train` and `resnet_train` (float32, global batch
/// 64, SGD momentum 0.9) in this world: alone it is the single-process step; under `mpirun -np N`
/// each rank takes 64 / N of the batch and the gradients are averaged by `DataParallel`.
/// Alternates steps with the buckets' allreduces after backward and overlapped with it, and
/// reports (rank 0, one JSON line) the samples per second of each, the median communication time
/// C without overlap (the blocking allreduces after backward), the median exposed wait with
/// overlap, and the hidden fraction: the time overlap saves from the end of the forward pass to
/// the averaged gradients, over C: `(median(backward + averaging, no overlap) - median(backward +
/// averaging, overlap)) / C` (packing and polling inside backward count against overlap). Benchmarks/mpi_train_compare.sh runs it 2 ranks x 1 thread
/// against 1 process x 2 threads.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train-benchmark",
                                                    abstract: "Data-parallel training throughput and hidden communication.")

    @Option(help: "lenet or resnet.") var model: String = "lenet"
    @Option(help: "Timed steps per mode (after 3 warm-up steps).") var steps: Int = 20
    @Option(help: "Global batch size.") var batch: Int = 64
    @Flag(help: "Synchronized batch norm (resnet).") var syncBatchNorm = false
    @Option(help: "Bucket size in bytes (default 25 MiB; the first bucket at most 1 MiB).") var bucketBytes: Int = 25 << 20

    func run() throws {
        let group = try detectedProcessGroup()
        let generator = RandomGenerator(seed: 0)
        let layer: any Layer = switch model {
        case "lenet": LeNet(generator: generator)
        case "resnet": ResNet.small(generator: generator)
        default: throw ValidationError("unknown model \(model): lenet or resnet")
        }
        var network = Sequential([layer])
        let x = Tensor.normal([batch, 1, 28, 28], generator: generator)
        let labels = Tensor.uniform([batch], high: 10, generator: generator).cast(to: .int64)
        var parallel = DataParallel(group: group, bucketBytes: bucketBytes, synchronizesBatchNorm: syncBatchNorm)
        try parallel.synchronize(&network)
        let local = parallel.localRange(ofBatch: batch)
        let (inputs, targets) = (x[local], labels[local])
        var optimizer = Optimizer(SGD(momentum: 0.9), learningRate: 0.01)
        var records: [Bool: [(step: Double, timings: CommunicationTimings)]] = [false: [], true: []]
        for index in 0..<(2 * (steps + 3)) {
            let overlap = index % 2 == 1
            parallel.overlapsBackward = overlap
            let start = ContinuousClock.now
            let gradients = try withTrainingMode(true) {
                try withStatisticsUpdates(of: &network) { model in
                    try parallel.valueAndAveragedGradient(at: model) { model in
                        (crossEntropy(logits: model(inputs), labels: targets), local.count)
                    }
                }
            }.gradient
            optimizer.update(&network, along: gradients)
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            if index >= 6 { records[overlap]!.append((seconds, parallel.lastTimings)) }
        }
        guard group.isLeader else { return }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let (plain, overlapped) = (records[false]!, records[true]!)
        let communication = median(plain.map(\.timings.exposed))
        let exposed = median(overlapped.map(\.timings.exposed))
        let saved = median(plain.map(\.timings.backwardAndAveraging)) - median(overlapped.map(\.timings.backwardAndAveraging))
        let threads = ProcessInfo.processInfo.environment["STRATA_NUM_THREADS"] ?? "default"
        var line = #"{"workload": "\#(model)_train", "ranks": \#(group.size), "threads_per_rank": "\#(threads)", "batch": \#(batch), "#
            + #""samples_per_s": \#(Double(batch) / median(overlapped.map(\.step))), "#
            + #""samples_per_s_no_overlap": \#(Double(batch) / median(plain.map(\.step)))"#
        if group.size > 1 {
            line += #", "communication_ms": \#(communication * 1e3), "exposed_ms": \#(exposed * 1e3), "#
                + #""during_backward_ms": \#(median(overlapped.map(\.timings.duringBackward)) * 1e3), "#
                + #""hidden_fraction": \#(communication > 0 ? (saved / communication) : 0)"#
        }
        print(line + "}")
    }
}
