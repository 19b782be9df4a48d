// A character-level LSTM language model trained on real text with truncated backpropagation
// through time (state carried across batches), gradient clipping, validation perplexity per
// epoch against the unigram baseline, and sampling with temperature (and optionally top-k) from a
// prompt. Training is StrataTraining's Trainer with the LanguageModelling task over TokenWindows
// (StrataData's TokenStreams cut into windows); the draws come from StrataNN's TokenSampler.
//
//     Tools/install-system-packages.sh fortunes && swift run -c release CharLM
//     swift run -c release CharLM --text sherlock.txt --minutes 5 --temperature 0.7 --top-k 10
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
        commandName: "CharLM", abstract: "A character-level LSTM language model: train with truncated BPTT, then sample.")

    @Option(help: "The corpus: a text file, or a fortunes directory.")
    var text = "/usr/share/games/fortunes"
    @Option(help: "The training time budget in minutes.")
    var minutes = 4.0
    @Option(help: "At most this many epochs.")
    var epochs = 20
    @Option(help: "The text the sample continues.")
    var prompt = "The "
    @Option(help: "The sampling temperature (0: greedy).")
    var temperature = 0.8
    @Option(help: "Sample among the K most probable characters only.")
    var topK: Int?

    func validate() throws {
        if !(minutes > 0) { throw ValidationError("--minutes needs a positive number") }
        if epochs <= 0 { throw ValidationError("--epochs needs a positive integer") }
        if !(temperature >= 0 && temperature.isFinite) { throw ValidationError("--temperature needs a number >= 0 (0: greedy)") }
        if let topK, topK <= 0 { throw ValidationError("--top-k needs a positive integer") }
    }
}

let options = Options.parseOrExit()
let (textPath, minutes, maximumEpochs, prompt) = (options.text, options.minutes, options.epochs, options.prompt)
let (temperature, topK) = (options.temperature, options.topK)
// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

@MainActor func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(2)
}

let text: String
do {
    text = try TextCorpus.read(from: URL(fileURLWithPath: textPath), fortuneSeparators: textPath.contains("fortunes"))
} catch {
    fail("\(error). Install the default corpus with `apt-get install -y fortunes`, or pass --text FILE")
}
let vocabulary = CharacterVocabulary(of: text + prompt)
let codes = try! vocabulary.encode(text).scalars(as: Int64.self)
let split = codes.count * 95 / 100
let (trainCodes, validationCodes) = (Array(codes[..<split]), Array(codes[split...]))
print("corpus: \(codes.count) characters, \(vocabulary.count) distinct; \(trainCodes.count) for training, \(validationCodes.count) for validation")

// The unigram baseline: the cross-entropy of predicting each character by its training frequency.
var frequencies = [Double](repeating: 1, count: vocabulary.count)  // add-one smoothing
for code in trainCodes { frequencies[Int(code)] += 1 }
let total = frequencies.reduce(0, +)
let unigramLoss = -validationCodes.reduce(0.0) { $0 + Foundation.log(frequencies[Int($1)] / total) } / Double(validationCodes.count)

let (batch, window, hidden, embedding) = (32, 64, 256, 128)
let generator = RandomGenerator(seed: 1)

/// The language model: embedding, one LSTM layer, and a linear map back to the vocabulary.
struct CharacterModel: LanguageModel {
    var embedding: Embedding
    var lstm: LSTM
    var head: Linear

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("embedding", &embedding)
        visitor.visit("lstm", &lstm)
        visitor.visit("head", &head)
    }

    /// codes `[time, batch]` and the LSTM state `[hidden, cell]` (empty: zeros) -> logits
    /// `[time, batch, vocabulary]` and the final state.
    func callAsFunction(_ codes: Tensor, state: [Tensor]) -> (logits: Tensor, state: [Tensor]) {
        let result = lstm(embedding(codes), hidden: state.isEmpty ? nil : state[0], cell: state.isEmpty ? nil : state[1])
        return (head(result.output), [result.hidden, result.cell])
    }
}

