import Strata
import StrataOptimizers
import Testing

// MARK: - Proximal operators, derived by hand

@Test func l1ProximalOperatorSoftThresholds() {
    // Threshold lr * strength = 0.25 * 2 = 0.5: |w| <= 0.5 becomes 0, the rest moves 0.5 toward 0.
    let rule = ProximalGradient(.l1(strength: 2))
    let result = rule.proximal(Tensor([3, -0.5, 0.25, -2, 0] as [Double]), learningRate: 0.25)
    #expect(result.scalars(as: Double.self) == [2.5, 0, 0, -1.5, 0])
}

@Test func groupL1ProximalOperatorShrinksWholeRows() {
    // Threshold lr * strength = 0.5 * 2 = 1. Row norms: ||(3, 4)|| = 5 -> scale 1 - 1/5 = 0.8,
    // giving (2.4, 3.2); ||(0.3, 0.4)|| = 0.5 < 1 -> the row vanishes; a zero row stays zero (no NaN).
    let rule = ProximalGradient(.groupL1(strength: 2))
    let result = rule.proximal(Tensor([[3, 4], [0.3, 0.4], [0, 0]] as [[Double]]), learningRate: 0.5)
    #expect(result.shape == [3, 2])
    let expected: [Double] = [2.4, 3.2, 0, 0, 0, 0]
    for (actual, value) in zip(result.scalars(as: Double.self), expected) {
        #expect(abs(actual - value) <= 1e-15)
    }
}

@Test func groupL1GroupsAreSlicesAlongTheFirstAxis() {
    // Shape [2, 2, 2], threshold 1. Slice 0 = (1, 2, 2, 4) has norm sqrt(1 + 4 + 4 + 16) = 5 ->
    // scale 0.8; slice 1 = (0.1, 0.1, 0.1, 0.1) has norm 0.2 -> zero.
    let rule = ProximalGradient(.groupL1(strength: 1))
    let w = Tensor([1, 2, 2, 4, 0.1, 0.1, 0.1, 0.1] as [Double], shape: [2, 2, 2])
    let expected: [Double] = [0.8, 1.6, 1.6, 3.2, 0, 0, 0, 0]
    for (actual, value) in zip(rule.proximal(w, learningRate: 1).scalars(as: Double.self), expected) {
        #expect(abs(actual - value) <= 1e-15)
    }
}

@Test func groupL1OnAVectorIsSoftThresholding() {
    // Rank 1: every element is its own group, so the result equals the L1 operator's: threshold 1
    // turns (3, -0.5, -1.5) into (2, 0, -0.5).
    let w = Tensor([3, -0.5, -1.5] as [Double])
    let group = ProximalGradient(.groupL1(strength: 1)).proximal(w, learningRate: 1).scalars(as: Double.self)
    for (actual, value) in zip(group, [2, 0, -0.5] as [Double]) {
        #expect(abs(actual - value) <= 1e-15)
    }
}

@Test func boxProximalOperatorProjects() {
    let rule = ProximalGradient(.box(low: -1, high: 1))
    let result = rule.proximal(Tensor([-2, 0.5, 3, -1] as [Double]), learningRate: 0.1)
    #expect(result.scalars(as: Double.self) == [-1, 0.5, 1, -1])
}

@Test func istaStepIsAGradientStepThenTheProximalOperator() {
    // w - lr g = (1, -1, 0.1) - 0.25 (2, -2, 0) = (0.5, -0.5, 0.1); soft-threshold at 0.25 * 1
    // gives (0.25, -0.25, 0).
    var parameters: [ParameterPath: Tensor] = ["w": Tensor([1, -1, 0.1] as [Double])]
    var optimizer = Optimizer(ProximalGradient(.l1(strength: 1)), learningRate: 0.25)
    optimizer.update(&parameters, along: ["w": Tensor([2, -2, 0] as [Double])])
    #expect(parameters["w"]!.scalars(as: Double.self) == [0.25, -0.25, 0])
}

