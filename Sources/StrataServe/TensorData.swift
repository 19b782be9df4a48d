/// The elements of one tensor in row-major order: numbers (every numeric datatype, held as
/// Double, which represents FP32 and the integer types that models here take exactly) or strings
/// (BYTES).
public enum TensorData: Sendable, Equatable {
    case numbers([Double])
    case strings([String])

    /// How many elements there are.
    public var count: Int {
        switch self {
        case .numbers(let values): values.count
        case .strings(let values): values.count
        }
    }

    /// The elements `range` of this tensor (rows of a batch, flattened).
    public func slice(_ range: Range<Int>) -> TensorData {
        switch self {
        case .numbers(let values): .numbers(Array(values[range]))
        case .strings(let values): .strings(Array(values[range]))
        }
    }

    /// This tensor's elements followed by `other`'s; both must be of the same kind.
    public func appending(_ other: TensorData) -> TensorData {
        switch (self, other) {
        case (.numbers(let a), .numbers(let b)): return .numbers(a + b)
        case (.strings(let a), .strings(let b)): return .strings(a + b)
        default: preconditionFailure("TensorData.appending: numbers and strings cannot be joined")
        }
    }
}

/// One named tensor of a request or a response.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var datatype: TensorDatatype
    public var shape: [Int]
    public var data: TensorData

    public init(name: String, datatype: TensorDatatype, shape: [Int], data: TensorData) {
        precondition(shape.reduce(1, *) == data.count,
                     "NamedTensor \(name): shape \(shape) holds \(shape.reduce(1, *)) elements, data has \(data.count)")
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.data = data
    }
}

/// The name, datatype and shape of a model input or output, as model metadata lists it; -1
/// marks a dimension of any size (the batch).
public struct TensorMetadata: Codable, Sendable, Equatable {
    public var name: String
    public var datatype: TensorDatatype
    public var shape: [Int]

    public init(name: String, datatype: TensorDatatype, shape: [Int]) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
    }
}
