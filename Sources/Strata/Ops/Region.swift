/// A strided region inside a dense tensor: where `assemble` writes a part, and what a slice's
/// gradient fills.
struct Region {
    let offset: Int
    let strides: [Int]

    func view(of tensor: Tensor, shape: [Int]) -> Tensor {
        Tensor(storage: tensor.storage, shape: shape, strides: strides, offset: tensor.offset + offset, dtype: tensor.dtype)
    }

    /// The offsets from the first to the last element a part of `shape` takes (nil when empty).
    func span(shape: [Int]) -> ClosedRange<Int>? {
        guard !shape.contains(0) else { return nil }
        let extent = zip(shape, strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
        return offset...offset + extent
    }

    /// Whether a part of `shape` takes each of its elements at a different offset: with the
    /// dimensions ordered by stride, every stride passes the last offset of the ones inside it.
    /// (Sufficient, not necessary; slices, concatenation and padding pass it.)
    func isInjective(shape: [Int]) -> Bool {
        var reach = 0
        for (size, stride) in zip(shape, strides).filter({ $0.0 > 1 }).sorted(by: { $0.1 < $1.1 }) {
            guard stride > reach else { return false }
            reach += (size - 1) * stride
        }
        return true
    }

    /// The part's box of indices in a dense tensor of `shape`, when the part has that tensor's
    /// strides (a step-1 slice, a concatenated or padded part), else nil.
    func box(shape part: [Int], in shape: [Int]) -> [Range<Int>]? {
        let dense = Shape.contiguousStrides(shape)
        guard part.count == shape.count, part.indices.allSatisfy({ part[$0] <= 1 || strides[$0] == dense[$0] }) else { return nil }
        var remaining = offset
        var box: [Range<Int>] = []
        for axis in shape.indices {
            let start = remaining / dense[axis]
            remaining %= dense[axis]
            guard start + part[axis] <= shape[axis] else { return nil }
            box.append(start..<start + part[axis])
        }
        return box
    }

    /// Whether two parts of a dense tensor of `shape` share no element: their boxes are apart
    /// along some axis, or their spans do not overlap. (Sufficient, not necessary.)
    static func disjoint(_ a: (shape: [Int], region: Region), _ b: (shape: [Int], region: Region), in shape: [Int]) -> Bool {
        guard let first = a.region.span(shape: a.shape), let second = b.region.span(shape: b.shape) else { return true }
        if !first.overlaps(second) { return true }
        guard let boxA = a.region.box(shape: a.shape, in: shape), let boxB = b.region.box(shape: b.shape, in: shape) else { return false }
        return zip(boxA, boxB).contains { !$0.overlaps($1) }
    }

    /// Whether parts placed at these regions cover a dense tensor of `shape` exactly once: each
    /// part injective, every two disjoint, and their sizes adding up to the tensor's.
    static func tile(_ parts: [(shape: [Int], region: Region)], shape: [Int]) -> Bool {
        guard parts.reduce(0, { $0 + Shape.count($1.shape) }) == Shape.count(shape),
              parts.allSatisfy({ $0.region.isInjective(shape: $0.shape) }) else { return false }
        return parts.indices.allSatisfy { i in parts.indices.prefix(i).allSatisfy { disjoint(parts[$0], parts[i], in: shape) } }
    }
}
