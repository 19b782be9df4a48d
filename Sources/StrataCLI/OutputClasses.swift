import StrataData

/// What an image classifier's outputs stand for: output `i` is Fashion-MNIST label `labels[i]`,
/// the `--classes` the model was trained on (all ten, in order, without them). A model with more
/// outputs than classes (a 10-output model trained on `--classes 0,1,2,3,4`) has outputs that
/// stand for no class.
public struct OutputClasses: Equatable, Sendable {
    /// The number of outputs of the model's head.
    public var outputCount: Int
    /// The Fashion-MNIST label of each of the first outputs.
    public var labels: [Int]

    /// The outputs of a model with `outputCount` outputs, read from `path`, trained on `classes`.
    /// - Throws: `CLIError.classesDoNotFit` when there are more classes than outputs (a 5-output
    ///   model asked about all ten classes).
    public init(outputCount: Int, classes: [Int]?, weights path: String) throws(CLIError) {
        let labels = classes ?? Array(FashionMNIST.classNames.indices)
        guard labels.count <= outputCount else {
            throw .classesDoNotFit(path: path, outputs: outputCount, classes: labels.count, selected: classes != nil)
        }
        self.outputCount = outputCount
        self.labels = labels
    }

    /// The Fashion-MNIST label output `output` stands for; nil past the classes.
    public func label(ofOutput output: Int) -> Int? {
        output < labels.count ? labels[output] : nil
    }

    /// The class name of output `output` ("Sandal"), or "output 7" past the classes.
    public func name(ofOutput output: Int) -> String {
        label(ofOutput: output).map { FashionMNIST.classNames[$0] } ?? "output \(output)"
    }
}
