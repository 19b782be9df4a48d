import ArgumentParser
import StrataOptimizers

/// The optimizers `strata train` offers, each with PyTorch's defaults apart from the learning rate.
public enum OptimizerName: String, CaseIterable, Codable, Sendable, ExpressibleByArgument {
    case adam, sgd, momentum, adamw, rmsprop, adagrad, adadelta

    /// The optimizer at `learningRate`: `momentum` is SGD with momentum 0.9; `adamw` is Adam with
    /// decoupled weight decay 0.01 (PyTorch's AdamW default).
    public func makeOptimizer(learningRate: Double) -> Optimizer {
        switch self {
        case .adam: Optimizer(Adam(), learningRate: learningRate)
        case .sgd: Optimizer(SGD(), learningRate: learningRate)
        case .momentum: Optimizer(SGD(momentum: 0.9), learningRate: learningRate)
        case .adamw: Optimizer(Adam(decoupled: true), learningRate: learningRate, weightDecay: 0.01)
        case .rmsprop: Optimizer(RMSprop(), learningRate: learningRate)
        case .adagrad: Optimizer(Adagrad(), learningRate: learningRate)
        case .adadelta: Optimizer(Adadelta(), learningRate: learningRate)
        }
    }
}
