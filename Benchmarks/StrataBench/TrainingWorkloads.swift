// The training and inference workloads of the peer harness (../shared/bench/peers/common.py
// WORKLOADS, models as in bench_torch.py): random inputs of the right shapes, one optimizer step
// per timed step, samples per second.

import Strata
import StrataNN
import StrataOptimizers

/// Times full training steps (forward, backward, optimizer update) of `model` on one fixed batch.
func trainingWorkload<Model: Layer>(_ name: String, note: String, batch: Int, inputShape: [Int], classes: Int = 10,
                                    rule: any OptimizerRule, learningRate: Double,
                                    _ makeModel: @escaping (RandomGenerator) -> Model) -> Workload {
    Workload(name: name, metric: .samplesPerSecond, note: note) { settings in
        let generator = RandomGenerator(seed: 0)
        var model = makeModel(generator)
        var optimizer = Optimizer(rule, learningRate: learningRate)
        let x = Tensor.normal([batch] + inputShape, generator: generator)
        let labels = (Tensor.uniform([batch], high: Double(classes), generator: generator).cast(to: .int64))
        return measure(settings, unitsPerStep: Double(batch)) {
            let (_, gradients) = withStatisticsUpdates(of: &model) { model in
                valueAndGradient(at: model) { model in crossEntropy(logits: model(x), labels: labels) }
            }
            optimizer.update(&model, along: gradients)
        }
    }
}

var trainingWorkloads: [Workload] {
    [
        trainingWorkload("mlp_train", note: "MLP 784-512-256-10 ReLU, cross-entropy, Adam lr 1e-3, batch 128",
                         batch: 128, inputShape: [784], rule: Adam(), learningRate: 1e-3) { generator in
            Sequential {
                Linear(inputSize: 784, outputSize: 512, generator: generator)
                ReLU()
                Linear(inputSize: 512, outputSize: 256, generator: generator)
                ReLU()
                Linear(inputSize: 256, outputSize: 10, generator: generator)
            }
        },
        trainingWorkload("lenet_train", note: "LeNet (conv5x5 32 + pool, conv5x5 64 + pool, fc 3136-512-10), SGD momentum 0.9 lr 0.01, batch 64",
                         batch: 64, inputShape: [1, 28, 28], rule: SGD(momentum: 0.9), learningRate: 0.01) { generator in
            LeNet(generator: generator)
        },
        lstmTraining(),
        gruTraining(),
        trainingWorkload("resnet_train", note: "small ResNet (16/32/64, 2 basic blocks per stage, BN), SGD momentum 0.9 lr 0.01, batch 64",
                         batch: 64, inputShape: [1, 28, 28], rule: SGD(momentum: 0.9), learningRate: 0.01) { generator in
            ResNet.small(generator: generator)
        },
        Workload(name: "lenet_infer", metric: .samplesPerSecond, note: "LeNet forward only, inference mode, no gradients, batch 256") { settings in
            let generator = RandomGenerator(seed: 0)
            let model = LeNet(generator: generator)
            let x = Tensor.normal([256, 1, 28, 28], generator: generator)
            return measure(settings, unitsPerStep: 256) { _ = withoutGradients { model(x) } }
        },
        wideDeepTraining(),
    ]
}

/// The character model of the `lstm_train` and `gru_train` workloads: embedding 65 -> 128, one
/// recurrent layer of 256 (batch first), a linear head back to 65 (names as bench_torch.py's
/// CharLSTM and gru_torch.py's CharGRU, the recurrent layer under `recurrentName`).
struct CharacterModel<Recurrent: Layer>: Layer {
    var embedding: Embedding
    var recurrent: Recurrent
    var head: Linear
    let recurrentName: String

    init(recurrentName: String, generator: RandomGenerator, makeRecurrent: (RandomGenerator) -> Recurrent) {
        embedding = Embedding(count: 65, embeddingSize: 128, generator: generator)
        recurrent = makeRecurrent(generator)
        head = Linear(inputSize: 256, outputSize: 65, generator: generator)
        self.recurrentName = recurrentName
    }

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("emb", &embedding)
        visitor.visit(recurrentName, &recurrent)
        visitor.visit("fc", &head)
    }

    /// codes `[batch, time]` -> logits `[batch * time, 65]`.
    func callAsFunction(_ codes: Tensor) -> Tensor {
        head(recurrent(embedding(codes))).reshaped(to: [-1, 65])
    }
}

/// A character-model workload: 32 sequences of 64 random codes, cross-entropy over all 2048
/// positions, Adam 1e-3.
func characterModelTraining<Recurrent: Layer>(name: String, note: String, recurrentName: String,
                                              makeRecurrent: @escaping @Sendable (RandomGenerator) -> Recurrent) -> Workload {
    Workload(name: name, metric: .samplesPerSecond, note: note) { settings in
        let generator = RandomGenerator(seed: 0)
        var model = CharacterModel(recurrentName: recurrentName, generator: generator, makeRecurrent: makeRecurrent)
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

/// lstm_train: the character model with one LSTM layer.
func lstmTraining() -> Workload {
    characterModelTraining(name: "lstm_train", note: "char LSTM: embedding 65->128, LSTM 256, seq 64, linear 256->65, CE over all steps, Adam lr 1e-3, batch 32",
                           recurrentName: "lstm") { LSTM(inputSize: 128, hiddenSize: 256, batchFirst: true, generator: $0) }
}
