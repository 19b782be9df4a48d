import Strata
import StrataNN
import Testing

// MultiheadAttention, the Transformer encoder and decoder layers, RMSNorm and the position
// encodings against PyTorch: every fixture of TransformerFixtures.swift (written by
// Tools/make_transformer_fixtures.py) is loaded strictly under PyTorch's state_dict names and
// recomputed, output and (for the train fixtures) the gradients of sum(output * upstream) with
// respect to every input and parameter.

/// Within 1e-5 as the issue asks (absolute, plus 1e-5 relative for the larger values). Outputs
/// agree to a few 1e-7; the projection weights' gradients, sums over every position and head in
/// float32 in another order than PyTorch's, differ by up to 2e-6 (mhaCrossFloatMask's
/// in_proj_weight: -0.0558706 against -0.0558724).
private func expectMatches(_ actual: Tensor, _ expected: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    expectMatchesPyTorch(actual, expected, what, relativeTolerance: 1e-5, absoluteTolerance: 1e-5, sourceLocation: sourceLocation)
}

/// A module and the fixture's float inputs, walked together so one gradient call covers both:
/// the module's paths at the root, the inputs under `input.`.
private struct ModuleWithInputs<Wrapped: Module>: ParameterContainer {
    var module: Wrapped
    var inputs: [ParameterPath: Tensor]

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        module.visitParameters(&visitor)
        visitor.visit("input", &inputs)
    }
}

/// A bool mask stored as int64 0/1 in the fixture.
private func boolMask(_ fixture: Fixture, _ name: String) -> Tensor? {
    fixture.has("input." + name) ? fixture["input." + name] .!= 0 : nil
}

/// Runs `call` on the fixture's inputs and compares the output and, when present, every gradient.
private func reproduce<M: Module>(_ fixture: Fixture, _ module: M, floatInputs: [String],
                                  sourceLocation: SourceLocation = #_sourceLocation,
                                  _ call: (M, [String: Tensor]) -> Tensor) throws {
    var module = module
    try module.loadStateDictionary(fixture.stateDictionary)
    let inputs = Dictionary(uniqueKeysWithValues: floatInputs.map { ($0, fixture["input." + $0]) })
    let upstream = fixture["upstream"]
    let isTraining = fixture.has("gradient.input." + floatInputs[0])
    let output = withTrainingMode(isTraining) { call(module, inputs) }
    expectMatches(output, fixture["output"], "\(fixture.name) output", sourceLocation: sourceLocation)
    guard isTraining else { return }
    let paths = Dictionary(uniqueKeysWithValues: inputs.map { (ParameterPath(stringLiteral: $0.key), $0.value) })
    let (_, pathGradients) = valueAndGradient(at: ModuleWithInputs(module: module, inputs: paths)) { both in
        let named = Dictionary(uniqueKeysWithValues: both.inputs.map { ($0.key.description, $0.value) })
        return (call(both.module, named) * upstream).sum()
    }
    let gradients = pathGradients.keyedByName
    let expected = fixture.tensors.keys.filter { $0.hasPrefix("gradient.") }.sorted()
    #expect(Set(expected.map { String($0.dropFirst("gradient.".count)) }) == Set(gradients.keys), "\(fixture.name) gradient paths",
            sourceLocation: sourceLocation)
    for key in expected {
        guard let gradient = gradients[String(key.dropFirst("gradient.".count))] else { continue }
        expectMatches(gradient, fixture[key], "\(fixture.name) \(key)", sourceLocation: sourceLocation)
    }
}

@Suite struct TransformerFidelityTests {
    typealias F = TorchFixtures.Transformer

    @Test func multiheadSelfAttentionWithKeyPadding() throws {
        let f = F.mhaSelfKeyPadding
        try reproduce(f, MultiheadAttention(embedSize: 8, headCount: 2, batchFirst: true), floatInputs: ["query"]) { m, x in
            m(query: x["query"]!, key: x["query"]!, value: x["query"]!, keyPaddingMask: boolMask(f, "key_padding_mask"))
        }
    }

