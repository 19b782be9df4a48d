import Foundation
import StrataIO
import Testing

// MARK: - CRC-32C and masking

@Test func crc32cMatchesTheStandardCheckValues() {
    // The CRC catalogue's check value for CRC-32/ISCSI: crc32c("123456789") = 0xE3069283.
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    // RFC 3720 appendix B.4: 32 bytes of zeros and 32 bytes of 0xFF.
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    #expect(CRC32C.checksum([UInt8]()) == 0)
}

@Test func maskRotatesAndAddsTheTensorFlowConstant() {
    // Rotating 0 gives 0, leaving the constant 0xA282EAD8.
    #expect(CRC32C.mask(0) == 0xA282_EAD8)
    // 1 rotated right by 15 is 1 << 17 = 0x20000; plus the constant.
    #expect(CRC32C.mask(1) == 0xA284_EAD8)
    for crc: UInt32 in [0, 1, 0xE306_9283, 0xFFFF_FFFF, 0x8000_0000] {
        #expect(CRC32C.unmask(CRC32C.mask(crc)) == crc)
    }
    // TensorBoard's own writer framed the first record of `pythonWrittenEvents`: its length
    // bytes are followed by their masked CRC as TensorFlow computes it.
    let length = Array(pythonWrittenEvents[0..<8])
    let stored = pythonWrittenEvents[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    #expect(CRC32C.maskedChecksum(length) == stored)
}

// MARK: - TFRecord framing

@Test func tfRecordFramingRoundTrips() throws {
    let payloads: [[UInt8]] = [[], [1, 2, 3], [UInt8](repeating: 0xAB, count: 1000)]
    let file = payloads.flatMap(TFRecord.frame)
    #expect(file.count == payloads.map(\.count).reduce(0, +) + 3 * TFRecord.overhead)
    // Record 2 starts after record 1 (0 bytes of data) and record 2 (3 bytes).
    let records = try TFRecord.records(in: file)
    #expect(records.map(\.offset) == [0, 16, 35])
    #expect(records.map { Array($0.data) } == payloads)
    // The length is a little-endian uint64: 3 bytes -> 03 00 00 00 00 00 00 00.
    #expect(Array(TFRecord.frame([1, 2, 3]).prefix(8)) == [3, 0, 0, 0, 0, 0, 0, 0])
}

// MARK: - Reading TensorBoard's own files

@Test func readsTheEventFileWrittenByTensorBoard() throws {
    let events = try TensorBoardEvents.read(pythonWrittenEvents)
    #expect(events.fileVersion == "brain.Event:2")
    // The tensor-valued entry of `python_events()` has no simple_value and is skipped.
    #expect(events.scalars.count == pythonWrittenScalars.count)
    for (read, expected) in zip(events.scalars, pythonWrittenScalars) {
        #expect(read == TensorBoardScalar(tag: expected.tag, step: expected.step, value: expected.value, wallTime: expected.wallTime))
    }
    #expect(events.scalars(tagged: "train/loss").map(\.step) == [0, 7, 9])
}

// MARK: - Writing

/// Keep in sync with STRATA_SCALARS and STRATA_WALL_TIME in Tools/make_tensorboard_fixture.py.
let fixtureWallTime = 1_700_000_000.5
func fixtureScalars() -> [(tag: String, value: Double, step: Int)] {
    [("loss/train", 2.5, 0), ("loss/train", 1.25, 1), ("loss/validation", 1.5, 1), ("accuracy", 0.875, 10),
     ("loss/train", -0.5, 1 << 40)]
}

@Test func writerProducesTheBytesTensorBoardAccepted() throws {
    let directory = try temporaryDirectory()
    let writer = try TensorBoardWriter(directory: directory, clock: { fixtureWallTime })
    for (tag, value, step) in fixtureScalars() {
        try writer.addScalar(tag, value, step: step)
    }
    try writer.close()
    #expect(writer.url.lastPathComponent == "events.out.tfevents.1700000000.\(ProcessInfo.processInfo.hostName)")
    let bytes = try Data(contentsOf: writer.url)
    if let path = ProcessInfo.processInfo.environment["STRATA_TENSORBOARD_FIXTURE_OUT"] {
        try bytes.write(to: URL(fileURLWithPath: path))
    }
    // Read and checked by TensorBoard's EventAccumulator in Tools/make_tensorboard_fixture.py.
    #expect([UInt8](bytes) == strataWrittenEvents)
    let events = try TensorBoardEvents.read(contentsOf: writer.url)
    #expect(events.fileVersion == "brain.Event:2")
    #expect(events.scalars == fixtureScalars().map {
        TensorBoardScalar(tag: $0.tag, step: $0.step, value: Float($0.value), wallTime: fixtureWallTime)
    })
}

