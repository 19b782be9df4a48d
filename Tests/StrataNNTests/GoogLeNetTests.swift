import Strata
import StrataNN
import Testing

// GoogLeNet's layout (the outputs against PyTorch's are in StrataIOTests/PyTorchWeightsTests).

@Test func googLeNetHasTorchvisionsParametersAndOutputs() {
    // torchvision 0.28: sum(p.numel() for p in GoogLeNet(aux_logits=A, init_weights=False).parameters())
    // and len(state_dict()): 13,004,888 and 364 with the auxiliary heads, 6,624,904 and 344 without.
    let model = GoogLeNet(generator: RandomGenerator(seed: 1))
    #expect(auditParameterVisits(model) == [])
    #expect(model.parameterCount == 13_004_888)
    #expect(model.stateDictionary().count == 364)
    let headless = GoogLeNet(auxiliaryHeads: false, generator: RandomGenerator(seed: 1))
    #expect(headless.parameterCount == 6_624_904)
    #expect(headless.stateDictionary().count == 344)
    #expect(headless.stateDictionary().keys.contains("inception3a.branch3.1.conv.weight"))
    // torchvision's 3x3 kernel in the "5x5" branch: [32, 16, 3, 3] in inception3a.
    #expect(headless.inception3a.branch3.stateDictionary()["1.conv.weight"]?.shape == [32, 16, 3, 3])

    // 32x32 is small enough for a debug build: 16 after conv1, then 8, 4, 2 after the ceil-mode
    // pools (the inception4 blocks and the auxiliary heads see 2x2), 1 after maxpool4.
    let input = Tensor.normal([2, 3, 32, 32], generator: RandomGenerator(seed: 2))
    withTrainingMode(false) {
        let outputs = withoutGradients { model.outputs(input) }
        #expect(outputs.logits.shape == [2, 1000])
        #expect(outputs.auxiliaryLogits1?.shape == [2, 1000] && outputs.auxiliaryLogits2?.shape == [2, 1000])
        #expect(withoutGradients { model(input) }.scalars(as: Float.self) == outputs.logits.scalars(as: Float.self))
        #expect(withoutGradients { headless.outputs(input) }.auxiliaryLogits1 == nil)
    }
}

@Test func googLeNetsInputTransformMapsImageNetNormalizationToMinusOneToOne() {
    // A pixel p in [0, 1] normalized with ImageNet's statistics is x = (p - mean) / std; the
    // transform must give 2 p - 1, what Google's weights expect: x std / 0.5 + (mean - 0.5) / 0.5.
    let pixels: [Double] = [0, 1, 0.25, 0.5, 0.75, 1]
    let (mean, standardDeviation) = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    let normalized = (0..<3).flatMap { channel in
        pixels[(2 * channel)..<(2 * channel + 2)].map { ($0 - mean[channel]) / standardDeviation[channel] }
    }
    let x = Tensor(normalized, shape: [1, 3, 1, 2])
    let transformed = GoogLeNet.transformedInput(x).scalars(as: Double.self)
    #expect(zip(transformed, pixels.map { 2 * $0 - 1 }).allSatisfy { abs($0 - $1) < 1e-12 })
}

@Test func theAuxiliaryHeadsTrainWithThePapersWeightedLoss() {
    // The paper's training loss, loss(logits) + 0.3 (loss(aux1) + loss(aux2)), reaches every
    // head; the plain forward (`callAsFunction`) leaves the auxiliary heads without gradients.
    let model = GoogLeNet(classes: 4, generator: RandomGenerator(seed: 3))
    let input = Tensor.normal([2, 3, 32, 32], generator: RandomGenerator(seed: 4))
    let labels = Tensor([1, 3] as [Int64], shape: [2])
    let (_, gradients) = valueAndGradient(at: model) { model in
        let outputs = model.outputs(input)
        let auxiliary = crossEntropy(logits: outputs.auxiliaryLogits1!, labels: labels)
            + crossEntropy(logits: outputs.auxiliaryLogits2!, labels: labels)
        return crossEntropy(logits: outputs.logits, labels: labels) + 0.3 * auxiliary
    }
    for path: ParameterPath in ["conv1.conv.weight", "inception4a.branch1.conv.weight", "aux1.fc2.weight", "aux2.conv.conv.weight", "fc.weight"] {
        let norm = gradients[path].map { ($0 * $0).sum().scalar(as: Double.self) } ?? 0
        #expect(norm > 0, "\(path)")
    }
    let (_, plain) = valueAndGradient(at: model) { model in crossEntropy(logits: model(input), labels: labels) }
    #expect(plain["aux1.fc2.weight"].map { ($0 * $0).sum().scalar(as: Double.self) } ?? 0 == 0)
}
