import Strata
import StrataNN
import Testing

// Strata's RNN, LSTM and GRU against PyTorch: every fixture in RNNFixtures.swift (written by
// Tools/make_rnn_fixtures.py) is recomputed here, outputs, final states and gradients, element by
// element. The layers load the fixture's weights strictly under PyTorch's state_dict names, so a
// passing test also proves the names and layouts. Then what fixtures cannot show: the visit order
// and audit of the parameters, float64 gradients against finite differences, dropout between
// layers in training, and traps on misuse.

/// Every test of this file, for `swift test --filter RNNFidelityTests`.
@Suite struct RNNFidelityTests {}

/// 1e-5 relative, as for the other float32 fixtures (FidelityTests.swift); the absolute part
/// covers gradients that float32 cancellation leaves at a few 1e-8 instead of near zero.
private let relativeTolerance = 1e-5
private let absoluteTolerance = 1e-6

/// Records a failure naming the value and the first element out of tolerance.
private func expectMatches(_ actual: Tensor, _ expected: Tensor, _ what: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
    expectMatchesPyTorch(actual, expected, what, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance,
                         sourceLocation: sourceLocation)
}

// MARK: - The three layers behind one call

/// RNN, LSTM and GRU behind one call, so one reproduction serves them all.
private protocol RecurrentLayerUnderTest: Layer {
    var configuration: RecurrentConfiguration { get set }
    var dropoutGenerator: RandomGenerator? { get set }
    /// `output`, `final_hidden` and, for an LSTM, `final_cell`: the fixtures' names.
    func results(_ input: Tensor, hidden: Tensor?, cell: Tensor?, lengths: [Int]?) -> [String: Tensor]
}

extension LSTM: RecurrentLayerUnderTest {
    func results(_ input: Tensor, hidden: Tensor?, cell: Tensor?, lengths: [Int]?) -> [String: Tensor] {
        let result = self(input, hidden: hidden, cell: cell, lengths: lengths)
        return ["output": result.output, "final_hidden": result.hidden, "final_cell": result.cell]
    }
}

extension GRU: RecurrentLayerUnderTest {
    func results(_ input: Tensor, hidden: Tensor?, cell: Tensor?, lengths: [Int]?) -> [String: Tensor] {
        precondition(cell == nil, "a GRU has no cell state")
        let result = self(input, hidden: hidden, lengths: lengths)
        return ["output": result.output, "final_hidden": result.hidden]
    }
}

extension RNN: RecurrentLayerUnderTest {
    func results(_ input: Tensor, hidden: Tensor?, cell: Tensor?, lengths: [Int]?) -> [String: Tensor] {
        precondition(cell == nil, "an RNN has no cell state")
        let result = self(input, hidden: hidden, lengths: lengths)
        return ["output": result.output, "final_hidden": result.hidden]
    }
}

/// A layer with its input and initial states as one parameter structure, so one
/// `valueAndGradient` differentiates with respect to all of them (the layer's under "layer.").
private struct RecurrentCall<Wrapped: RecurrentLayerUnderTest>: ParameterContainer {
    var layer: Wrapped
    var input: Tensor
    var hidden: Tensor?
    var cell: Tensor?

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("input", &input)
        visitor.visit("hidden", &hidden)
        visitor.visit("cell", &cell)
        visitor.visit("layer", &layer)
    }

    func results(lengths: [Int]?) -> [String: Tensor] {
        layer.results(input, hidden: hidden, cell: cell, lengths: lengths)
    }
}

/// `sum(value * weights[name])` over every value, in name order: the scalar the fixtures (with
/// their `upstream.` weightings) and the finite-difference checks differentiate.
private func weightedTotal(_ values: [String: Tensor], weights: (String) -> Tensor) -> Tensor {
    let terms = values.keys.sorted().map { name in (values[name]! * weights(name)).sum() }
    return terms.dropFirst().reduce(terms[0], +)
}

