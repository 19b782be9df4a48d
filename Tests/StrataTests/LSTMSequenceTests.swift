import Strata
import Testing

// The fused LSTM sequence op: float64 gradients against central finite differences (both
// outputs, both directions, strided inputs), and the CPU backend's float32 kernels against the
// reference loops (ReferenceBackend+LSTM.swift, the spec), forward and backward, on shapes small
// enough for one part and large enough for the hidden units to be split across the pool.

@Suite struct LSTMSequenceTests {
    /// Both outputs of `lstmSequence` in one tensor, so one weighted sum checks them together.
    static func packedOutputs(_ inputs: [Tensor], reverse: Bool) -> Tensor {
        let (hiddens, cell) = lstmSequence(projected: inputs[0], hidden: inputs[1], cell: inputs[2], hiddenWeight: inputs[3],
                                           reverse: reverse)
        return Tensor.concat([hiddens.reshaped(to: [-1]), cell.reshaped(to: [-1])])
    }

    @Test(arguments: [false, true])
    func gradientsMatchFiniteDifferences(reverse: Bool) {
        let (time, batch, size) = (4, 3, 2)
        // A transposed view for `projected` and a strided slice for the weight exercise the
        // backends' dense copies.
        let projected = randomInput([time, 4 * size, batch], seed: 1).transposed(1, 2)
        let hidden = randomInput([batch, size], low: -1, high: 1, seed: 2)
        let cell = randomInput([batch, size], low: -1, high: 1, seed: 3)
        let weight = randomInput([4 * size, 2 * size], low: -1, high: 1, seed: 4).sliced(axis: 1, start: 0, end: size * 2, step: 2)
        checkGradients(at: [projected, hidden, cell, weight]) { Self.packedOutputs($0, reverse: reverse) }
    }

    /// Only the final cell state used: the gradient flows into the packed result's last slice alone.
    @Test func gradientOfFinalCellAlone() {
        let inputs = [randomInput([3, 2, 12], seed: 5), randomInput([2, 3], seed: 6), randomInput([2, 3], seed: 7),
                      randomInput([12, 3], low: -1, high: 1, seed: 8)]
        checkGradients(at: inputs) { lstmSequence(projected: $0[0], hidden: $0[1], cell: $0[2], hiddenWeight: $0[3]).cell }
    }

    struct Shape: Sendable, CustomTestStringConvertible {
        let time, batch, size: Int
        var testDescription: String { "time \(time), batch \(batch), hidden \(size)" }
    }

    /// Single steps, odd sizes, and (batch 16, hidden 136) past the 2 MFLOP at which each step's
    /// units are split across threads, with a part that is not a multiple of 16.
    @Test(arguments: [Shape(time: 1, batch: 1, size: 1), Shape(time: 3, batch: 5, size: 7),
                      Shape(time: 4, batch: 16, size: 136)])
    func cpuKernelsMatchReference(shape: Shape) {
        let (time, batch, size) = (shape.time, shape.batch, shape.size)
        let generator = RandomGenerator(seed: 11)
        let projected = Tensor.uniform([time, batch, 4 * size], low: -2, high: 2, generator: generator)
        let hidden = Tensor.uniform([batch, size], low: -1, high: 1, generator: generator)
        let cell = Tensor.uniform([batch, size], low: -1, high: 1, generator: generator)
        let weight = Tensor.uniform([4 * size, size], low: -0.5, high: 0.5, generator: generator)
        let hiddensGradient = Tensor.uniform([time, batch, size], low: -1, high: 1, generator: generator)
        let cellGradient = Tensor.uniform([batch, size], low: -1, high: 1, generator: generator)
        for reverse in [false, true] {
            func run(_ backend: any Backend, _ dtype: DType) -> (LSTMSequence, LSTMSequenceGradients) {
                let (projected, hidden, cell, weight, hiddensGradient, cellGradient) = (
                    projected.cast(to: dtype), hidden.cast(to: dtype), cell.cast(to: dtype), weight.cast(to: dtype),
                    hiddensGradient.cast(to: dtype), cellGradient.cast(to: dtype))
                let forward = backend.lstmSequence(projected: projected, hidden: hidden, cell: cell, hiddenWeight: weight, reverse: reverse)
                return (forward, backend.lstmSequenceBackward(hiddensGradient: hiddensGradient, cellGradient: cellGradient,
                                                              hidden: hidden, cell: cell, hiddenWeight: weight, forward: forward,
                                                              reverse: reverse))
            }
            let (fast, fastGradients) = run(CPUBackend.shared, .float32)
            let (exact, exactGradients) = run(ReferenceBackend(), .float64)
            let (spec, specGradients) = (LSTMSequence(hiddens: exact.hiddens.cast(to: .float32), cells: exact.cells.cast(to: .float32),
                                                      gates: exact.gates.cast(to: .float32)),
                                         LSTMSequenceGradients(projected: exactGradients.projected.cast(to: .float32),
                                                               hidden: exactGradients.hidden.cast(to: .float32),
                                                               cell: exactGradients.cell.cast(to: .float32),
                                                               hiddenWeight: exactGradients.hiddenWeight.cast(to: .float32)))
            // Against the float64 spec, so only the kernels' float32 rounding counts: the gradients
            // of h and W_hh sum up to 4 * hidden products that partly cancel, hence the absolute part.
            let tolerance = Tolerance(relative: 1e-5, absolute: 2e-6)
            let context = "\(shape.testDescription), reverse \(reverse)"
            expectMatch(fast.hiddens, spec.hiddens, tolerance: tolerance, "hiddens, \(context)")
            expectMatch(fast.cells, spec.cells, tolerance: tolerance, "cells, \(context)")
            expectMatch(fast.gates, spec.gates, tolerance: tolerance, "gates, \(context)")
            expectMatch(fastGradients.projected, specGradients.projected, tolerance: tolerance, "d projected, \(context)")
            expectMatch(fastGradients.hidden, specGradients.hidden, tolerance: tolerance, "d hidden, \(context)")
            expectMatch(fastGradients.cell, specGradients.cell, tolerance: tolerance, "d cell, \(context)")
            expectMatch(fastGradients.hiddenWeight, specGradients.hiddenWeight, tolerance: tolerance, "d hiddenWeight, \(context)")
        }
    }
}
