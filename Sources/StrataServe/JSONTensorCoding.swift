import Foundation

/// Tensor data in JSON: a flat or nested array in row-major order, numbers for the numeric
/// datatypes (true and false for BOOL), strings for BYTES.
enum JSONTensorCoding {
    /// The elements of `value` (parsed by `JSONSerialization`), checked against `datatype`.
    /// - Throws: `InferenceError.badRequest` naming the input and the first bad element.
    static func decode(_ value: Any, datatype: TensorDatatype, name: String) throws(InferenceError) -> TensorData {
        var elements: [Any] = []
        guard flatten(value, into: &elements, limit: InferenceRequest.maximumElements) else {
            throw .badRequest("input '\(name)': 'data' must be an array (nested arrays are read in row-major order)")
        }
        if datatype == .bytes {
            var strings: [String] = []
            strings.reserveCapacity(elements.count)
            for element in elements {
                guard let text = element as? String else { throw .badRequest("input '\(name)': BYTES data must be strings") }
                strings.append(text)
            }
            return .strings(strings)
        }
        var numbers: [Double] = []
        numbers.reserveCapacity(elements.count)
        for element in elements {
            if datatype == .bool {
                guard isBoolean(element), let flag = element as? Bool else { throw .badRequest("input '\(name)': BOOL data must be true or false") }
                numbers.append(flag ? 1 : 0)
                continue
            }
            guard !isBoolean(element), let number = element as? NSNumber else {
                throw .badRequest("input '\(name)': \(datatype.rawValue) data must be numbers")
            }
            let value = number.doubleValue
            guard let range = integerRange(datatype) else {
                numbers.append(value)
                continue
            }
            guard value.rounded() == value, range.contains(value) else {
                throw .badRequest("input '\(name)': \(value) is not a \(datatype.rawValue) value")
            }
            numbers.append(value)
        }
        return .numbers(numbers)
    }

    /// Whether a value from `JSONSerialization` is `true` or `false`: Foundation gives JSON's
    /// booleans as `__NSCFBoolean`, a subclass of NSNumber that `is Bool` cannot tell from the
    /// numbers 0 and 1 (for which `is Bool` holds too). Compared by type identity, as this runs
    /// once per element of every request.
    static func isBoolean(_ value: Any) -> Bool {
        booleanTypes.contains(ObjectIdentifier(type(of: value)))
    }

    /// The types `JSONSerialization` gives `true` and `false` as (the type names say Boolean).
    private static let booleanTypes: Set<ObjectIdentifier> = {
        let parsed = (try? JSONSerialization.jsonObject(with: Data("[true, false]".utf8))) as? [Any] ?? []
        let types = parsed.map { type(of: $0) }
        precondition(types.count == 2 && types.allSatisfy { String(describing: $0).contains("Boolean") },
                     "JSONTensorCoding: JSONSerialization gives booleans as \(types), not a Boolean type")
        return Set(types.map { ObjectIdentifier($0) })
    }()

    /// A JSON number as an integer, nil for anything else (booleans and fractions included).
    static func integer(_ value: Any) -> Int? {
        guard !isBoolean(value), let number = value as? NSNumber else { return nil }
        return Int(exactly: number.doubleValue)
    }

    /// The values an integer datatype holds (as Double bounds); nil for the floating-point types.
    static func integerRange(_ datatype: TensorDatatype) -> ClosedRange<Double>? {
        switch datatype {
        case .uint8: 0...255
        case .uint16: 0...65_535
        case .uint32: 0...4_294_967_295
        case .uint64: 0...18_446_744_073_709_551_615
        case .int8: -128...127
        case .int16: -32_768...32_767
        case .int32: -2_147_483_648...2_147_483_647
        case .int64: -9_223_372_036_854_775_808...9_223_372_036_854_775_807
        case .bool, .fp16, .fp32, .fp64, .bytes: nil
        }
    }

    /// Appends the leaves of nested arrays to `elements`; false when `value` is not an array or
    /// holds more than `limit` leaves.
    private static func flatten(_ value: Any, into elements: inout [Any], limit: Int) -> Bool {
        guard let array = value as? [Any] else { return false }
        for item in array {
            if item is [Any] {
                guard flatten(item, into: &elements, limit: limit) else { return false }
            } else {
                guard elements.count < limit else { return false }
                elements.append(item)
            }
        }
        return true
    }
}
