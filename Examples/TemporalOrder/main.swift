// The temporal order problem (Hochreiter & Schmidhuber, 1997, experiment 6a): a sequence of
// random distractor symbols holds two markers, X or Y, one early and one late; the class is
// their order (XX, XY, YX or YY). The answer depends on information far back in the sequence,
// which LSTM and GRU carry and a plain tanh RNN struggles to. Prints the accuracy table.
//
//     swift run -c release TemporalOrder [--length 100] [--steps 1500]
import Foundation
import Strata
import StrataNN
import StrataOptimizers

import ArgumentParser
import StrataTraining

/// The command line; `--help` prints it.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "TemporalOrder",
        abstract: "Hochreiter & Schmidhuber's temporal order problem: RNN, LSTM and GRU side by side.")

    @Option(help: "Sequence length (at least 20).")
    var length = 100
    @Option(help: "Training steps of each network.")
    var steps = 1500

    func validate() throws {
        if length < 20 { throw ValidationError("--length needs an integer >= 20") }
        if steps <= 0 { throw ValidationError("--steps needs a positive integer") }
    }
}

let options = Options.parseOrExit()
let length = options.length, steps = options.steps
// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

// Symbols: 0-3 distractors a, b, c, d; 4 = X, 5 = Y; 6 = start, 7 = end.
let (symbolCount, x, y, start, end) = (8, 4, 5, 6, 7)

/// `count` sequences `[length, count]` (time first) and their classes `[count]`, with the first
/// marker in the second tenth of the sequence and the second in the second half.
@MainActor func makeBatch(_ count: Int, generator: RandomGenerator) -> (Tensor, Tensor) {
    let draws = Tensor.uniform([count, length + 4], generator: generator).scalars(as: Double.self)
    var codes = [Int64](repeating: 0, count: length * count)
    var classes = [Int64](repeating: 0, count: count)
    for sample in 0..<count {
        let row = Array(draws[(sample * (length + 4))..<((sample + 1) * (length + 4))])
        var sequence = (0..<length).map { Int64(Int(row[$0] * 4)) }
        sequence[0] = Int64(start)
        sequence[length - 1] = Int64(end)
        let first = length / 10 + Int(row[length] * Double(length / 10))
        let second = length / 2 + Int(row[length + 1] * Double(length / 2 - 2))
        let firstIsY = row[length + 2] < 0.5, secondIsY = row[length + 3] < 0.5
        sequence[first] = Int64(firstIsY ? y : x)
        sequence[second] = Int64(secondIsY ? y : x)
        classes[sample] = Int64((firstIsY ? 2 : 0) + (secondIsY ? 1 : 0))
        for t in 0..<length { codes[t * count + sample] = sequence[t] }
    }
    return (Tensor(codes, shape: [length, count]), Tensor(classes))
}

/// Embedding, a recurrent layer, and a classifier over the last hidden state.
struct OrderClassifier: Module {
    var embedding: Embedding
    var recurrent: any Layer
    var classifier: Linear

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("embedding", &embedding)
        visitor.visit("recurrent", &recurrent)
        visitor.visit("classifier", &classifier)
    }

    func callAsFunction(_ codes: Tensor) -> Tensor {
        let states = recurrent(embedding(codes))
        return classifier(states[.index(states.shape[0] - 1)])
    }
}

func accuracy(_ model: OrderClassifier, _ inputs: Tensor, _ labels: Tensor) -> Double {
    withoutGradients {
        Double((model(inputs).argmax(axis: 1) .== labels).cast(to: .int64).sum().scalar(as: Int64.self)) / Double(labels.shape[0])
    }
}

let hidden = 32
let test = makeBatch(2000, generator: RandomGenerator(seed: 99))
print("temporal order: length \(length), 4 classes (chance 0.25), hidden \(hidden), \(steps) steps of batch 32, Adam 1e-2, clip 1")
print("model   test accuracy   time")
for name in ["RNN", "LSTM", "GRU"] {
    let generator = RandomGenerator(seed: 5)
    let recurrent: any Layer = switch name {
    case "RNN": RNN(inputSize: 8, hiddenSize: hidden, generator: generator)
    case "LSTM": LSTM(inputSize: 8, hiddenSize: hidden, generator: generator)
    default: GRU(inputSize: 8, hiddenSize: hidden, generator: generator)
    }
    var model = OrderClassifier(embedding: Embedding(count: symbolCount, embeddingSize: 8, generator: generator),
                                recurrent: recurrent, classifier: Linear(inputSize: hidden, outputSize: 4, generator: generator))
    var optimizer = Optimizer(Adam(), learningRate: 1e-2)
    let clock = Date()
    for _ in 0..<steps {
        let (inputs, labels) = makeBatch(32, generator: generator)
        var gradients = withStatisticsUpdates(of: &model) { model in
            gradient(at: model) { model in crossEntropy(logits: model(inputs), labels: labels) }
        }
        clipGradientNorm(&gradients, maxNorm: 1)
        optimizer.update(&model, along: gradients)
    }
    print(name.padding(toLength: 6, withPad: " ", startingAt: 0)
          + String(format: "%14.3f   %5.1f s", accuracy(model, test.0, test.1), Date().timeIntervalSince(clock)))
}
