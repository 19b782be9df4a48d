import Foundation
import ArgumentParser
import StrataData
import StrataNN
import StrataTraining

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
    @Option(name: .customLong("wide-optimizer"),
            help: "wide-deep: the wide part's optimizer: ftrl (FTRL-proximal) or proximal (L1 proximal gradient).")
    public var wideOptimizer = WideOptimizerSettings().optimizer.rawValue
    @Option(parsing: .unconditional, help: "wide-deep: the L1 strength on the wide weights (default: \(defaults(\.l1Strength))).")
    public var l1: Double?
    @Option(parsing: .unconditional, help: "wide-deep: the L2 strength on the wide weights (default: \(defaults(\.l2Strength))).")
    public var l2: Double?
    @Option(name: .customLong("wide-lr"),
            parsing: .unconditional,
            help: "wide-deep: the wide part's learning rate, FTRL's alpha (default: \(defaults(\.learningRate)); --lr is the deep part's, Adam).")
    public var wideLearningRate: Double?

    @Option(name: .customLong("non-finite"),
            help: "wide-deep: what a nan, inf or overflowing (1e999) number in a numeric column does: reject (an error naming its row and column, the default) or missing.")
    public var nonFinite: NonFiniteNumbers?

    public init() {}

    /// The options as saved in `settings.json`, with the wide optimizer's defaults filled in.
    public var settings: TabularSettings {
        // The values as given, checked afterwards by TabularSettings.validate(); an unknown
        // --wide-optimizer takes FTRL's defaults until then.
        let defaults = WideOptimizerSettings(WideOptimizer(rawValue: wideOptimizer) ?? WideOptimizerSettings().optimizer)
        return TabularSettings(target: target ?? "", categorical: categoricalColumns, numeric: numericColumns,
                               ignore: ignoredColumns, crosses: cross, parts: parts, wideOptimizer: wideOptimizer,
                               l1Strength: l1 ?? defaults.l1Strength, l2Strength: l2 ?? defaults.l2Strength,
                               wideLearningRate: wideLearningRate ?? defaults.learningRate, nonFinite: nonFinite)
    }

    /// Each wide optimizer's default of one setting, for the help text: "ftrl 0.1, proximal 2".
    static func defaults(_ setting: KeyPath<WideOptimizerSettings, Double>) -> String {
        WideOptimizer.allCases.map { "\($0.rawValue) \(WideOptimizerSettings($0)[keyPath: setting])" }.joined(separator: ", ")
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

    /// Checks that the options are given only for `--model wide-deep`.
    public func validate(forTabularModel tabular: Bool) throws {
        // For wide-deep the values are checked with the settings (`TabularSettings.validate()`).
        guard !tabular else { return }
        if nonFinite != nil { throw ValidationError("--non-finite is for --model wide-deep") }
        if target != nil || categorical != nil || numeric != nil || ignore != nil || !cross.isEmpty {
            throw ValidationError("--target, --categorical, --numeric, --ignore and --cross are for --model wide-deep")
        }
        if l1 != nil || l2 != nil || wideLearningRate != nil {
            throw ValidationError("--l1, --l2 and --wide-lr are for --model wide-deep")
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
    /// `ftrl` or `proximal`.
    public var wideOptimizer: String
    public var l1Strength: Double
    public var l2Strength: Double
    public var wideLearningRate: Double
    /// How non-finite numbers in numeric columns were read (`--non-finite`); nil, as in runs
    /// written before it existed, is `.reject`.
    public var nonFinite: NonFiniteNumbers? = nil
}

extension NonFiniteNumbers: ExpressibleByArgument {}
