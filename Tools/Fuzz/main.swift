import ArgumentParser
import Foundation
import StrataFuzzing
#if canImport(Glibc)
import Glibc
#endif

/// `strata-fuzz`: runs seeded fuzz cases against the readers, in-process, and prints one tally
/// line per target. A crash (a trap or a fault) prints `strata-fuzz: crash in case K (signal S)`
/// and dies by the signal; a case that runs past `--case-timeout` prints
/// `strata-fuzz: hang in case K` and exits with status 124. `Tools/fuzz.sh` restarts it from the
/// next case and counts both.
struct StrataFuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata-fuzz", abstract: "Run seeded mutation fuzz cases against Strata's file readers.")

    @Option(help: "The reader: \(FuzzTargets.names.joined(separator: ", ")) or all.")
    var target = "all"
    @Option(help: "Run cases --start..<CASES.")
    var cases = 1_000
    @Option(help: "The first case to run (after a crash, the one after it).")
    var start = 0
    @Option(help: "The campaign seed: case K's input depends only on it and K.")
    var seed: UInt64 = 1
    @Option(help: "Seconds one case may run before it counts as a hang.")
    var caseTimeout = 10.0
    @Flag(help: "Print the target names, one a line, and stop.")
    var listTargets = false
    @Flag(help: "Also print how often each rejection reason came up.")
    var reasons = false
    @Option(help: ArgumentHelp("Write case K's input to --dump-to instead of running anything.", valueName: "K"))
    var dumpCase: Int?
    @Option(help: "Where --dump-case writes.")
    var dumpTo = "fuzz-case.bin"

    func validate() throws {
        guard target == "all" || FuzzTargets.names.contains(target) else {
            throw ValidationError("--target must be one of \(FuzzTargets.names.joined(separator: ", ")) or all, got \(target)")
        }
        guard cases >= 0, start >= 0, caseTimeout > 0 else { throw ValidationError("--cases, --start and --case-timeout must be positive") }
    }

    func run() throws {
        if listTargets {
            FuzzTargets.names.forEach { say($0) }
            return
        }
        for name in target == "all" ? FuzzTargets.names : [target] {
            guard let made = try FuzzTargets.make(name) else { continue }
            let campaign = FuzzCampaign(target: made, seed: seed)
            if let dumpCase {
                try Data(campaign.input(ofCase: dumpCase).bytes).write(to: URL(fileURLWithPath: dumpTo))
                say("strata-fuzz: wrote case \(dumpCase) of \(name) (seed \(seed)) to \(dumpTo)")
                return
            }
            CaseWatch.start(timeout: caseTimeout)
            let tally = campaign.run(start..<max(start, cases), willRun: CaseWatch.begin, didRun: CaseWatch.count) { index, outcome in
                say("strata-fuzz: \(name) case \(index): \(outcome)")
            }
            CaseWatch.end()
            if reasons {
                for (reason, count) in tally.rejectionReasons.sorted(by: { $0.value > $1.value }) {
                    say("strata-fuzz:   \(count) x \(reason)")
                }
            }
            say("strata-fuzz: target=\(name) seed=\(seed) start=\(start) \(tally.summary)")
        }
    }
}

/// The case in progress, kept where the crash handler and the hang watchdog can read it without
/// allocating: slot 0 the case number, 1 its start (monotonic nanoseconds), 2 whether one runs,
/// 3 and 4 the cases accepted and rejected so far (reported with a crash or a hang, so that
/// `Tools/fuzz.sh` counts them too).
enum CaseWatch {
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<Int> = {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 5)
        slots.initialize(repeating: 0, count: 5)
        return slots
    }()
    nonisolated(unsafe) static let line = UnsafeMutablePointer<UInt8>.allocate(capacity: 128)

    static func begin(_ index: Int) {
        slots[0] = index
        slots[1] = Int(DispatchTime.now().uptimeNanoseconds)
        slots[2] = 1
    }

    static func end() { slots[2] = 0 }

    /// Counts a finished case's outcome.
    static func count(_ outcome: FuzzOutcome) {
        switch outcome {
        case .accepted: slots[3] += 1
        case .rejected: slots[4] += 1
        case .silentAcceptance, .unexpectedError: break
        }
    }

    /// The accepted and rejected counts of the cases before a crash or a hang.
    static func reportCounts() {
        report("strata-fuzz: before it accepted=", slots[3], " rejected=", slots[4], closing: "")
    }

    /// Installs the crash handlers and a watchdog thread that ends the process on a hang.
    static func start(timeout: Double) {
        _ = slots
        for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                CaseWatch.report("strata-fuzz: crash in case ", CaseWatch.slots[0], " (signal ", Int(signal))
                CaseWatch.reportCounts()
                Glibc.signal(signal, SIG_DFL)
                raise(signal)
            }
            sigaction(signal, &action, nil)
        }
        let limit = Int(timeout * 1e9)
        Thread.detachNewThread {
            while true {
                usleep(50_000)
                if slots[2] == 1 && Int(DispatchTime.now().uptimeNanoseconds) - slots[1] > limit {
                    report("strata-fuzz: hang in case ", slots[0])
                    reportCounts()
                    _exit(124)
                }
            }
        }
    }

    /// Writes `prefix`, `number`, then `middle`, `detail` and `closing` when given, then a newline to
    /// standard error with one write(2), allocating nothing (it runs in a signal handler).
    static func report(_ prefix: StaticString, _ number: Int, _ middle: StaticString = "", _ detail: Int? = nil,
                       closing: StaticString = ")") {
        var length = 0
        func append(_ text: StaticString) {
            for byte in UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount) where length < 120 {
                line[length] = byte
                length += 1
            }
        }
        func append(_ number: Int) {
            var divisor = 1
            while number / divisor >= 10 { divisor *= 10 }
            while divisor > 0 && length < 120 {
                line[length] = UInt8(48 + (number / divisor) % 10)
                length += 1
                divisor /= 10
            }
        }
        append(prefix)
        append(number)
        if let detail {
            append(middle)
            append(detail)
            append(closing)
        }
        append("\n")
        _ = write(2, line, length)
    }
}

/// Prints a line unbuffered, so that it survives a crash in the next case.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

StrataFuzz.main()
