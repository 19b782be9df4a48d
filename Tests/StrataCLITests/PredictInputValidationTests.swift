import Foundation
import StrataCLI
import StrataData
import StrataIO
import Testing

// Issue 20: NPY shapes are multiplied with overflow checks, and every predict input (NPY, CSV,
// IDX) goes through one check of its pixels before the model sees it.

@Test func npyShapesThatOverflowOrPassTheLimitAreATypedError() {
    // Zero dimensions count as one: (0, 2^40, 2^40) holds nothing but would overflow strides.
    for shape in [[4_294_967_296, 4_294_967_296, 4_294_967_296], [99_999_999_999_999_999, 28, 28], [1 << 31, 2],
                  [0, 1 << 40, 1 << 40]] {
        #expect(throws: NPYError.tooLarge(shape: shape)) { try NPYFile.parse(npy(descr: "<f4", shape: shape, data: [])) }
    }
    // The limit itself is allowed: the file is then only too short.
    #expect(throws: NPYError.truncated(expectedBytes: 128 + (1 << 31), foundBytes: 128)) {
        try NPYFile.parse(npy(descr: "|u1", shape: [1 << 31], data: []))
    }
}

@Test func nonFiniteOrOutOfRangePixelsAreRefusedInEveryFormat() {
    // Image 0, pixel 3 holds the bad value; the rest are 0.
    for bad in [Double.nan, .infinity, -.infinity, -1, 256, 1e300] {
        var values = [Double](repeating: 0, count: 784)
        values[3] = bad
        let bytes = values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        let problem = ImageDataError.pixelOutOfRange(image: 0, pixel: 3, value: bad, range: 0...255)
        let expected = CLIError.unreadableFile(path: "x.npy", reason: problem.description)
        #expect(throws: expected) {
            try PredictInput.images(in: npy(descr: "<f8", shape: [1, 28, 28], data: bytes), format: .npy, path: "x.npy")
        }
    }
    // CSV: a non-finite cell is refused while the table is read (rows and columns 0-based), a
    // finite one out of range by the pixel check.
    let cells = (0..<784).map { $0 == 3 ? "inf" : "0" }.joined(separator: ",")
    #expect(throws: CLIError.unreadableFile(path: "x.csv",
                                            reason: CSVError.nonFiniteValue(row: 0, column: "pixel3", value: "inf").description)) {
        try PredictInput.images(in: Data((cells + "\n").utf8), format: .csv, path: "x.csv")
    }
    let large = (0..<784).map { $0 == 3 ? "300" : "0" }.joined(separator: ",")
    let problem = ImageDataError.pixelOutOfRange(image: 0, pixel: 3, value: 300, range: 0...255)
    #expect(throws: CLIError.unreadableFile(path: "x.csv", reason: problem.description)) {
        try PredictInput.images(in: Data((large + "\n").utf8), format: .csv, path: "x.csv")
    }
}

@Test func validPixelsAreScaledAsInTraining() throws {
    let images = try PredictInput.images(in: npy(descr: "|u1", shape: [1, 784], data: [UInt8](repeating: 51, count: 784)),
                                         format: .npy, path: "x.npy")
    #expect(images.shape == [1, 1, 28, 28] && images.scalars(as: Float.self).allSatisfy { $0 == Float(51.0 / 255) })
}
