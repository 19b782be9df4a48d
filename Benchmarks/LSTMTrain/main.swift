// Times the `lstm_train` workload of ../shared/bench (peers/bench_torch.py `w_lstm`): embedding
// 65 -> 128, one LSTM layer of 256, batch-first [32, 64] random codes, a linear head 256 -> 65,
// cross-entropy over all 2048 positions, Adam at 1e-3. Prints samples/s per window and the
// median, measured as common.py's `measure` does: one first step, about a second of warm-up,
// then five windows of about half a second.
//
//     swift run -c release LSTMTrain [--windows N]
import Foundation
import Strata
import StrataNN
import StrataOptimizers

struct CharacterModel: Module {
    var embedding: Embedding
    var lstm: LSTM
    var head: Linear

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("emb", &embedding)
        visitor.visit("lstm", &lstm)
        visitor.visit("fc", &head)
    }

    func callAsFunction(_ codes: Tensor) -> Tensor {
        head(lstm(embedding(codes)))
    }
}

let (vocabulary, batch, length) = (65, 32, 64)
var windows = 5
if let index = CommandLine.arguments.firstIndex(of: "--windows"), index + 1 < CommandLine.arguments.count,
   let count = Int(CommandLine.arguments[index + 1]) {
    windows = count
}
let generator = RandomGenerator(seed: 0)
var model = CharacterModel(embedding: Embedding(count: vocabulary, embeddingSize: 128, generator: generator),
                           lstm: LSTM(inputSize: 128, hiddenSize: 256, batchFirst: true, generator: generator),
                           head: Linear(inputSize: 256, outputSize: vocabulary, generator: generator))
var optimizer = Optimizer(Adam(), learningRate: 1e-3)
func codes() -> Tensor {
    Tensor((0..<(batch * length)).map { _ in Int64.random(in: 0..<Int64(vocabulary)) }, shape: [batch, length])
}
let (inputs, targets) = (codes(), codes())

@MainActor func step() {
    let (_, gradients) = valueAndGradient(at: model) { model in
        crossEntropy(logits: model(inputs).reshaped(to: [-1, vocabulary]), labels: targets.reshaped(to: [-1]))
    }
    optimizer.update(&model, along: gradients)
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let first = seconds(step)
var (warmSteps, warmTime) = (0, 0.0)
while warmSteps < 3 || warmTime < 1 {
    warmTime += seconds(step)
    warmSteps += 1
}
let stepsPerWindow = max(1, Int((0.5 / (warmTime / Double(warmSteps))).rounded()))
var rates: [Double] = []
for _ in 0..<windows {
    let time = seconds { for _ in 0..<stepsPerWindow { step() } }
    rates.append(Double(stepsPerWindow * batch) / time)
}
let median = rates.sorted()[rates.count / 2]
print(String(format: "first step %.3f s; windows %@; median %.1f samples/s", first,
             rates.map { String(format: "%.1f", $0) }.joined(separator: " "), median))
