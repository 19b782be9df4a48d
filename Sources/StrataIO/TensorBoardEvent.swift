/// One scalar from a TensorBoard event file: `Summary.Value.simple_value` under `tag` at `step`.
public struct TensorBoardScalar: Equatable, Sendable {
    public var tag: String
    public var step: Int
    /// The value, a 32-bit float as the `simple_value` field stores it.
    public var value: Float
    /// Seconds since the Unix epoch when the value was logged.
    public var wallTime: Double

    public init(tag: String, step: Int, value: Float, wallTime: Double) {
        self.tag = tag
        self.step = step
        self.value = value
        self.wallTime = wallTime
    }
}

/// The subset of `tensorboard/compat/proto/event.proto` Strata writes and reads:
///
///     message Event   { double wall_time = 1; int64 step = 2;
///                       oneof what { string file_version = 3; Summary summary = 5; ... } }
///     message Summary { repeated Value value = 1; }
///     message Value   { string tag = 1; oneof value { float simple_value = 2; ... } }
///
/// Fields outside this subset (graphs, images, tensors, metadata) are skipped when reading.
struct TensorBoardEvent: Equatable {
    var wallTime: Double
    var step: Int64 = 0
    var fileVersion: String?
    /// (tag, simple_value) pairs of the summary; values without `simple_value` are dropped.
    var scalars: [(tag: String, value: Float)] = []

    static func == (lhs: TensorBoardEvent, rhs: TensorBoardEvent) -> Bool {
        lhs.wallTime == rhs.wallTime && lhs.step == rhs.step && lhs.fileVersion == rhs.fileVersion
            && lhs.scalars.elementsEqual(rhs.scalars) { $0.tag == $1.tag && $0.value == $1.value }
    }

    /// The proto3 encoding in field order, as the reference serializer writes it: `step` is omitted
    /// when 0 (the proto3 default), `simple_value` always written (it is in a `oneof`).
    func encoded() -> [UInt8] {
        var event = ProtobufWriter()
        event.appendDouble(field: 1, wallTime)
        if step != 0 { event.appendInt64(field: 2, step) }
        if let fileVersion { event.appendString(field: 3, fileVersion) }
        if !scalars.isEmpty {
            var summary = ProtobufWriter()
            for scalar in scalars {
                var value = ProtobufWriter()
                value.appendString(field: 1, scalar.tag)
                value.appendFloat(field: 2, scalar.value)
                summary.appendBytes(field: 1, value.bytes)
            }
            event.appendBytes(field: 5, summary.bytes)
        }
        return event.bytes
    }

    init(wallTime: Double, step: Int64 = 0, fileVersion: String? = nil, scalars: [(tag: String, value: Float)] = []) {
        self.wallTime = wallTime
        self.step = step
        self.fileVersion = fileVersion
        self.scalars = scalars
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(ProtobufDecodingError) {
        var reader = ProtobufReader(bytes)
        wallTime = 0
        while !reader.isAtEnd {
            switch try reader.nextField() {
            case (1, .fixed64(let bits)): wallTime = Double(bitPattern: bits)
            case (2, .varint(let raw)): step = Int64(bitPattern: raw)
            case (3, .lengthDelimited(let text)): fileVersion = try Self.utf8(text, field: "file_version")
            case (5, .lengthDelimited(let summary)): scalars += try Self.decodeSummary(summary)
            case (1, _), (2, _), (3, _), (5, _): throw ProtobufDecodingError("Event field has the wrong wire type")
            default: continue  // other Event fields: graph_def, log_message, session_log, ...
            }
        }
    }

    private static func decodeSummary(_ bytes: ArraySlice<UInt8>) throws(ProtobufDecodingError) -> [(tag: String, value: Float)] {
        var reader = ProtobufReader(bytes)
        var scalars: [(tag: String, value: Float)] = []
        while !reader.isAtEnd {
            switch try reader.nextField() {
            case (1, .lengthDelimited(let value)):
                if let scalar = try decodeValue(value) { scalars.append(scalar) }
            case (1, _): throw ProtobufDecodingError("Summary.value has the wrong wire type")
            default: continue
            }
        }
        return scalars
    }

    private static func decodeValue(_ bytes: ArraySlice<UInt8>) throws(ProtobufDecodingError) -> (tag: String, value: Float)? {
        var reader = ProtobufReader(bytes)
        var tag = ""
        var simpleValue: Float?
        while !reader.isAtEnd {
            switch try reader.nextField() {
            case (1, .lengthDelimited(let text)): tag = try utf8(text, field: "tag")
            case (2, .fixed32(let bits)): simpleValue = Float(bitPattern: bits)
            case (1, _), (2, _): throw ProtobufDecodingError("Summary.Value field has the wrong wire type")
            default: continue  // images, histograms, tensors and metadata are not scalars Strata reads
            }
        }
        return simpleValue.map { (tag, $0) }
    }

    private static func utf8(_ bytes: ArraySlice<UInt8>, field: String) throws(ProtobufDecodingError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ProtobufDecodingError("\(field) is not UTF-8")
        }
        return text
    }
}
