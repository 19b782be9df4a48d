/// Counts of a run of fuzz cases.
public struct FuzzTally: Equatable, Sendable {
    public var cases = 0
    public var accepted = 0
    public var rejected = 0
    public var silentAcceptances = 0
    public var unexpectedErrors = 0
    /// How many rejections each reason had, the reason cut at its first digit or quote (so
    /// that "truncated file: needs 2370 bytes" and "... needs 12 bytes" count together).
    public var rejectionReasons: [String: Int] = [:]
    /// The first findings, by case number (at most `FuzzCampaign.keptFindings`).
    public var findings: [(index: Int, outcome: FuzzOutcome)] = []

    public init() {}

    public static func == (lhs: FuzzTally, rhs: FuzzTally) -> Bool {
        (lhs.cases, lhs.accepted, lhs.rejected, lhs.silentAcceptances, lhs.unexpectedErrors)
            == (rhs.cases, rhs.accepted, rhs.rejected, rhs.silentAcceptances, rhs.unexpectedErrors)
            && lhs.findings.map(\.index) == rhs.findings.map(\.index)
    }

    /// Adds one case's outcome.
    mutating func record(_ outcome: FuzzOutcome, index: Int, keeping limit: Int) {
        cases += 1
        switch outcome {
        case .accepted: accepted += 1
        case .rejected(let reason):
            rejected += 1
            let key = String(reason.prefix { !$0.isNumber && $0 != "\"" && $0 != "'" }.prefix(80))
            rejectionReasons[key, default: 0] += 1
        case .silentAcceptance: silentAcceptances += 1
        case .unexpectedError: unexpectedErrors += 1
        }
        if outcome.isFinding && findings.count < limit { findings.append((index, outcome)) }
    }

    /// `cases=N accepted=A rejected=R silent=S unexpected=U`, the line `Tools/fuzz.sh` reads.
    public var summary: String {
        "cases=\(cases) accepted=\(accepted) rejected=\(rejected) silent=\(silentAcceptances) unexpected=\(unexpectedErrors)"
    }
}

/// A seeded run of a target: case `index` mutates the seed input that `FuzzRandom(seed:case:)`
/// picks, so any case can be rebuilt alone (`input(ofCase:)`) to reproduce a finding.
public struct FuzzCampaign {
    public var target: any FuzzTarget
    public var seed: UInt64
    public var mutator: Mutator

    /// How many findings a tally keeps for the report.
    public static let keptFindings = 20

    public init(target: any FuzzTarget, seed: UInt64) {
        self.target = target
        self.seed = seed
        mutator = Mutator(isText: target.isText)
    }

    /// The input of case `index` and the seed it was made from. Case numbers below the seed count
    /// also run each seed unchanged first, so a broken seed shows at once.
    public func input(ofCase index: Int) -> (bytes: [UInt8], seed: Int) {
        let seeds = target.seeds
        if index < seeds.count { return (seeds[index], index) }
        var random = FuzzRandom(seed: seed, case: index)
        let chosen = random.below(seeds.count)
        return (mutator.mutate(seeds[chosen], seeds: seeds, random: &random), chosen)
    }

    /// Runs cases `range`, calling `willRun` before each (the executable records the case number
    /// there for its crash and hang reports), `didRun` after each and `found` for each finding.
    public func run(_ range: Range<Int>, willRun: (Int) -> Void = { _ in }, didRun: (FuzzOutcome) -> Void = { _ in },
                    found: (Int, FuzzOutcome) -> Void = { _, _ in }) -> FuzzTally {
        var tally = FuzzTally()
        for index in range {
            let (bytes, chosen) = input(ofCase: index)
            willRun(index)
            let outcome = target.run(bytes, seed: chosen)
            didRun(outcome)
            if outcome.isFinding { found(index, outcome) }
            tally.record(outcome, index: index, keeping: Self.keptFindings)
        }
        return tally
    }
}
