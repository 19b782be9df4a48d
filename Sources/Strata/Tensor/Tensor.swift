/// An n-dimensional array of one `DType`, with value semantics and optional gradient tracking.
///
/// A tensor is a view (`shape`, `strides`, `offset`, all in elements) of a shared storage
/// buffer. Reshapes, transposes, slices and broadcasts make new views without copying; writes
/// copy the buffer first when another tensor shares it. Inside a `valueAndGradient` transform a
/// tensor also carries the node of the graph that produced it.
public struct Tensor: @unchecked Sendable {
    var storage: TensorStorage
    /// The size of each dimension; `[]` for a scalar.
    public let shape: [Int]
    /// The distance in elements between neighbours along each dimension (0 for a broadcast one).
    public let strides: [Int]
    /// Where element `[0, 0, ...]` sits in the storage, in elements.
    public let offset: Int
    /// The element type.
    public let dtype: DType
    /// The autodiff node that produced this value, when gradients are being recorded.
    var node: GradientNode?

    init(storage: TensorStorage, shape: [Int], strides: [Int], offset: Int, dtype: DType, node: GradientNode? = nil) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.dtype = dtype
        self.node = node
    }

    /// A contiguous tensor over a new, uninitialised buffer (callers fill every element).
    init(uninitializedShape shape: [Int], dtype: DType) {
        let count = Shape.count(shape)
        self.init(storage: TensorStorage(byteCount: count * dtype.byteSize), shape: shape,
                  strides: Shape.contiguousStrides(shape), offset: 0, dtype: dtype)
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements.
    public var scalarCount: Int { Shape.count(shape) }

    /// Whether the elements are laid out densely in row-major order (a reshape is then free).
    public var isContiguous: Bool { Shape.isContiguous(shape: shape, strides: strides) }

    /// Whether this value is tracked by an enclosing gradient transform.
    public var isTrackingGradient: Bool { node != nil }

    /// The same values, no longer connected to the gradient graph (PyTorch's `detach`).
    public var detached: Tensor {
        var copy = self
        copy.node = nil
        return copy
    }

    /// A pointer to element `[0, 0, ...]`, typed. Valid while `self` is alive.
    func elementPointer<T>(as type: T.Type) -> UnsafeMutablePointer<T> {
        storage.pointer.advanced(by: offset * dtype.byteSize).assumingMemoryBound(to: T.self)
    }

    /// A pointer to element `[0, 0, ...]`. Valid while `self` is alive.
    var rawElementPointer: UnsafeMutableRawPointer {
        storage.pointer.advanced(by: offset * dtype.byteSize)
    }

    /// Makes the storage unique before a write, copying it (and dropping views' sharing) if needed.
    mutating func makeUniqueAndContiguous() {
        if !isKnownUniquelyReferenced(&storage) || !isContiguous || offset != 0 {
            let copy = Backends.current.contiguous(self)
            storage = copy.storage
            precondition(copy.offset == 0 && copy.strides == Shape.contiguousStrides(shape))
            self = Tensor(storage: copy.storage, shape: shape, strides: copy.strides, offset: 0, dtype: dtype, node: node)
        }
    }
}

/// Helpers for shapes and strides.
enum Shape {
    /// The number of elements of a shape.
    static func count(_ shape: [Int]) -> Int {
        var total = 1
        for dimension in shape { total *= dimension }
        return total
    }

    /// Row-major strides for a shape.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// Whether a view with these strides is dense row-major (size-1 dimensions may have any stride).
    static func isContiguous(shape: [Int], strides: [Int]) -> Bool {
        var expected = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// The NumPy broadcast of two shapes, or nil when they are incompatible.
    static func broadcast(_ lhs: [Int], _ rhs: [Int]) -> [Int]? {
        let rank = max(lhs.count, rhs.count)
        var result = [Int](repeating: 1, count: rank)
        for index in 0..<rank {
            let l = index < rank - lhs.count ? 1 : lhs[index - (rank - lhs.count)]
            let r = index < rank - rhs.count ? 1 : rhs[index - (rank - rhs.count)]
            if l == r || r == 1 {
                result[index] = l
            } else if l == 1 {
                result[index] = r
            } else {
                return nil
            }
        }
        return result
    }

    /// Normalises a possibly negative axis, trapping with the op's name when it is out of range.
    static func axis(_ axis: Int, rank: Int, op: String) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        precondition(normalized >= 0 && normalized < max(rank, 1) && (rank > 0 || normalized == 0),
                     "\(op): axis \(axis) is out of range for a tensor of rank \(rank)")
        return normalized
    }
}
