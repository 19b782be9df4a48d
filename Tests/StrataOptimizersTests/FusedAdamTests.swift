import Strata
import StrataOptimizers
import Testing

/// The fused float32 Adam kernel must round exactly like the op-by-op rule it replaces.
@Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
func fusedAdamEqualsThePlainRuleBitForBit(amsgrad: Bool, decoupled: Bool) {
    let generator = RandomGenerator(seed: 11)
    let start: [ParameterPath: Tensor] = ["w": Tensor.normal([37, 5], generator: generator)]
    let gradients = (0..<6).map { _ -> [ParameterPath: Tensor] in ["w": Tensor.normal([37, 5], generator: generator)] }
    func train(fused: Bool) -> ([ParameterPath: Tensor], Optimizer) {
        var rule = Adam(amsgrad: amsgrad, decoupled: decoupled)
        rule.fused = fused
        var optimizer = Optimizer(rule, learningRate: 0.01, weightDecay: 0.1)
        var parameters = start
        for step in gradients { optimizer.update(&parameters, along: step) }
        return (parameters, optimizer)
    }
    let (fused, fusedOptimizer) = train(fused: true)
    let (plain, plainOptimizer) = train(fused: false)
    #expect(fused["w"]!.scalars(as: Float.self) == plain["w"]!.scalars(as: Float.self))
    for slot in ["exp_avg", "exp_avg_sq"] + (amsgrad ? ["max_exp_avg_sq"] : []) {
        #expect(fusedOptimizer.state["w"]![slot]!.scalars(as: Float.self) == plainOptimizer.state["w"]![slot]!.scalars(as: Float.self))
    }
}