// MARK: - The layer for each fixture

/// `RecurrentConfiguration` at the fixtures' sizes (input 4, hidden 3).
private func fixtureConfiguration(layers: Int = 1, bias: Bool = true, batchFirst: Bool = false, dropout: Double = 0,
                                  bidirectional: Bool = false) -> RecurrentConfiguration {
    RecurrentConfiguration(inputSize: 4, hiddenSize: 3, layers: layers, bias: bias, batchFirst: batchFirst,
                           dropout: dropout, bidirectional: bidirectional)
}

/// The Strata layer for each fixture, built as the generator built PyTorch's. Initial states and
/// lengths are arguments of the call, taken from the fixture, so several fixtures share a
/// configuration.
private func layersUnderTest() -> [String: any RecurrentLayerUnderTest] {
    // The suffixes and options of `configuration_variants` in the generator.
    let gatedVariants: [(suffix: String, configuration: RecurrentConfiguration)] = [
        ("", fixtureConfiguration()),
        ("TwoLayers", fixtureConfiguration(layers: 2)),
        ("Bidirectional", fixtureConfiguration(bidirectional: true)),
        ("TwoLayersBidirectional", fixtureConfiguration(layers: 2, bidirectional: true)),
        ("BatchFirst", fixtureConfiguration(batchFirst: true)),
        ("InitialStates", fixtureConfiguration()),
        ("TwoLayersBidirectionalInitialStates", fixtureConfiguration(layers: 2, bidirectional: true)),
        ("WithoutBias", fixtureConfiguration(bias: false)),
        ("TwoLayersDropoutEvaluation", fixtureConfiguration(layers: 2, dropout: 0.5)),
        ("Lengths", fixtureConfiguration()),
        ("LengthsBidirectional", fixtureConfiguration(bidirectional: true)),
        ("LengthsTwoLayersBidirectionalInitialStates", fixtureConfiguration(layers: 2, bidirectional: true)),
        ("LengthsBatchFirstBidirectional", fixtureConfiguration(batchFirst: true, bidirectional: true)),
    ]
    // The suffixes and options of `rnn_variants` in the generator.
    let rnnVariants: [(suffix: String, configuration: RecurrentConfiguration)] = [
        ("", fixtureConfiguration()),
        ("TwoLayersBidirectionalInitialStates", fixtureConfiguration(layers: 2, bidirectional: true)),
        ("WithoutBiasBatchFirst", fixtureConfiguration(bias: false, batchFirst: true)),
        ("LengthsBidirectional", fixtureConfiguration(bidirectional: true)),
    ]
    var table: [String: any RecurrentLayerUnderTest] = [:]
    for (suffix, configuration) in gatedVariants {
        table["lstm" + suffix] = LSTM(configuration)
        table["gru" + suffix] = GRU(configuration)
    }
    for (suffix, configuration) in rnnVariants {
        table["rnnTanh" + suffix] = RNN(configuration, nonlinearity: .tanh)
        table["rnnReLU" + suffix] = RNN(configuration, nonlinearity: .relu)
    }
    return table
}

// MARK: - Fidelity

/// Loads the fixture's state_dict into `layer` (strictly), runs it in inference on the fixture's
/// input, states and lengths, and differentiates the fixture's weighted total.
private func reproduce<Wrapped: RecurrentLayerUnderTest>(_ fixture: Fixture, _ layer: Wrapped) throws -> [String: Tensor] {
    var layer = layer
    try layer.loadStateDictionary(fixture.stateDictionary)
    let lengths = fixture.has("lengths") ? fixture["lengths"].scalars(as: Int64.self).map { Int($0) } : nil
    let call = RecurrentCall(layer: layer, input: fixture["input"],
                             hidden: fixture.has("hidden") ? fixture["hidden"] : nil,
                             cell: fixture.has("cell") ? fixture["cell"] : nil)
    var results: [String: Tensor] = [:]
    let (_, gradients) = withTrainingMode(false) {
        valueAndGradient(at: call) { call in
            let values = call.results(lengths: lengths)
            for (name, value) in values { results[name] = value.detached }
            return weightedTotal(values) { fixture["upstream." + $0] }
        }
    }
    for (path, gradient) in gradients.keyedByName {
        let name = path.hasPrefix("layer.") ? String(path.dropFirst("layer.".count)) : path
        results["gradient." + name] = gradient
    }
    return results
}

