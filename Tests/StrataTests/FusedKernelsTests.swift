import Foundation
import Strata
import Testing

// The fused-kernel seam: which backend offers what, and that the composite ops run an offered
// kernel (forward, and backward through the derivative table) exactly when it supports the
// inputs, else their composite. The kernels' numbers are pinned to the composites in
// BatchNormalizationTests, LSTMSequenceTests and (Adam) StrataOptimizersTests' FusedAdamTests.

/// Counts the calls that reach a wrapped kernel, from any thread.
private final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    func record(_ name: String) { lock.withLock { counts[name, default: 0] += 1 } }
    subscript(name: String) -> Int { lock.withLock { counts[name, default: 0] } }
}

/// The CPU backend's LSTM kernel, counted; `accepting: false` declines every input.
private struct CountedLSTMKernel: LSTMSequenceKernel {
    let counter: CallCounter
    let accepting: Bool
    var wrapped: any LSTMSequenceKernel { CPUBackend.shared.fusedKernels.lstmSequence! }

    func supports(projected: Tensor) -> Bool { accepting && wrapped.supports(projected: projected) }

    func forward(projected: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor, reverse: Bool) -> LSTMSequence {
        counter.record("lstm forward")
        return wrapped.forward(projected: projected, hidden: hidden, cell: cell, hiddenWeight: hiddenWeight, reverse: reverse)
    }

    func backward(hiddensGradient: Tensor, cellGradient: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor,
                  forward: LSTMSequence, reverse: Bool) -> LSTMSequenceGradients {
        counter.record("lstm backward")
        return wrapped.backward(hiddensGradient: hiddensGradient, cellGradient: cellGradient, hidden: hidden, cell: cell,
                                hiddenWeight: hiddenWeight, forward: forward, reverse: reverse)
    }
}

/// The CPU backend's batch-norm kernel, counted; `accepting: false` declines every input.
private struct CountedBatchNormKernel: BatchNormTrainingKernel {
    let counter: CallCounter
    let accepting: Bool
    var wrapped: any BatchNormTrainingKernel { CPUBackend.shared.fusedKernels.batchNormTraining! }

    func supports(_ x: Tensor) -> Bool { accepting && wrapped.supports(x) }

    func forward(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double) -> BatchNormalization {
        counter.record("batch norm forward")
        return wrapped.forward(x, weight: weight, bias: bias, epsilon: epsilon)
    }

    func backward(_ gradient: Tensor, _ x: Tensor, mean: Tensor, inverseStandardDeviation: Tensor,
                  weight: Tensor?) -> (input: Tensor, weight: Tensor, bias: Tensor) {
        counter.record("batch norm backward")
        return wrapped.backward(gradient, x, mean: mean, inverseStandardDeviation: inverseStandardDeviation, weight: weight)
    }
}

@Suite struct FusedKernelsTests {
    @Test func backendsOfferTheirKernels() {
        let cpu = CPUBackend.shared.fusedKernels
        #expect(cpu.lstmSequence != nil && cpu.batchNormTraining != nil && cpu.adamUpdate != nil)
        #expect(cpu.gruSequence != nil && cpu.rnnSequence != nil && cpu.ftrlUpdate != nil)
        let reference = ReferenceBackend().fusedKernels
        #expect(reference.lstmSequence == nil && reference.batchNormTraining == nil && reference.adamUpdate == nil)
        #expect(reference.gruSequence == nil && reference.rnnSequence == nil && reference.ftrlUpdate == nil)
        let bare = CPUBackend.shared.offeringFusedKernels(FusedKernels()).fusedKernels
        #expect(bare.lstmSequence == nil && bare.batchNormTraining == nil && bare.adamUpdate == nil)
        #expect(bare.gruSequence == nil && bare.rnnSequence == nil && bare.ftrlUpdate == nil)
        let x = Tensor.zeros([2, 3])
        #expect(cpu.batchNormTraining!.supports(x) && !cpu.batchNormTraining!.supports(x.cast(to: .float64)))
    }

    @Test func tensorsAndBackendsLiveOnTheHost() {
        #expect(Tensor.zeros([2]).device == .cpu)
        #expect(CPUBackend.shared.device == .cpu && ReferenceBackend().device == .cpu)
    }

    /// One forward and one backward call per sequence while the kernel accepts; none, and the
    /// composite's exact values and gradients, while it declines.
    @Test(arguments: [true, false])
    func lstmSequenceRunsAnAcceptingKernel(accepting: Bool) {
        let counter = CallCounter()
        let backend = CPUBackend.shared.offeringFusedKernels(
            FusedKernels(lstmSequence: CountedLSTMKernel(counter: counter, accepting: accepting)))
        let generator = RandomGenerator(seed: 21)
        let inputs = [Tensor.uniform([3, 2, 8], low: -1, high: 1, generator: generator),
                      Tensor.uniform([2, 2], low: -1, high: 1, generator: generator),
                      Tensor.uniform([2, 2], low: -1, high: 1, generator: generator),
                      Tensor.uniform([8, 2], low: -1, high: 1, generator: generator)]
        func run() -> (Tensor, [Tensor]) {
            valueAndGradient(at: inputs) {
                let (hiddens, cell) = lstmSequence(projected: $0[0], hidden: $0[1], cell: $0[2], hiddenWeight: $0[3])
                return hiddens.sum() + (cell * 2).sum()
            }
        }
        let (value, gradients) = withBackend(backend) { run() }
        #expect(counter["lstm forward"] == (accepting ? 1 : 0) && counter["lstm backward"] == (accepting ? 1 : 0))
        guard !accepting else { return }
        let (expected, expectedGradients) = withBackend(CPUBackend.shared.offeringFusedKernels(FusedKernels())) { run() }
        expectMatch(value, expected, "loss")
        for (gradient, expected) in zip(gradients, expectedGradients) { expectMatch(gradient, expected, "gradient") }
    }

    @Test(arguments: [true, false])
    func batchNormTrainingRunsAnAcceptingKernel(accepting: Bool) {
        let counter = CallCounter()
        let backend = CPUBackend.shared.offeringFusedKernels(
            FusedKernels(batchNormTraining: CountedBatchNormKernel(counter: counter, accepting: accepting)))
        let x = Tensor.uniform([4, 3, 5], low: -1, high: 1, generator: RandomGenerator(seed: 22))
        let weight = Tensor.ones([3])
        func run() -> (Tensor, [Tensor]) {
            valueAndGradient(at: [x, weight]) { batchNormTraining($0[0], weight: $0[1]).output.square().sum() }
        }
        let (value, gradients) = withBackend(backend) { run() }
        #expect(counter["batch norm forward"] == (accepting ? 1 : 0) && counter["batch norm backward"] == (accepting ? 1 : 0))
        guard !accepting else { return }
        let (expected, expectedGradients) = withBackend(CPUBackend.shared.offeringFusedKernels(FusedKernels())) { run() }
        expectMatch(value, expected, "loss")
        for (gradient, expected) in zip(gradients, expectedGradients) { expectMatch(gradient, expected, "gradient") }
    }
}
