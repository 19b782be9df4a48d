// Command-line options, and the environment a run needs before Strata and OpenBLAS start.

import Foundation

struct Options {
    var workloads: [String] = allWorkloads.map(\.name)
    var timing = TimingSettings()
    /// Threads of Strata's pool (`STRATA_NUM_THREADS`); nil keeps one per core.
    var threads: Int?
    var runID = "adhoc"
    /// A file the JSON lines are appended to, besides stdout.
    var outputPath: String?
    /// The batch of the workloads that can take one (`batchableWorkloadNames`); nil keeps theirs.
    var batch: Int?
    /// `--plot CSV --svg FILE`: draw the CSV's series instead of timing anything.
    var plot: PlotRequest?

    static let usage = """
        usage: StrataBench [--workloads a,b] [--window S] [--windows N] [--warmup S] [--threads N]
                           [--run-id ID] [--out FILE] [--batch N] [--list]
               StrataBench --plot CSV --svg FILE [--title T] [--x-label X] [--y-label Y]
          --workloads  comma list (default: all); --list prints the names (and the extra ones)
          --window     seconds per timed window (default 0.5)
          --windows    timed windows; the median is reported (default 5)
          --warmup     minimum warm-up seconds after the first step (default 1.0)
          --threads    Strata pool threads, 1 for the per-core rate (default: one per core)
          --batch      samples per step of \(batchableWorkloadNames.joined(separator: ", ")) (the cost curve)
          --plot       draw a CSV of `series,x,y` rows as a log-log line chart into --svg (Strata's SVGPlot)
        """

    /// Thrown for a bad command line; the message names the flag and the value.
    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    init(arguments: [String]) throws {
        var rest = arguments[...]
        var plotRequest = PlotRequest()
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw UsageError(description: "\(flag) needs a value") }
            return next
        }
        func number<T: LosslessStringConvertible & Comparable>(_ flag: String, _: T.Type, above minimum: T) throws -> T {
            let text = try value(flag)
            guard let parsed = T(text), parsed > minimum else {
                throw UsageError(description: "\(flag): '\(text)' is not a number above \(minimum)")
            }
            return parsed
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--workloads":
                workloads = try value(flag).split(separator: ",").map(String.init)
            case "--window": timing.window = try number(flag, Double.self, above: 0)
            case "--windows": timing.windows = try number(flag, Int.self, above: 0)
            case "--warmup": timing.warmup = try number(flag, Double.self, above: -1)
            case "--threads": threads = try number(flag, Int.self, above: 0)
            case "--run-id": runID = try value(flag)
            case "--out": outputPath = try value(flag)
            case "--batch": batch = try number(flag, Int.self, above: 0)
            case "--plot": plotRequest.csvPath = try value(flag)
            case "--svg": plotRequest.svgPath = try value(flag)
            case "--title": plotRequest.title = try value(flag)
            case "--x-label": plotRequest.xLabel = try value(flag)
            case "--y-label": plotRequest.yLabel = try value(flag)
            case "--list":
                print(knownWorkloads.map(\.name).joined(separator: "\n"))
                exit(0)
            case "--help", "-h":
                print(Options.usage)
                exit(0)
            default:
                throw UsageError(description: "unknown argument '\(flag)'")
            }
        }
        if plotRequest != PlotRequest() {
            guard plotRequest.csvPath != nil, plotRequest.svgPath != nil else {
                throw UsageError(description: "--plot CSV and --svg FILE go together")
            }
            plot = plotRequest
        }
        let known = Set(knownWorkloads.map(\.name))
        if let unknown = workloads.first(where: { !known.contains($0) }) {
            throw UsageError(description: "unknown workload '\(unknown)'; known: \(knownWorkloads.map(\.name).joined(separator: ","))")
        }
        if batch != nil, let fixed = workloads.first(where: { !batchableWorkloadNames.contains($0) }) {
            throw UsageError(description: "--batch: the batch of '\(fixed)' is fixed; it can be set for \(batchableWorkloadNames.joined(separator: ","))")
        }
    }
}

/// Variables that force a slow OpenBLAS kernel on this machine (the Haswell one instead of the
/// AVX-512 Cooperlake one picked by Debian's 0.3.21); OpenBLAS reads them when it loads, before
/// `main`, so a run that finds them re-executes itself without them, as the peers' common.py does.
let misleadingBLASVariables = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]

/// Re-executes this program when the environment must change before Strata or OpenBLAS start:
/// to drop `misleadingBLASVariables` or to size the thread pool. Returns normally when the
/// environment is already right (or `STRATA_BENCH_NO_REEXEC` is set).
func reexecuteIfNeeded(threads: Int?) {
    let environment = ProcessInfo.processInfo.environment
    if environment["STRATA_BENCH_NO_REEXEC"] != nil { return }
    var wanted = environment.filter { !misleadingBLASVariables.contains($0.key) }
    let removed = misleadingBLASVariables.filter { environment[$0] != nil }
    if let threads { wanted["STRATA_NUM_THREADS"] = String(threads) }
    guard !removed.isEmpty || wanted["STRATA_NUM_THREADS"] != environment["STRATA_NUM_THREADS"] else { return }
    if !removed.isEmpty { wanted["STRATA_BENCH_UNSET_ENV"] = removed.joined(separator: ",") }
    let arguments = CommandLine.arguments
    let cArguments = arguments.map { strdup($0) } + [nil]
    let cEnvironment = wanted.map { strdup("\($0.key)=\($0.value)") } + [nil]
    execve("/proc/self/exe", cArguments, cEnvironment)
    // Only reached when execve failed: go on in this environment and say so in the records.
    FileHandle.standardError.write("StrataBench: re-exec failed (errno \(errno)); OPENBLAS_* left as found\n".data(using: .utf8)!)
}
