import Strata
import StrataNN
import Testing

@Test func sequentialNamesChildrenLikePyTorch() {
    let model = Sequential {
        Linear(inputSize: 4, outputSize: 3)
        ReLU()
        Linear(inputSize: 3, outputSize: 2, bias: false)
    }
    #expect(model.stateDictionary().keys.sorted() == ["0.bias", "0.weight", "2.weight"])
    // 4*3 + 3 + 3*2
    #expect(model.parameterCount == 21)
}

// MARK: - Parameter audit

/// Every layer StrataNN ships, in a configuration that stores each optional tensor.
private func everyLayer() -> [(String, any Layer)] {
    [
        ("Linear", Linear(inputSize: 3, outputSize: 2)),
        ("Linear without bias", Linear(inputSize: 3, outputSize: 2, bias: false)),
        ("BatchNorm1d", BatchNorm1d(featureCount: 3)),
        ("BatchNorm2d without affine", BatchNorm2d(featureCount: 3, affine: false)),
        ("LayerNorm", LayerNorm(normalizedShape: [2, 3])),
        ("Embedding", Embedding(count: 5, embeddingSize: 2, paddingIndex: 0)),
        ("Flatten", Flatten()),
        ("Identity", Identity()),
        ("Dropout", Dropout(probability: 0.2)),
        ("Sequential", Sequential {
            Linear(inputSize: 3, outputSize: 4)
            BatchNorm1d(featureCount: 4)
            ReLU()
            Sequential {
                Dropout()
                Linear(inputSize: 4, outputSize: 2)
            }
        }),
        ("activations", Sequential {
            ReLU(); Sigmoid(); Tanh(); LeakyReLU(); ELU(); Softplus(); GELU(); SiLU(); Hardtanh(); Softmax(); LogSoftmax()
        }),
    ]
}

/// Opens the existential so the generic audit sees the concrete type.
private func audit(_ layer: any Layer) -> [String] { auditParameterVisits(layer) }

@Test func everyLayerPresentsAllItsTensorsToTheVisitor() {
    for (name, layer) in everyLayer() {
        #expect(audit(layer) == [], "\(name)")
    }
}

/// A layer with a bug on purpose: `visitParameters` forgets `bias`, so an optimizer would never
/// train it and a checkpoint would not save it.
private struct LinearThatForgetsItsBias: Layer {
    var weight = Tensor.ones([2, 3])
    var bias = Tensor.zeros([2])

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
    }

    func callAsFunction(_ input: Tensor) -> Tensor { matmul(input, weight.transposed()) + bias }
}

/// A container with a bug on purpose: it forgets its second child.
private struct BlockThatForgetsAChild: Layer {
    var first = Linear(inputSize: 3, outputSize: 3)
    var second = Linear(inputSize: 3, outputSize: 3)

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("first", &first)
    }

    func callAsFunction(_ input: Tensor) -> Tensor { second(first(input)) }
}

@Test func theAuditCatchesAForgottenTensorAndAForgottenChild() {
    let forgottenTensor = auditParameterVisits(LinearThatForgetsItsBias())
    #expect(!forgottenTensor.isEmpty)
    #expect(forgottenTensor.allSatisfy { $0.contains("LinearThatForgetsItsBias") })
    #expect(!auditParameterVisits(BlockThatForgetsAChild()).isEmpty)
    // Inside a Sequential the culprit is still found, by its position.
    let nested = Sequential { Linear(inputSize: 3, outputSize: 2); LinearThatForgetsItsBias() }
    let problems = auditParameterVisits(nested)
    #expect(!problems.isEmpty)
    #expect(problems.contains { $0.contains("[1]") }, "\(problems)")
}

// MARK: - State dictionaries

private func perceptron(seed: UInt64) -> Sequential {
    let generator = RandomGenerator(seed: seed)
    return Sequential {
        Linear(inputSize: 4, outputSize: 3, generator: generator)
        BatchNorm1d(featureCount: 3)
        ReLU()
        Linear(inputSize: 3, outputSize: 2, generator: generator)
    }
}