var model = CharacterModel(embedding: Embedding(count: vocabulary.count, embeddingSize: embedding, generator: generator),
                           lstm: LSTM(inputSize: embedding, hiddenSize: hidden, generator: generator),
                           head: Linear(inputSize: hidden, outputSize: vocabulary.count, generator: generator))
print("model: embedding \(embedding), LSTM \(hidden), \(model.parameterCount) parameters; batch \(batch) streams x \(window) steps, Adam 2e-3, clip 5")

/// Samples `length` characters after `prompt`, with the given temperature and top-k, in inference mode.
@MainActor func sample(_ model: CharacterModel, prompt: String, length: Int) -> String {
    let sampler = TokenSampler(temperature: temperature, topK: topK)
    return withTrainingMode(false) { withoutGradients {
        var state: [Tensor] = []
        var output = prompt
        var input = try! vocabulary.encode(prompt).reshaped(to: [-1, 1])
        for _ in 0..<length {
            let (logits, next) = model(input, state: state)
            state = next
            let choice = sampler.sample(logits[.index(logits.shape[0] - 1), 0], generator: generator)[0]
            output.append(vocabulary.characters[choice])
            input = Tensor([Int64(choice)], shape: [1, 1])
        }
        return output
    } }
}

/// Prints the running loss and speed every 100 steps and each epoch's validation loss against the
/// unigram baseline; ends training (after the current step) once the time budget is spent.
final class Report: TrainingCallback {
    let deadline: Date
    let unigramLoss: Double
    var epochStart = Date()

    init(deadline: Date, unigramLoss: Double) {
        self.deadline = deadline
        self.unigramLoss = unigramLoss
    }

    func epochBegan(_ epoch: Int, context: TrainingContext) throws {
        epochStart = Date()
    }

    func stepEnded(_ step: StepSummary, context: TrainingContext) throws -> TrainingAction {
        let steps = step.step + 1
        if steps % 100 == 0 {
            let rate = Double(steps * step.batchSize) / Date().timeIntervalSince(epochStart)
            print(String(format: "  epoch %d step %d  loss %.3f  %.0f characters/s", step.epoch + 1, steps, step.runningLoss, rate))
        }
        return Date() > deadline ? .stopAfterStep : .proceed
    }

    func epochEnded(_ summary: EpochSummary, context: TrainingContext) throws -> TrainingAction {
        let loss = summary.validationLoss ?? .nan
        print(String(format: "epoch %d  train loss %.3f  validation loss %.3f nats/char (perplexity %.2f; unigram %.3f)  %.0f s",
                     summary.epoch + 1, summary.trainingLoss, loss, Foundation.exp(loss), unigramLoss,
                     Date().timeIntervalSince(epochStart)))
        return Date() > deadline ? .stop : .proceed
    }
}

print(String(format: "unigram baseline: %.3f nats/char (perplexity %.1f)", unigramLoss, Foundation.exp(unigramLoss)))
// Truncated BPTT: the state flows from window to window, its history does not.
var trainer = Trainer(task: LanguageModelling<CharacterModel>(), model: model, optimizer: Optimizer(Adam(), learningRate: 2e-3),
                      trainingData: TokenWindows(TokenStreams(trainCodes, streams: batch), window: window),
                      validationData: TokenWindows(TokenStreams(validationCodes, streams: 8), window: 256, includePartial: true),
                      maxGradientNorm: 5,
                      callbacks: [Report(deadline: Date().addingTimeInterval(minutes * 60), unigramLoss: unigramLoss)])
try trainer.fit(epochs: maximumEpochs)
model = trainer.model
let validationLoss = trainer.history.last?.validationLoss ?? .nan
print("\nsample (temperature \(temperature)\(topK.map { ", top-\($0)" } ?? "")):\n" + sample(model, prompt: prompt, length: 400))
print(String(format: "\nvalidation loss %.3f nats/char vs unigram baseline %.3f (%.0f%% lower)", validationLoss, unigramLoss,
             100 * (1 - validationLoss / unigramLoss)))
