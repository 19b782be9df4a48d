import Foundation
import ArgumentParser
import StrataData
import StrataNN

/// The `strata train` options of the tabular model (`--model wide-deep`), kept in one group so
/// that the image options stay as they are. Saved in `settings.json` as `tabular`.
public struct TabularOptions: ParsableArguments {
    @Option(help: "wide-deep: the binary target column of the CSV given as --dataset.")
    public var target: String?
    @Option(help: "wide-deep: columns to read as categorical, comma-separated (others are inferred).")
    public var categorical: String?
    @Option(help: "wide-deep: columns to read as numeric, comma-separated (others are inferred).")
    public var numeric: String?
    @Option(help: "wide-deep: columns to leave out, comma-separated.")
    public var ignore: String?
    @Option(help: "wide-deep: a crossed feature, a:b (one weight per combination seen) or a:b@BUCKETS (hashed); repeatable.")
    public var cross: [String] = []
    @Option(help: "wide-deep: which parts to train: wide, deep or wide-deep.")
    public var parts = WideDeepParts.both.rawValue
    @Option(help: "wide-deep: the L1 strength on the wide weights (proximal gradient).")
    public var l1 = 1e-4
    @Option(name: .customLong("wide-lr"), help: "wide-deep: the learning rate of the wide part (--lr is the deep part's, Adam).")
    public var wideLearningRate = 0.2

    public init() {}

    /// The options as saved in `settings.json`.
    public var settings: TabularSettings {
        TabularSettings(target: target ?? "", categorical: categoricalColumns, numeric: numericColumns,
                        ignore: ignoredColumns, crosses: cross, parts: parts, l1Strength: l1,
                        wideLearningRate: wideLearningRate)
    }

    /// A comma-separated list as names, empty entries dropped.
    static func names(_ list: String?) -> [String] {
        (list ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public var categoricalColumns: [String] { Self.names(categorical) }
    public var numericColumns: [String] { Self.names(numeric) }
    public var ignoredColumns: [String] { Self.names(ignore) }

    /// The parsed `--parts`.
    public var wideDeepParts: WideDeepParts {
        get throws {
            guard let value = WideDeepParts(rawValue: parts) else {
                throw ValidationError("--parts must be wide, deep or wide-deep, got \(parts)")
            }
            return value
        }
    }

    /// Checks the options for `--model wide-deep` (or, for other models, that none is given).
    public func validate(forTabularModel tabular: Bool) throws {
        guard tabular else {
            if target != nil || categorical != nil || numeric != nil || ignore != nil || !cross.isEmpty {
                throw ValidationError("--target, --categorical, --numeric, --ignore and --cross are for --model wide-deep")
            }
            return
        }
        guard target != nil else { throw ValidationError("--model wide-deep needs --target COLUMN") }
        _ = try wideDeepParts
        guard l1 >= 0, l1.isFinite else { throw ValidationError("--l1 must not be negative, got \(l1)") }
        guard wideLearningRate > 0, wideLearningRate.isFinite else {
            throw ValidationError("--wide-lr must be positive, got \(wideLearningRate)")
        }
        for text in cross {
            do { _ = try FeatureCross(parsing: text) } catch { throw ValidationError("--cross \(error.description)") }
        }
        if let both = Set(categoricalColumns).intersection(numericColumns).first {
            throw ValidationError("column \(both) is given as both --categorical and --numeric")
        }
    }
}

/// The tabular part of a run's `settings.json`: what `--model wide-deep` was trained with.
public struct TabularSettings: Codable, Sendable, Equatable {
    public var target: String
    public var categorical: [String]
    public var numeric: [String]
    public var ignore: [String]
    /// As given to `--cross` (`a:b` or `a:b@BUCKETS`).
    public var crosses: [String]
    /// `wide`, `deep` or `wide-deep`.
    public var parts: String
    public var l1Strength: Double
    public var wideLearningRate: Double
}