@Test func fistaExtrapolatesWithTheBeckTeboulleSequence() {
    // No regularization (l1 strength 0, so the operator is the identity), w0 = 1, lr 0.5,
    // gradient 1 each step. Beck & Teboulle: t1 = 1, t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2,
    // y_k = x_k + (t_k - 1) / t_{k+1} (x_k - x_{k-1}).
    var parameters: [ParameterPath: Tensor] = ["w": Tensor([1.0] as [Double])]
    var optimizer = Optimizer(ProximalGradient(.l1(strength: 0), accelerated: true), learningRate: 0.5)
    let gradient: [ParameterPath: Tensor] = ["w": Tensor([1.0] as [Double])]

    // Step 1: x1 = 1 - 0.5 = 0.5, and (t1 - 1) = 0, so y1 = x1.
    optimizer.update(&parameters, along: gradient)
    #expect(parameters["w"]!.scalars(as: Double.self) == [0.5])
    let t2 = (1 + 5.0.squareRoot()) / 2

    // Step 2 (gradient taken at y1): x2 = 0.5 - 0.5 = 0; y2 = 0 + (t2 - 1) / t3 * (0 - 0.5).
    optimizer.update(&parameters, along: gradient)
    let t3 = (1 + (1 + 4 * t2 * t2).squareRoot()) / 2
    let expected = -0.5 * (t2 - 1) / t3
    #expect(abs(parameters["w"]!.scalars(as: Double.self)[0] - expected) <= 1e-15)
    #expect(optimizer.state["w"]!["iterate"]!.scalars(as: Double.self) == [0])
}

// MARK: - The lasso against scikit-learn

// Expected coefficients come from Fixtures/LassoFixture.swift, written by Tools/make_lasso_fixture.py
// (scikit-learn's coordinate-descent Lasso).

/// Minimizes 1/(2n) ||X w - y||^2 + alpha ||w||_1 from w = 0 with step 1/L; returns the model's
/// weights (for FISTA the extrapolated point) and the optimizer.
func fitLasso(accelerated: Bool, iterations: Int) -> (weights: [Double], optimizer: Optimizer) {
    let n = LassoFixture.samples
    let design = Tensor(LassoFixture.design, shape: [n, LassoFixture.features])
    let response = Tensor(LassoFixture.response, shape: [n, 1])
    var parameters: [ParameterPath: Tensor] = ["w": Tensor.zeros([LassoFixture.features, 1], dtype: .float64)]
    var optimizer = Optimizer(ProximalGradient(.l1(strength: LassoFixture.alpha), accelerated: accelerated),
                              learningRate: 1 / LassoFixture.lipschitz)
    for _ in 0..<iterations {
        let gradients = gradient(at: parameters) { parameters in
            square(matmul(design, parameters["w"]!) - response).sum() / Double(2 * n)
        }
        optimizer.update(&parameters, along: gradients)
    }
    return (parameters["w"]!.scalars(as: Double.self), optimizer)
}

/// Coefficients within `tolerance` of scikit-learn's, and zero exactly where scikit-learn's are.
func expectLassoSolution(_ weights: [Double], tolerance: Double, _ what: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    let expected = LassoFixture.coefficients
    #expect(weights.count == expected.count, sourceLocation: sourceLocation)
    let worst = zip(weights, expected).map { abs($0 - $1) }.max() ?? .infinity
    #expect(worst <= tolerance, "\(what): largest coefficient difference \(worst)", sourceLocation: sourceLocation)
    let support = weights.indices.filter { weights[$0] != 0 }
    let expectedSupport = expected.indices.filter { expected[$0] != 0 }
    #expect(support == expectedSupport, "\(what): support", sourceLocation: sourceLocation)
}

@Test func istaSolvesTheLassoLikeScikitLearn() {
    // The brief asks for 1e-3; at this iteration count ISTA is within 1e-6 (the generator checks a
    // KKT margin of 0.08, so the support settles long before).
    let (weights, _) = fitLasso(accelerated: false, iterations: 400)
    expectLassoSolution(weights, tolerance: 1e-6, "ISTA")
}

@Test func fistaSolvesTheLassoLikeScikitLearn() {
    let (weights, optimizer) = fitLasso(accelerated: true, iterations: 250)
    // The model holds the extrapolated point; the iterate itself is in the state.
    expectLassoSolution(weights, tolerance: 1e-6, "FISTA extrapolated point")
    expectLassoSolution(optimizer.state["w"]!["iterate"]!.scalars(as: Double.self), tolerance: 1e-6, "FISTA iterate")
}
