// One JSON line per workload, in the peers' schema (see ../shared/bench/peers/common.py `emit`):
// fields keep their insertion order so the lines read like the Python ones.

import Foundation

/// A JSON value of the few kinds the records need.
enum JSONValue {
    case string(String)
    case number(Double)
    case integer(Int)
    case array([JSONValue])
    case object(JSONRecord)

    var encoded: String {
        switch self {
        case .string(let text): return JSONValue.quote(text)
        case .integer(let value): return String(value)
        case .number(let value):
            guard value.isFinite else { return "null" }
            return value == value.rounded() && abs(value) < 1e15 ? String(format: "%.1f", value) : String(value)
        case .array(let values): return "[" + values.map(\.encoded).joined(separator: ", ") + "]"
        case .object(let record): return record.encoded
        }
    }

    private static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    result += String(format: "\\u%04x", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

/// Rounds to `digits` significant decimals after the point, as the peers' `round(x, 2)`.
func rounded(_ value: Double, _ digits: Int = 2) -> Double {
    let scale = pow(10, Double(digits))
    return (value * scale).rounded() / scale
}

/// An ordered JSON object.
struct JSONRecord {
    private(set) var fields: [(key: String, value: JSONValue)] = []

    subscript(key: String) -> JSONValue? {
        get { fields.first { $0.key == key }?.value }
        set {
            if let index = fields.firstIndex(where: { $0.key == key }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((key, newValue))
            }
        }
    }

    mutating func set(_ key: String, _ text: String) { self[key] = .string(text) }
    mutating func set(_ key: String, _ number: Double) { self[key] = .number(number) }
    mutating func set(_ key: String, _ integer: Int) { self[key] = .integer(integer) }
    mutating func set(_ key: String, _ numbers: [Double]) { self[key] = .array(numbers.map { .number($0) }) }

    var encoded: String {
        "{" + fields.map { JSONValue.string($0.key).encoded + ": " + $0.value.encoded }.joined(separator: ", ") + "}"
    }

    /// Prints the record as one line and flushes, so a parent process sees it at once.
    func emit() {
        FileHandle.standardOutput.write((encoded + "\n").data(using: .utf8)!)
    }
}
