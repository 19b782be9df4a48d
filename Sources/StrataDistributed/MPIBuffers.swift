import CStrataMPI
import Strata

/// Tensors to and from the raw buffers MPI reads and writes.
enum MPIBuffers {
    static func datatype(_ dtype: DType) -> strata_mpi_datatype {
        switch dtype {
        case .float32: STRATA_MPI_FLOAT32
        case .float64: STRATA_MPI_FLOAT64
        default: STRATA_MPI_INT64
        }
    }

    static func withRawBytes(of tensor: Tensor, _ body: (UnsafeRawPointer) -> Int32) -> Int32 {
        switch tensor.dtype {
        case .float32: tensor.withUnsafeScalars(as: Float.self) { body(UnsafeRawPointer($0.baseAddress!)) }
        case .float64: tensor.withUnsafeScalars(as: Double.self) { body(UnsafeRawPointer($0.baseAddress!)) }
        default: tensor.withUnsafeScalars(as: Int64.self) { body(UnsafeRawPointer($0.baseAddress!)) }
        }
    }

    static func withMutableRawBytes(of tensor: inout Tensor, _ body: (UnsafeMutableRawPointer) -> Int32) -> Int32 {
        var tensors = [tensor]
        defer { tensor = tensors[0] }
        switch tensor.dtype {
        case .float32: return Tensor.withUnsafeMutableScalars(of: &tensors, as: Float.self) { body(UnsafeMutableRawPointer($0[0].baseAddress!)) }
        case .float64: return Tensor.withUnsafeMutableScalars(of: &tensors, as: Double.self) { body(UnsafeMutableRawPointer($0[0].baseAddress!)) }
        default: return Tensor.withUnsafeMutableScalars(of: &tensors, as: Int64.self) { body(UnsafeMutableRawPointer($0[0].baseAddress!)) }
        }
    }

    /// Copies `tensor`'s elements (float32, float64 or int64) to `buffer`.
    static func copy(_ tensor: Tensor, to buffer: UnsafeMutableRawPointer) {
        guard tensor.scalarCount > 0 else { return }
        _ = withRawBytes(of: tensor) { source in
            buffer.copyMemory(from: source, byteCount: tensor.scalarCount * tensor.dtype.byteSize)
            return 0
        }
    }

    /// A tensor of `shape` and `dtype` holding the elements at `buffer`.
    static func tensor(shape: [Int], dtype: DType, from buffer: UnsafeRawPointer) -> Tensor {
        var result = Tensor(unsafeUninitializedShape: shape, dtype: dtype)
        guard result.scalarCount > 0 else { return result }
        let bytes = result.scalarCount * dtype.byteSize
        _ = withMutableRawBytes(of: &result) { target in
            target.copyMemory(from: buffer, byteCount: bytes)
            return 0
        }
        return result
    }

    static func failure(_ call: String, _ code: Int32) -> ProcessGroupError {
        var message = [CChar](repeating: 0, count: 512)
        strata_mpi_error_string(code, &message, message.count)
        return .mpiFailed(call: call, code: Int(code), message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
