// The micro-benchmark workloads: what each one runs through Strata's public API and how its
// work is counted. Inputs are built once, outside the timing; every step allocates its result,
// as a user's `a + b` does.

import Strata

/// The unit a workload reports, and the JSON key the peers use for it.
enum Metric {
    /// 1e9 floating-point operations per second.
    case gigaflops
    /// 1e9 bytes per second, counting every byte read and written once.
    case gigabytesPerSecond
    /// Elements per second.
    case elementsPerSecond
    /// Nanoseconds per operation (lower is better); windows hold ns/op too.
    case nanosecondsPerOp
    /// Training or inference samples per second.
    case samplesPerSecond

    var key: String {
        switch self {
        case .gigaflops: "gflops"
        case .gigabytesPerSecond: "gb_per_s"
        case .elementsPerSecond: "elements_per_s"
        case .nanosecondsPerOp: "ns_per_op"
        case .samplesPerSecond: "samples_per_s"
        }
    }

    /// Converts a rate in units per second into this metric.
    func value(fromRate rate: Double) -> Double {
        switch self {
        case .gigaflops, .gigabytesPerSecond: rate / 1e9
        case .elementsPerSecond, .samplesPerSecond: rate
        case .nanosecondsPerOp: 1e9 / rate
        }
    }
}

/// One named workload.
struct Workload {
    let name: String
    let metric: Metric
    /// A line for the record: what runs and how the work is counted.
    let note: String
    /// Builds the inputs and times the workload.
    let run: (TimingSettings) -> Measurement
}

/// 16M float32 elements: 64 MiB per tensor, twice the last-level cache, so the elementwise
/// workloads stream from memory.
let streamCount = 16 * 1024 * 1024

/// Uniform inputs in [-4, 4): both branches of tanh and of the clamps in exp are exercised.
func streamInput(seed: UInt64) -> Tensor {
    Tensor.uniform([streamCount], low: -4, high: 4, generator: RandomGenerator(seed: seed))
}

func sgemm(_ n: Int) -> Workload {
    Workload(name: "sgemm_\(n)", metric: .gigaflops,
             note: "matmul of two [\(n), \(n)] float32 tensors, 2 n^3 flops") { settings in
        let a = Tensor.normal([n, n], generator: RandomGenerator(seed: 1))
        let b = Tensor.normal([n, n], generator: RandomGenerator(seed: 2))
        return measure(settings, unitsPerStep: 2 * Double(n * n * n)) { _ = matmul(a, b) }
    }
}

func streaming(_ name: String, operands: Int, _ body: @escaping ([Tensor]) -> Tensor) -> Workload {
    let bytes = (operands + 1) * 4 * streamCount
    return Workload(name: name, metric: .gigabytesPerSecond,
                    note: "16M float32, counts \(operands + 1) x 64 MiB read or written per call (\(bytes) B)") { settings in
        let inputs = (0..<operands).map { streamInput(seed: UInt64($0 + 1)) }
        return measure(settings, unitsPerStep: Double(bytes)) { _ = body(inputs) }
    }
}

func transcendental(_ name: String, _ body: @escaping (Tensor) -> Tensor) -> Workload {
    Workload(name: name, metric: .elementsPerSecond,
             note: "16M float32 uniform in [-4, 4), elements per second") { settings in
        let x = streamInput(seed: 1)
        return measure(settings, unitsPerStep: Double(streamCount)) { _ = body(x) }
    }
}

/// Operations per step of the tiny workloads, so that the clock and the closure call are
/// amortised over many ops.
let tinyOpsPerStep = 100

func tinyAdd() -> Workload {
    Workload(name: "tiny_add", metric: .nanosecondsPerOp,
             note: "a + b of two [4] float32 tensors, no gradient recording") { settings in
        let a = Tensor([1, 2, 3, 4] as [Float]), b = Tensor([5, 6, 7, 8] as [Float])
        return measure(settings, unitsPerStep: Double(tinyOpsPerStep)) {
            for _ in 0..<tinyOpsPerStep { _ = a + b }
        }
    }
}

/// The op is timed inside the transform's body, with tracked inputs, so every `a + b` records a
/// graph node (the results are dropped, so their nodes are freed at once, as for a temporary).
func tinyAddGrad() -> Workload {
    Workload(name: "tiny_add_grad", metric: .nanosecondsPerOp,
             note: "a + b of two tracked [4] float32 tensors inside valueAndGradient") { settings in
        let a = Tensor([1, 2, 3, 4] as [Float]), b = Tensor([5, 6, 7, 8] as [Float])
        var result: Measurement?
        _ = valueAndGradient(at: a, b) { a, b in
            result = measure(settings, unitsPerStep: Double(tinyOpsPerStep)) {
                for _ in 0..<tinyOpsPerStep { _ = a + b }
            }
            return (a + b).sum()
        }
        return result!
    }
}

/// Every workload, in the default order.
var allWorkloads: [Workload] {
    [
        sgemm(1024),
        sgemm(2048),
        streaming("add_16M", operands: 2) { $0[0] + $0[1] },
        streaming("relu_16M", operands: 1) { relu($0[0]) },
        transcendental("exp_16M") { exp($0) },
        transcendental("sigmoid_16M") { sigmoid($0) },
        transcendental("tanh_16M") { tanh($0) },
        tinyAdd(),
        tinyAddGrad(),
    ] + trainingWorkloads + transformerWorkloads
}
