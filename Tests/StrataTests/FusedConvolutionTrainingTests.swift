import Foundation
import Strata
import Testing

// The convolution step `conv2d(...then:)` with gradients recorded, through the CPU backend's
// training kernel (the backend's convolution, then bias, ReLU and max-pool in one pass, and one
// backward pass for the mask, the pool's scatter and the bias gradient), against the same
// backend without fused kernels, where the op runs its composite (convolution, bias add, relu,
// maxPool2d as recorded ops): the specification. Values and the gradients of input, weight and
// bias; then the kernel's gradients against float64 central differences of the composite.

@Suite struct FusedConvolutionTrainingTests {
    typealias Case = FusedConvolutionTests.Case

    /// The cases without a residual (a residual runs the composite), and a few more epilogues.
    static let cases = FusedConvolutionTests.Case.all.filter { !$0.residual } + [
        Case(name: "bias and max-pool, no ReLU", input: [3, 2, 8, 8], weight: [5, 2, 3, 3], padding: .explicit(height: 1, width: 1),
             pool: Case.maxPool2),
        Case(name: "bias and ReLU, no pool, stride 2", input: [2, 3, 9, 9], weight: [4, 3, 3, 3], stride: (2, 2), relu: true),
        Case(name: "overlapping pool 3x3 stride 1", input: [2, 2, 7, 7], weight: [3, 2, 3, 3], relu: true,
             pool: PoolingGeometry(kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1)),
    ]

