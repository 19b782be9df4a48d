import Foundation

/// Reports training progress as text: on a terminal, one line redrawn in place at every step;
/// elsewhere (a file, a pipe, CI), a plain line every `logInterval` steps. Either way each epoch
/// ends with one summary line.
///
/// The terminal line, rewritten with a carriage return and ANSI erase-to-end-of-line (`ESC [K`):
///
///     epoch 2/10 [######--------------] 6/20 | 512.0 samples/s | loss 0.4132 | ETA 0:02
///
/// The plain line: `epoch 2/10 step 6/20 | 512.0 samples/s | loss 0.4132 | ETA 0:02`. Throughput
/// counts the epoch's samples since it began; the ETA extrapolates the epoch's mean step time over
/// its remaining steps; the loss is the epoch's running mean per sample. The summary line gives
/// the epoch's training throughput (its samples over the time from its start to its last step, so
/// validation is left out) before the epoch's whole time:
///
///     epoch 2/10: loss 0.4000, accuracy 0.7500, learning rate 0.001, 2345.6 samples/s, 3.0s
///
/// Output and time are injected so that tests see exact strings: `output` receives each piece of
/// text as it would be written, `clock` returns seconds from any fixed origin.
public final class ProgressReporter: TrainingCallback {
    /// Whether the output redraws one line (`true`) or writes plain lines.
    public let isTerminal: Bool
    /// Steps between plain lines; default 50.
    public let logInterval: Int
    /// Characters inside the terminal bar's brackets; default 20.
    public let barWidth: Int
    private let output: (String) -> Void
    private let clock: () -> Double
    private var epochStart = 0.0
    private var samplesSeen = 0
    /// The clock at the last step it was read for (every step on a terminal, every `logInterval`
    /// steps and the epoch's last step elsewhere), and the samples seen by then.
    private var lastTimedStep: (time: Double, samples: Int)?

    /// - Parameters:
    ///   - isTerminal: default: whether standard output is a terminal (`isatty(1)`).
    ///   - output: default: standard output, flushed after each piece so redraws show at once.
    ///   - clock: default: the system's monotonic clock.
    public init(isTerminal: Bool = isatty(1) != 0, logInterval: Int = 50, barWidth: Int = 20,
                output: @escaping (String) -> Void = ProgressReporter.writeToStandardOutput,
                clock: @escaping () -> Double = ProgressReporter.monotonicSeconds) {
        precondition(logInterval > 0, "ProgressReporter: logInterval must be positive, got \(logInterval)")
        precondition(barWidth > 0, "ProgressReporter: barWidth must be positive, got \(barWidth)")
        self.isTerminal = isTerminal
        self.logInterval = logInterval
        self.barWidth = barWidth
        self.output = output
        self.clock = clock
    }

    /// Writes `text` to standard output and flushes it (with `print`'s buffer, so lines printed
    /// elsewhere stay in order).
    public static func writeToStandardOutput(_ text: String) {
        print(text, terminator: "")
        // fflush(nil) flushes every output stream; it avoids naming the global `stdout`, which
        // Swift 6 rejects as shared mutable state.
        fflush(nil)
    }

    /// Seconds since boot from the monotonic clock (never jumps with the wall clock).
    public static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    public func epochBegan(_ epoch: Int, context: TrainingContext) throws {
        epochStart = clock()
        samplesSeen = 0
        lastTimedStep = nil
    }

    public func stepEnded(_ step: StepSummary, context: TrainingContext) throws -> TrainingAction {
        samplesSeen += step.batchSize
        let done = step.step + 1
        let total = context.stepsPerEpoch
        let prints = isTerminal || done % logInterval == 0
        guard prints || done == total else { return .proceed }
        let time = clock()
        lastTimedStep = (time, samplesSeen)
        guard prints else { return .proceed }
        let elapsed = time - epochStart
        let throughput = elapsed > 0 ? Double(samplesSeen) / elapsed : 0
        let remaining = elapsed / Double(done) * Double(total - done)
        let position = isTerminal ? "\(bar(done, of: total)) \(done)/\(total)" : "step \(done)/\(total)"
        let line = "epoch \(step.epoch + 1)/\(context.epochCount) \(position) | "
            + String(format: "%.1f samples/s | loss %.4f | ETA ", throughput, step.runningLoss)
            + Self.durationText(remaining)
        output(isTerminal ? "\r" + line + "\u{1B}[K" : line + "\n")
        return .proceed
    }

    public func epochEnded(_ summary: EpochSummary, context: TrainingContext) throws -> TrainingAction {
        var line = "epoch \(summary.epoch + 1)/\(context.epochCount): "
            + String(format: "loss %.4f, accuracy %.4f", summary.trainingLoss, summary.trainingAccuracy)
        if let loss = summary.validationLoss, let accuracy = summary.validationAccuracy {
            line += String(format: ", validation loss %.4f, validation accuracy %.4f", loss, accuracy)
        }
        for (name, value) in summary.validationMetrics.sorted(by: { $0.key < $1.key }) {
            line += String(format: ", validation %@ %.4f", name.replacingOccurrences(of: "_", with: " "), value)
        }
        line += ", learning rate \(summary.learningRate), "
        if let (time, samples) = lastTimedStep, time > epochStart {
            line += String(format: "%.1f samples/s, ", Double(samples) / (time - epochStart))
        }
        line += String(format: "%.1fs", clock() - epochStart)
        output(isTerminal ? "\r" + line + "\u{1B}[K\n" : line + "\n")
        return .proceed
    }

    /// `[###---]` with `done` of `total` steps filled, rounded down.
    func bar(_ done: Int, of total: Int) -> String {
        let filled = total > 0 ? min(barWidth, done * barWidth / total) : barWidth
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "]"
    }

    /// `m:ss`, or `h:mm:ss` from an hour, rounded to the nearest second.
    public static func durationText(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}

extension ProgressReporter {
    /// Rank 0 alone writes it in data-parallel training.
    public var writesOutput: Bool { true }
}
