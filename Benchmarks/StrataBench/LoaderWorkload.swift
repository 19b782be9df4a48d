// The CLI's training loop without the CLI: `strata train --model mlp`'s model and optimizer stepped
// by a `Trainer` over a shuffled `DataLoader` of a Fashion-MNIST-sized dataset, so each step
// gathers a fresh batch of rows as `strata train` does. Against cli_mlp_train (one fixed batch)
// it shows what the data pipeline and the trainer's step cost (Benchmarks/cli_vs_bench.sh).

import Strata
import StrataData
import StrataNN
import StrataOptimizers
import StrataTraining

/// cli_mlp_train's model and optimizer trained through `Trainer.step(on:)` on the batches of a
/// `DataLoader` (shuffled, full batches only, default prefetching) over 60,000 random images
/// `[1, 28, 28]`; an exhausted epoch starts the next.
func cliMLPLoaderTraining(batch: Int) -> Workload {
    Workload(name: "cli_mlp_loader", metric: .samplesPerSecond,
             note: "cli_mlp_train through Trainer.step on a shuffled DataLoader of 60,000 images, batch \(batch)") { settings in
        let generator = RandomGenerator(seed: 0)
        let model = cliMLP(generator: generator)
        let count = 60_000
        let images = TensorDataset(inputs: Tensor.normal([count, 1, 28, 28], generator: generator),
                                   labels: Tensor.uniform([count], high: 10, generator: generator).cast(to: .int64))
        var loader = DataLoader(images, batchSize: batch, shuffle: true, dropLast: true, seed: 1)
        var trainer = Trainer(model: model, optimizer: Optimizer(Adam(), learningRate: 1e-3), trainingData: loader)
        var batches = loader.makeIterator()
        return measure(settings, unitsPerStep: Double(batch)) {
            var next = batches.next()
            if next == nil {
                loader.epoch += 1
                batches = loader.makeIterator()
                next = batches.next()
            }
            _ = try! trainer.step(on: next!)
        }
    }
}
