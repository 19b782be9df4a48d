import Strata
import StrataData
import StrataNN
import StrataTraining
import Testing

private func trained(_ parts: WideDeepParts, crosses: [FeatureCross], epochs: Int,
                     wide: WideOptimizerSettings = WideOptimizerSettings(.proximal, learningRate: 0.5, l1Strength: 1e-4))
    throws -> (model: WideDeep, test: Evaluation, encoder: TabularEncoder) {
    let (encoder, training, test) = try SyntheticTable.encoded(crosses: crosses)
    let configuration = WideDeepConfiguration(parts: parts, wideFeatureCount: encoder.wideFeatureCount,
                                              categoryCounts: encoder.categoryCounts,
                                              numericCount: encoder.schema.numeric.count, hiddenSizes: [16])
    var trainer = Trainer(task: BinaryTabularPrediction(), model: WideDeep(configuration, generator: RandomGenerator(seed: 5)),
                          optimizer: BinaryTabularPrediction.optimizer(deepLearningRate: 1e-2, wide: wide),
                          trainingData: TabularBatches(training, batchSize: 32, seed: 5))
    try trainer.fit(epochs: epochs)
    return (trainer.model, trainer.evaluate(on: test), encoder)
}

@Suite struct BinaryTabularPredictionTests {
    @Test func theWidePartNeedsTheCrossToLearnTheRule() throws {
        // The label is color XOR shape: without the cross a linear model is near chance.
        let withoutCross = try trained(.wide, crosses: [], epochs: 8).test
        let withCross = try trained(.wide, crosses: [FeatureCross(["color", "shape"])], epochs: 8).test
        #expect(withoutCross.accuracy < 0.7)
        #expect(withCross.accuracy == 1)
        #expect((withCross.rocAUC ?? 0) == 1)
    }

    @Test func theDeepPartAndTheJointModelLearnTheRule() throws {
        let deep = try trained(.deep, crosses: [], epochs: 8)
        #expect(deep.test.accuracy > 0.97)
        #expect(deep.model.wide == nil)
        let joint = try trained(.both, crosses: [FeatureCross(["color", "shape"], hashBuckets: 16)], epochs: 8)
        #expect(joint.test.accuracy == 1)
        #expect(BinaryTabularPrediction.zeroWideWeights(of: joint.model).total == joint.encoder.wideFeatureCount)
    }

    // FTRL weighs l1 against the sum of the 152 batch losses (8 epochs of 19 batches) where
    // proximal gradient weighs it against each one: 0.05 per step is about 7.6 for FTRL, and
    // 2 to 7 all pass (10 loses the rule).
    @Test(arguments: [WideOptimizerSettings(.proximal, learningRate: 0.5, l1Strength: 0.05),
                      WideOptimizerSettings(.ftrl, learningRate: 0.5, l1Strength: 4)])
    func theL1TermZeroesTheWeightsOfIrrelevantFeatures(_ wide: WideOptimizerSettings) throws {
        let (model, test, encoder) = try trained(.wide, crosses: [FeatureCross(["color", "shape"])], epochs: 8, wide: wide)
        #expect(test.accuracy == 1)
        let weights = model.wide!.weight.scalars(as: Float.self)
        // Fields: color (5 ids), shape (4), noise (22), x buckets, cross. The noise column and the
        // buckets of x carry no information: the L1 term holds them at exactly 0.
        let sizes = encoder.wideFieldSizes
        let noise = weights[(sizes[0] + sizes[1])..<(sizes[0] + sizes[1] + sizes[2])]
        let buckets = weights[(sizes[0] + sizes[1] + sizes[2])..<(sizes[0] + sizes[1] + sizes[2] + sizes[3])]
        #expect(noise.allSatisfy { $0 == 0 }, "noise weights \(Array(noise))")
        #expect(buckets.allSatisfy { $0 == 0 }, "bucket weights \(Array(buckets))")
        let cross = weights[(sizes[0] + sizes[1] + sizes[2] + sizes[3])...]
        #expect(cross.count { $0 != 0 } >= 4, "the six color x shape combinations carry the rule: \(Array(cross))")
    }

    @Test func parametersFollowTheDocumentedPaths() {
        let model = WideDeep(WideDeepConfiguration(parts: .both, wideFeatureCount: 10, categoryCounts: [5, 4], numericCount: 2,
                                                   hiddenSizes: [8]))
        #expect(model.parameters.keys.sorted() == ["bias", "deep.0.bias", "deep.0.weight", "deep.2.weight",
                                                  "embeddings.0.weight", "embeddings.1.weight", "wide.weight"])
        #expect(model.parameters["deep.0.weight"]?.shape == [8, model.configuration.deepInputSize])
        #expect(model.configuration.embeddingSizes == [4, 3])  // round(1.6 * 5^0.56) = 4, round(1.6 * 4^0.56) = 3
    }
}