    @Test func multiheadCrossAttentionWithFloatMaskLengthFirst() throws {
        let f = F.mhaCrossFloatMask
        try reproduce(f, MultiheadAttention(embedSize: 8, headCount: 2), floatInputs: ["query", "key", "value"]) { m, x in
            m(query: x["query"]!, key: x["key"]!, value: x["value"]!, attentionMask: f["input.attn_mask"])
        }
    }

    /// PyTorch's bool causal mask, and the same result from `isCausal` without a mask.
    @Test(arguments: [F.mhaCausalBoolMask, F.mhaCausalBoolMaskEval])
    func multiheadAttentionCausal(f: Fixture) throws {
        let layer = MultiheadAttention(embedSize: 8, headCount: 2, batchFirst: true)
        try reproduce(f, layer, floatInputs: ["query"]) { m, x in
            m(query: x["query"]!, key: x["query"]!, value: x["query"]!, attentionMask: boolMask(f, "attn_mask"))
        }
        try reproduce(f, layer, floatInputs: ["query"]) { m, x in
            m(query: x["query"]!, key: x["query"]!, value: x["query"]!, isCausal: true)
        }
    }

    @Test(arguments: [(F.encoderLayerPostNormRelu, false, TransformerActivation.relu),
                      (F.encoderLayerNormFirstGelu, true, .gelu), (F.encoderLayerPostNormGeluEval, false, .gelu)])
    func encoderLayer(f: Fixture, normFirst: Bool, activation: TransformerActivation) throws {
        let layer = TransformerEncoderLayer(modelSize: 8, headCount: 2, feedForwardSize: 16, dropout: 0, activation: activation,
                                            batchFirst: true, normFirst: normFirst)
        try reproduce(f, layer, floatInputs: ["src"]) { m, x in
            m(x["src"]!, mask: boolMask(f, "src_mask"), keyPaddingMask: boolMask(f, "src_key_padding_mask"))
        }
    }

    @Test func encoderStackWithFinalNorm() throws {
        let f = F.encoderTwoLayersNorm
        let layer = TransformerEncoderLayer(modelSize: 8, headCount: 2, feedForwardSize: 16, dropout: 0)
        let encoder = TransformerEncoder(layer: layer, layerCount: 2, norm: LayerNorm(normalizedShape: [8]))
        try reproduce(f, encoder, floatInputs: ["src"]) { m, x in
            m(x["src"]!, mask: nil, keyPaddingMask: boolMask(f, "src_key_padding_mask"))
        }
    }

    @Test(arguments: [(F.decoderLayerPostNormRelu, false, TransformerActivation.relu), (F.decoderLayerNormFirstGelu, true, .gelu)])
    func decoderLayer(f: Fixture, normFirst: Bool, activation: TransformerActivation) throws {
        let layer = TransformerDecoderLayer(modelSize: 8, headCount: 2, feedForwardSize: 16, dropout: 0, activation: activation,
                                            batchFirst: true, normFirst: normFirst)
        try reproduce(f, layer, floatInputs: ["tgt", "memory"]) { m, x in
            m(x["tgt"]!, memory: x["memory"]!, targetMask: boolMask(f, "tgt_mask"),
              memoryKeyPaddingMask: boolMask(f, "memory_key_padding_mask"))
        }
        // The causal flag in place of the mask.
        try reproduce(f, layer, floatInputs: ["tgt", "memory"]) { m, x in
            m(x["tgt"]!, memory: x["memory"]!, memoryKeyPaddingMask: boolMask(f, "memory_key_padding_mask"), targetIsCausal: true)
        }
    }

    @Test func rmsNorm() throws {
        try reproduce(F.rmsNorm, RMSNorm(normalizedShape: [8]), floatInputs: ["input"]) { m, x in m(x["input"]!) }
    }

    @Test func sinusoidalPositions() throws {
        let f = F.sinusoidalPositions
        try reproduce(f, SinusoidalPositionEncoding(maximumLength: 16, embedSize: 6), floatInputs: ["input"]) { m, x in m(x["input"]!) }
    }

