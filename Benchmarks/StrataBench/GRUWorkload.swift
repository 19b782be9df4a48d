// gru_train: the lstm_train character model with a GRU in place of the LSTM; its PyTorch twin is
// Benchmarks/gru_torch.py (CharGRU).

import Strata
import StrataNN
import StrataOptimizers

/// The character model of the `gru_train` workload: embedding 65 -> 128, one GRU layer of 256
/// (batch first), a linear head back to 65 (names as gru_torch.py's CharGRU).
struct CharacterGRU: Layer {
    var embedding: Embedding
    var gru: GRU
    var head: Linear

    init(generator: RandomGenerator) {
        embedding = Embedding(count: 65, embeddingSize: 128, generator: generator)
        gru = GRU(inputSize: 128, hiddenSize: 256, batchFirst: true, generator: generator)
        head = Linear(inputSize: 256, outputSize: 65, generator: generator)
    }

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("emb", &embedding)
        visitor.visit("gru", &gru)
        visitor.visit("fc", &head)
    }

    /// codes `[batch, time]` -> logits `[batch * time, 65]`.
    func callAsFunction(_ codes: Tensor) -> Tensor {
        head(gru(embedding(codes))).reshaped(to: [-1, 65])
    }
}

/// gru_train: 32 sequences of 64 random codes, cross-entropy over all 2048 positions, Adam 1e-3.
func gruTraining() -> Workload {
    Workload(name: "gru_train", metric: .samplesPerSecond,
             note: "char GRU: embedding 65->128, GRU 256, seq 64, linear 256->65, CE over all steps, Adam lr 1e-3, batch 32") { settings in
        let generator = RandomGenerator(seed: 0)
        var model = CharacterGRU(generator: generator)
        var optimizer = Optimizer(Adam(), learningRate: 1e-3)
        let inputs = Tensor.uniform([32, 64], high: 65, generator: generator).cast(to: .int64)
        let targets = Tensor.uniform([32 * 64], high: 65, generator: generator).cast(to: .int64)
        return measure(settings, unitsPerStep: 32) {
            let (_, gradients) = withStatisticsUpdates(of: &model) { model in
                valueAndGradient(at: model) { model in crossEntropy(logits: model(inputs), labels: targets) }
            }
            optimizer.update(&model, along: gradients)
        }
    }
}
