import Foundation
import Strata

extension Onnx_TensorProto {
    /// The tensor's dimensions, checked: none negative, rank and element count within `ONNXLimits`.
    func checkedDims() throws(ONNXError) -> (dims: [Int], count: Int) {
        let dims = self.dims.map { Int(clamping: $0) }
        guard let count = ONNXLimits.elementCount(dims) else {
            throw .invalidTensor(name: name, reason: "dimensions \(self.dims) are negative or too large")
        }
        return (dims, count)
    }

    /// This tensor as a Strata tensor: its bytes from `raw_data`, the typed fields, or an external
    /// file under `externalDirectory`. Lengths are checked against the dimensions before anything
    /// is allocated.
    /// - Throws: `ONNXError.invalidTensor`.
    func strataTensor(externalDirectory: URL?) throws(ONNXError) -> Tensor {
        guard let dtype = ONNXElementType.dtype(dataType) else {
            throw .invalidTensor(name: name, reason: "element type \(ONNXElementType.name(dataType)) is not supported")
        }
        guard !hasSegment else { throw .invalidTensor(name: name, reason: "segmented tensors are not supported") }
        let (dims, count) = try checkedDims()
        let byteCount = count * dtype.byteSize
        if dataLocation == .external {
            guard let externalDirectory else {
                throw .invalidTensor(name: name, reason: "external data needs the model's folder (load the model from a file)")
            }
            var entries: [String: String] = [:]
            for entry in externalData { entries[entry.key] = entry.value }
            let bytes = try ExternalData(directory: externalDirectory).read(tensor: name, entries: entries, expectedLength: byteCount)
            return Self.tensor(littleEndian: bytes, dims: dims, dtype: dtype)
        }
        if hasRawData {
            guard rawData.count == byteCount else {
                throw .invalidTensor(name: name, reason: "raw_data holds \(rawData.count) bytes, dimensions \(dims) of \(dtype) need \(byteCount)")
            }
            return Self.tensor(littleEndian: [UInt8](rawData), dims: dims, dtype: dtype)
        }
        func check(_ fieldCount: Int, _ field: String) throws(ONNXError) {
            guard fieldCount == count else {
                throw .invalidTensor(name: name, reason: "\(field) holds \(fieldCount) values, dimensions \(dims) need \(count)")
            }
        }
        switch dtype {
        case .float32:
            try check(floatData.count, "float_data")
            return Tensor(floatData, shape: dims)
        case .float64:
            try check(doubleData.count, "double_data")
            return Tensor(doubleData, shape: dims)
        case .int32:
            try check(int32Data.count, "int32_data")
            return Tensor(int32Data, shape: dims)
        case .int64:
            try check(int64Data.count, "int64_data")
            return Tensor(int64Data, shape: dims)
        case .bool:
            try check(int32Data.count, "int32_data")
            return Tensor(int32Data.map { $0 != 0 }, shape: dims)
        }
    }

    /// A tensor from little-endian bytes whose length was checked against `dims`.
    static func tensor(littleEndian bytes: [UInt8], dims: [Int], dtype: DType) -> Tensor {
        var tensors = [Tensor(unsafeUninitializedShape: dims, dtype: dtype)]
        func copy<T: TensorScalar>(_: T.Type) {
            Tensor.withUnsafeMutableScalars(of: &tensors, as: T.self) { buffers in
                bytes.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(buffers[0]).copyMemory(from: source)
                }
            }
        }
        switch dtype {
        case .float32: copy(Float.self)
        case .float64: copy(Double.self)
        case .int32: copy(Int32.self)
        case .int64: copy(Int64.self)
        case .bool:
            // ONNX stores a bool as one byte 0 or 1; any non-zero byte reads as true.
            return Tensor(bytes.map { $0 != 0 }, shape: dims)
        }
        return tensors[0]
    }

    /// A `TensorProto` holding `tensor` as little-endian `raw_data`, named `name`.
    init(_ tensor: Tensor, name: String) {
        self.init()
        self.name = name
        dims = tensor.shape.map { Int64($0) }
        dataType = ONNXElementType.code(tensor.dtype)
        func bytes<T: TensorScalar>(_: T.Type) -> Data {
            tensor.withUnsafeScalars(as: T.self) { Data(buffer: $0) }
        }
        switch tensor.dtype {
        case .float32: rawData = bytes(Float.self)
        case .float64: rawData = bytes(Double.self)
        case .int32: rawData = bytes(Int32.self)
        case .int64: rawData = bytes(Int64.self)
        case .bool: rawData = Data(tensor.scalars(as: Bool.self).map { $0 ? 1 : 0 })
        }
    }
}