/// Whether two state dictionaries hold the same keys and bit-identical tensors.
private func identical(_ lhs: [ParameterPath: Tensor], _ rhs: [ParameterPath: Tensor]) -> Bool {
    lhs.keys.sorted() == rhs.keys.sorted() && lhs.allSatisfy { key, value in
        let other = rhs[key]!
        return value.shape == other.shape && value.dtype == other.dtype
            && value.scalars(as: Double.self) == other.scalars(as: Double.self)
    }
}

@Test func stateDictionaryHoldsParametersAndBuffersUnderPyTorchNames() {
    let state = perceptron(seed: 1).stateDictionary()
    #expect(state.keys.sorted() == ["0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean",
                                    "1.running_var", "1.weight", "3.bias", "3.weight"])
    #expect(state["1.num_batches_tracked"]!.dtype == .int64)
    #expect(state["1.num_batches_tracked"]!.shape == [])
    // `parameters` leaves the buffers out.
    #expect(perceptron(seed: 1).parameters.keys.sorted() == ["0.bias", "0.weight", "1.bias", "1.weight", "3.bias", "3.weight"])
}

@Test func stateDictionaryRoundTripReproducesTheModel() throws {
    var source = perceptron(seed: 1)
    // One training step moves the running statistics away from their defaults, so the round
    // trip has buffers worth carrying.
    _ = withStatisticsUpdates(of: &source) { source in source(Tensor.normal([8, 4], generator: RandomGenerator(seed: 2))) }
    var target = perceptron(seed: 99)
    #expect(!identical(source.stateDictionary(), target.stateDictionary()))
    try target.loadStateDictionary(source.stateDictionary())
    #expect(identical(source.stateDictionary(), target.stateDictionary()))
    #expect(target.stateDictionary()["1.num_batches_tracked"]!.scalar(as: Int64.self) == 1)
    let input = Tensor.normal([5, 4], generator: RandomGenerator(seed: 3))
    withTrainingMode(false) {
        #expect(source(input).scalars(as: Float.self) == target(input).scalars(as: Float.self))
    }
}

@Test func strictLoadListsEveryProblemAndChangesNothing() {
    var model = perceptron(seed: 1)
    let before = model.stateDictionary()
    var state = before
    state["3.bias"] = nil
    state["4.weight"] = Tensor.zeros([2, 2])
    state["0.weight"] = Tensor.zeros([3, 5])
    state["1.num_batches_tracked"] = Tensor.zeros([], dtype: .float32)
    state["0.bias"] = Tensor.full([3], value: 7)  // valid, but must not be applied either
    #expect {
        try model.loadStateDictionary(state)
    } throws: { error in
        guard let error = error as? StateDictionaryError else { return false }
        return error.missing == ["3.bias"] && error.unexpected == ["4.weight"]
            && error.mismatched == ["0.weight: model [3, 4] float32, file [3, 5] float32",
                                    "1.num_batches_tracked: model [] int64, file [] float32"]
            && error.description.contains("missing: 3.bias") && error.description.contains("unexpected: 4.weight")
    }
    #expect(identical(model.stateDictionary(), before))
}

@Test func nonStrictLoadSkipsMissingAndUnexpectedKeysButNotMismatches() throws {
    var model = perceptron(seed: 1)
    let before = model.stateDictionary()
    let newWeight = Tensor.full([3, 4], value: 0.5)
    try model.loadStateDictionary(["0.weight": newWeight, "head.weight": Tensor.zeros([1])], strict: false)
    var expected = before
    expected["0.weight"] = newWeight
    #expect(identical(model.stateDictionary(), expected))

    // A wrong shape is an error in every mode, and again nothing changes.
    #expect {
        try model.loadStateDictionary(["3.weight": Tensor.zeros([3, 2])], strict: false)
    } throws: { error in
        // Non-strict still reports what is missing, but only the mismatch makes it throw.
        (error as? StateDictionaryError)?.mismatched == ["3.weight: model [2, 3] float32, file [3, 2] float32"]
    }
    #expect(identical(model.stateDictionary(), expected))
}

