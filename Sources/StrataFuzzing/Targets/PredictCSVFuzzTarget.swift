import Foundation
import Strata
import StrataCLI

/// The `strata predict --input FILE.csv` path for the image models: 784 pixel columns per row,
/// with or without a header, through `PredictInput.images(in:format:path:)` (the CSV table's
/// numeric check, then `PredictInput.requirements`, then scaling).
///
/// Independent check of an accepted file: float32 images `[N, 1, 28, 28]` with N >= 1, every
/// value finite in [0, 1].
public struct PredictCSVFuzzTarget: FuzzTarget {
    public let name = "predict-csv"
    public let isText = true
    public let seeds: [[UInt8]]

    public init() {
        let pixels = { (row: Int) in (0..<784).map { String(($0 * 7 + row * 51) % 256) }.joined(separator: ",") }
        let header = (0..<784).map { "pixel\($0)" }.joined(separator: ",")
        seeds = [Array((pixels(0) + "\n" + pixels(1) + "\n").utf8),
                 Array((header + "\r\n" + pixels(2) + "\r\n").utf8)]
    }

    public func run(_ input: [UInt8], seed: Int) -> FuzzOutcome {
        predictInputOutcome(input, format: .csv)
    }
}
