/// The 16-bit floating-point formats PyTorch and Hugging Face files often store weights in.
/// Strata keeps them as storage formats only: they are read into float32 and written from it,
/// and all computation stays float32 (or float64).
///
/// - `float16`: IEEE 754 binary16 (1 sign, 5 exponent, 10 fraction bits; max 65504).
/// - `bfloat16`: the upper half of a float32 (1 sign, 8 exponent, 7 fraction bits).
///
/// Both conversions from float32 round to nearest, ties to even, as PyTorch's `.half()` and
/// `.bfloat16()` do; NaN stays NaN, overflow becomes infinity, float16 keeps subnormals.
public enum HalfPrecision: String, Sendable, CaseIterable {
    case float16, bfloat16

    /// The safetensors dtype name: `F16` or `BF16`.
    public var safetensorsName: String { self == .float16 ? "F16" : "BF16" }

    /// The 16 bits that store `value`.
    public func bits(_ value: Float) -> UInt16 {
        switch self {
        case .float16:
            return Float16(value).bitPattern
        case .bfloat16:
            let bits = value.bitPattern
            if value.isNaN { return UInt16(bits >> 16) | 0x0040 }  // keep it a (quiet) NaN
            // Round to nearest even on the 16 dropped bits.
            let rounding = 0x7FFF + ((bits >> 16) & 1)
            return UInt16((bits &+ rounding) >> 16)
        }
    }

    /// The float32 value of stored `bits` (exact: both formats are subsets of float32).
    public func value(_ bits: UInt16) -> Float {
        switch self {
        case .float16: Float(Float16(bitPattern: bits))
        case .bfloat16: Float(bitPattern: UInt32(bits) << 16)
        }
    }
}

extension Tensor {
    /// A float32 tensor of `shape` from 16-bit values in `format`.
    public init(halfPrecisionBits bits: [UInt16], shape: [Int], format: HalfPrecision) {
        self.init(bits.map { format.value($0) }, shape: shape)
    }

    /// The elements (row-major) as 16-bit values in `format`; the tensor must be floating-point.
    public func halfPrecisionBits(_ format: HalfPrecision) -> [UInt16] {
        precondition(dtype.isFloatingPoint, "halfPrecisionBits: needs a floating-point tensor, got \(dtype)")
        return cast(to: .float32).scalars(as: Float.self).map { format.bits($0) }
    }

    /// The tensor rounded through `format` and back: what storing it in half precision keeps,
    /// in float32 (or float64 when it was). No gradient flows through the rounding.
    public func roundedToHalfPrecision(_ format: HalfPrecision) -> Tensor {
        Tensor(halfPrecisionBits: halfPrecisionBits(format), shape: shape, format: format).cast(to: dtype)
    }
}