@Test func writerFlushesSoAReaderSeesEventsBeforeClose() throws {
    let directory = try temporaryDirectory()
    let writer = try TensorBoardWriter(directory: directory, filenameSuffix: ".run1")
    #expect(writer.url.lastPathComponent.hasSuffix(".run1"))
    try writer.addScalar("loss", 0.25, step: 3)
    try writer.flush()
    #expect(try TensorBoardEvents.read(contentsOf: writer.url).scalars.map(\.value) == [0.25])
    try writer.close()
    try writer.close()  // a second close does nothing
    #expect(throws: TensorBoardError.closed(path: writer.url.path)) { try writer.addScalar("loss", 1, step: 4) }
}

@Test func writerCreatesAMissingDirectory() throws {
    let directory = try temporaryDirectory().appendingPathComponent("runs/mlp")
    let writer = try TensorBoardWriter(directory: directory)
    try writer.close()
    #expect(FileManager.default.fileExists(atPath: writer.url.path))
}

@Test func writerRejectsADirectoryThatIsAFileOrUnderAFile() throws {
    let file = try temporaryDirectory().appendingPathComponent("not-a-directory")
    try Data([1]).write(to: file)
    for directory in [file, file.appendingPathComponent("runs")] {
        #expect {
            _ = try TensorBoardWriter(directory: directory)
        } throws: { error in
            guard case .unwritableDirectory(let path, _) = error as? TensorBoardError else { return false }
            return path == directory.path
        }
    }
}

@Test func writerRefusesToOverwriteAnEventFile() throws {
    let directory = try temporaryDirectory()
    let first = try TensorBoardWriter(directory: directory, clock: { fixtureWallTime })
    try first.close()
    #expect(throws: TensorBoardError.fileExists(path: first.url.path)) {
        _ = try TensorBoardWriter(directory: directory, clock: { fixtureWallTime })
    }
}

// MARK: - Corruption

@Test func readerReportsCorruptionWithTheRecordOffset() throws {
    let bytes = pythonWrittenEvents
    let secondRecord = try TFRecord.records(in: bytes)[1].offset

    var badData = bytes
    badData[secondRecord + 14] ^= 0x01
    #expect {
        try TensorBoardEvents.read(badData)
    } throws: { error in
        guard case .dataChecksumMismatch(let offset, _, _) = error as? TensorBoardError else { return false }
        return offset == secondRecord
    }

    var badLength = bytes
    badLength[secondRecord] ^= 0x01
    #expect {
        try TensorBoardEvents.read(badLength)
    } throws: { error in
        guard case .lengthChecksumMismatch(let offset, _, _) = error as? TensorBoardError else { return false }
        return offset == secondRecord
    }

    let truncated = Array(bytes.dropLast(3))
    #expect {
        try TensorBoardEvents.read(truncated)
    } throws: { error in
        guard case .truncatedRecord = error as? TensorBoardError else { return false }
        return true
    }
}

@Test func readerRejectsAHugeLengthWithoutReadingPastTheEnd() {
    // A length of 2^63 with a valid length CRC: the framing is intact, the record cannot fit.
    let length: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0x80]
    let maskedCRC = CRC32C.maskedChecksum(length)
    let file = length + (0..<4).map { UInt8(truncatingIfNeeded: maskedCRC >> ($0 * 8)) } + [0, 0, 0, 0]
    #expect {
        try TensorBoardEvents.read(file)
    } throws: { error in
        guard case .truncatedRecord(0, _, 16) = error as? TensorBoardError else { return false }
        return true
    }
}

@Test func readerRejectsARecordThatIsNotAnEvent() {
    // Valid CRCs around bytes that are not protobuf: field 1, length-delimited, claiming 127 bytes.
    let file = TFRecord.frame([0x0A, 0x7F, 0x00])
    #expect {
        try TensorBoardEvents.read(file)
    } throws: { error in
        guard case .malformedEvent(0, _) = error as? TensorBoardError else { return false }
        return true
    }
}
