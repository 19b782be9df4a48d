import Foundation
import Strata
import StrataIO
import Testing

// One hand-made malformed file per rule of SafetensorsError; each must throw, never crash.

/// A well-formed entry for tensor `name`: float32 of `shape` at `offsets`.
func entry(_ name: String, dtype: String = "F32", shape: String = "[1]", offsets: String = "[0,4]") -> String {
    #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
}

@Test func safetensorsRejectsAFileShorterThanTheLengthField() {
    #expect(parseError(Data([1, 0, 0])) == .fileTooShort(byteCount: 3))
    #expect(parseError(Data()) == .fileTooShort(byteCount: 0))
}

@Test func safetensorsRejectsAHeaderLongerThanTheFile() {
    var file = Data([100, 0, 0, 0, 0, 0, 0, 0])
    file.append(contentsOf: Array("{}  ".utf8))
    #expect(parseError(file) == .headerPastEndOfFile(length: 100, available: 4))
    // A length with the top bit set must not wrap around when converted to Int.
    #expect(parseError(Data([0, 0, 0, 0, 0, 0, 0, 0x80, 0x7B, 0x7D])) == .headerTooLarge(length: 1 << 63))
}

@Test func safetensorsRejectsAHeaderOverTheReferenceLimit() {
    // 100_000_001 = 0x05F5E101, one byte over MAX_HEADER_SIZE; rejected before reading it.
    #expect(parseError(Data([0x01, 0xE1, 0xF5, 0x05, 0, 0, 0, 0, 0x7B, 0x7D])) == .headerTooLarge(length: 100_000_001))
}

@Test func safetensorsRejectsAHeaderThatIsNotJSON() {
    for header in [#"{"a":"#, "{'a': 1}", #"{"a":{}} x"#, "", #"{"a":01}"#, String(repeating: "[", count: 100_000)] {
        guard case .invalidJSON = parseError(header: header) else {
            Issue.record("accepted or misreported \(header.prefix(20))")
            continue
        }
    }
    var notUTF8 = safetensorsFile(header: "{}")
    notUTF8[9] = 0xFF
    guard case .invalidJSON = parseError(notUTF8) else { Issue.record("accepted a header that is not UTF-8"); return }
}

@Test func safetensorsRejectsAHeaderThatIsNotAnObject() {
    #expect(parseError(header: "[1, 2]") == .headerNotAnObject(kind: "an array"))
    #expect(parseError(header: #""model""#) == .headerNotAnObject(kind: "a string"))
}

@Test func safetensorsRejectsAnEntryWithAMissingField() {
    #expect(parseError(header: #"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, dataByteCount: 4)
            == .invalidEntry(name: "a", reason: "missing field dtype"))
    #expect(parseError(header: #"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, dataByteCount: 4)
            == .invalidEntry(name: "a", reason: "missing field shape"))
    #expect(parseError(header: #"{"a":{"dtype":"F32","shape":[1]}}"#, dataByteCount: 4)
            == .invalidEntry(name: "a", reason: "missing field data_offsets"))
}

@Test func safetensorsRejectsAnEntryWithAFieldOfTheWrongType() {
    #expect(parseError(header: #"{"a":[1]}"#) == .invalidEntry(name: "a", reason: "must be an object, got an array"))
    #expect(parseError(header: "{\(entry("a", dtype: "F32\",\"dtype\":\"F64"))}", dataByteCount: 4)
            == .invalidEntry(name: "a", reason: "names field dtype twice"))
    #expect(parseError(header: #"{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}"#, dataByteCount: 4)
            == .invalidEntry(name: "a", reason: "dtype must be a string, got a number"))
    #expect(parseError(header: "{\(entry("a", shape: "4"))}", dataByteCount: 4)
            == .invalidEntry(name: "a", reason: "shape must be an array, got a number"))
    #expect(parseError(header: "{\(entry("a", offsets: "null"))}", dataByteCount: 4)
            == .invalidEntry(name: "a", reason: "data_offsets must be an array, got null"))
}

