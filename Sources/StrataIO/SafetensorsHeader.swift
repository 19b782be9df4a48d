import Strata

/// The validated JSON header of a safetensors file: every entry's dtype, shape and byte range
/// (relative to the end of the header), checked to tile the data section exactly.
struct SafetensorsHeader {
    /// One tensor's description.
    struct Entry {
        let name: String
        /// The dtype in memory: float32 for F16 and BF16 entries.
        let dtype: DType
        /// The 16-bit format the values are stored in (F16, BF16), or nil when stored as `dtype`.
        let halfPrecision: HalfPrecision?
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    let entries: [Entry]
    let metadata: [String: String]

    /// Parses and validates `bytes`, the header of a file whose data section has `dataByteCount` bytes.
    init(_ bytes: UnsafeRawBufferPointer, dataByteCount: Int) throws(SafetensorsError) {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .invalidJSON("the header is not UTF-8") }
        let root: JSONValue
        do {
            root = try StrictJSONReader.parse(bytes)
        } catch {
            throw .invalidJSON(error.message)
        }
        guard case .object(let members) = root else { throw .headerNotAnObject(kind: root.kindName) }
        var seen = Set<String>()
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for member in members {
            let (name, value) = (member.key, member.value)
            guard seen.insert(name).inserted else { throw .duplicateName(name) }
            if name == Safetensors.metadataKey {
                metadata = try Self.metadata(from: value)
            } else {
                entries.append(try Self.entry(named: name, from: value))
            }
        }
        try Self.checkLayout(of: entries, dataByteCount: dataByteCount)
        self.entries = entries
        self.metadata = metadata
    }

    private static func metadata(from value: JSONValue) throws(SafetensorsError) -> [String: String] {
        guard case .object(let members) = value else { throw .invalidMetadata("must be an object, got \(value.kindName)") }
        var metadata: [String: String] = [:]
        for member in members {
            let (key, value) = (member.key, member.value)
            guard case .string(let text) = value else {
                throw .invalidMetadata("value of '\(key)' must be a string, got \(value.kindName)")
            }
            guard metadata.updateValue(text, forKey: key) == nil else { throw .invalidMetadata("names key '\(key)' twice") }
        }
        return metadata
    }

    private static func entry(named name: String, from value: JSONValue) throws(SafetensorsError) -> Entry {
        guard case .object(let members) = value else {
            throw .invalidEntry(name: name, reason: "must be an object, got \(value.kindName)")
        }
        func field(_ key: String) throws(SafetensorsError) -> JSONValue {
            let matches = members.filter { $0.key == key }
            guard matches.count <= 1 else { throw .invalidEntry(name: name, reason: "names field \(key) twice") }
            guard let match = matches.first else { throw .invalidEntry(name: name, reason: "missing field \(key)") }
            return match.value
        }
        guard case .string(let dtypeName) = try field("dtype") else {
            throw .invalidEntry(name: name, reason: "dtype must be a string, got \(try field("dtype").kindName)")
        }
        guard case .array(let dimensionValues) = try field("shape") else {
            throw .invalidEntry(name: name, reason: "shape must be an array, got \(try field("shape").kindName)")
        }
        guard case .array(let offsetValues) = try field("data_offsets") else {
            throw .invalidEntry(name: name, reason: "data_offsets must be an array, got \(try field("data_offsets").kindName)")
        }
        var dtype = DType.float32
        let halfPrecision = HalfPrecision.allCases.first { $0.safetensorsName == dtypeName }
        switch dtypeName {
        case "F16", "BF16": dtype = .float32
        case "F32": dtype = .float32
        case "F64": dtype = .float64
        case "I32": dtype = .int32
        case "I64": dtype = .int64
        case "BOOL": dtype = .bool
        default: throw .unsupportedDType(name: name, dtype: dtypeName)
        }

        let shapeText = "[" + dimensionValues.map { if case .number(let text) = $0 { text } else { $0.kindName } }
            .joined(separator: ", ") + "]"
        var shape: [Int] = []
        // The span counts zero dimensions as one: [0, 2^40, 2^40] holds no byte, but the strides
        // of a tensor of that shape would overflow (found by strata-fuzz).
        let elementSize = halfPrecision == nil ? dtype.byteSize : 2
        var byteCount = elementSize, span = elementSize
        for value in dimensionValues {
            let dimension: Int
            switch integer(value) {
            case .value(let number): dimension = number
            case .negative: throw .invalidShape(name: name, reason: "\(shapeText) has a negative dimension")
            case .tooLarge: throw .shapeOverflow(name: name, shape: shapeText)
            case .notInteger: throw .invalidShape(name: name, reason: "\(shapeText) has a dimension that is not an integer")
            }
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: dimension)
            let (spanned, spanOverflow) = span.multipliedReportingOverflow(by: max(dimension, 1))
            guard !overflow, !spanOverflow else { throw .shapeOverflow(name: name, shape: shapeText) }
            (byteCount, span) = (product, spanned)
            shape.append(dimension)
        }

        var offsets: [Int] = []
        for value in offsetValues {
            switch integer(value) {
            case .value(let number): offsets.append(number)
            case .negative: throw .invalidOffsets(name: name, reason: "offsets must not be negative")
            case .tooLarge: throw .invalidOffsets(name: name, reason: "an offset does not fit in 64 bits")
            case .notInteger: throw .invalidOffsets(name: name, reason: "offsets must be integers")
            }
        }
        guard offsets.count == 2 else {
            throw .invalidOffsets(name: name, reason: "expected [begin, end], got \(offsets.count) numbers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw .invalidOffsets(name: name, reason: "begin \(begin) is after end \(end)") }
        guard end - begin == byteCount else { throw .sizeMismatch(name: name, expected: byteCount, actual: end - begin) }
        return Entry(name: name, dtype: dtype, halfPrecision: halfPrecision, shape: shape, begin: begin, end: end)
    }

    /// The reference implementation's rule: sorted by offsets, the byte ranges must follow each
    /// other without gaps or overlaps and end exactly at the end of the file.
    private static func checkLayout(of entries: [Entry], dataByteCount: Int) throws(SafetensorsError) {
        for entry in entries where entry.end > dataByteCount {
            throw .offsetsOutOfBounds(name: entry.name, end: entry.end, dataByteCount: dataByteCount)
        }
        let sorted = entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expectedBegin = 0
        var previous: String?
        for entry in sorted {
            if entry.begin < expectedBegin, let previous {
                throw .overlappingTensors(name: entry.name, previous: previous)
            }
            if entry.begin > expectedBegin {
                throw .gapBeforeTensor(name: entry.name, expectedBegin: expectedBegin, begin: entry.begin)
            }
            expectedBegin = entry.end
            previous = entry.name
        }
        guard expectedBegin == dataByteCount else { throw .trailingData(used: expectedBegin, dataByteCount: dataByteCount) }
    }

    private enum IntegerReading {
        case value(Int), negative, tooLarge, notInteger
    }

    /// Reads a JSON number that must be a non-negative integer literal.
    private static func integer(_ value: JSONValue) -> IntegerReading {
        guard case .number(let text) = value else { return .notInteger }
        if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return .notInteger }
        if text.hasPrefix("-") { return text == "-0" ? .value(0) : .negative }
        return Int(text).map { .value($0) } ?? .tooLarge
    }
}
