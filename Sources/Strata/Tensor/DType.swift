/// The element type of a tensor, chosen at run time.
///
/// `float32` is the default for training; `float64` serves gradient checks; `int32`/`int64` hold
/// labels and indices; `bool` holds masks (one byte per element).
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, float64, int32, int64, bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        case .bool: 1
        }
    }

    /// Whether the type is `float32` or `float64`.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// Whether the type is `int32` or `int64`.
    public var isInteger: Bool { self == .int32 || self == .int64 }

    public var description: String { rawValue }
}

/// A Swift type that can be stored in a tensor.
public protocol TensorScalar: Sendable {
    /// The tensor element type matching this Swift type.
    static var dtype: DType { get }
    /// The value converted to `Double` (true is 1).
    var doubleValue: Double { get }
    /// The value converted to `Int64` (floats truncate toward zero, true is 1).
    var int64Value: Int64 { get }
    /// Converts from `Double` (floats round, integers truncate toward zero, nonzero is true).
    init(doubleValue: Double)
    /// Converts from `Int64` exactly where the type can hold the value.
    init(int64Value: Int64)
}

/// A tensor element type with arithmetic and ordering: every `DType` but `bool`.
public protocol NumericScalar: TensorScalar, Numeric, Comparable {
    static var zero: Self { get }
}

extension Float: NumericScalar {
    public static var dtype: DType { .float32 }
    public var doubleValue: Double { Double(self) }
    public var int64Value: Int64 { isFinite ? Int64(self) : 0 }
    public init(doubleValue: Double) { self = Float(doubleValue) }
    public init(int64Value: Int64) { self = Float(int64Value) }
}

extension Double: NumericScalar {
    public static var dtype: DType { .float64 }
    public var doubleValue: Double { self }
    public var int64Value: Int64 { isFinite ? Int64(self) : 0 }
    public init(doubleValue: Double) { self = doubleValue }
    public init(int64Value: Int64) { self = Double(int64Value) }
}

extension Int32: NumericScalar {
    public static var dtype: DType { .int32 }
    public var doubleValue: Double { Double(self) }
    public var int64Value: Int64 { Int64(self) }
    public init(doubleValue: Double) { self = doubleValue.isFinite ? Int32(truncatingIfNeeded: Int64(doubleValue)) : 0 }
    public init(int64Value: Int64) { self = Int32(truncatingIfNeeded: int64Value) }
}

extension Int64: NumericScalar {
    public static var dtype: DType { .int64 }
    public var doubleValue: Double { Double(self) }
    public var int64Value: Int64 { self }
    public init(doubleValue: Double) { self = doubleValue.isFinite ? Int64(doubleValue) : 0 }
    public init(int64Value: Int64) { self = int64Value }
}

extension Bool: TensorScalar {
    public static var dtype: DType { .bool }
    public var doubleValue: Double { self ? 1 : 0 }
    public var int64Value: Int64 { self ? 1 : 0 }
    public init(doubleValue: Double) { self = doubleValue != 0 }
    public init(int64Value: Int64) { self = int64Value != 0 }
}
