// The training and inference workloads of the peer harness (/work/shared/bench/peers/common.py
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
            let (_, gradients) = valueAndGradient(at: model) { model in crossEntropy(logits: model(x), labels: labels) }
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
    ]
}
