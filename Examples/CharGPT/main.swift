// A character-level decoder-only Transformer (GPT-2's layout, StrataNN's `GPT`) trained on the
// same corpus, split and time budget as CharLM's LSTM, by StrataTraining's Trainer with the
// LanguageModelling task (windows of 128 characters from 32 parallel streams, batch first, no
// state carried: the model sees one window at a time): AdamW with a linear warm-up and a cosine
// decay over the time budget, gradient clipping, validation nats per character, then sampling
// with temperature and top-k, timed with and without the key/value cache.
//
//     Tools/install-system-packages.sh fortunes && swift run -c release CharGPT
//     swift run -c release CharGPT --minutes 2 --temperature 0.7 --top-k 10
import ArgumentParser
import Foundation
import Strata
import StrataData
import StrataNN
import StrataOptimizers
import StrataTraining

/// The command line; `--help` prints it.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "CharGPT", abstract: "A character-level decoder-only Transformer on the fortunes corpus, beside CharLM's LSTM.")

    @Option(help: "A text file, or a fortunes directory.")
    var text = "/usr/share/games/fortunes"
    @Option(help: "Training time in minutes.")
    var minutes = 4.0
    @Option(help: "The sample's first characters.")
    var prompt = "The "
    @Option(help: "Sampling temperature (0: greedy).")
    var temperature = 0.8
    @Option(help: "Sample from the k most likely characters only.")
    var topK = 20
    @Option(help: "Characters to sample.")
    var length = 400

    func validate() throws {
        if !(minutes > 0) { throw ValidationError("--minutes needs a positive number") }
        if !(temperature >= 0 && temperature.isFinite) { throw ValidationError("--temperature needs a number >= 0 (0: greedy)") }
        if topK <= 0 { throw ValidationError("--top-k needs a positive integer") }
        if length <= 0 { throw ValidationError("--length needs a positive integer") }
    }
}

let options = Options.parseOrExit()
let (textPath, minutes, prompt, temperature, sampleLength) = (options.text, options.minutes, options.prompt, options.temperature,
                                                              options.length)
let topK: Int? = options.topK
// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

let text: String
do {
    text = try TextCorpus.read(from: URL(fileURLWithPath: textPath), fortuneSeparators: textPath.contains("fortunes"))
} catch {
    FileHandle.standardError.write(Data("error: \(error). Install the default corpus with `apt-get install -y fortunes`, or pass --text FILE\n".utf8))
    exit(1)
}
let vocabulary = CharacterVocabulary(of: text + prompt)
let codes = try! vocabulary.encode(text).scalars(as: Int64.self)
// The same 95/5 split as CharLM, so the validation numbers compare.
let split = codes.count * 95 / 100
let (trainCodes, validationCodes) = (Array(codes[..<split]), Array(codes[split...]))
print("corpus: \(codes.count) characters, \(vocabulary.count) distinct; \(trainCodes.count) for training, \(validationCodes.count) for validation")

let (batch, context) = (32, 128)
let configuration = GPTConfiguration(vocabularySize: vocabulary.count, contextLength: context, modelSize: 128, headCount: 4,
                                     layerCount: 4, dropout: 0)
let generator = RandomGenerator(seed: 1)
var model = GPT(configuration, generator: generator)
let (peakRate, warmupFraction, minimumRate) = (2e-3, 0.05, 1e-4)
print("model: \(configuration.layerCount) layers, d_model \(configuration.modelSize), \(configuration.headCount) heads, context \(context), "
      + "\(model.parameterCount) parameters; batch \(batch), AdamW \(peakRate) (warm-up over 5% of the time budget, cosine to "
      + "\(minimumRate) over the rest), weight decay 0.1, clip 1")

/// The Trainer's view of the model: logits for a window, no state between windows.
extension GPT: LanguageModel {
    public func callAsFunction(_ tokens: Tensor, state: [Tensor]) -> (logits: Tensor, state: [Tensor]) { (self(tokens), []) }
}

/// The learning rate over the time budget (read from the clock at each step): a linear warm-up
/// over its first 5%, then a cosine to the minimum, so a slower machine takes fewer steps of the
/// same schedule instead of spending them all in a warm-up counted in steps.
struct TimeBudgetSchedule: LearningRateSchedule {
    let start: Date
    let budget: TimeInterval
    let peakRate: Double
    let warmupFraction: Double
    let minimumRate: Double

    func learningRate(at index: Int) -> Double {
        let progress = Date().timeIntervalSince(start) / budget
        if progress < warmupFraction { return peakRate * max(progress / warmupFraction, 0.01) }
        let decay = min((progress - warmupFraction) / (1 - warmupFraction), 1)
        return minimumRate + (peakRate - minimumRate) * 0.5 * (1 + Foundation.cos(Double.pi * decay))
    }
}

