// L1-regularized linear regression (the lasso, Tibshirani 1996) by proximal gradient descent:
// ISTA and its accelerated form FISTA (Beck & Teboulle, 2009) on a synthetic problem with a
// known sparse truth (200 features, 10 of them non-zero), checking that the support is found.
//
//     swift run -c release Lasso
import Foundation
import Strata
import ArgumentParser
import StrataOptimizers
import StrataTraining

/// The command line; `--help` prints it.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Lasso",
        abstract: "The lasso by ISTA and FISTA on a synthetic problem with a known sparse truth.")

    @Option(help: "Iterations of each solver.")
    var iterations = 1000
    @Option(help: "Seed of the problem.")
    var seed: UInt64 = 3

    func validate() throws {
        if iterations <= 0 { throw ValidationError("--iterations needs a positive integer") }
    }
}

let options = Options.parseOrExit()
// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

let (samples, features, informative) = (150, 200, 10)
let alpha = 0.05
let generator = RandomGenerator(seed: options.seed)

// The truth: 10 non-zero coefficients of magnitude 1 to 2 with random signs, at random positions.
let positions = Array(Tensor.uniform([features], generator: generator).scalars(as: Double.self)
    .enumerated().sorted { $0.element < $1.element }.prefix(informative).map(\.offset)).sorted()
var truthValues = [Double](repeating: 0, count: features)
for position in positions {
    let draw = Tensor.uniform([2], generator: generator).scalars(as: Double.self)
    truthValues[position] = (1 + draw[0]) * (draw[1] < 0.5 ? -1 : 1)
}
let truth = Tensor(truthValues, shape: [features, 1])
let x = Tensor.normal([samples, features], dtype: .float64, generator: generator)
let y = matmul(x, truth) + Tensor.normal([samples, 1], standardDeviation: 0.1, dtype: .float64, generator: generator)

/// The smooth part of the objective, 1/(2n) ||Xw - y||^2.
func smoothLoss(_ w: Tensor) -> Tensor {
    square(matmul(x, w) - y).sum() / Double(2 * samples)
}

func objective(_ w: Tensor) -> Double {
    (smoothLoss(w) + abs(w).sum() * alpha).scalar(as: Double.self)
}

// Step size 1/L, with L the largest eigenvalue of X^T X / n (power iteration).
let gram = matmul(x.transposed(), x) / Double(samples)
var vector = Tensor.ones([features, 1], dtype: .float64)
for _ in 0..<200 {
    let next = matmul(gram, vector)
    vector = next / sqrt(square(next).sum())
}
let lipschitz = matmul(vector.transposed(), matmul(gram, vector)).scalar(as: Double.self)
print(String(format: "lasso: %d samples, %d features, %d non-zero; alpha %.3f; step 1/L = %.4f",
             samples, features, informative, alpha, 1 / lipschitz))

func solve(accelerated: Bool, iterations: Int) -> Tensor {
    var parameters: [ParameterPath: Tensor] = ["weight": Tensor.zeros([features, 1], dtype: .float64)]
    var optimizer = Optimizer(ProximalGradient(.l1(strength: alpha), accelerated: accelerated), learningRate: 1 / lipschitz)
    let name = accelerated ? "FISTA" : "ISTA "
    for iteration in 1...iterations {
        let gradients = gradient(at: parameters) { p in smoothLoss(p["weight"]!) }
        optimizer.update(&parameters, along: gradients)
        if [1, 10, 50, 100, 300, iterations].contains(iteration) {
            // FISTA's model holds the extrapolated point; the iterate is in the optimizer state.
            let iterate = optimizer.state["weight"]?["iterate"] ?? parameters["weight"]!
            print(String(format: "%@ iteration %4d  objective %.6f", name, iteration, objective(iterate)))
        }
    }
    return optimizer.state["weight"]?["iterate"] ?? parameters["weight"]!
}

let ista = solve(accelerated: false, iterations: options.iterations)
let fista = solve(accelerated: true, iterations: options.iterations)

let estimate = fista.scalars(as: Double.self)
let found = estimate.indices.filter { estimate[$0] != 0 }
let recovered = Set(found).intersection(positions).count
print("true support:      \(positions)")
print("estimated support: \(found)")
print(String(format: "recovered %d of %d true features, %d false positives; max |w - truth| = %.3f",
             recovered, informative, found.count - recovered,
             zip(estimate, truthValues).map { Swift.abs($0 - $1) }.max()!))
print(String(format: "ISTA and FISTA agree to %.2e", (ista - fista).abs().max().scalar(as: Double.self)))
if recovered != informative {
    print("error: the support was not recovered")
    exit(1)
}
