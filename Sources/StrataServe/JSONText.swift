/// A small JSON writer for responses: FP32 numbers are written in Float's shortest form (0.1,
/// not 0.10000000149011612), and the body is built once, without an intermediate object tree.
struct JSONText {
    private(set) var bytes: [UInt8] = []
    private var needsComma = [false]

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    mutating func beginObject() { open(UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma.append(false)
    }

    private mutating func close(_ bracket: UInt8) {
        needsComma.removeLast()
        bytes.append(bracket)
    }

    /// A key; the value written next is its value.
    mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    mutating func string(_ text: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": bytes += Array("\\\"".utf8)
            case "\\": bytes += Array("\\\\".utf8)
            case "\n": bytes += Array("\\n".utf8)
            case "\r": bytes += Array("\\r".utf8)
            case "\t": bytes += Array("\\t".utf8)
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                bytes += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: bytes += Array(String(scalar).utf8)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A number; JSON has no NaN or infinity, so those are written as null.
    mutating func number(_ value: Double, asFloat: Bool = false) {
        separate()
        guard value.isFinite else {
            bytes += Array("null".utf8)
            return
        }
        if value.rounded() == value, abs(value) < 1e15 {
            bytes += Array(String(Int64(value)).utf8)
        } else {
            bytes += Array((asFloat ? Float(value).description : value.description).utf8)
        }
    }

    mutating func tensorData(_ data: TensorData, datatype: TensorDatatype) {
        beginArray()
        switch data {
        case .numbers(let values):
            for value in values { number(value, asFloat: datatype == .fp32 || datatype == .fp16) }
        case .strings(let strings):
            for text in strings { string(text) }
        }
        endArray()
    }
}
