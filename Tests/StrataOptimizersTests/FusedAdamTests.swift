import Strata
import StrataNN
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

/// The fused step writes a training loop's parameter and moments into their own buffers (the
/// buffers stay, nothing is allocated), and never a buffer that another tensor holds: a copy of
/// the parameter or an exported state kept across a step keeps its values, and the step gives
/// the parameter and the moments new buffers instead. [300, 301] is split across the pool.
@Test func fusedAdamWritesOnlyUnsharedBuffersInPlace() {
    let generator = RandomGenerator(seed: 12)
    var parameters: [ParameterPath: Tensor] = ["w": Tensor.normal([300, 301], generator: generator)]
    let gradients: [ParameterPath: Tensor] = ["w": Tensor.normal([300, 301], generator: generator)]
    var optimizer = Optimizer(Adam(), learningRate: 0.01)
    expectStepsWriteOnlyUnsharedBuffers(&optimizer, parameters: &parameters, gradients: gradients,
                                        inPlaceSlot: "exp_avg", exportedSlot: "exp_avg")
}

/// A model's parameters, reached through `Sequential`'s layers and optional biases, are written
/// in place too once nothing else holds them (after the first step gives them buffers of their
/// own): the training loop of mlp_train.
@Test func fusedAdamUpdatesASequentialModelInPlace() {
    let generator = RandomGenerator(seed: 13)
    var model = Sequential {
        Linear(inputSize: 30, outputSize: 20, generator: generator)
        ReLU()
        Linear(inputSize: 20, outputSize: 4, generator: generator)
    }
    let x = Tensor.normal([8, 30], generator: generator)
    var optimizer = Optimizer(Adam(), learningRate: 0.01)
    func step() {
        let (_, gradients) = valueAndGradient(at: model) { model in model(x).square().sum() }
        optimizer.update(&model, along: gradients)
    }
    func buffers() -> [ParameterPath: TensorStorageIdentity] { model.parameters.mapValues(\.storageIdentity) }
    step()
    let before = buffers()
    step()
    #expect(buffers() == before, "every parameter written in place")
    #expect(before.count == 4)
}
