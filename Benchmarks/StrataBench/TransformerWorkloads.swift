// The Transformer workloads: a small decoder-only language model in training and the
// all-MiniLM-L6-v2 encoder in inference. Their PyTorch twin is Benchmarks/transformer_torch.py.

import Strata
import StrataNN
import StrataOptimizers

/// transformer_train: GPT (2 layers, d_model 128, 4 heads, feed-forward 512, context 128) over a
/// 65-character vocabulary, 32 random sequences of 128 codes, cross-entropy over every position,
/// AdamW lr 1e-3 weight decay 0.01.
func transformerTraining() -> Workload {
    Workload(name: "transformer_train", metric: .samplesPerSecond,
             note: "decoder-only: vocab 65, 2 layers, d_model 128, 4 heads, ff 512, seq 128, causal, CE over all positions, "
                + "AdamW lr 1e-3 wd 0.01, batch 32") { settings in
        let generator = RandomGenerator(seed: 0)
        let configuration = GPTConfiguration(vocabularySize: 65, contextLength: 128, modelSize: 128, headCount: 4, layerCount: 2)
        var model = GPT(configuration, generator: generator)
        var optimizer = Optimizer(Adam(decoupled: true), learningRate: 1e-3, weightDecay: 0.01)
        let inputs = Tensor.uniform([32, 128], high: 65, generator: generator).cast(to: .int64)
        let targets = Tensor.uniform([32 * 128], high: 65, generator: generator).cast(to: .int64)
        return measure(settings, unitsPerStep: 32) {
            let (_, gradients) = valueAndGradient(at: model) { model in
                crossEntropy(logits: model(inputs).reshaped(to: [-1, 65]), labels: targets)
            }
            optimizer.update(&model, along: gradients)
        }
    }
}

/// bert_infer: BERT with all-MiniLM-L6-v2's shapes (6 layers, hidden 384, 12 heads, intermediate
/// 1536, vocabulary 30522) and random weights, 32 sequences of 128 random ids without padding,
/// last hidden states then mean pooling and normalization, no gradients.
func bertInference() -> Workload {
    Workload(name: "bert_infer", metric: .samplesPerSecond,
             note: "BERT all-MiniLM-L6-v2 shapes (6 x 384, 12 heads, ff 1536), random weights, batch 32, seq 128, "
                + "mean pooling + L2 normalize, inference") { settings in
        let generator = RandomGenerator(seed: 0)
        let configuration = BertConfiguration(vocabularySize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12,
                                              intermediateSize: 1536)
        let model = BertModel(configuration, generator: generator)
        let ids = Tensor.uniform([32, 128], high: 30522, generator: generator).cast(to: .int64)
        let mask = Tensor.ones([32, 128], dtype: .int64)
        return measure(settings, unitsPerStep: 32) {
            withTrainingMode(false) { withoutGradients { _ = meanPooledEmbeddings(model(ids, attentionMask: mask), attentionMask: mask) } }
        }
    }
}

/// Both Transformer workloads, in the default order.
var transformerWorkloads: [Workload] { [transformerTraining(), bertInference()] }
