import Strata
import Testing

// valueAndGradient(at:excluding:whenFinal:of:): each parameter's gradient is handed over once,
// final, as soon as backward has accumulated its last contribution.

/// Two layers y = tanh(x W1) W2 with a parameter used twice (`shared`, in both layers) and one
/// the loss does not reach (`unused`).
private struct TwoLayers: ParameterContainer {
    var first = randomInput([3, 4], seed: 21)
    var second = randomInput([4, 2], seed: 22)
    var shared = randomInput([1], seed: 23)
    var unused = randomInput([2], seed: 24)

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("first", &first)
        visitor.visit("second", &second)
        visitor.visit("shared", &shared)
        visitor.visit("unused", &unused)
    }

    func loss(_ x: Tensor) -> Tensor {
        let hidden = tanh(matmul(x, first) * shared)
        return (matmul(hidden, second) * shared).sum()
    }
}

@Suite struct GradientHookTests {
    @Test func everyParameterIsReportedOnceWithItsFinalGradient() throws {
        let x = randomInput([5, 3], seed: 25)
        var reported: [(path: String, gradient: Tensor)] = []
        let (value, gradients) = valueAndGradient(at: TwoLayers(), excluding: { _ in false },
                                                  whenFinal: { reported.append(($0.description, $1)) }) { $0.loss(x) }
        let (plainValue, plain) = valueAndGradient(at: TwoLayers()) { $0.loss(x) }
        #expect(value.scalar(as: Double.self) == plainValue.scalar(as: Double.self))
        #expect(reported.map(\.path).sorted() == ["first", "second", "shared", "unused"])
        for (path, gradient) in reported {
            let key = try ParameterPath(parsing: path)
            #expect(gradient.scalars(as: Double.self) == plain[key]!.scalars(as: Double.self), "\(path)")
            #expect(gradients[key]!.scalars(as: Double.self) == plain[key]!.scalars(as: Double.self), "\(path)")
        }
        // Backward finishes the last layer first; the unreached parameter comes last, with zeros.
        let order = reported.map(\.path)
        #expect(order.firstIndex(of: "second")! < order.firstIndex(of: "first")!)
        #expect(order.last == "unused")
        #expect(reported.last!.gradient.scalars(as: Double.self) == [0, 0])
    }

    @Test func excludedParametersAreNotReported() {
        let x = randomInput([2, 3], seed: 26)
        var reported: [String] = []
        _ = valueAndGradient(at: TwoLayers(), excluding: { $0.description == "first" },
                             whenFinal: { path, _ in reported.append(path.description) }) { $0.loss(x) }
        #expect(reported.sorted() == ["second", "shared", "unused"])
    }
}
