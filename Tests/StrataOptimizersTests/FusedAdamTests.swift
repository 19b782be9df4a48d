import Strata
import StrataOptimizers
import Testing

/// The CPU backend's fused float32 Adam kernel must round exactly like the op-by-op rule it
/// replaces: the rule on the CPU backend against the rule on the same backend without fused
/// kernels, where it runs as tensor ops. [300, 301] has more elements than one chunk of the
/// kernel (65,536), so the pool splits it.
@Test(arguments: [(false, false), (true, false), (false, true), (true, true)], [[37, 5], [300, 301]])
func fusedAdamEqualsThePlainRuleBitForBit(options: (amsgrad: Bool, decoupled: Bool), shape: [Int]) {
    let (amsgrad, decoupled) = options
    let generator = RandomGenerator(seed: 11)
    let start: [ParameterPath: Tensor] = ["w": Tensor.normal(shape, generator: generator)]
    let gradients = (0..<6).map { _ -> [ParameterPath: Tensor] in ["w": Tensor.normal(shape, generator: generator)] }
    func train(fused: Bool) -> ([ParameterPath: Tensor], Optimizer) {
        withBackend(fused ? CPUBackend.shared : CPUBackend.shared.offeringFusedKernels(FusedKernels())) {
            var optimizer = Optimizer(Adam(amsgrad: amsgrad, decoupled: decoupled), learningRate: 0.01, weightDecay: 0.1)
            var parameters = start
            for step in gradients { optimizer.update(&parameters, along: step) }
            return (parameters, optimizer)
        }
    }
    let (fused, fusedOptimizer) = train(fused: true)
    let (plain, plainOptimizer) = train(fused: false)
    #expect(fused["w"]!.scalars(as: Float.self) == plain["w"]!.scalars(as: Float.self))
    for slot in ["exp_avg", "exp_avg_sq"] + (amsgrad ? ["max_exp_avg_sq"] : []) {
        #expect(fusedOptimizer.state["w"]![slot]!.scalars(as: Float.self) == plainOptimizer.state["w"]![slot]!.scalars(as: Float.self))
    }
}
