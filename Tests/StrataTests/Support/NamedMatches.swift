import Strata
import Testing

/// Every named tensor of `actual` within tolerance of the one of that name in `expected`.
func expectNamedMatches(_ actual: [String: Tensor], _ expected: [String: Tensor], relative: Double, absolute: Double, _ context: String,
                sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Set(actual.keys) == Set(expected.keys), sourceLocation: sourceLocation)
    for (name, value) in expected.sorted(by: { $0.key < $1.key }) {
        guard let fused = actual[name] else { continue }
        expectMatch(fused, value, tolerance: Tolerance(relative: relative, absolute: absolute), "\(name), \(context)",
                    sourceLocation: sourceLocation)
    }
}
