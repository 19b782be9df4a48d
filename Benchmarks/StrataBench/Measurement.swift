// Steady-state timing, mirroring ../shared/bench/peers/common.py (`measure`, `timed_windows`,
// `wait_for_quiet`) so that Strata's numbers and the peers' sit in one table: the first step is
// timed apart, then a warm-up, then `windows` timed windows of `k` steps each, where `k` is chosen
// so a window lasts about `window` seconds. The reported rate is the median window.

import Foundation

/// Monotonic seconds since an arbitrary origin.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// How the machine's CPU time was spent while a block ran, from /proc/stat and /proc/self/stat.
///
/// `foreignPercent` is the share of all cores used by *other* processes (our own threads are
/// excluded): on this 2-core machine 50 means a whole core was taken by someone else.
struct CPUMonitor {
    private let machineBusy: Int, machineTotal: Int, ownBusy: Int

    init() {
        (machineBusy, machineTotal) = CPUMonitor.machineJiffies()
        ownBusy = CPUMonitor.ownJiffies()
    }

    /// CPU seconds this process (all threads) used since the monitor started: jiffies, so 10 ms
    /// steps at the usual 100 Hz.
    var ownSeconds: Double {
        Double(CPUMonitor.ownJiffies() - ownBusy) / Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
    }

    var foreignPercent: Double {
        let (busy, total) = CPUMonitor.machineJiffies()
        let own = CPUMonitor.ownJiffies() - ownBusy
        let elapsed = max(1, total - machineTotal)
        return max(0, 100 * Double(busy - machineBusy - own) / Double(elapsed))
    }

    /// (busy, total) jiffies summed over all CPUs: the first line of /proc/stat.
    private static func machineJiffies() -> (Int, Int) {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first else { return (0, 0) }
        let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { Int($0) }
        guard values.count == 8 else { return (0, 0) }
        let total = values.reduce(0, +)
        return (total - values[3] - values[4], total)  // idle and iowait are not busy
    }

    /// utime + stime of this process, all threads (fields 14 and 15 of /proc/self/stat).
    private static func ownJiffies() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let end = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return user + system
    }
}

/// The contention policy of the peers: wait for a quiet machine before timing, and redo the
/// windows (up to `maxAttempts` times) when other processes used more than `foreignMaxPercent`.
struct QuietPolicy {
    var foreignMaxPercent = Double(ProcessInfo.processInfo.environment["PEERS_FOREIGN_MAX_PCT"] ?? "") ?? 8
    var maxAttempts = Int(ProcessInfo.processInfo.environment["PEERS_MAX_ATTEMPTS"] ?? "") ?? 3
    var quietWaitSeconds = Double(ProcessInfo.processInfo.environment["PEERS_QUIET_WAIT_S"] ?? "") ?? 15

    /// Sleeps in half-second samples until others use at most `foreignMaxPercent` of the machine
    /// or `quietWaitSeconds` have passed; returns the seconds waited.
    func waitForQuiet() -> Double {
        let start = now()
        while true {
            let monitor = CPUMonitor()
            usleep(500_000)
            if monitor.foreignPercent <= foreignMaxPercent || now() - start > quietWaitSeconds {
                return now() - start
            }
        }
    }
}

/// The result of timing one workload: rates are in the workload's unit per second.
struct Measurement {
    var windowRates: [Double]
    var firstStepSeconds: Double
    var warmupSteps: Int
    var stepsPerWindow: Int
    var foreignPercent: Double
    var attempts: Int
    var quietWaitSeconds: Double
    /// This process's CPU time per timed step (user + system, all threads) over the kept
    /// windows: far less sensitive to other processes than the rate on a loaded machine.
    var cpuSecondsPerStep: Double
    /// What the workload ran on, when it has a choice (the record's `data` field).
    var data: String?

    var medianRate: Double { median(windowRates) }
    var spreadPercent: Double {
        100 * ((windowRates.max() ?? 0) - (windowRates.min() ?? 0)) / max(medianRate, .leastNormalMagnitude)
    }
}

/// Settings shared by every workload (from the command line).
struct TimingSettings {
    var window = 0.5
    var windows = 5
    var warmup = 1.0
    var policy = QuietPolicy()
}

/// Times `step`, which does `unitsPerStep` units of work (flops, bytes, elements or ops).
func measure(_ settings: TimingSettings, unitsPerStep: Double, _ step: () -> Void) -> Measurement {
    var start = now()
    step()
    let first = now() - start
    // Warm-up: at least three steps and `warmup` seconds; two suffice for slow (> 0.5 s) steps.
    var steps = 0
    var elapsed = 0.0
    start = now()
    repeat {
        step()
        steps += 1
        elapsed = now() - start
    } while !(steps >= 3 && elapsed >= settings.warmup) && !(steps >= 2 && elapsed / Double(steps) > 0.5)
        && elapsed < 4 * settings.warmup + 20
    let perStep = elapsed / Double(steps)
    let k = max(1, Int((settings.window / perStep).rounded()))
    let windows = perStep > 0.5 ? min(settings.windows, 3) : settings.windows
    func oneWindow() -> Double {
        let start = now()
        for _ in 0..<k { step() }
        return Double(k) * unitsPerStep / (now() - start)
    }
    var best: (foreign: Double, rates: [Double], cpu: Double)?
    var waited = 0.0
    var attempts = 0
    for attempt in 1...max(1, settings.policy.maxAttempts) {
        attempts = attempt
        waited += settings.policy.waitForQuiet()
        let monitor = CPUMonitor()
        let rates = (0..<windows).map { _ in oneWindow() }
        let foreign = monitor.foreignPercent
        let cpu = monitor.ownSeconds / Double(windows * k)
        if best == nil || foreign < best!.foreign { best = (foreign, rates, cpu) }
        if foreign <= settings.policy.foreignMaxPercent { break }
    }
    return Measurement(windowRates: best!.rates, firstStepSeconds: first, warmupSteps: steps, stepsPerWindow: k,
                       foreignPercent: best!.foreign, attempts: attempts, quietWaitSeconds: waited,
                       cpuSecondsPerStep: best!.cpu)
}
