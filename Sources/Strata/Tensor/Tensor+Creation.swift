/// Why an array could not become a tensor.
public struct TensorShapeError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension Tensor {
    /// Checks that `count` elements fill `shape` exactly; the message names both.
    static func validate(count: Int, shape: [Int]) -> TensorShapeError? {
        if let negative = shape.first(where: { $0 < 0 }) {
            return TensorShapeError(message: "Tensor: shape \(shape) has a negative dimension \(negative)")
        }
        let expected = Shape.count(shape)
        guard count == expected else {
            return TensorShapeError(message: "Tensor: \(count) scalars cannot fill shape \(shape), which holds \(expected)")
        }
        return nil
    }

    /// A tensor holding `scalars` in row-major order; traps when the count does not fill `shape`.
    ///
    ///     let x = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
    public init<T: TensorScalar>(_ scalars: [T], shape: [Int]) {
        if let error = Tensor.validate(count: scalars.count, shape: shape) { preconditionFailure(error.message) }
        self.init(uninitializedShape: shape, dtype: T.dtype)
        let target = elementPointer(as: T.self)
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { target.initialize(from: base, count: source.count) }
        }
    }

    /// A tensor holding `scalars` in row-major order, or a thrown `TensorShapeError` naming the
    /// count and shape when they disagree (for data that comes from outside the program).
    public init<T: TensorScalar>(validating scalars: [T], shape: [Int]) throws {
        if let error = Tensor.validate(count: scalars.count, shape: shape) { throw error }
        self.init(scalars, shape: shape)
    }

    /// A 1-D tensor.
    public init<T: TensorScalar>(_ scalars: [T]) { self.init(scalars, shape: [scalars.count]) }

    /// A 2-D tensor from rows of equal length.
    public init<T: TensorScalar>(_ rows: [[T]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "Tensor: rows have different lengths \(rows.map(\.count))")
        self.init(rows.flatMap { $0 }, shape: [rows.count, columns])
    }

    /// A rank-0 tensor.
    public init<T: TensorScalar>(_ scalar: T) { self.init([scalar], shape: []) }

    /// A rank-0 tensor of any dtype holding `value` converted.
    public init(_ value: Double, dtype: DType) {
        self = Backends.current.full(shape: [], value: value, dtype: dtype)
    }

    /// A tensor of `shape` with every element `value`.
    public static func full(_ shape: [Int], value: Double, dtype: DType = .float32) -> Tensor {
        if let error = validate(count: Shape.count(shape.map { Swift.max($0, 0) }), shape: shape) { preconditionFailure(error.message) }
        return Backends.current.full(shape: shape, value: value, dtype: dtype)
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, value: 0, dtype: dtype) }
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, value: 1, dtype: dtype) }

    /// `start, start + step, ...` up to but excluding `end` (NumPy's arange).
    public static func arange(_ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .float32) -> Tensor {
        precondition(step != 0, "arange: step must not be zero")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        let values = (0..<count).map { start + Double($0) * step }
        return Tensor(values, shape: [count]).cast(to: dtype)
    }

    /// `count` evenly spaced values from `start` to `end`, both included.
    public static func linspace(_ start: Double, _ end: Double, count: Int, dtype: DType = .float32) -> Tensor {
        precondition(count >= 0, "linspace: count must not be negative, got \(count)")
        let step = count > 1 ? (end - start) / Double(count - 1) : 0
        let values = (0..<count).map { $0 == count - 1 ? end : start + Double($0) * step }
        return Tensor(values, shape: [count]).cast(to: dtype)
    }

    /// The `n x n` identity matrix (or `n x columns`).
    public static func eye(_ n: Int, columns: Int? = nil, dtype: DType = .float32) -> Tensor {
        let m = columns ?? n
        var values = [Double](repeating: 0, count: n * m)
        for i in 0..<Swift.min(n, m) { values[i * m + i] = 1 }
        return Tensor(values, shape: [n, m]).cast(to: dtype)
    }

    /// The elements in row-major order, converted to `T`.
    public func scalars<T: TensorScalar>(as type: T.Type = T.self) -> [T] {
        let dense = (dtype == T.dtype ? self : withoutGradients { cast(to: T.dtype) })
        let contiguousCopy = dense.isContiguous ? dense : Backends.current.contiguous(dense)
        return Array(UnsafeBufferPointer(start: contiguousCopy.elementPointer(as: T.self), count: scalarCount))
    }

    /// The only element of a one-element tensor, converted to `T`.
    public func scalar<T: TensorScalar>(as type: T.Type = T.self) -> T {
        precondition(scalarCount == 1, "scalar: the tensor has shape \(shape), not one element")
        // The element in its own dtype is read in place (strides do not matter for one element).
        if dtype == T.dtype { return withExtendedLifetime(self) { elementPointer(as: T.self)[0] } }
        return scalars(as: T.self)[0]
    }

    /// A copy with the element at `index` set to `value` (copy on write: other views keep theirs).
    public mutating func setScalar<T: TensorScalar>(_ value: T, at index: [Int]) {
        precondition(T.dtype == dtype, "setScalar: a \(T.self) does not fit a \(dtype) tensor")
        precondition(node == nil, "setScalar: the tensor is tracked by a gradient transform; build the value with select or scatterAdding instead")
        precondition(index.count == rank && zip(index, shape).allSatisfy { $0 >= 0 && $0 < $1 },
                     "setScalar: index \(index) is out of bounds for shape \(shape)")
        makeUniqueAndContiguous()
        var position = 0
        for (i, stride) in zip(index, strides) { position += i * stride }
        elementPointer(as: T.self)[position] = value
    }
}
