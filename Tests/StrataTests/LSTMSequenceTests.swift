import Strata
import Testing

// The LSTM sequence op: float64 gradients of its composite (lstmCell steps) against central
// finite differences (both outputs, both directions, strided inputs), and the CPU backend's
// fused float32 kernel pinned to the composite, the specification, forward and backward: through
// the op and autodiff against the composite on the same primitives, and kernel call by kernel
// call against the composite run in float64, on shapes small enough for one part, with
// enough batch rows for each thread to take its own, and with the hidden units split across the pool.

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

    /// The CPU backend without fused kernels: `lstmSequence` runs its composite.
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    /// Single steps, odd sizes, (batch 17, hidden 136) with enough rows for each thread to run the
    /// whole sequence on its own rows (8 and 9), and (batch 4, hidden 264) with too few rows, past
    /// the 2 MFLOP (2 * 4 * 4 * 264² ≈ 2.2) at which each step's units are split across threads,
    /// with a part that is not a multiple of 16 (`RecurrentSteps.Schedule`).
    static let shapes = [Shape(time: 1, batch: 1, size: 1), Shape(time: 3, batch: 5, size: 7), Shape(time: 4, batch: 17, size: 136),
                         Shape(time: 3, batch: 4, size: 264)]

    /// The inputs of one case and the gradients of its outputs, float32.
    static func inputs(_ shape: Shape) -> (projected: Tensor, hidden: Tensor, cell: Tensor, weight: Tensor, hiddensGradient: Tensor,
                                           cellGradient: Tensor) {
        let (time, batch, size) = (shape.time, shape.batch, shape.size)
        let generator = RandomGenerator(seed: 11)
        return (Tensor.uniform([time, batch, 4 * size], low: -2, high: 2, generator: generator),
                Tensor.uniform([batch, size], low: -1, high: 1, generator: generator),
                Tensor.uniform([batch, size], low: -1, high: 1, generator: generator),
                Tensor.uniform([4 * size, size], low: -0.5, high: 0.5, generator: generator),
                Tensor.uniform([time, batch, size], low: -1, high: 1, generator: generator),
                Tensor.uniform([batch, size], low: -1, high: 1, generator: generator))
    }

    /// The op's outputs and the gradients of `Σ hiddens * hiddensGradient + Σ cell * cellGradient`
    /// with respect to projected, hidden, cell and weight, on the current backend.
    static func outputsAndGradients(_ values: [Tensor], hiddensGradient: Tensor, cellGradient: Tensor, reverse: Bool)
        -> (hiddens: Tensor, cell: Tensor, gradients: [Tensor]) {
        let (hiddens, cell) = lstmSequence(projected: values[0], hidden: values[1], cell: values[2], hiddenWeight: values[3],
                                           reverse: reverse)
        let (_, gradients) = valueAndGradient(at: values) {
            let (hiddens, cell) = lstmSequence(projected: $0[0], hidden: $0[1], cell: $0[2], hiddenWeight: $0[3], reverse: reverse)
            return (hiddens * hiddensGradient).sum() + (cell * cellGradient).sum()
        }
        return (hiddens, cell, gradients)
    }

    /// Kernel (through the op) and composite in float32 on the CPU backend: 1e-5 relative, with
    /// the absolute part of the test below for gradients that cancellation leaves near zero.
    @Test(arguments: shapes)
    func float32MatchesComposite(shape: Shape) {
        let inputs = Self.inputs(shape)
        let values = [inputs.projected, inputs.hidden, inputs.cell, inputs.weight]
        for reverse in [false, true] {
            let run = { Self.outputsAndGradients(values, hiddensGradient: inputs.hiddensGradient, cellGradient: inputs.cellGradient,
                                                 reverse: reverse) }
            let fused = withBackend(CPUBackend.shared) { run() }
            let spec = withBackend(Self.composite) { run() }
            let tolerance = Tolerance(relative: 1e-5, absolute: 2e-6)
            let context = "\(shape.testDescription), reverse \(reverse)"
            expectMatch(fused.hiddens, spec.hiddens, tolerance: tolerance, "hiddens, \(context)")
            expectMatch(fused.cell, spec.cell, tolerance: tolerance, "cell, \(context)")
            for (index, name) in ["d projected", "d hidden", "d cell", "d hiddenWeight"].enumerated() {
                expectMatch(fused.gradients[index], spec.gradients[index], tolerance: tolerance, "\(name), \(context)")
            }
        }
    }

    /// The kernel's forward and backward against the composite run in float64 and rounded: only
    /// the kernel's float32 rounding counts. The composite's cell state after each step is the
    /// final one of the prefix (suffix, in reverse) ending there, and its activated gates follow
    /// from the hidden state before each step.
    @Test(arguments: shapes)
    func cpuKernelMatchesComposite(shape: Shape) {
        let (time, size) = (shape.time, shape.size)
        let inputs = Self.inputs(shape)
        let kernel = CPUBackend.shared.fusedKernels.lstmSequence!
        for reverse in [false, true] {
            let fast = kernel.forward(projected: inputs.projected, hidden: inputs.hidden, cell: inputs.cell, hiddenWeight: inputs.weight,
                                      reverse: reverse)
            let fastGradients = kernel.backward(hiddensGradient: inputs.hiddensGradient, cellGradient: inputs.cellGradient,
                                                hidden: inputs.hidden, cell: inputs.cell, hiddenWeight: inputs.weight, forward: fast,
                                                reverse: reverse)
            let spec = withBackend(ReferenceBackend()) {
                let values = [inputs.projected, inputs.hidden, inputs.cell, inputs.weight].map { $0.cast(to: .float64) }
                let exact = Self.outputsAndGradients(values, hiddensGradient: inputs.hiddensGradient.cast(to: .float64),
                                                     cellGradient: inputs.cellGradient.cast(to: .float64), reverse: reverse)
                let cells = Tensor.stack((0..<time).map { t in
                    let steps = reverse ? values[0].sliced(axis: 0, start: t, end: time) : values[0].sliced(axis: 0, start: 0, end: t + 1)
                    return lstmSequence(projected: steps, hidden: values[1], cell: values[2], hiddenWeight: values[3], reverse: reverse).cell
                }, axis: 0)
                let gates = Tensor.stack((0..<time).map { t in
                    let previous = reverse ? (t == time - 1 ? values[1] : exact.hiddens[.index(t + 1)])
                        : (t == 0 ? values[1] : exact.hiddens[.index(t - 1)])
                    let a = values[0][.index(t)] + matmul(previous, values[3].transposed())
                    let activated = sigmoid(a)
                    return Tensor.concat([activated.sliced(axis: 1, start: 0, end: 2 * size),
                                          tanh(a.sliced(axis: 1, start: 2 * size, end: 3 * size)),
                                          activated.sliced(axis: 1, start: 3 * size, end: 4 * size)], axis: 1)
                }, axis: 0)
                return (hiddens: exact.hiddens.cast(to: .float32), cells: cells.cast(to: .float32), gates: gates.cast(to: .float32),
                        gradients: exact.gradients.map { $0.cast(to: .float32) })
            }
            // The gradients of h and W_hh sum up to 4 * hidden products that partly cancel, hence
            // the absolute part.
            let tolerance = Tolerance(relative: 1e-5, absolute: 2e-6)
            let context = "\(shape.testDescription), reverse \(reverse)"
            expectMatch(fast.hiddens, spec.hiddens, tolerance: tolerance, "hiddens, \(context)")
            expectMatch(fast.cells, spec.cells, tolerance: tolerance, "cells, \(context)")
            expectMatch(fast.gates, spec.gates, tolerance: tolerance, "gates, \(context)")
            expectMatch(fastGradients.projected, spec.gradients[0], tolerance: tolerance, "d projected, \(context)")
            expectMatch(fastGradients.hidden, spec.gradients[1], tolerance: tolerance, "d hidden, \(context)")
            expectMatch(fastGradients.cell, spec.gradients[2], tolerance: tolerance, "d cell, \(context)")
            expectMatch(fastGradients.hiddenWeight, spec.gradients[3], tolerance: tolerance, "d hiddenWeight, \(context)")
        }
    }
}
