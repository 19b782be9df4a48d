// A character-level LSTM language model trained on real text with truncated backpropagation
// through time (state carried across batches), gradient clipping, validation perplexity per
// epoch against the unigram baseline, and sampling with temperature (and optionally top-k) from a
// prompt. The streams and windows come from StrataData's TokenStreams, the draws from StrataNN's
// TokenSampler.
//
//     Tools/install-system-packages.sh fortunes && swift run -c release CharLM
//     swift run -c release CharLM --text sherlock.txt --minutes 5 --temperature 0.7 --top-k 10
import Foundation
import Strata
import StrataData
import StrataNN
import StrataOptimizers
import StrataTraining

StandardOutput.useLineBuffering()

@MainActor func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("""
        error: \(message)
        usage: CharLM [--text FILE|DIR] [--minutes M] [--epochs N] [--prompt TEXT] [--temperature T] [--top-k K]

        """.utf8))
    exit(2)
}

var textPath = "/usr/share/games/fortunes"
var minutes = 4.0
var maximumEpochs = 20
var prompt = "The "
var temperature = 0.8
var topK: Int?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    func value() -> String {
        guard let value = arguments.popFirst() else { fail("\(argument) needs a value") }
        return value
    }
    switch argument {
    case "--text": textPath = value()
    case "--minutes":
        guard let parsed = Double(value()), parsed > 0 else { fail("--minutes needs a positive number") }
        minutes = parsed
    case "--epochs":
        guard let parsed = Int(value()), parsed > 0 else { fail("--epochs needs a positive integer") }
        maximumEpochs = parsed
    case "--prompt": prompt = value()
    case "--temperature":
        guard let parsed = Double(value()), parsed >= 0, parsed.isFinite else { fail("--temperature needs a number >= 0 (0: greedy)") }
        temperature = parsed
    case "--top-k":
        guard let parsed = Int(value()), parsed > 0 else { fail("--top-k needs a positive integer") }
        topK = parsed
    default: fail("unknown argument \(argument)")
    }
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
struct CharacterModel: Module {
    var embedding: Embedding
    var lstm: LSTM
    var head: Linear

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("embedding", &embedding)
        visitor.visit("lstm", &lstm)
        visitor.visit("head", &head)
    }

    /// codes `[time, batch]` -> logits `[time, batch, vocabulary]` and the final LSTM state.
    func callAsFunction(_ codes: Tensor, state: (Tensor, Tensor)?) -> (logits: Tensor, state: (Tensor, Tensor)) {
        let result = lstm(embedding(codes), hidden: state?.0, cell: state?.1)
        return (head(result.output), (result.hidden, result.cell))
    }
}

var model = CharacterModel(embedding: Embedding(count: vocabulary.count, embeddingSize: embedding, generator: generator),
                           lstm: LSTM(inputSize: embedding, hiddenSize: hidden, generator: generator),
                           head: Linear(inputSize: hidden, outputSize: vocabulary.count, generator: generator))
var optimizer = Optimizer(Adam(), learningRate: 2e-3)
print("model: embedding \(embedding), LSTM \(hidden), \(model.parameterCount) parameters; batch \(batch) streams x \(window) steps, Adam 2e-3, clip 5")

/// The mean cross-entropy (nats per character) of the model on `codes`, carrying state.
func evaluate(_ model: CharacterModel, _ codes: [Int64]) -> Double {
    withoutGradients {
        let streams = TokenStreams(codes, streams: 8)
        var state: (Tensor, Tensor)?
        var (sum, count) = (0.0, 0)
        for window in streams.windows(of: 256, includePartial: true) {
            let (inputs, targets) = streams.batch(window)
            let (logits, next) = model(inputs, state: state)
            state = next
            sum += crossEntropy(logits: logits.reshaped(to: [-1, vocabulary.count]), labels: targets.reshaped(to: [-1]),
                                reduction: .sum).scalar(as: Double.self)
            count += targets.shape.reduce(1, *)
        }
        return sum / Double(count)
    }
}

/// Samples `length` characters after `prompt`, with the given temperature and top-k.
@MainActor func sample(_ model: CharacterModel, prompt: String, length: Int) -> String {
    let sampler = TokenSampler(temperature: temperature, topK: topK)
    return withoutGradients {
        var state: (Tensor, Tensor)?
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
    }
}

let trainStreams = TokenStreams(trainCodes, streams: batch)
let deadline = Date().addingTimeInterval(minutes * 60)
print(String(format: "unigram baseline: %.3f nats/char (perplexity %.1f)", unigramLoss, Foundation.exp(unigramLoss)))
var epoch = 0
var validationLoss = Double.nan
training: while epoch < maximumEpochs {
    epoch += 1
    let start = Date()
    var state: (Tensor, Tensor)?
    var (sum, steps) = (0.0, 0)
    for positions in trainStreams.windows(of: window) {
        let (inputs, targets) = trainStreams.batch(positions)
        var nextState: (Tensor, Tensor)?
        var (loss, gradients) = valueAndGradient(at: model) { model in
            let (logits, final) = model(inputs, state: state)
            nextState = final
            return crossEntropy(logits: logits.reshaped(to: [-1, vocabulary.count]), labels: targets.reshaped(to: [-1]))
        }
        clipGradientNorm(&gradients, maxNorm: 5)
        optimizer.update(&model, along: gradients)
        // Truncated BPTT: the state flows into the next window, its history does not.
        state = nextState.map { ($0.0.detached, $0.1.detached) }
        sum += loss.scalar(as: Double.self)
        steps += 1
        if steps % 100 == 0 {
            let rate = Double(steps * batch * window) / Date().timeIntervalSince(start)
            print(String(format: "  epoch %d step %d  loss %.3f  %.0f characters/s", epoch, steps, sum / Double(steps), rate))
        }
        if Date() > deadline { break }
    }
    validationLoss = evaluate(model, validationCodes)
    print(String(format: "epoch %d  train loss %.3f  validation loss %.3f nats/char (perplexity %.2f; unigram %.3f)  %.0f s",
                 epoch, sum / Double(max(steps, 1)), validationLoss, Foundation.exp(validationLoss), unigramLoss,
                 Date().timeIntervalSince(start)))
    if Date() > deadline { break training }
}
print("\nsample (temperature \(temperature)\(topK.map { ", top-\($0)" } ?? "")):\n" + sample(model, prompt: prompt, length: 400))
print(String(format: "\nvalidation loss %.3f nats/char vs unigram baseline %.3f (%.0f%% lower)", validationLoss, unigramLoss,
             100 * (1 - validationLoss / unigramLoss)))