extension RNNFidelityTests {
    @Test(arguments: RNNFixtures.all)
    func strataRecurrentLayersReproducePyTorch(_ fixture: Fixture) throws {
        let layer = try #require(layersUnderTest()[fixture.name], "no Strata layer for fixture \(fixture.name)")
        let results = try reproduce(fixture, layer)
        let expectedKeys = fixture.tensors.keys
            .filter { $0 == "output" || $0.hasPrefix("final_") || $0.hasPrefix("gradient.") }
            .sorted()
        // At least the output, h_n, the input's gradient and the four (or two) tensors of one layer.
        #expect(expectedKeys.count >= 5)
        for key in expectedKeys {
            guard let actual = results[key] else {
                let computed = results.keys.sorted()
                Issue.record("\(fixture.name) (\(fixture.torchCode)): Strata computed no \(key); it computed \(computed)")
                continue
            }
            expectMatches(actual, fixture[key], "\(fixture.name) (\(fixture.torchCode)) \(key)")
        }
        // A value or gradient PyTorch did not record would be one the fixture does not cover.
        for key in results.keys where !fixture.has(key) {
            Issue.record("\(fixture.name): Strata has \(key), which PyTorch did not record")
        }
    }

    @Test func everyRecurrentFixtureHasItsLayer() {
        let fixtureNames = Set(RNNFixtures.all.map(\.name))
        #expect(Set(layersUnderTest().keys) == fixtureNames)
        #expect(Set(RNNFixtures.stateKeys.keys) == fixtureNames)
    }
}

// MARK: - Parameters

/// The paths a module presents to its visitor, in visiting order.
private func visitOrder<M: Module>(_ module: M) -> [String] {
    var copy = module
    var paths: [String] = []
    copy.visitParameters { path, _, _ in paths.append(path.description) }
    return paths
}

extension RNNFidelityTests {
    @Test(arguments: RNNFixtures.all)
    func recurrentParametersFollowPyTorchsStateDictionary(_ fixture: Fixture) throws {
        let layer = try #require(layersUnderTest()[fixture.name])
        #expect(auditParameterVisits(layer) == [], "\(fixture.name)")
        // Same names in the same order as `state_dict()`: PyTorch's flat parameter lists (and any
        // optimizer state keyed by position) line up with Strata's.
        #expect(visitOrder(layer) == RNNFixtures.stateKeys[fixture.name], "\(fixture.name)")
        #expect(layer.stateDictionary().keyedByName.keys.sorted() == fixture.stateDictionary.keys.sorted(), "\(fixture.name)")
    }
}

// MARK: - Gradients against finite differences

