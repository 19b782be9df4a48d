import Strata
import Testing

// Strata's forward results against NumPy's, from the committed fixtures that
// Tools/make_fixtures.py generates (Fixtures/NumpyFixtures.swift). Each fixture runs in float64
// and float32 on both backends. The inputs have float32 precision, so both dtypes start from
// exactly NumPy's inputs and only Strata's arithmetic separates the result from NumPy's.

/// Float64 results differ from NumPy's only in the last bits (libm versions, summation order):
/// 1e-12 relative. Float32 carries 24 bits, 6e-8 relative per rounding; 1e-5 relative leaves room
/// for the C kernels' few-ulp exp and log and for a few dozen roundings in sums. The absolute
/// parts cover results that cancel to near zero (a sine near pi, a sum of mixed signs).
private let tolerances: [(DType, Tolerance)] = [
    (.float64, Tolerance(relative: 1e-12, absolute: 1e-12)),
    (.float32, Tolerance(relative: 1e-5, absolute: 1e-6)),
]

private let backends: [any Backend] = [CPUBackend.shared, ReferenceBackend()]

private func tensor(_ array: FixtureArray, _ dtype: DType) -> Tensor {
    makeTensor(array.values, shape: array.shape, dtype: dtype)
}

/// Runs `body` on each fixture for every dtype and backend and compares with NumPy's result.
private func checkFixtures(_ fixtures: [NumpyFixture], _ name: String, sourceLocation: SourceLocation = #_sourceLocation,
                           _ body: (NumpyFixture, [Tensor], DType) -> Tensor) {
    #expect(!fixtures.isEmpty, "no fixtures for \(name): regenerate with Tools/make_fixtures.py", sourceLocation: sourceLocation)
    for (dtype, tolerance) in tolerances {
        for backend in backends {
            for (number, fixture) in fixtures.enumerated() {
                let inputs = fixture.inputs.map { tensor($0, dtype) }
                let result = withBackend(backend) { body(fixture, inputs, dtype) }
                expectMatch(result, tensor(fixture.expected, dtype), tolerance: tolerance,
                            "\(name) fixture \(number) in \(dtype) on \(backend.name)", sourceLocation: sourceLocation)
            }
        }
    }
}

/// The public op for each unary primitive.
private func apply(_ op: UnaryOperation, _ x: Tensor) -> Tensor {
    switch op {
    case .negate: -x
    case .abs: abs(x)
    case .sign: sign(x)
    case .exp: exp(x)
    case .log: log(x)
    case .log1p: log1p(x)
    case .expm1: expm1(x)
    case .sqrt: sqrt(x)
    case .rsqrt: rsqrt(x)
    case .square: square(x)
    case .sin: sin(x)
    case .cos: cos(x)
    case .tanh: tanh(x)
    case .sigmoid: sigmoid(x)
    case .relu: relu(x)
    case .softplus: softplus(x)
    case .erf: erf(x)
    }
}

/// The public op for each binary primitive.
private func apply(_ op: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
    switch op {
    case .add: lhs + rhs
    case .subtract: lhs - rhs
    case .multiply: lhs * rhs
    case .divide: lhs / rhs
    case .pow: pow(lhs, rhs)
    case .maximum: maximum(lhs, rhs)
    case .minimum: minimum(lhs, rhs)
    }
}

@Suite("NumPy fixtures")
struct FixtureTests {
    @Test("every unary op matches NumPy", arguments: UnaryOperation.allCases)
    func unary(_ op: UnaryOperation) {
        checkFixtures(NumpyFixtures.unary["\(op)"] ?? [], "\(op)") { _, inputs, _ in apply(op, inputs[0]) }
    }

    @Test("every binary op matches NumPy with broadcasting", arguments: BinaryOperation.allCases)
    func binary(_ op: BinaryOperation) {
        checkFixtures(NumpyFixtures.binary["\(op)"] ?? [], "\(op)") { _, inputs, _ in apply(op, inputs[0], inputs[1]) }
    }

    @Test("reductions match NumPy over several axis sets")
    func reductions() {
        #expect(Set(NumpyFixtures.reductions.keys) == ["sum", "mean", "max", "min", "variance", "logSumExp"])
        for (name, fixtures) in NumpyFixtures.reductions {
            checkFixtures(fixtures, name) { fixture, inputs, _ in
                let (x, axes) = (inputs[0], fixture.axes.isEmpty ? nil : fixture.axes)
                switch name {
                case "sum": return x.sum(alongAxes: axes)
                case "mean": return x.mean(alongAxes: axes)
                case "max": return x.max(alongAxes: axes)
                case "min": return x.min(alongAxes: axes)
                case "variance": return x.variance(alongAxes: axes)  // correction 1 is NumPy's ddof=1
                default: return x.logSumExp(alongAxes: axes)
                }
            }
        }
    }

    @Test("matmul matches NumPy with broadcast batches and vectors")
    func matmulFixtures() {
        checkFixtures(NumpyFixtures.matmul, "matmul") { _, inputs, _ in matmul(inputs[0], inputs[1]) }
    }

    @Test("softmax written from exp and logSumExp matches NumPy")
    func softmax() {
        checkFixtures(NumpyFixtures.softmax, "softmax") { _, inputs, _ in
            exp(inputs[0] - inputs[0].logSumExp(alongAxes: [-1], keepDims: true))
        }
    }

    @Test("gathering matches NumPy's take_along_axis")
    func gather() {
        checkFixtures(NumpyFixtures.gather, "gather") { fixture, inputs, _ in
            inputs[0].gathering(along: fixture.axes[0], index: tensor(fixture.inputs[1], .int64))
        }
    }

    @Test("concat matches NumPy's concatenate")
    func concatenate() {
        checkFixtures(NumpyFixtures.concatenate, "concatenate") { fixture, inputs, _ in
            Tensor.concat(inputs, axis: fixture.axes[0])
        }
    }

    @Test("padded matches NumPy's constant pad")
    func pad() {
        checkFixtures(NumpyFixtures.pad, "pad") { fixture, inputs, _ in
            let pairs = stride(from: 0, to: fixture.padding.count, by: 2).map { (before: fixture.padding[$0], after: fixture.padding[$0 + 1]) }
            return inputs[0].padded(pairs, value: fixture.value)
        }
    }

    @Test("stepped, negative and clamped slices match NumPy")
    func slices() {
        checkFixtures(NumpyFixtures.slices, "slices") { fixture, inputs, _ in
            var result = inputs[0]
            for axis in 0..<fixture.slices.count / 3 {
                let bounds = fixture.slices[(3 * axis)..<(3 * axis + 3)]
                result = result.sliced(axis: axis, start: bounds[3 * axis], end: bounds[3 * axis + 1], step: bounds[3 * axis + 2] ?? 1)
            }
            return result
        }
    }
}
