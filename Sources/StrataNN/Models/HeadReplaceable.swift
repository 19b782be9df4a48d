import Strata

/// A classifier whose final linear layer, its head, can be swapped for a fresh one with another
/// number of classes: the first step of transfer learning (keep the pretrained features, learn a
/// new classifier on top).
///
///     var model = ResNet.small(classes: 10)
///     try model.loadStateDictionary(pretrained)
///     model = model.replacingHead(classes: 5, generator: RandomGenerator(seed: 1))   // fc: 64 -> 5
public protocol HeadReplaceable: Layer {
    /// The pattern that selects the head's parameters (`fc` for ResNet, the last `Linear`'s
    /// index for a `Sequential`), e.g. to freeze everything else or to give it its own rate.
    var headPattern: ParameterPattern { get }

    /// A copy whose head maps the same features to `classes` logits, initialized as a new
    /// `Linear` from `generator`; every other tensor is unchanged.
    func replacingHead(classes: Int, generator: RandomGenerator) -> Self
}

extension ResNet: HeadReplaceable {
    public var headPattern: ParameterPattern { "fc" }

    public func replacingHead(classes: Int, generator: RandomGenerator = .current) -> ResNet {
        precondition(classes > 0, "ResNet.replacingHead: classes must be positive, got \(classes)")
        var copy = self
        copy.fc = Linear(inputSize: fc.weight.shape[1], outputSize: classes, bias: fc.bias != nil, dtype: fc.weight.dtype,
                         generator: generator)
        return copy
    }
}

/// The head of a `Sequential` is its last `Linear` layer (LeNet, the MLPs, SmallGoogLeNet); a
/// `Sequential` without one has no head, and asking for it traps.
extension Sequential: HeadReplaceable {
    /// The index of the last top-level `Linear`.
    private var headIndex: Int {
        guard let index = layers.lastIndex(where: { $0 is Linear }) else {
            preconditionFailure("Sequential: no Linear layer to serve as the head among \(layers.map { type(of: $0) })")
        }
        return index
    }

    public var headPattern: ParameterPattern { ParameterPattern(stringLiteral: String(headIndex)) }

    public func replacingHead(classes: Int, generator: RandomGenerator = .current) -> Sequential {
        precondition(classes > 0, "Sequential.replacingHead: classes must be positive, got \(classes)")
        let index = headIndex
        // `headIndex` found a Linear at this position.
        let head = layers[index] as! Linear
        var copy = self
        copy.layers[index] = Linear(inputSize: head.weight.shape[1], outputSize: classes, bias: head.bias != nil,
                                    dtype: head.weight.dtype, generator: generator)
        return copy
    }
}
