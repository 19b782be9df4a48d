// StrataBench: Strata's micro-benchmarks, one JSON line per workload in the schema of the peer
// harness (../shared/bench/peers/common.py), so a summary can hold Strata beside numpy,
// PyTorch and the others. Build with `swift build -c release --product StrataBench`;
// Benchmarks/compare.py runs it alternately with numpy and prints the ratios.

import COpenBLAS
import Foundation
import Strata

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write("StrataBench: \(error)\n\(Options.usage)\n".data(using: .utf8)!)
    exit(2)
}
if let plot = options.plot {
    do {
        try plot.run()
        exit(0)
    } catch {
        FileHandle.standardError.write("StrataBench --plot: \(error)\n".data(using: .utf8)!)
        exit(1)
    }
}
reexecuteIfNeeded(threads: options.threads)

let environment = ProcessInfo.processInfo.environment
let threads = Int(environment["STRATA_NUM_THREADS"] ?? "") ?? ProcessInfo.processInfo.activeProcessorCount
let hostName = ProcessInfo.processInfo.hostName

/// Which OpenBLAS build and kernel serve matmul (the kernel depends on OPENBLAS_CORETYPE).
func blasRecord() -> JSONRecord {
    var record = JSONRecord()
    record.set("corename", String(cString: openblas_get_corename()))
    record.set("config", String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces))
    record.set("num_threads", Int(openblas_get_num_threads()))
    for variable in misleadingBLASVariables {
        if let value = environment[variable] { record.set(variable, value) }
    }
    return record
}

func emit(_ record: JSONRecord) {
    record.emit()
    guard let path = options.outputPath else { return }
    let line = (record.encoded + "\n").data(using: .utf8)!
    if let handle = FileHandle(forWritingAtPath: path) {
        handle.seekToEndOfFile()
        handle.write(line)
        handle.closeFile()
    } else {
        _ = FileManager.default.createFile(atPath: path, contents: line)
    }
}

for (index, name) in options.workloads.enumerated() {
    let workload = options.batch.flatMap { batchedWorkload(name, batch: $0) } ?? knownWorkloads.first { $0.name == name }!
    // Each workload's own peak: reset the high-water mark (the first one starts fresh anyway).
    let peakIsOwn = PeakMemory.reset() || index == 0
    let start = now()
    let monitor = CPUMonitor()
    let result = workload.run(options.timing)
    let metric = workload.metric
    var record = JSONRecord()
    record.set("framework", "strata")
    record.set("variant", "strata-t\(threads)")
    record.set("version", environment["STRATA_BENCH_VERSION"] ?? "dev")
    record.set("workload", name)
    record.set("run_id", options.runID)
    record.set("status", "ok")
    record.set(metric.key, rounded(metric.value(fromRate: result.medianRate), 3))
    record.set("window_rates", result.windowRates.map { rounded(metric.value(fromRate: $0), 3) })
    record.set("window_spread_pct", rounded(result.spreadPercent, 1))
    record.set("steps_per_window", result.stepsPerWindow)
    record.set("first_step_s", rounded(result.firstStepSeconds, 4))
    record.set("warmup_steps", result.warmupSteps)
    record.set("foreign_cpu_pct", rounded(result.foreignPercent, 1))
    record.set("cpu_ms_per_step", rounded(1000 * result.cpuSecondsPerStep, 2))
    record.set("attempts", result.attempts)
    record.set("quiet_wait_s", rounded(result.quietWaitSeconds, 1))
    record.set("threads", threads)
    record.set("note", workload.note)
    if let data = result.data { record.set("data", data) }
    if let batch = options.batch { record.set("batch", batch) }
    if let peak = PeakMemory.highWaterMegabytes() {
        record.set("peak_rss_mb", rounded(peak, 1))
        // "workload": this workload's own peak; "process": the process's so far (no reset).
        record.set("peak_rss_scope", peakIsOwn ? "workload" : "process")
    }
    if name.hasPrefix("sgemm") { record["blas"] = .object(blasRecord()) }
    record.set("wall_s", rounded(now() - start, 2))
    record.set("run_foreign_cpu_pct", rounded(monitor.foreignPercent, 1))
    record.set("host", hostName)
    record.set("unix_time", rounded(Date().timeIntervalSince1970, 1))
    if let unset = environment["STRATA_BENCH_UNSET_ENV"] { record.set("unset_env", unset) }
    emit(record)
}