/// Checks every gradient of `loss` at the float64 `point` against central finite differences,
/// recording the worst element of each path out of tolerance.
///
/// The step 1e-6 balances truncation (about step^2 * f''' ~ 1e-12) against rounding (about
/// 1e-16 * |f| / step ~ 1e-10 * |f|) in float64; the tolerances are those of
/// Tests/StrataTests/Support/GradientCheck.swift.
private func expectGradientsMatchFiniteDifferences<Point: ParameterContainer>(
    at point: Point, sourceLocation: SourceLocation = #_sourceLocation, _ loss: (Point) -> Tensor
) {
    let step = 1e-6
    let relativeTolerance = 1e-6
    let absoluteTolerance = 1e-7
    let (_, analytic) = valueAndGradient(at: point, of: loss)
    for (path, tensor) in point.parameters.sorted(by: { $0.key < $1.key }) {
        precondition(tensor.dtype == .float64, "finite differences need float64; \(path) is \(tensor.dtype)")
        let values = tensor.scalars(as: Double.self)
        func shiftedLoss(_ moved: [Double]) -> Double {
            var shifted = point
            shifted.visitParameters { visited, tensor, _ in
                if visited == path { tensor = Tensor(moved, shape: tensor.shape) }
            }
            return loss(shifted).scalar(as: Double.self)
        }
        guard let computed = analytic[path]?.scalars(as: Double.self) else {
            Issue.record("no gradient for \(path)", sourceLocation: sourceLocation)
            continue
        }
        var worst: (ratio: Double, index: Int, analytic: Double, numeric: Double)?
        for index in values.indices {
            var plus = values
            plus[index] += step
            var minus = values
            minus[index] -= step
            let numeric = (shiftedLoss(plus) - shiftedLoss(minus)) / (2 * step)
            let ratio = Swift.abs(computed[index] - numeric) / (absoluteTolerance + relativeTolerance * Swift.abs(numeric))
            if ratio > (worst?.ratio ?? 1) || ratio.isNaN { worst = (ratio, index, computed[index], numeric) }
        }
        if let worst {
            let message = "\(path) \(tensor.shape): flat element \(worst.index): analytic \(worst.analytic), "
                + "finite difference \(worst.numeric) (\(worst.ratio)x the tolerance)"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
    }
}

/// A small float64 call covering every path at once: two layers, both directions, given initial
/// states and a padded batch (time 3, batch 2, input 2, hidden 2; lengths 2 and 3).
private func finiteDifferenceCall<Wrapped: RecurrentLayerUnderTest>(_ layer: Wrapped, withCell: Bool) -> RecurrentCall<Wrapped> {
    func uniform(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor.uniform(shape, low: -1, high: 1, dtype: .float64, generator: RandomGenerator(seed: seed))
    }
    return RecurrentCall(layer: layer, input: uniform([3, 2, 2], seed: 11), hidden: uniform([4, 2, 2], seed: 12),
                         cell: withCell ? uniform([4, 2, 2], seed: 13) : nil)
}

private let finiteDifferenceLengths = [2, 3]

/// Fixed weights in [-1.5, 1.5) for each value, so that every element of the output and the
/// final states enters the checked scalar with its own coefficient.
private func finiteDifferenceWeights(_ name: String, shape: [Int]) -> Tensor {
    let seed: UInt64 = name == "output" ? 21 : name == "final_hidden" ? 22 : 23
    return Tensor.uniform(shape, low: -1.5, high: 1.5, dtype: .float64, generator: RandomGenerator(seed: seed))
}

private let smallConfiguration = RecurrentConfiguration(inputSize: 2, hiddenSize: 2, layers: 2, bidirectional: true)

extension RNNFidelityTests {
    @Test func lstmGradientsMatchFiniteDifferencesInFloat64() {
        let lstm = LSTM(smallConfiguration, dtype: .float64, generator: RandomGenerator(seed: 10))
        expectGradientsMatchFiniteDifferences(at: finiteDifferenceCall(lstm, withCell: true)) { call in
            let values = call.results(lengths: finiteDifferenceLengths)
            return weightedTotal(values) { finiteDifferenceWeights($0, shape: values[$0]!.shape) }
        }
    }

    @Test func gruGradientsMatchFiniteDifferencesInFloat64() {
        let gru = GRU(smallConfiguration, dtype: .float64, generator: RandomGenerator(seed: 10))
        expectGradientsMatchFiniteDifferences(at: finiteDifferenceCall(gru, withCell: false)) { call in
            let values = call.results(lengths: finiteDifferenceLengths)
            return weightedTotal(values) { finiteDifferenceWeights($0, shape: values[$0]!.shape) }
        }
    }
}

// MARK: - Dropout

/// Runs `layer` in training and in inference with dropout 0.5 between its two layers, against
/// the same weights without dropout.
private func checkDropoutBetweenLayers<Wrapped: RecurrentLayerUnderTest>(_ layer: Wrapped,
                                                                          sourceLocation: SourceLocation = #_sourceLocation) {
    var layer = layer
    layer.dropoutGenerator = RandomGenerator(seed: 2)
    var withoutDropout = layer
    withoutDropout.configuration.dropout = 0
    let input = Tensor.normal([5, 3, 4], generator: RandomGenerator(seed: 3))
    func values(_ layer: Wrapped, _ name: String) -> [Float] {
        layer.results(input, hidden: nil, cell: nil, lengths: nil)[name]!.scalars(as: Float.self)
    }
    func bottomLayerFinalState(_ layer: Wrapped) -> [Float] {
        layer.results(input, hidden: nil, cell: nil, lengths: nil)["final_hidden"]![.index(0)].scalars(as: Float.self)
    }
    let reference = values(withoutDropout, "output")

    withTrainingMode(true) {
        #expect(values(layer, "output") != reference, sourceLocation: sourceLocation)
        // Dropout acts on the first layer's outputs only after that layer has run.
        #expect(bottomLayerFinalState(layer) == bottomLayerFinalState(withoutDropout), sourceLocation: sourceLocation)
    }

    withTrainingMode(false) {
        #expect(values(layer, "output") == reference, sourceLocation: sourceLocation)
        #expect(values(layer, "final_hidden") == values(withoutDropout, "final_hidden"), sourceLocation: sourceLocation)
    }
}

extension RNNFidelityTests {
    @Test func dropoutBetweenLayersActsInTrainingOnly() {
        let configuration = fixtureConfiguration(layers: 2, dropout: 0.5)
        let generator = RandomGenerator(seed: 1)
        checkDropoutBetweenLayers(LSTM(configuration, generator: generator))
        checkDropoutBetweenLayers(GRU(configuration, generator: generator))
        checkDropoutBetweenLayers(RNN(configuration, nonlinearity: .tanh, generator: generator))
    }

    @Test func dropoutNeverTouchesTheLastLayersOutput() {
        // As in PyTorch, dropout goes between layers: a one-layer network is the same in training.
        var lstm = LSTM(fixtureConfiguration(dropout: 0.5), generator: RandomGenerator(seed: 1))
        lstm.dropoutGenerator = RandomGenerator(seed: 2)
        let input = Tensor.normal([5, 3, 4], generator: RandomGenerator(seed: 3))
        let training = withTrainingMode(true) { lstm(input).scalars(as: Float.self) }
        #expect(withTrainingMode(false) { lstm(input).scalars(as: Float.self) } == training)
    }
}

// MARK: - Misuse

extension RNNFidelityTests {
    @Test func recurrentLayersTrapOnBadShapesAndLengths() async {
        // Features 2 where the layer expects 4.
        await #expect(processExitsWith: .failure) {
            _ = LSTM(inputSize: 4, hiddenSize: 3)(Tensor.zeros([5, 3, 2]))
        }
        // A rank-2 input: one sequence without its batch axis.
        await #expect(processExitsWith: .failure) {
            _ = GRU(inputSize: 4, hiddenSize: 3)(Tensor.zeros([5, 4]))
        }
        // An initial state for one direction of a bidirectional layer.
        await #expect(processExitsWith: .failure) {
            _ = RNN(inputSize: 4, hiddenSize: 3, bidirectional: true)(Tensor.zeros([5, 3, 4]), hidden: Tensor.zeros([1, 3, 3]))
        }
        // A length longer than the padded time axis.
        await #expect(processExitsWith: .failure) {
            _ = LSTM(inputSize: 4, hiddenSize: 3)(Tensor.zeros([5, 3, 4]), lengths: [5, 6, 1])
        }
    }
}
