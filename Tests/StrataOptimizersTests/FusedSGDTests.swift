import Strata
import StrataOptimizers
import Testing

/// The CPU backend's fused float32 SGD-momentum kernel must round exactly like the op-by-op rule
/// it replaces: the rule on the CPU backend against the rule on the same backend without fused
/// kernels, where it runs as tensor ops; with L2 weight decay folded into the gradient as the
/// optimizer does. [300, 301] has more elements than one chunk of the kernel (65,536), so the
/// pool splits it.
@Test(arguments: [(0.9, 0.0, false), (0.9, 0.0, true), (0.5, 0.25, false)], [[37, 5], [300, 301]])
func fusedSGDEqualsThePlainRuleBitForBit(options: (momentum: Double, dampening: Double, nesterov: Bool), shape: [Int]) {
    let generator = RandomGenerator(seed: 21)
    let start: [ParameterPath: Tensor] = ["w": Tensor.normal(shape, generator: generator)]
    let gradients = (0..<5).map { _ -> [ParameterPath: Tensor] in ["w": Tensor.normal(shape, generator: generator)] }
    func train(fused: Bool) -> ([ParameterPath: Tensor], Optimizer) {
        withBackend(fused ? CPUBackend.shared : CPUBackend.shared.offeringFusedKernels(FusedKernels())) {
            let rule = SGD(momentum: options.momentum, dampening: options.dampening, nesterov: options.nesterov)
            var optimizer = Optimizer(rule, learningRate: 0.03, weightDecay: 0.1)
            var parameters = start
            for step in gradients { optimizer.update(&parameters, along: step) }
            return (parameters, optimizer)
        }
    }
    let (fused, fusedOptimizer) = train(fused: true)
    let (plain, plainOptimizer) = train(fused: false)
    #expect(fused["w"]!.scalars(as: Float.self) == plain["w"]!.scalars(as: Float.self))
    #expect(fusedOptimizer.state["w"]!["momentum_buffer"]!.scalars(as: Float.self)
        == plainOptimizer.state["w"]!["momentum_buffer"]!.scalars(as: Float.self))
    #expect(fused["w"]!.scalars(as: Float.self) != start["w"]!.scalars(as: Float.self), "the steps moved the parameter")
}

/// The fused step writes a training loop's parameter and momentum buffer into their own storage
/// (nothing allocated), and never storage another tensor holds: a kept copy of the parameter, an
/// exported buffer or the first step's gradient keeps its values.
@Test func fusedSGDWritesOnlyUnsharedBuffersInPlace() {
    let generator = RandomGenerator(seed: 22)
    var parameters: [ParameterPath: Tensor] = ["w": Tensor.normal([300, 301], generator: generator)]
    let gradients: [ParameterPath: Tensor] = ["w": Tensor.normal([300, 301], generator: generator)]
    let gradientValues = gradients["w"]!.scalars(as: Float.self)
    var optimizer = Optimizer(SGD(momentum: 0.9), learningRate: 0.01)
    expectStepsWriteOnlyUnsharedBuffers(&optimizer, parameters: &parameters, gradients: gradients,
                                        inPlaceSlot: "momentum_buffer", exportedSlot: "momentum_buffer")
    #expect(gradients["w"]!.scalars(as: Float.self) == gradientValues, "the gradient is never written")
}
