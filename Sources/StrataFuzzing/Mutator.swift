/// One way `Mutator` changes an input.
public enum Mutation: String, CaseIterable, Sendable {
    /// Flip one bit.
    case bitFlip
    /// Insert one to a few random bytes.
    case byteInsert
    /// Delete a run of bytes.
    case byteDelete
    /// Keep a prefix of the input and append a suffix of another seed (or of itself).
    case splice
    /// Overwrite bytes with a boundary value: 0, -1, the largest and smallest 8-, 16-, 32- and
    /// 64-bit integers, either byte order, and the bit patterns of float NaN and infinities.
    case interestingValue
    /// Cut the input short.
    case truncation
    /// Text formats: replace one number (or number-like word) with `nan`, `inf`, `1e999`, a
    /// 400-digit integer, a value just past an integer type, and the like.
    case numericToken
}

/// A seeded mutation fuzzer's mutator: each case stacks one to four mutations, picked by a
/// `FuzzRandom`, on one of a target's valid seed inputs.
public struct Mutator: Sendable {
    /// Whether `numericToken` applies (it is tried on binary inputs too, where digits are rare).
    public var isText: Bool
    /// Inputs are cut to this many bytes after each mutation, so that insertions cannot grow
    /// them without bound.
    public var maximumLength: Int

    public init(isText: Bool, maximumLength: Int = 1 << 20) {
        self.isText = isText
        self.maximumLength = maximumLength
    }

    /// Replacements for a numeric token: non-finite spellings, overflowing numbers, the edges of
    /// integer types and of float32, and malformed numbers.
    public static let numericTokens: [String] = [
        "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999",
        String(repeating: "9", count: 400), "1e308", "1.7976931348623157e308", "-1.7976931348623157e308",
        "3.5e38", "1e39", "4.9e-324", "0", "-0", "-1", "1", "255", "256", "-128", "10", "11", "4294967296",
        "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "99999999999999999",
        "18446744073709551616", "0x1p3", "1.", ".5", "+1", "1e", "--1", "", " ",
    ]

    /// Boundary values as little-endian bytes (each is also written big-endian).
    static let interestingValues: [[UInt8]] = {
        func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        return [
            [0x00], [0xFF], [0x7F], [0x80], [0x01], [0x0A],
            bytes(Int16.max), bytes(Int16.min), bytes(UInt16.max), bytes(UInt16(256)),
            bytes(Int32.max), bytes(Int32.min), bytes(UInt32.max), bytes(UInt32(0)), bytes(UInt32(28)),
            bytes(Int64.max), bytes(Int64.min), bytes(UInt64.max),
            bytes(Float.nan.bitPattern), bytes(Float.infinity.bitPattern), bytes((-Float.infinity).bitPattern),
            bytes(Double.nan.bitPattern), bytes(Double.infinity.bitPattern), bytes(Float.greatestFiniteMagnitude.bitPattern),
        ]
    }()

    /// `input` with one to four mutations applied; `seeds` feed `splice`.
    public func mutate(_ input: [UInt8], seeds: [[UInt8]], random: inout FuzzRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + random.below(4)) {
            let mutation = pick(&random)
            apply(mutation, to: &bytes, seeds: seeds, random: &random)
            if bytes.count > maximumLength { bytes.removeLast(bytes.count - maximumLength) }
        }
        return bytes
    }

    /// A mutation, with text formats getting `numericToken` a third of the time.
    func pick(_ random: inout FuzzRandom) -> Mutation {
        if isText && random.below(3) == 0 { return .numericToken }
        return Mutation.allCases[random.below(Mutation.allCases.count)]
    }

    /// Applies one mutation in place.
    public func apply(_ mutation: Mutation, to bytes: inout [UInt8], seeds: [[UInt8]], random: inout FuzzRandom) {
        switch mutation {
        case .bitFlip:
            guard !bytes.isEmpty else { return }
            bytes[random.below(bytes.count)] ^= UInt8(1) << UInt8(random.below(8))
        case .byteInsert:
            let inserted = (0..<(1 + random.below(4))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            bytes.insert(contentsOf: inserted, at: random.below(bytes.count + 1))
        case .byteDelete:
            guard !bytes.isEmpty else { return }
            let start = random.below(bytes.count)
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + random.below(16)))
        case .splice:
            let other = seeds.isEmpty ? bytes : seeds[random.below(seeds.count)]
            let cut = random.below(bytes.count + 1)
            let from = random.below(other.count + 1)
            bytes = Array(bytes[..<cut]) + other[from...]
        case .interestingValue:
            guard !bytes.isEmpty else { return }
            var value = Self.interestingValues[random.below(Self.interestingValues.count)]
            if random.below(2) == 0 { value.reverse() }
            let offset = random.below(bytes.count)
            for (index, byte) in value.enumerated() where offset + index < bytes.count { bytes[offset + index] = byte }
        case .truncation:
            bytes.removeLast(random.below(bytes.count + 1))
        case .numericToken:
            replaceNumericToken(in: &bytes, random: &random)
        }
    }

    /// Replaces one maximal run of number characters (digits, sign, point, exponent) that holds
    /// a digit, or inserts a token where there is none.
    func replaceNumericToken(in bytes: inout [UInt8], random: inout FuzzRandom) {
        func isNumberByte(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E || byte == 0x65 || byte == 0x45
        }
        var tokens: [Range<Int>] = []
        var start: Int?
        for index in 0...bytes.count {
            let inToken = index < bytes.count && isNumberByte(bytes[index])
            if inToken, start == nil { start = index }
            if !inToken, let begin = start {
                if bytes[begin..<index].contains(where: { (0x30...0x39).contains($0) }) { tokens.append(begin..<index) }
                start = nil
            }
        }
        let replacement = Array(Self.numericTokens[random.below(Self.numericTokens.count)].utf8)
        if tokens.isEmpty {
            bytes.insert(contentsOf: replacement, at: random.below(bytes.count + 1))
        } else {
            bytes.replaceSubrange(tokens[random.below(tokens.count)], with: replacement)
        }
    }
}
