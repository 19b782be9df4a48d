// wide_deep_train: Wide & Deep training steps at the sizes of Examples/WideDeep (UCI Adult, its
// crosses, embedding sizes by `WideDeepConfiguration.embeddingSize`, hidden 64-32, batch 256,
// Adam 1e-3 for the deep part and FTRL-proximal with `WideOptimizerSettings()` for `wide.`).
// Its PyTorch twin is Benchmarks/wide_deep_torch.py, which uses `syntheticAdultShapes` below.

import Foundation
import Strata
import StrataData
import StrataNN
import StrataTraining

/// The sizes an Adult encoding gives the model: the wide fields (each its own id range in the
/// shared wide id space), the categorical columns' id counts and the number of numeric columns.
struct TabularShapes {
    var wideFieldSizes: [Int]
    var categoryCounts: [Int]
    var numericCount: Int
    var rows: Int
}

/// What `TabularEncoder` makes of the 70% training split of data/adult.csv with the example's
/// schema (printed by a run on the real rows: the record's `shapes` field). Wide fields: the 8
/// categorical columns, 5 bucketized numeric columns, then the three crosses.
let syntheticAdultShapes = TabularShapes(
    wideFieldSizes: [10, 18, 9, 16, 8, 7, 4, 43, 11, 7, 3, 3, 7, 206, 1000, 1000],
    categoryCounts: [10, 18, 9, 16, 8, 7, 4, 43], numericCount: 5, rows: 34_189)

/// The encoded training rows of `path` as the example splits and encodes them, or nil when the
/// file is missing or does not parse.
func adultTrainingRows(path: String) -> (TabularData, TabularShapes)? {
    guard let table = try? CSVTable(contentsOf: URL(fileURLWithPath: path)) else { return nil }
    let training = table.selecting(rows: splitIndices(count: table.rowCount, fractions: [0.7, 0.1, 0.2], seed: 7)[0])
    let crosses = [FeatureCross(["education", "occupation"]),
                   FeatureCross(["native-country", "occupation"], hashBuckets: 1000),
                   FeatureCross(["age", "education", "occupation"], hashBuckets: 1000)]
    guard let schema = try? TabularSchema.inferred(from: training, target: "income", crosses: crosses, excluding: ["fnlwgt"]),
          let encoder = try? TabularEncoder(fitting: training, schema: schema),
          let data = try? encoder.encode(training) else { return nil }
    return (data, TabularShapes(wideFieldSizes: encoder.wideFieldSizes, categoryCounts: encoder.categoryCounts,
                                numericCount: schema.numeric.count, rows: data.count))
}

/// Uniform ids in each field's range (wide ids offset into the shared space), N(0, 1) numbers
/// and fair-coin labels, at `shapes`.
func syntheticTabularRows(_ shapes: TabularShapes, generator: RandomGenerator) -> TabularData {
    func ids(_ sizes: [Int], offsets: [Int]) -> Tensor {
        let draws = Tensor.uniform([shapes.rows, sizes.count], dtype: .float64, generator: generator).scalars(as: Double.self)
        let values = draws.indices.map { index in
            let field = index % sizes.count
            return Int64(offsets[field] + min(sizes[field] - 1, Int(draws[index] * Double(sizes[field]))))
        }
        return Tensor(values, shape: [shapes.rows, sizes.count])
    }
    let wideOffsets = shapes.wideFieldSizes.indices.map { shapes.wideFieldSizes[..<$0].reduce(0, +) }
    let labels = Tensor.uniform([shapes.rows], generator: generator).scalars(as: Float.self).map { $0 < 0.5 ? Float(0) : 1 }
    return TabularData(numeric: Tensor.normal([shapes.rows, shapes.numericCount], generator: generator),
                       categorical: ids(shapes.categoryCounts, offsets: shapes.categoryCounts.map { _ in 0 }),
                       wide: ids(shapes.wideFieldSizes, offsets: wideOffsets), labels: Tensor(labels))
}

/// Times `Trainer.step` of the `BinaryTabularPrediction` task (forward, binary cross-entropy,
/// backward, Adam + FTRL update)
/// on batches of 256 rows cut once from a shuffled order and taken in turn.
func wideDeepTraining() -> Workload {
    let path = "data/adult.csv"
    return Workload(name: "wide_deep_train", metric: .samplesPerSecond,
                    note: "Wide & Deep at Examples/WideDeep's sizes (hidden 64-32), BCE, Adam lr 1e-3 + FTRL-proximal for wide., "
                        + "batch 256; the rows of \(path) when present, else synthetic ids of the same shapes") { settings in
        let generator = RandomGenerator(seed: 0)
        let real = adultTrainingRows(path: path)
        let (data, shapes) = real ?? (syntheticTabularRows(syntheticAdultShapes, generator: generator), syntheticAdultShapes)
        let configuration = WideDeepConfiguration(parts: .both, wideFeatureCount: shapes.wideFieldSizes.reduce(0, +),
                                                  categoryCounts: shapes.categoryCounts, numericCount: shapes.numericCount)
        FileHandle.standardError.write("""
            wide_deep_train: \(real == nil ? "synthetic" : path) rows \(shapes.rows), wide fields \(shapes.wideFieldSizes), \
            categories \(shapes.categoryCounts), embeddings \(configuration.embeddingSizes), numeric \(shapes.numericCount)\n
            """.data(using: .utf8)!)
        var trainer = Trainer(task: BinaryTabularPrediction(), model: WideDeep(configuration, generator: generator),
                              optimizer: BinaryTabularPrediction.optimizer(), trainingData: TabularBatches(data, batchSize: 256))
        let order = permutation(data.count, generator: generator)
        let batches = stride(from: 0, to: order.count - 255, by: 256).map { data.rows(Array(order[$0..<$0 + 256])) }
        var next = 0
        var result = measure(settings, unitsPerStep: 256) {
            let batch = batches[next]
            next = (next + 1) % batches.count
            trainer.step(on: batch)
        }
        result.data = real == nil ? "synthetic ids, shapes of \(path)" : "\(path), \(shapes.rows) training rows"
        return result
    }
}
