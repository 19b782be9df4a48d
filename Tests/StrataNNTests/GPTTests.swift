import Strata
import StrataNN
import StrataOptimizers
import Testing

// The decoder-only GPT: generating with the key/value cache gives the logits of recomputing the
// whole prefix (prefill, then one token at a time, then several at once), parameter names follow
// GPT-2's, and a few AdamW steps on a repeating sequence lower the loss.

@Suite struct GPTTests {
    static let configuration = GPTConfiguration(vocabularySize: 11, contextLength: 16, modelSize: 16, headCount: 4, layerCount: 2)

    @Test func cachedGenerationMatchesRecomputation() {
        let model = GPT(Self.configuration, generator: RandomGenerator(seed: 4))
        let tokens = Tensor([3, 1, 4, 1, 5, 9, 2, 6, 5, 3] as [Int64], shape: [1, 10])
        let full = model(tokens)
        var cache = KeyValueCache()
        var pieces = [model(tokens.sliced(axis: 1, start: 0, end: 4), cache: &cache)]
        for position in 4..<7 { pieces.append(model(tokens.sliced(axis: 1, start: position, end: position + 1), cache: &cache)) }
        pieces.append(model(tokens.sliced(axis: 1, start: 7, end: 10), cache: &cache))
        #expect(cache.length == 10 && cache.keys.count == 2)
        let incremental = Tensor.concat(pieces, axis: 1)
        let difference = abs(incremental - full).max().scalar(as: Float.self)
        #expect(difference < 1e-5, "max difference \(difference)")
    }

    @Test func parameterNamesFollowGPT2() {
        let names = Set(GPT(Self.configuration).parameters.keyedByName.keys)
        #expect(names.contains("wte.weight") && names.contains("wpe.weight") && names.contains("h.1.attn.c_attn.weight")
                && names.contains("h.0.mlp.c_proj.bias") && names.contains("ln_f.weight") && names.contains("lm_head.weight"))
        #expect(names.count == 2 + 2 * 12 + 2 + 2)
    }

    @Test func trainingLowersTheLoss() {
        var model = GPT(Self.configuration, generator: RandomGenerator(seed: 5))
        let sequence = (0..<13).map { Int64($0 % 5) }
        let inputs = Tensor(Array(sequence.dropLast()), shape: [1, 12])
        let targets = Tensor(Array(sequence.dropFirst()), shape: [12])
        var optimizer = Optimizer(Adam(decoupled: true), learningRate: 1e-2, weightDecay: 0.01)
        var losses: [Double] = []
        for _ in 0..<30 {
            let (loss, gradients) = valueAndGradient(at: model) { model in
                crossEntropy(logits: model(inputs).reshaped(to: [12, 11]), labels: targets)
            }
            optimizer.update(&model, along: gradients)
            losses.append(loss.scalar(as: Double.self))
        }
        // Five repeating symbols: the loss starts near log 11 = 2.40 and falls far below it.
        #expect(losses[0] > 2 && losses.last! < 0.5, "losses \(losses.first!) -> \(losses.last!)")
    }
}