    @Test func rotaryPositions() {
        let f = F.rotaryPositions
        expectMatches(RotaryPositionEncoding(headSize: 8)(f["input.input"], offset: 3), f["output"], "rotary output")
    }

    /// Learned positions add the rows from the offset on, so a cache's next step continues the table.
    @Test func learnedPositionsContinueAtOffset() {
        let positions = LearnedPositionEmbedding(maximumLength: 6, embedSize: 3, generator: RandomGenerator(seed: 1))
        let zeros = Tensor.zeros([1, 2, 3])
        expectMatches(positions(zeros, offset: 4), positions.embedding.weight.sliced(axis: 0, start: 4, end: 6).unsqueezed(axis: 0),
                      "rows 4 and 5")
        #expect(positions.parameters.keyedByName.keys.sorted() == ["weight"])
    }

    @Test func parameterNamesFollowPyTorch() {
        let layer = TransformerDecoderLayer(modelSize: 8, headCount: 2, feedForwardSize: 16)
        #expect(Set(layer.parameters.keyedByName.keys) == Set(F.decoderLayerPostNormRelu.stateDictionary.keys))
        let mha = MultiheadAttention(embedSize: 8, headCount: 2)
        #expect(mha.parameters.keyedByName.keys.sorted() == ["in_proj_bias", "in_proj_weight", "out_proj.bias", "out_proj.weight"])
    }
}

/// Every stored tensor and child of the new layers and models is visited (the Mirror audit).
@Suite struct TransformerAuditTests {
    @Test func everyTensorIsVisited() {
        let bert = BertConfiguration(vocabularySize: 20, hiddenSize: 8, layerCount: 2, headCount: 2, intermediateSize: 16,
                                     maximumPositions: 12)
        let gpt = GPTConfiguration(vocabularySize: 9, contextLength: 8, modelSize: 8, headCount: 2, layerCount: 2)
        #expect(auditParameterVisits(MultiheadAttention(embedSize: 8, headCount: 2)) == [])
        #expect(auditParameterVisits(TransformerEncoderLayer(modelSize: 8, headCount: 2, feedForwardSize: 16)) == [])
        #expect(auditParameterVisits(TransformerEncoder(layer: TransformerEncoderLayer(modelSize: 8, headCount: 2), layerCount: 2,
                                                        norm: LayerNorm(normalizedShape: [8]))) == [])
        #expect(auditParameterVisits(TransformerDecoderLayer(modelSize: 8, headCount: 2, feedForwardSize: 16)) == [])
        #expect(auditParameterVisits(RMSNorm(normalizedShape: [8])) == [])
        #expect(auditParameterVisits(LearnedPositionEmbedding(maximumLength: 4, embedSize: 8)) == [])
        #expect(auditParameterVisits(SinusoidalPositionEncoding(maximumLength: 4, embedSize: 8)) == [])
        #expect(auditParameterVisits(GPT(gpt)) == [])
        #expect(auditParameterVisits(BertModel(bert)) == [])
    }

    /// A state dictionary saved from one model loads strictly into another and reproduces it.
    @Test func bertStateDictionaryRoundTrips() throws {
        let configuration = BertConfiguration(vocabularySize: 20, hiddenSize: 8, layerCount: 2, headCount: 2, intermediateSize: 16,
                                              maximumPositions: 12)
        let source = BertModel(configuration, generator: RandomGenerator(seed: 1))
        var copy = BertModel(configuration, generator: RandomGenerator(seed: 2))
        try copy.loadStateDictionary(source.stateDictionary())
        let ids = Tensor([1, 5, 7, 2, 0, 0] as [Int64], shape: [1, 6])
        let mask = Tensor([1, 1, 1, 1, 0, 0] as [Int64], shape: [1, 6])
        withTrainingMode(false) {
            expectMatches(copy(ids, attentionMask: mask), source(ids, attentionMask: mask), "BERT after a round trip")
        }
        #expect(source.parameters.keyedByName.keys.contains("encoder.layer.1.attention.self.query.weight"))
    }
}