    /// The CPU's training kernel wrapped to count its calls, so a test knows it ran.
    final class Counting: ConvolutionTrainingKernel, @unchecked Sendable {
        let inner = FusedKernels.cpu.convolutionTraining!
        var forwards = 0, backwards = 0
        var blocked = false
        func supports(_ x: Tensor, weight: Tensor, geometry: ConvolutionGeometry) -> Bool {
            inner.supports(x, weight: weight, geometry: geometry)
        }
        func forward(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry, epilogue: ConvolutionEpilogue,
                     needs: ConvolutionGradientNeeds) -> ConvolutionTrainingStep {
            forwards += 1
            return inner.forward(x, weight: weight, bias: bias, geometry: geometry, epilogue: epilogue, needs: needs)
        }
        func backward(_ gradient: Tensor, x: Tensor, weight: Tensor, geometry: ConvolutionGeometry, step: ConvolutionTrainingStep,
                      needs: ConvolutionGradientNeeds) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
            backwards += 1
            blocked = blocked || step.channelBlock != 0
            return inner.backward(gradient, x: x, weight: weight, geometry: geometry, step: step, needs: needs)
        }
    }

    static func backend(_ kernel: Counting) -> CPUBackend {
        var kernels = FusedKernels.cpu
        kernels.convolutionTraining = kernel
        return CPUBackend.shared.offeringFusedKernels(kernels)
    }

    /// The step's value and the gradients of `weightedSum(step)` with respect to x, weight and bias.
    static func run(_ test: Case, _ inputs: FusedConvolutionTests.Inputs) -> (value: Tensor, gradients: [Tensor]) {
        let parameters = [inputs.x, inputs.weight] + (inputs.bias.map { [$0] } ?? [])
        var value: Tensor?
        let (_, gradients) = valueAndGradient(at: parameters) { p in
            let y = FusedConvolutionTests.step(test, FusedConvolutionTests.Inputs(x: p[0], weight: p[1], bias: p.count > 2 ? p[2] : nil,
                                                                                  residual: nil))
            value = y
            return weightedSum(y)
        }
        return (value!, gradients)
    }

    @Test(arguments: cases)
    func valuesAndGradientsMatchTheComposite(_ test: Case) {
        let inputs = FusedConvolutionTests.inputs(test, seed: 23)
        let kernel = Counting()
        let fused = withBackend(Self.backend(kernel)) { Self.run(test, inputs) }
        let composite = withBackend(FusedConvolutionTests.composite) { Self.run(test, inputs) }
        #expect(kernel.forwards == 1 && kernel.backwards == 1, "\(test.name): the training kernel ran")
        #expect(fused.value.shape == composite.value.shape)
        #expect(FusedConvolutionTests.relativeError(fused.value, composite.value) <= 1e-5, "\(test.name): values")
        for (name, (f, c)) in zip(["x", "weight", "bias"], zip(fused.gradients, composite.gradients)) {
            #expect(f.shape == c.shape)
            let error = FusedConvolutionTests.relativeError(f, c)
            #expect(error <= 1e-5, "\(test.name): gradient of \(name) off by \(error) of its largest element")
        }
    }

    /// LeNet's steps run in oneDNN's blocked layout end to end (on a machine whose oneDNN picks
    /// nChw16c for them, as on AVX-512 and AVX2), and a non-2x2 pool in plain NCHW; both match the
    /// composite above.
    @Test func lenetStepsKeepTheBlockedLayout() {
        for test in Self.cases where test.name.hasPrefix("LeNet") || test.name.hasPrefix("overlapping") {
            let kernel = Counting()
            _ = withBackend(Self.backend(kernel)) { Self.run(test, FusedConvolutionTests.inputs(test, seed: 3)) }
            if test.name.hasPrefix("LeNet") {
                // oneDNN picks nChw16c with AVX-512 (nChw8c with AVX2 only: the plain path runs there).
                if Self.hasAVX512 { #expect(kernel.blocked, "\(test.name)") }
            } else {
                #expect(!kernel.blocked, "\(test.name)")
            }
        }
    }

    static let hasAVX512 = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").contains(" avx512f ")

    /// The values are the composite's bit for bit where no sum is reordered: the convolution is the
    /// same call, and bias, ReLU and pool round as the ops do.
    @Test func valuesEqualTheCompositeBitForBit() {
        let test = Self.cases.first { $0.name.hasPrefix("LeNet step") }!
        let inputs = FusedConvolutionTests.inputs(test, seed: 5)
        let fused = Self.run(test, inputs).value
        let composite = withBackend(CPUBackend.shared.offeringFusedKernels(FusedKernels())) { Self.run(test, inputs) }.value
        #expect(fused.scalars(as: Float.self) == composite.scalars(as: Float.self))
    }

    /// The kernel's float32 gradients against central differences of the composite in float64 at
    /// the same points (random data: no ties in a pool window, no pre-activation within the
    /// step of zero).
    @Test(arguments: [cases.first { $0.name.hasPrefix("bias and max-pool") }!, cases.first { $0.name.hasPrefix("overlapping") }!,
                      cases.first { $0.name.hasPrefix("bias and ReLU, no pool") }!])
    func gradientsMatchFloat64FiniteDifferences(_ test: Case) {
        let inputs = FusedConvolutionTests.inputs(test, seed: 31)
        let kernel = Counting()
        let fused = withBackend(Self.backend(kernel)) { Self.run(test, inputs) }
        #expect(kernel.backwards == 1)
        let points = ([inputs.x, inputs.weight] + (inputs.bias.map { [$0] } ?? [])).map { $0.cast(to: .float64) }
        let numeric = numericalGradients(of: { p in
            FusedConvolutionTests.step(test, FusedConvolutionTests.Inputs(x: p[0], weight: p[1], bias: p.count > 2 ? p[2] : nil,
                                                                          residual: nil))
        }, at: points, step: 1e-6)
        for which in points.indices {
            let analytic = fused.gradients[which].cast(to: .float64).scalars(as: Double.self)
            if let worst = worstMismatch(actual: analytic, expected: numeric[which], relativeTolerance: 1e-4, absoluteTolerance: 1e-4),
               worst.ratio > 1 {
                Issue.record("\(test.name), input \(which): analytic \(worst.actual), finite difference \(worst.expected)")
            }
        }
    }

    /// Training a LeNet-style pair of steps for a few SGD updates follows the composite.
    @Test func trainingFollowsTheComposite() {
        let test = Self.cases.first { $0.name.hasPrefix("LeNet second") }!
        var (fusedInputs, compositeInputs) = (FusedConvolutionTests.inputs(test, seed: 41), FusedConvolutionTests.inputs(test, seed: 41))
        for _ in 0..<3 {
            let fused = Self.run(test, fusedInputs).gradients
            let composite = withBackend(FusedConvolutionTests.composite) { Self.run(test, compositeInputs) }.gradients
            fusedInputs = .init(x: fusedInputs.x, weight: fusedInputs.weight - fused[1] * 0.01, bias: fusedInputs.bias! - fused[2] * 0.01,
                                residual: nil)
            compositeInputs = .init(x: compositeInputs.x, weight: compositeInputs.weight - composite[1] * 0.01,
                                    bias: compositeInputs.bias! - composite[2] * 0.01, residual: nil)
        }
        #expect(FusedConvolutionTests.relativeError(fusedInputs.weight, compositeInputs.weight) <= 1e-5)
        #expect(FusedConvolutionTests.relativeError(fusedInputs.bias!, compositeInputs.bias!) <= 1e-5)
    }
}