@Test func safetensorsRejectsAnUnsupportedDTypeByName() {
    // F16 and BF16 are read now (HalfPrecisionTests.swift); 8-bit floats and unsigned types are not.
    #expect(parseError(header: "{\(entry("h", dtype: "F8_E4M3", offsets: "[0,2]"))}", dataByteCount: 2)
            == .unsupportedDType(name: "h", dtype: "F8_E4M3"))
    #expect(parseError(header: "{\(entry("h", dtype: "U16", offsets: "[0,2]"))}", dataByteCount: 2)
            == .unsupportedDType(name: "h", dtype: "U16"))
    #expect(SafetensorsError.unsupportedDType(name: "h", dtype: "U16").description.contains("U16"))
}

@Test func safetensorsRejectsANegativeOrFractionalDimension() {
    #expect(parseError(header: "{\(entry("a", shape: "[2,-1]"))}", dataByteCount: 4)
            == .invalidShape(name: "a", reason: "[2, -1] has a negative dimension"))
    #expect(parseError(header: "{\(entry("a", shape: "[1.5]"))}", dataByteCount: 4)
            == .invalidShape(name: "a", reason: "[1.5] has a dimension that is not an integer"))
    #expect(parseError(header: "{\(entry("a", shape: "[\"1\"]"))}", dataByteCount: 4)
            == .invalidShape(name: "a", reason: "[a string] has a dimension that is not an integer"))
}

@Test func safetensorsRejectsAShapeWhoseSizeOverflows() {
    // 2^62 x 4 elements x 4 bytes does not fit in Int64.
    #expect(parseError(header: "{\(entry("a", shape: "[4611686018427387904,4]"))}", dataByteCount: 4)
            == .shapeOverflow(name: "a", shape: "[4611686018427387904, 4]"))
    // A dimension past Int64.max overflows on its own.
    #expect(parseError(header: "{\(entry("a", shape: "[99999999999999999999]"))}", dataByteCount: 4)
            == .shapeOverflow(name: "a", shape: "[99999999999999999999]"))
    // A zero dimension makes no bytes, but the others would still overflow the tensor's strides.
    #expect(parseError(header: "{\(entry("a", shape: "[0,1099511627776,1099511627776]", offsets: "[0,0]"))}", dataByteCount: 0)
            == .shapeOverflow(name: "a", shape: "[0, 1099511627776, 1099511627776]"))
}

@Test func safetensorsRejectsOffsetsThatAreNotABeginEndPair() {
    #expect(parseError(header: "{\(entry("a", offsets: "[0]"))}", dataByteCount: 4)
            == .invalidOffsets(name: "a", reason: "expected [begin, end], got 1 numbers"))
    #expect(parseError(header: "{\(entry("a", offsets: "[0,4,8]"))}", dataByteCount: 4)
            == .invalidOffsets(name: "a", reason: "expected [begin, end], got 3 numbers"))
    #expect(parseError(header: "{\(entry("a", offsets: "[8,4]"))}", dataByteCount: 8)
            == .invalidOffsets(name: "a", reason: "begin 8 is after end 4"))
    #expect(parseError(header: "{\(entry("a", offsets: "[-4,0]"))}", dataByteCount: 4)
            == .invalidOffsets(name: "a", reason: "offsets must not be negative"))
    #expect(parseError(header: "{\(entry("a", offsets: "[0,99999999999999999999]"))}", dataByteCount: 4)
            == .invalidOffsets(name: "a", reason: "an offset does not fit in 64 bits"))
}

