import Strata
import StrataOptimizers
import Testing

/// The CPU backend's fused float32 FTRL-proximal kernel must round exactly like the op-by-op
/// rule it replaces: the rule on the CPU backend against the rule on the same backend without
/// fused kernels, where it runs as tensor ops. Half the gradient entries are zero (a wide
/// model's features that did not occur), and the L1 strength zeroes some weights exactly.
@Test(arguments: [(0.0, 0.0, 1.0), (0.05, 0.0, 1.0), (0.05, 0.3, 0.5)])
func fusedFTRLEqualsThePlainRuleBitForBit(strengths: (l1: Double, l2: Double, beta: Double)) {
    let generator = RandomGenerator(seed: 21)
    let shape = [97, 3]
    let start: [ParameterPath: Tensor] = ["wide.weight": Tensor.normal(shape, generator: generator) * 0.1]
    let gradients = (0..<6).map { _ -> [ParameterPath: Tensor] in
        let occurs = (Tensor.uniform(shape, generator: generator) .< 0.5).cast(to: .float32)
        return ["wide.weight": Tensor.normal(shape, generator: generator) * occurs]
    }
    func train(fused: Bool) -> ([ParameterPath: Tensor], Optimizer) {
        withBackend(fused ? CPUBackend.shared : CPUBackend.shared.offeringFusedKernels(FusedKernels())) {
            let rule = FTRLProximal(beta: strengths.beta, l1Strength: strengths.l1, l2Strength: strengths.l2)
            var optimizer = Optimizer(rule, learningRate: 0.1)
            var parameters = start
            for step in gradients { optimizer.update(&parameters, along: step) }
            return (parameters, optimizer)
        }
    }
    let (fused, fusedOptimizer) = train(fused: true)
    let (plain, plainOptimizer) = train(fused: false)
    let weights = fused["wide.weight"]!.scalars(as: Float.self)
    #expect(weights == plain["wide.weight"]!.scalars(as: Float.self))
    for slot in ["z", "n"] {
        #expect(fusedOptimizer.state["wide.weight"]![slot]!.scalars(as: Float.self)
            == plainOptimizer.state["wide.weight"]![slot]!.scalars(as: Float.self), "\(slot)")
    }
    // A coordinate never seen keeps z = 0, so weight 0; among the seen ones only L1 makes zeros.
    let seen = gradients.map { $0["wide.weight"]!.scalars(as: Float.self) }.reduce(into: [Bool](repeating: false, count: weights.count)) {
        for (index, value) in $1.enumerated() where value != 0 { $0[index] = true }
    }
    #expect(zip(weights, seen).contains { $0 == 0 && $1 } == (strengths.l1 > 0), "L1 zeroes seen weights exactly, and only L1")
}

/// The fused step writes a training loop's weights and accumulators into their own buffers,
/// and never a buffer that another tensor holds.
@Test func fusedFTRLWritesOnlyUnsharedBuffersInPlace() {
    let generator = RandomGenerator(seed: 22)
    var parameters: [ParameterPath: Tensor] = ["w": Tensor.zeros([50, 1])]
    let gradients: [ParameterPath: Tensor] = ["w": Tensor.normal([50, 1], generator: generator)]
    var optimizer = Optimizer(FTRLProximal(l1Strength: 0.01), learningRate: 0.1)
    expectStepsWriteOnlyUnsharedBuffers(&optimizer, parameters: &parameters, gradients: gradients,
                                        inPlaceSlot: "z", exportedSlot: "n")
}
