// onnx-bench: inference throughput of an ONNX model in StrataONNX, for Benchmarks/onnx_resnet18.py.
//
//   onnx-bench MODEL.onnx --batch N [--seconds S] [--warmup W]
//
// Runs the model on a batch of N normal images (the input's declared shape, N for the batch)
// without gradients, first W warm-up runs, then as many as fit in S seconds (at least 3), and
// prints one JSON line: {"engine": "strata", "batch": N, "runs": R, "images_per_second": ...}.
// The thread count is STRATA_NUM_THREADS (the pool's size).
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
let shape = [batch] + (input.shape ?? []).dropFirst().map { dimension -> Int in
    if case .fixed(let size) = dimension { return size }
    return 1
}
let images = Tensor.normal(shape, generator: RandomGenerator(seed: 1))
func once() throws {
    _ = try withoutGradients { try model.run([input.name: images]) }
}
do {
    for _ in 0..<warmup { try once() }
    let clock = ContinuousClock()
    var runs = 0
    let start = clock.now
    while runs < 3 || clock.now - start < .seconds(seconds) {
        try once()
        runs += 1
    }
    let elapsed = clock.now - start
    let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    print("{\"engine\": \"strata\", \"batch\": \(batch), \"runs\": \(runs), \"images_per_second\": \(Double(runs * batch) / total)}")
} catch {
    print("onnx-bench: \(error)")
    exit(1)
}
