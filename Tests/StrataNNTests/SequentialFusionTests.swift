import Strata
import StrataNN
import Testing

// A `Sequential` runs each `Linear` directly followed by a `ReLU` as one fused `linear` op. The
// fusion must not change a number: outputs and gradients equal, bit for bit, those of the layers
// applied one at a time, and those of the composite ops (the CPU backend without fused kernels).

@Suite struct SequentialFusionTests {
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    static func model() -> Sequential {
        let generator = RandomGenerator(seed: 31)
        return Sequential {
            Linear(inputSize: 20, outputSize: 48, generator: generator)
            ReLU()
            Linear(inputSize: 48, outputSize: 24, generator: generator)
            ReLU()
            Linear(inputSize: 24, outputSize: 5, bias: false, generator: generator)
            ReLU()
            Linear(inputSize: 5, outputSize: 3, generator: generator)
        }
    }

    /// The layers applied one at a time, as `Sequential` did before fusing.
    static func unfused(_ model: Sequential, _ x: Tensor) -> Tensor {
        model.layers.reduce(x) { x, layer in layer(x) }
    }

    @Test func fusedPairsMatchTheLayersOneByOneExactly() {
        let model = Self.model()
        let x = Tensor.uniform([33, 20], low: -1, high: 1, generator: RandomGenerator(seed: 32))
        func run(_ forward: @escaping (Sequential, Tensor) -> Tensor) -> (Tensor, [ParameterPath: Tensor]) {
            valueAndGradient(at: model) { model in forward(model, x).square().sum() }
        }
        let (fusedLoss, fused) = run { $0($1) }
        let (oneByOneLoss, oneByOne) = run(Self.unfused)
        let (compositeLoss, composite) = withBackend(Self.composite) { run { $0($1) } }
        #expect(fused.keys.sorted() == oneByOne.keys.sorted() && fused.count == 7)
        #expect(fusedLoss.scalars(as: Float.self) == oneByOneLoss.scalars(as: Float.self))
        #expect(fusedLoss.scalars(as: Float.self) == compositeLoss.scalars(as: Float.self))
        for (path, gradient) in fused {
            #expect(gradient.scalars(as: Float.self) == oneByOne[path]!.scalars(as: Float.self), "\(path), one by one")
            #expect(gradient.scalars(as: Float.self) == composite[path]!.scalars(as: Float.self), "\(path), composite")
        }
    }

    /// A trailing `Linear` and a `ReLU` that follows something else are applied as they are.
    @Test func unpairedLayersRunAsTheyAre() {
        let generator = RandomGenerator(seed: 33)
        let model = Sequential {
            ReLU()
            Linear(inputSize: 6, outputSize: 4, generator: generator)
            Tanh()
            Linear(inputSize: 4, outputSize: 2, generator: generator)
        }
        let x = Tensor.uniform([5, 6], low: -1, high: 1, generator: generator)
        #expect(model(x).scalars(as: Float.self) == Self.unfused(model, x).scalars(as: Float.self))
    }
}