@Test func excludedSubtreesAreNeitherComparedNorLoaded() throws {
    // Fine-tuning: a pretrained file whose head (layer 3) has another shape, and lacks its bias.
    var model = perceptron(seed: 1)
    let before = model.stateDictionary()
    var pretrained = perceptron(seed: 2).stateDictionary()
    pretrained["3.weight"] = Tensor.zeros([5, 3])
    pretrained["3.bias"] = nil
    try model.loadStateDictionary(pretrained, excluding: ["3"])
    var expected = pretrained
    expected["3.weight"] = before["3.weight"]
    expected["3.bias"] = before["3.bias"]
    #expect(identical(model.stateDictionary(), expected))

    // A prefix is whole path components ("3" does not cover "30.weight"), and the rest stays strict.
    pretrained["30.weight"] = Tensor.zeros([1])
    pretrained["0.bias"] = nil
    #expect {
        try model.loadStateDictionary(pretrained, excluding: ["3"])
    } throws: { error in
        let error = error as? StateDictionaryError
        return error?.missing == ["0.bias"] && error?.unexpected == ["30.weight"] && error?.mismatched == []
    }
}

@Test func parameterCountsExcludeBuffers() {
    // Linear: out * in + out; BatchNorm: weight and bias per feature (running statistics are
    // buffers); LayerNorm: weight and bias over normalizedShape; Embedding: count * size.
    #expect(Linear(inputSize: 5, outputSize: 3).parameterCount == 18)
    #expect(Linear(inputSize: 5, outputSize: 3, bias: false).parameterCount == 15)
    #expect(BatchNorm1d(featureCount: 3).parameterCount == 6)
    #expect(BatchNorm2d(featureCount: 3, affine: false).parameterCount == 0)
    #expect(BatchNorm2d(featureCount: 3, affine: false).stateDictionary().count == 3)
    #expect(LayerNorm(normalizedShape: [2, 3]).parameterCount == 12)
    #expect(LayerNorm(normalizedShape: [2, 3], affine: false).parameterCount == 0)
    #expect(Embedding(count: 6, embeddingSize: 3).parameterCount == 18)
    #expect(Dropout().parameterCount == 0)
    // 4*3 + 3, then 3 + 3, then 3*2 + 2
    #expect(perceptron(seed: 1).parameterCount == 29)
}

// MARK: - Training and inference

@Test func trainingModeReachesNestedDropoutAndBatchNorm() throws {
    var model = Sequential {
        BatchNorm1d(featureCount: 4)
        Sequential { Dropout(probability: 0.5, generator: RandomGenerator(seed: 1)) }
    }
    // Training is the default: batch norm records statistics and dropout drops.
    let input = Tensor.normal([6, 4], generator: RandomGenerator(seed: 2))
    func modes(_ model: Sequential) -> (batchNorm: Bool, dropout: Bool) {
        let (output, updates) = recordingStatisticsUpdates { model(input) }
        let (same, _) = recordingStatisticsUpdates { model(input) }
        return (!updates.isEmpty, output.scalars(as: Float.self) != same.scalars(as: Float.self))
    }
    #expect(modes(model) == (true, true))
    #expect(withTrainingMode(false) { modes(model) } == (false, false))

    // In inference the model is deterministic and leaves the running statistics alone.
    let statistics = model.stateDictionary()
    withTrainingMode(false) {
        #expect(model(input).scalars(as: Float.self) == model(input).scalars(as: Float.self))
        _ = withStatisticsUpdates(of: &model) { model in model(input) }
    }
    #expect(identical(model.stateDictionary(), statistics))

    #expect(withTrainingMode(true) { modes(model) } == (true, true))
    withTrainingMode(true) { _ = withStatisticsUpdates(of: &model) { model in model(input) } }
    #expect(model.stateDictionary()["0.num_batches_tracked"]!.scalar(as: Int64.self) == 1)
}
