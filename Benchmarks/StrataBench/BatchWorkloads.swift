// Workloads of the measuring scripts rather than of the peer table: the cost curve's workloads at
// any batch size (`--batch N`, Benchmarks/cost_curve.py) and the twin of `strata train --model mlp`
// (Benchmarks/cli_vs_bench.sh). They build the same models as TrainingWorkloads.swift and
// Sources/StrataCLI/ModelName.swift; only the batch differs.

import Strata
import StrataNN
import StrataOptimizers

/// The workloads whose batch `--batch` may set, by name.
let batchableWorkloadNames = ["mlp_train", "lenet_infer", "cli_mlp_train", "cli_mlp_loader"]

/// Workloads that are not in the default list but may be named with `--workloads`.
var extraWorkloads: [Workload] { [cliMLPTraining(batch: 128), cliMLPLoaderTraining(batch: 128)] }

/// Every workload `--workloads` accepts: the default list and `extraWorkloads`.
var knownWorkloads: [Workload] { allWorkloads + extraWorkloads }

/// `name` at `batch` samples per step; nil when its batch cannot be chosen (see
/// `batchableWorkloadNames`).
func batchedWorkload(_ name: String, batch: Int) -> Workload? {
    switch name {
    case "mlp_train": mlpTraining(batch: batch)
    case "lenet_infer": lenetInference(batch: batch)
    case "cli_mlp_train": cliMLPTraining(batch: batch)
    case "cli_mlp_loader": cliMLPLoaderTraining(batch: batch)
    default: nil
    }
}

/// mlp_train at `batch`: MLP 784-512-256-10, Adam lr 1e-3 (the default list has it at 128).
func mlpTraining(batch: Int) -> Workload {
    trainingWorkload("mlp_train", note: "MLP 784-512-256-10 ReLU, cross-entropy, Adam lr 1e-3, batch \(batch)",
                     batch: batch, inputShape: [784], rule: Adam(), learningRate: 1e-3) { generator in
        Sequential {
            Linear(inputSize: 784, outputSize: 512, generator: generator)
            ReLU()
            Linear(inputSize: 512, outputSize: 256, generator: generator)
            ReLU()
            Linear(inputSize: 256, outputSize: 10, generator: generator)
        }
    }
}

/// lenet_infer at `batch`: LeNet forward only, inference mode, no gradients (the default list has
/// it at 256).
func lenetInference(batch: Int) -> Workload {
    Workload(name: "lenet_infer", metric: .samplesPerSecond,
             note: "LeNet forward only, inference mode, no gradients, batch \(batch)") { settings in
        let generator = RandomGenerator(seed: 0)
        let model = LeNet(generator: generator)
        let x = Tensor.normal([batch, 1, 28, 28], generator: generator)
        return measure(settings, unitsPerStep: Double(batch)) {
            _ = withTrainingMode(false) { withoutGradients { model(x) } }
        }
    }
}

/// The model `strata train --model mlp` builds (ModelName.makeModel: flatten, 784 -> 256 + ReLU,
/// 256 -> 10) on `[batch, 1, 28, 28]` images, Adam lr 1e-3: StrataBench's side of
/// Benchmarks/cli_vs_bench.sh.
func cliMLPTraining(batch: Int) -> Workload {
    trainingWorkload("cli_mlp_train", note: "strata train's mlp (flatten, 784-256-10 ReLU), Adam lr 1e-3, batch \(batch)",
                     batch: batch, inputShape: [1, 28, 28], rule: Adam(), learningRate: 1e-3) { cliMLP(generator: $0) }
}

/// `strata train --model mlp`'s network: flatten, 784 -> 256 + ReLU, 256 -> 10.
func cliMLP(generator: RandomGenerator) -> some Layer {
    Sequential {
        Flatten()
        Linear(inputSize: 784, outputSize: 256, generator: generator)
        ReLU()
        Linear(inputSize: 256, outputSize: 10, generator: generator)
    }
}
