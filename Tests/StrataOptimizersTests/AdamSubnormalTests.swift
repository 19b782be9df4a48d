import Strata
import StrataOptimizers
import Testing

/// Adam stores a moment that falls below the smallest normal float as +0, in the fused float32
/// kernel and the plain rule alike, bit for bit. Gradients from 1e-3 down to a float32 subnormal
/// (1e-39) for one step, then zeros for 200: unflushed, the first moment of the 1e-30 gradient
/// would decay to a few subnormal units and stay there (0.9 m rounds back to m).
@Test(arguments: [false, true]) func adamStoresSubnormalMomentsAsZero(amsgrad: Bool) {
    let first: [Float] = [1e-3, -1e-3, 1e-30, 1e-36, 1e-37, -3e-38, 1e-39, 0]
    let start: [ParameterPath: Tensor] = ["w": Tensor([Float](repeating: 0.5, count: first.count), shape: [first.count])]
    let steps = [Tensor(first, shape: [first.count])] + Array(repeating: Tensor.zeros([first.count]), count: 200)
    func train(fused: Bool) -> ([ParameterPath: Tensor], Optimizer) {
        withBackend(fused ? CPUBackend.shared : CPUBackend.shared.offeringFusedKernels(FusedKernels())) {
            var optimizer = Optimizer(Adam(amsgrad: amsgrad), learningRate: 0.01)
            var parameters = start
            for gradient in steps { optimizer.update(&parameters, along: ["w": gradient]) }
            return (parameters, optimizer)
        }
    }
    let (fused, fusedOptimizer) = train(fused: true)
    let (plain, plainOptimizer) = train(fused: false)
    #expect(fused["w"]!.scalars(as: Float.self).map(\.bitPattern) == plain["w"]!.scalars(as: Float.self).map(\.bitPattern))
    for slot in ["exp_avg", "exp_avg_sq"] + (amsgrad ? ["max_exp_avg_sq"] : []) {
        let (a, b) = (fusedOptimizer.state["w"]![slot]!.scalars(as: Float.self), plainOptimizer.state["w"]![slot]!.scalars(as: Float.self))
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(slot): fused and plain agree bit for bit")
        #expect(a.allSatisfy { $0.isNormal || $0.bitPattern == 0 }, "\(slot): normal or +0")
    }
    let m = fusedOptimizer.state["w"]!["exp_avg"]!.scalars(as: Float.self)
    #expect(m[0] != 0 && m[1] != 0, "normal moments stay")
    #expect(m[2...].allSatisfy { $0 == 0 }, "the moments of the tiny gradients decayed through the subnormals to 0")
}

/// The plain rule flushes float64 moments at float64's smallest normal number (2.2e-308).
@Test func adamStoresSubnormalFloat64MomentsAsZero() {
    let first: [Double] = [1e-3, 1e-300, 1e-308, 0]
    var parameters: [ParameterPath: Tensor] = ["w": Tensor([Double](repeating: 0.5, count: 4), shape: [4])]
    var optimizer = Optimizer(Adam(), learningRate: 0.01)
    optimizer.update(&parameters, along: ["w": Tensor(first, shape: [4])])
    #expect(optimizer.state["w"]!["exp_avg"]!.scalars(as: Double.self)[2] == 0, "0.1 * 1e-308 is subnormal")
    for _ in 0..<200 { optimizer.update(&parameters, along: ["w": Tensor.zeros([4], dtype: .float64)]) }
    let m = optimizer.state["w"]!["exp_avg"]!.scalars(as: Double.self)
    #expect(m[0] != 0 && m[0].isNormal)
    #expect(m[1...].allSatisfy { $0 == 0 })
}
