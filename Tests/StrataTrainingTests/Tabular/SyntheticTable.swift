import Strata
import StrataData

/// A generated table with a known rule, for Wide & Deep tests (no download in CI).
///
/// Columns: `color` (red, green, blue), `shape` (circle, square), `noise` (n0...n19, 5% missing
/// as `?`), `x` (uniform in [-1, 1], irrelevant) and `label`: `yes` exactly when
/// `(color == red) != (shape == square)`. Given color or shape alone the label is a coin flip
/// (for red, yes iff circle; otherwise yes iff square), so a linear model needs the color x
/// shape cross, while an MLP over embeddings can learn the interaction.
enum SyntheticTable {
    static func csv(rows: Int, seed: UInt64) -> String {
        let draws = Tensor.uniform([rows, 5], dtype: .float64, generator: RandomGenerator(seed: seed)).scalars(as: Double.self)
        var lines = ["color,shape,noise,x,label"]
        for row in 0..<rows {
            let u = Array(draws[(row * 5)..<(row * 5 + 5)])
            let color = ["red", "green", "blue"][min(Int(u[0] * 3), 2)]
            let shape = u[1] < 0.5 ? "circle" : "square"
            let noise = u[2] < 0.05 ? "?" : "n\(min(Int(u[3] * 20), 19))"
            let x = 2 * u[4] - 1
            let label = (color == "red") != (shape == "square") ? "yes" : "no"
            lines.append("\(color),\(shape),\(noise),\(x),\(label)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Encoded training and test rows, the encoder fitted on the training rows.
    static func encoded(crosses: [FeatureCross], trainingRows: Int = 600, testRows: Int = 200) throws
        -> (encoder: TabularEncoder, training: TabularData, test: TabularData) {
        let training = try CSVTable(text: csv(rows: trainingRows, seed: 1))
        let test = try CSVTable(text: csv(rows: testRows, seed: 2))
        let encoder = try TabularEncoder(fitting: training,
                                         schema: TabularSchema.inferred(from: training, target: "label", crosses: crosses))
        return (encoder, try encoder.encode(training), try encoder.encode(test))
    }
}
