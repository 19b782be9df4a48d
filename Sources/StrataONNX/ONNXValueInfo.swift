import Strata

/// A graph input or output as the file declares it: its name, element type and shape, where a
/// dimension is a number or a symbol (`batch`) or unknown.
public struct ONNXValueInfo: Sendable, Equatable, CustomStringConvertible {
    /// One dimension of a declared shape.
    public enum Dimension: Sendable, Equatable, CustomStringConvertible {
        case fixed(Int), symbolic(String), unknown

        public var description: String {
            switch self {
            case .fixed(let size): "\(size)"
            case .symbolic(let name): name
            case .unknown: "?"
            }
        }
    }

    /// The value's name.
    public let name: String
    /// Strata's dtype for the element type, or nil when Strata has none.
    public let dtype: DType?
    /// ONNX's name of the element type ("FLOAT").
    public let elementTypeName: String
    /// The declared shape, or nil when the file declares none.
    public let shape: [Dimension]?

    init(_ proto: Onnx_ValueInfoProto) {
        name = proto.name
        let tensorType = proto.type.tensorType
        dtype = ONNXElementType.dtype(tensorType.elemType)
        elementTypeName = ONNXElementType.name(tensorType.elemType)
        if tensorType.hasShape {
            shape = tensorType.shape.dim.map { dimension in
                switch dimension.value {
                case .dimValue(let size) where size >= 0: .fixed(Int(clamping: size))
                case .dimParam(let name) where !name.isEmpty: .symbolic(name)
                default: .unknown
                }
            }
        } else {
            shape = nil
        }
    }

    init(name: String, dtype: DType, shape: [Dimension]) {
        self.name = name
        self.dtype = dtype
        elementTypeName = ONNXElementType.name(ONNXElementType.code(dtype))
        self.shape = shape
    }

    public var description: String {
        "\(name): \(elementTypeName)\(shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? " (shape not declared)")"
    }

    /// Throws `invalidInput` unless `tensor` has this value's dtype and fits its declared shape.
    func check(_ tensor: Tensor) throws(ONNXError) {
        if let dtype, tensor.dtype != dtype {
            throw .invalidInput(name: name, reason: "expected \(elementTypeName), got \(tensor.dtype)")
        }
        guard let shape else { return }
        guard shape.count == tensor.rank else {
            throw .invalidInput(name: name, reason: "expected shape \(shape.map(\.description)), got \(tensor.shape)")
        }
        for (dimension, size) in zip(shape, tensor.shape) {
            if case .fixed(let expected) = dimension, expected != size {
                throw .invalidInput(name: name, reason: "expected shape \(shape.map(\.description)), got \(tensor.shape)")
            }
        }
    }
}
