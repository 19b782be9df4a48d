import Strata
import StrataNN
import StrataOptimizers
import Testing

@Test func plainSGDStepsAgainstTheGradient() {
    // w = 1, gradient 0.5, lr 0.1: w becomes 1 - 0.1 * 0.5 = 0.95.
    var parameters = ["w": Tensor([1.0] as [Double])]
    var optimizer = Optimizer(SGD(), learningRate: 0.1)
    optimizer.update(&parameters, along: ["w": Tensor([0.5] as [Double])])
    #expect(parameters["w"]!.scalars(as: Double.self) == [0.95])
    #expect(optimizer.stepCount == 1)
}
