import Strata
import Testing

/// Compares the named results (values and gradients) of a fused kernel with those of the
/// composite code it replaces, recording the first element out of tolerance for each name.
/// `reference` names the composite path in messages ("composite", "step by step"). With
/// `absoluteScaledByLargest`, the absolute tolerance is a fraction of each tensor's largest
/// magnitude (the "relative to the largest output" criterion), for float32 sums long enough that
/// a different summation order moves an element by more than `relative` of itself.
func expectFusedMatchesComposite(_ fused: [String: Tensor], _ composite: [String: Tensor], relative: Double,
                                 absolute: Double, absoluteScaledByLargest: Bool = false,
                                 caseName: String, reference: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Set(fused.keys) == Set(composite.keys), sourceLocation: sourceLocation)
    for (name, expected) in composite.sorted(by: { $0.key < $1.key }) {
        guard let actual = fused[name] else { continue }
        #expect(actual.shape == expected.shape, "\(caseName): \(name)", sourceLocation: sourceLocation)
        let largest = absoluteScaledByLargest ? expected.scalars(as: Double.self).map(Swift.abs).max() ?? 0 : 1
        if let mismatch = actual.maximumMismatch(from: expected, relativeTolerance: relative,
                                                 absoluteTolerance: absolute * max(largest, 1e-30)) {
            let message = "\(caseName): \(name) element \(mismatch.index) is \(mismatch.value) fused, "
                + "\(mismatch.expected) \(reference)"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
    }
}
