import ArgumentParser
import Foundation
import Strata
import StrataData

/// How many training samples `strata train` holds out for validation: keep-best checkpoints,
/// early stopping and the per-epoch validation metrics use them, so the test split is evaluated
/// only once, at the end.
///
/// Written as a count (`5000`), a fraction (`0.1`) or a percentage (`10%`); `0` holds out nothing
/// (no validation, no best checkpoint). Without the flag a run holds out
/// `ValidationSplit.defaultImages` of the image training set and `defaultRows` of a CSV's
/// training rows.
public enum ValidationSplit: Equatable, Sendable {
    case count(Int)
    case fraction(Double)

    /// The image models' default: 5,000 images, or a tenth of the training images when there are
    /// fewer than 50,000 (as with `--limit` or `--images-per-class`).
    public static func defaultImages(trainingCount: Int) -> ValidationSplit {
        trainingCount >= 50_000 ? .count(5_000) : .fraction(0.1)
    }

    /// The tabular model's default: a tenth of the rows left for training.
    public static let defaultRows = ValidationSplit.fraction(0.1)

    /// Whether this split holds out no sample (`0`, `0.0`, `0%`).
    public var holdsOutNothing: Bool { self == .count(0) || self == .fraction(0) }

    /// The number of the `count` samples to hold out.
    /// - Throws: `CLIError.invalidSetting` when that leaves no sample to train on.
    public func validationCount(of count: Int) throws(CLIError) -> Int {
        let held = switch self {
        case .count(let n): n
        case .fraction(let f): Int((f * Double(count)).rounded())
        }
        guard held < count else {
            throw .invalidSetting("--validation-split \(description) holds out \(held) of \(count) training samples, leaving none to train on")
        }
        return held
    }

    /// `dataset` split into (training, validation) by `TensorDataset.holdingOut`, each part in
    /// the dataset's order; the validation part is nil when nothing is held out.
    public func split(_ dataset: TensorDataset, seed: UInt64) throws(CLIError) -> (training: TensorDataset, validation: TensorDataset?) {
        let held = try validationCount(of: dataset.count)
        guard held > 0 else { return (dataset, nil) }
        let parts = dataset.holdingOut(held, seed: seed)
        return (parts.training, parts.validation)
    }

    /// The positions `0..<count` split into (training, validation) by `holdOutIndices`, for tables.
    public func splitIndices(count: Int, seed: UInt64) throws(CLIError) -> (training: [Int], validation: [Int]) {
        try holdOutIndices(count: count, validationCount: validationCount(of: count), seed: seed)
    }
}

extension ValidationSplit: CustomStringConvertible, LosslessStringConvertible, ExpressibleByArgument, Codable {
    /// Parses `5000`, `0.1` or `10%`: a whole number is a count, a number below 1 or a
    /// percentage a fraction.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let count = Int(trimmed) {
            guard count >= 0 else { return nil }
            self = .count(count)
        } else if trimmed.hasSuffix("%"), let percent = Double(trimmed.dropLast()), percent >= 0, percent < 100 {
            self = .fraction(percent / 100)
        } else if let fraction = Double(trimmed), fraction >= 0, fraction < 1 {
            self = .fraction(fraction)
        } else {
            return nil
        }
    }

    public init?(argument: String) { self.init(argument) }

    public var description: String {
        switch self {
        case .count(let n): String(n)
        case .fraction(let f): String(f)
        }
    }

    public static var defaultCompletionKind: CompletionKind { .default }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let split = ValidationSplit(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: """
                validation split must be a count (5000), a fraction below 1 (0.1) or a percentage (10%), got \(text)
                """))
        }
        self = split
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
