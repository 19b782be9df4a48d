// onnx-bench: inference throughput of an ONNX model in StrataONNX, for Benchmarks/onnx_resnet18.py.
//
//   onnx-bench MODEL.onnx --batch N [--seconds S] [--warmup W]
//   onnx-bench MODEL.onnx --check INPUT.pb EXPECTED.pb
//
// Runs the model on a batch of N normal images (the input's declared shape, N for the batch)
// without gradients, first W warm-up runs, then as many as fit in S seconds (at least 3), and
// prints one JSON line: {"engine": "strata", "batch": N, "runs": R, "images_per_second": ...,
// "cpu_ms_per_image": ...} (the process's CPU time over the timed runs, all threads, which a
// loaded machine disturbs far less than the rate).
// The thread count is STRATA_NUM_THREADS (the pool's size). With --check it runs the model once
// on the tensor in INPUT.pb and prints {"relative_error": ...}: the largest difference from the
// tensor in EXPECTED.pb (another engine's output) over the largest magnitude there.
import Foundation
import Strata
import StrataONNX

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, default value: Double, in arguments: [String] = arguments) -> Double {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Double(arguments[index + 1]) else {
        return value
    }
    return number
}
guard let path = arguments.first, !path.hasPrefix("--") else {
    print("usage: onnx-bench MODEL.onnx --batch N [--seconds S] [--warmup W]")
    exit(2)
}
let batch = Int(option("--batch", default: 1)), seconds = option("--seconds", default: 10), warmup = Int(option("--warmup", default: 3))
let model: ONNXModel
do {
    model = try ONNXModel(contentsOf: URL(fileURLWithPath: path))
} catch {
    print("onnx-bench: \(error)")
    exit(1)
}
let input = model.inputs[0]
if let index = arguments.firstIndex(of: "--check"), index + 2 < arguments.count {
    do {
        let given = try ONNXTensorFile.read(contentsOf: URL(fileURLWithPath: arguments[index + 1])).tensor
        let expected = try ONNXTensorFile.read(contentsOf: URL(fileURLWithPath: arguments[index + 2])).tensor
        let output = try withoutGradients { try model.run([input.name: given])[model.outputs[0].name]! }
        guard output.shape == expected.shape else {
            print("onnx-bench: output \(output.shape), expected \(expected.shape)")
            exit(1)
        }
        let (actual, wanted) = (output.cast(to: .float64).scalars(as: Double.self), expected.cast(to: .float64).scalars(as: Double.self))
        let scale = max(wanted.map(abs).max() ?? 0, 1e-30)
        let error = zip(actual, wanted).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
        print("{\"relative_error\": \(error)}")
        exit(0)
    } catch {
        print("onnx-bench: \(error)")
        exit(1)
    }
}
let shape = [batch] + (input.shape ?? []).dropFirst().map { dimension -> Int in
    if case .fixed(let size) = dimension { return size }
    return 1
}
let images = Tensor.normal(shape, generator: RandomGenerator(seed: 1))
/// The CPU time this process has used, all threads, in seconds.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
func once() throws {
    _ = try withoutGradients { try model.run([input.name: images]) }
}
do {
    for _ in 0..<warmup { try once() }
    let clock = ContinuousClock()
    var runs = 0
    let start = clock.now, cpuStart = processCPUSeconds()
    while runs < 3 || clock.now - start < .seconds(seconds) {
        try once()
        runs += 1
    }
    let elapsed = clock.now - start
    let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let cpu = (processCPUSeconds() - cpuStart) * 1000 / Double(runs * batch)
    print("{\"engine\": \"strata\", \"batch\": \(batch), \"runs\": \(runs), \"images_per_second\": \(Double(runs * batch) / total), \"cpu_ms_per_image\": \(cpu)}")
} catch {
    print("onnx-bench: \(error)")
    exit(1)
}