/// Prints the running loss and speed every 100 steps; ends training (after the current step,
/// then the epoch's evaluation) once the time budget is spent.
final class Report: TrainingCallback {
    let start: Date
    let deadline: Date

    init(start: Date, budget: TimeInterval) {
        self.start = start
        deadline = start.addingTimeInterval(budget)
    }

    func stepEnded(_ step: StepSummary, context: TrainingContext) throws -> TrainingAction {
        let steps = step.step + 1
        if steps % 100 == 0 {
            let elapsed = Date().timeIntervalSince(start)
            print(String(format: "step %d  loss %.3f  lr %.2e  %.0f characters/s  %.0f s", steps, step.runningLoss,
                         step.learningRate, Double(steps * step.batchSize) / elapsed, elapsed))
        }
        return Date() > deadline ? .stopAfterStep : .proceed
    }
}

/// `length` characters after `prompt`; with the cache each step feeds one token, without it the
/// whole (cropped) sequence again. When the cache fills the context, it restarts from the last
/// half of the text (one recomputation per context/2 tokens).
func sample(_ model: GPT, prompt: String, length: Int, useCache: Bool, seed: UInt64) -> (text: String, tokensPerSecond: Double) {
    let sampler = TokenSampler(temperature: temperature, topK: topK)
    let generator = RandomGenerator(seed: seed)
    return withoutGradients {
        var tokens = try! vocabulary.encode(prompt).scalars(as: Int64.self)
        var cache = KeyValueCache()
        var pending = tokens
        let start = Date()
        for _ in 0..<length {
            let logits: Tensor
            if useCache {
                if cache.length + pending.count > context {
                    cache = KeyValueCache()
                    pending = Array(tokens.suffix(context / 2))
                }
                logits = model(Tensor(pending, shape: [1, pending.count]), cache: &cache)
            } else {
                let window = Array(tokens.suffix(context))
                logits = model(Tensor(window, shape: [1, window.count]))
            }
            let choice = sampler.sample(logits[0, .index(logits.shape[1] - 1)], generator: generator)[0]
            tokens.append(Int64(choice))
            pending = [Int64(choice)]
        }
        let rate = Double(length) / Date().timeIntervalSince(start)
        return (String(tokens.map { vocabulary.characters[Int($0)] }), rate)
    }
}

let start = Date()
let budget = minutes * 60
var trainer = Trainer(task: LanguageModelling<GPT>(carriesState: false), model: model,
                      optimizer: Optimizer(Adam(beta1: 0.9, beta2: 0.99, decoupled: true), learningRate: peakRate, weightDecay: 0.1),
                      trainingData: TokenWindows(TokenStreams(trainCodes, streams: batch), window: context, batchFirst: true),
                      validationData: TokenWindows(TokenStreams(validationCodes, streams: 8), window: context, includePartial: true,
                                                   batchFirst: true),
                      maxGradientNorm: 1, schedule: TimeBudgetSchedule(start: start, budget: budget, peakRate: peakRate,
                                                   warmupFraction: warmupFraction, minimumRate: minimumRate), scheduleInterval: .step,
                      callbacks: [Report(start: start, budget: budget)])
try trainer.fit(epochs: 100)
model = trainer.model
let steps = trainer.history.reduce(0) { $0 + $1.stepCount }
let validationLoss = trainer.history.last?.validationLoss ?? .nan
print(String(format: "\nafter %d steps (%.1f minutes with evaluation): validation loss %.3f nats/char (perplexity %.2f); "
             + "CharLM's LSTM: 1.75 after 4 minutes", steps, Date().timeIntervalSince(start) / 60, validationLoss,
             Foundation.exp(validationLoss)))
let cached = withTrainingMode(false) { sample(model, prompt: prompt, length: sampleLength, useCache: true, seed: 7) }
let recomputed = withTrainingMode(false) { sample(model, prompt: prompt, length: sampleLength, useCache: false, seed: 7) }
print("\nsample (temperature \(temperature)\(topK.map { ", top-\($0)" } ?? "")):\n" + cached.text)
print(String(format: "\ngeneration: %.0f tokens/s with the key/value cache, %.0f tokens/s recomputing the prefix (%.1fx)%@",
             cached.tokensPerSecond, recomputed.tokensPerSecond, cached.tokensPerSecond / recomputed.tokensPerSecond,
             cached.text == recomputed.text ? "; same text" : ""))