@Test func safetensorsRejectsOffsetsPastTheData() {
    #expect(parseError(header: "{\(entry("a", shape: "[2]", offsets: "[0,8]"))}", dataByteCount: 4)
            == .offsetsOutOfBounds(name: "a", end: 8, dataByteCount: 4))
    // Near Int.max: no overflow when the offsets are added to the header end.
    #expect(parseError(header: "{\(entry("a", offsets: "[9223372036854775803,9223372036854775807]"))}", dataByteCount: 4)
            == .offsetsOutOfBounds(name: "a", end: 9_223_372_036_854_775_807, dataByteCount: 4))
}

@Test func safetensorsRejectsOverlappingTensors() {
    #expect(parseError(header: "{\(entry("a", shape: "[2]", offsets: "[0,8]")),\(entry("b", offsets: "[4,8]"))}", dataByteCount: 8)
            == .overlappingTensors(name: "b", previous: "a"))
    // An empty tensor inside another's bytes overlaps it too.
    #expect(parseError(header: "{\(entry("a", shape: "[2]", offsets: "[0,8]")),\(entry("e", shape: "[0]", offsets: "[4,4]"))}", dataByteCount: 8)
            == .overlappingTensors(name: "e", previous: "a"))
}

@Test func safetensorsRejectsDataThatTheTensorsDoNotCoverExactly() {
    #expect(parseError(header: "{\(entry("a", offsets: "[4,8]"))}", dataByteCount: 8)
            == .gapBeforeTensor(name: "a", expectedBegin: 0, begin: 4))
    #expect(parseError(header: "{\(entry("a", offsets: "[0,4]")),\(entry("b", offsets: "[8,12]"))}", dataByteCount: 12)
            == .gapBeforeTensor(name: "b", expectedBegin: 4, begin: 8))
    #expect(parseError(header: "{\(entry("a", offsets: "[0,4]"))}", dataByteCount: 8)
            == .trailingData(used: 4, dataByteCount: 8))
    #expect(parseError(header: "{}", dataByteCount: 1) == .trailingData(used: 0, dataByteCount: 1))
}

@Test func safetensorsRejectsASizeThatDisagreesWithShapeAndDType() {
    #expect(parseError(header: "{\(entry("a", shape: "[2]", offsets: "[0,4]"))}", dataByteCount: 4)
            == .sizeMismatch(name: "a", expected: 8, actual: 4))
    #expect(parseError(header: "{\(entry("a", dtype: "F64", offsets: "[0,4]"))}", dataByteCount: 4)
            == .sizeMismatch(name: "a", expected: 8, actual: 4))
}

@Test func safetensorsRejectsDuplicateNames() {
    #expect(parseError(header: "{\(entry("a")),\(entry("a", offsets: "[4,8]"))}", dataByteCount: 8) == .duplicateName("a"))
    #expect(parseError(header: #"{"__metadata__":{},"__metadata__":{}}"#) == .duplicateName("__metadata__"))
}

@Test func safetensorsRejectsMetadataThatIsNotStringsToStrings() {
    #expect(parseError(header: #"{"__metadata__":["a"]}"#) == .invalidMetadata("must be an object, got an array"))
    #expect(parseError(header: #"{"__metadata__":{"epoch":3}}"#)
            == .invalidMetadata("value of 'epoch' must be a string, got a number"))
    #expect(parseError(header: #"{"__metadata__":{"k":"1","k":"2"}}"#) == .invalidMetadata("names key 'k' twice"))
}

@Test func safetensorsSurvivesRandomCorruptionOfARealFile() {
    // Flip random bytes of the Python-written fixture (fixed-seed LCG): every result must be a
    // value or a SafetensorsError, never a crash or an out-of-bounds read.
    var state: UInt64 = 0x5EED
    func next() -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(truncatingIfNeeded: state >> 33)
    }
    let original = pythonWrittenSafetensors
    for _ in 0..<3000 {
        var bytes = original
        for _ in 0..<(1 + next() % 3) {
            bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next())
        }
        let truncated = next() % 4 == 0 ? Array(bytes.prefix(next() % bytes.count)) : bytes
        _ = parseError(Data(truncated))
    }
}
