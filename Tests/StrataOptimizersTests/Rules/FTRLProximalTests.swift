import Strata
import StrataOptimizers
import Testing

@Test func ftrlFirstStepFromZeroIsTheClosedForm() {
    // alpha 0.5, beta 1, l1 0.3, l2 0.1; w = z = n = 0 and g = (2, -0.5, 0.1, 0):
    // n = g^2 = (4, 0.25, 0.01, 0), sigma * w = 0, so z = g. Then
    // w0 = -(2 - 0.3) / ((1 + 2) / 0.5 + 0.1) = -1.7 / 6.1,
    // w1 = -(-0.5 + 0.3) / ((1 + 0.5) / 0.5 + 0.1) = 0.2 / 3.1,
    // w2 = 0 (|0.1| <= 0.3), w3 = 0 (no gradient at all). n2 is the double 0.1 * 0.1, not 0.01.
    var parameters: [ParameterPath: Tensor] = ["w": Tensor.zeros([4], dtype: .float64)]
    var optimizer = Optimizer(FTRLProximal(beta: 1, l1Strength: 0.3, l2Strength: 0.1), learningRate: 0.5)
    optimizer.update(&parameters, along: ["w": Tensor([2, -0.5, 0.1, 0] as [Double])])
    let w = parameters["w"]!.scalars(as: Double.self)
    #expect(abs(w[0] + 1.7 / 6.1) <= 1e-15 && abs(w[1] - 0.2 / 3.1) <= 1e-15)
    #expect(w[2] == 0 && w[3] == 0)
    #expect(optimizer.state["w"]!["z"]!.scalars(as: Double.self) == [2, -0.5, 0.1, 0])
    #expect(optimizer.state["w"]!["n"]!.scalars(as: Double.self) == [4, 0.25, 0.1 * 0.1, 0])
}

@Test func ftrlSecondStepSubtractsSigmaTimesTheWeight() {
    // No regularization, alpha 1, beta 1, one coordinate. Step 1 with g = 1: n = 1, z = 1,
    // w = -1 / (1 + 1) = -0.5. Step 2 with g = 1: sigma = sqrt(2) - 1, z = 1 + 1 - sigma * (-0.5),
    // n = 2, w = -z / (1 + sqrt(2)).
    var parameters: [ParameterPath: Tensor] = ["w": Tensor([0.0] as [Double])]
    var optimizer = Optimizer(FTRLProximal(), learningRate: 1)
    optimizer.update(&parameters, along: ["w": Tensor([1.0] as [Double])])
    #expect(parameters["w"]!.scalars(as: Double.self) == [-0.5])
    optimizer.update(&parameters, along: ["w": Tensor([1.0] as [Double])])
    let z = 2 + 0.5 * (2.0.squareRoot() - 1)
    #expect(abs(parameters["w"]!.scalars(as: Double.self)[0] + z / (1 + 2.0.squareRoot())) <= 1e-15)
}

// MARK: - A trajectory against numpy

// Expected values come from Fixtures/FTRLFixture.swift, written by Tools/make_ftrl_fixture.py
// (the paper's per-coordinate loop in float64).

/// Runs the fixture's 12 steps in `dtype`, the gradient by autodiff of the batch-mean logistic
/// loss, optionally moving the state to a fresh optimizer through export and import after
/// `resumeAfter` steps; returns (w, z, n) after each step and the optimizer.
func runFTRLFixture(dtype: DType, resumeAfter: Int? = nil) throws
    -> (trajectory: [(weights: [Double], z: [Double], n: [Double])], optimizer: Optimizer) {
    let (rows, features, batch) = (FTRLFixture.rows, FTRLFixture.features, FTRLFixture.batchSize)
    let inputs = Tensor(FTRLFixture.inputs, shape: [rows, features]).cast(to: dtype)
    let labels = Tensor(FTRLFixture.labels, shape: [rows, 1]).cast(to: dtype)
    let rule = FTRLProximal(beta: FTRLFixture.beta, l1Strength: FTRLFixture.l1, l2Strength: FTRLFixture.l2)
    var parameters: [ParameterPath: Tensor] = ["w": Tensor.zeros([features, 1], dtype: dtype)]
    var optimizer = Optimizer(rule, learningRate: FTRLFixture.alpha)
    var trajectory: [(weights: [Double], z: [Double], n: [Double])] = []
    let values = { (tensor: Tensor) in tensor.cast(to: .float64).scalars(as: Double.self) }
    for step in 0..<FTRLFixture.trajectory.count {
        if step == resumeAfter {
            var restored = Optimizer(rule, learningRate: FTRLFixture.alpha)
            try restored.importState(optimizer.exportState(), for: parameters)
            optimizer = restored
        }
        let start = step * batch % rows
        let x = inputs[.range(start..<(start + batch))], y = labels[.range(start..<(start + batch))]
        let gradients = gradient(at: parameters) { parameters in
            let logits = matmul(x, parameters["w"]!)
            return (softplus(logits) - y * logits).mean()
        }
        optimizer.update(&parameters, along: gradients)
        let slots = optimizer.state["w"]!
        trajectory.append((values(parameters["w"]!), values(slots["z"]!), values(slots["n"]!)))
    }
    return (trajectory, optimizer)
}

@Test(arguments: [(DType.float64, 1e-12), (DType.float32, 2e-6)])
func ftrlFollowsTheNumpyTrajectory(_ dtype: DType, _ tolerance: Double) throws {
    let (trajectory, _) = try runFTRLFixture(dtype: dtype)
    for (step, (actual, expected)) in zip(trajectory, FTRLFixture.trajectory).enumerated() {
        for (name, a, e) in [("w", actual.weights, expected.weights), ("z", actual.z, expected.z), ("n", actual.n, expected.n)] {
            let worst = zip(a, e).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            #expect(worst <= tolerance, "\(dtype) step \(step + 1) \(name): largest difference \(worst)")
        }
        // Exactly zero where numpy's is, which is exactly where |z| <= l1.
        #expect(actual.weights.map { $0 == 0 } == expected.weights.map { $0 == 0 }, "\(dtype) step \(step + 1) zeros")
        #expect(actual.weights.map { $0 == 0 } == actual.z.map { abs($0) <= FTRLFixture.l1 }, "\(dtype) step \(step + 1)")
    }
    // The last feature never occurs: its gradient, state and weight stay zero.
    #expect(trajectory.last!.n.last == 0 && trajectory.last!.weights.last == 0)
}

@Test func ftrlStateExportsAsZAndNAndResumesExactly() throws {
    let (uninterrupted, optimizer) = try runFTRLFixture(dtype: .float32)
    #expect(optimizer.exportState().keys.sorted() == ["state.w.n", "state.w.z", "step_count"])
    // Six steps, export, import into a fresh optimizer, six more: bit for bit the uninterrupted run.
    let (resumed, second) = try runFTRLFixture(dtype: .float32, resumeAfter: 6)
    #expect(second.stepCount == 12)
    for (a, b) in zip(resumed, uninterrupted) {
        #expect(a.weights == b.weights && a.z == b.z && a.n == b.n)
    }
}
