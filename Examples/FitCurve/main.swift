// Fits a 2-layer network (1 -> 32 tanh -> 1) to noisy samples of sin(3x) on [-1, 1] with
// reverse-mode autodiff and plain full-batch gradient descent, printing the loss as it falls.
//
//     swift run -c release FitCurve
import Foundation
import ArgumentParser
import Strata
import StrataTraining

/// The command line; `--help` prints it.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "FitCurve",
        abstract: "Fits a 1-32-1 tanh network to noisy sin(3x) by full-batch gradient descent.")

    @Option(help: "Gradient descent steps.")
    var steps = 2000
    @Option(help: "Seed of the samples and the initial weights.")
    var seed: UInt64 = 7

    func validate() throws {
        if steps <= 0 { throw ValidationError("--steps needs a positive integer") }
    }
}

let options = Options.parseOrExit()
// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

let generator = RandomGenerator(seed: options.seed)
let sampleCount = 256
let hidden = 32

// Data: y = sin(3x) + noise with standard deviation 0.05.
let x = Tensor.uniform([sampleCount, 1], low: -1, high: 1, generator: generator)
let y = sin(x * 3) + Tensor.normal([sampleCount, 1], standardDeviation: 0.05, generator: generator)

// Parameters, keyed by path, initialised like PyTorch's Linear (uniform in +-1/sqrt(fanIn)).
var parameters: [ParameterPath: Tensor] = [
    "0.weight": Tensor.uniform([hidden, 1], low: -1, high: 1, generator: generator),
    "0.bias": Tensor.uniform([hidden], low: -1, high: 1, generator: generator),
    "2.weight": Tensor.uniform([1, hidden], low: -1 / Double(hidden).squareRoot(), high: 1 / Double(hidden).squareRoot(), generator: generator),
    "2.bias": Tensor.zeros([1]),
]

func predict(_ p: [ParameterPath: Tensor], _ input: Tensor) -> Tensor {
    let h = tanh(matmul(input, p["0.weight"]!.transposed()) + p["0.bias"]!)
    return matmul(h, p["2.weight"]!.transposed()) + p["2.bias"]!
}

let learningRate = 0.1
let steps = options.steps
var firstLoss = Float.nan
var lastLoss = Float.nan
for step in 0...steps {
    let (loss, gradients) = valueAndGradient(at: parameters) { p in
        (predict(p, x) - y).square().mean()
    }
    for (path, gradient) in gradients {
        parameters[path] = parameters[path]! - gradient * learningRate
    }
    lastLoss = loss.scalar(as: Float.self)
    if step == 0 { firstLoss = lastLoss }
    if step % 200 == 0 {
        print("step \(String(step).padding(toLength: 5, withPad: " ", startingAt: 0)) loss \(String(format: "%.5f", lastLoss))")
    }
}
print(String(format: "loss fell from %.4f to %.4f (noise floor 0.0025)", firstLoss, lastLoss))
if !(lastLoss < firstLoss / 10) {
    print("error: the loss did not fall tenfold")
    exit(1)
}
