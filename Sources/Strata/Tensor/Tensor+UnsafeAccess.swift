// Raw access to elements, for kernels outside the core (fused optimizer updates, file formats).

extension Tensor {
    /// Calls `body` with the elements in row-major order, copied densely first when this is a
    /// strided view. The buffer is valid only inside `body`.
    public func withUnsafeScalars<T: TensorScalar, Result>(
        as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> Result
    ) rethrows -> Result {
        precondition(T.dtype == dtype, "withUnsafeScalars: a \(dtype) tensor read as \(T.self)")
        let dense = isContiguous ? self : Backends.current.contiguous(self)
        return try withExtendedLifetime(dense) {
            try body(UnsafeBufferPointer(start: dense.elementPointer(as: T.self), count: scalarCount))
        }
    }
}

extension Tensor {
    /// A new contiguous tensor whose elements are not initialised yet: write every one (for
    /// example with `withUnsafeMutableScalars`) before reading it.
    public init(unsafeUninitializedShape shape: [Int], dtype: DType) {
        if let error = Tensor.validate(count: Shape.count(shape.map { Swift.max($0, 0) }), shape: shape) {
            preconditionFailure(error.message)
        }
        self.init(uninitializedShape: shape, dtype: dtype)
    }

    /// Calls `body` with the elements of each tensor, read-only, in row-major order.
    public static func withUnsafeScalars<T: TensorScalar, Result>(
        of tensors: [Tensor], as type: T.Type, _ body: ([UnsafeBufferPointer<T>]) throws -> Result
    ) rethrows -> Result {
        let dense = tensors.map { tensor in
            precondition(T.dtype == tensor.dtype, "withUnsafeScalars: a \(tensor.dtype) tensor read as \(T.self)")
            return tensor.isContiguous ? tensor : Backends.current.contiguous(tensor)
        }
        return try withExtendedLifetime(dense) {
            try body(dense.map { UnsafeBufferPointer(start: $0.elementPointer(as: T.self), count: $0.scalarCount) })
        }
    }

    /// Calls `body` with writable elements of each tensor, in row-major order; each storage is
    /// made unique (and dense) first, so no other tensor sees the writes.
    public static func withUnsafeMutableScalars<T: TensorScalar, Result>(
        of tensors: inout [Tensor], as type: T.Type, _ body: ([UnsafeMutableBufferPointer<T>]) throws -> Result
    ) rethrows -> Result {
        for index in tensors.indices {
            precondition(T.dtype == tensors[index].dtype, "withUnsafeMutableScalars: a \(tensors[index].dtype) tensor written as \(T.self)")
            precondition(tensors[index].node == nil, "withUnsafeMutableScalars: the tensor is tracked by a gradient transform")
            tensors[index].makeUniqueAndContiguous()
        }
        return try withExtendedLifetime(tensors) {
            try body(tensors.map { UnsafeMutableBufferPointer(start: $0.elementPointer(as: T.self), count: $0.scalarCount) })
        }
    }
}
