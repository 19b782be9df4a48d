import Foundation
import StrataCLI
import StrataIO
import StrataNN
import Testing

/// An NPY v1.0 file: magic, version, little-endian header length, the header padded with spaces
/// and a newline to a multiple of 64 bytes, then the data.
func npy(descr: String, shape: [Int], data: [UInt8], fortran: Bool = false, version: UInt8 = 1) -> Data {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
    let prefix = version == 1 ? 10 : 12
    while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    let length = header.utf8.count
    bytes += version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
                          : [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), 0, 0]
    return Data(bytes + Array(header.utf8) + data)
}

private func float32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
}

private func float64Bytes(_ values: [Double]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
}

/// Two images: all 10 and all 190 (the synthetic classes 0 and 9).
private let pixels: [UInt8] = [UInt8](repeating: 10, count: 784) + [UInt8](repeating: 190, count: 784)

@Test func npyReaderReadsFloat32Float64AndUInt8() throws {
    let u8 = try NPYFile.parse(npy(descr: "|u1", shape: [2, 784], data: pixels))
    #expect(u8.shape == [2, 784] && u8.values[0] == 10 && u8.values[784] == 190)
    let f4 = try NPYFile.parse(npy(descr: "<f4", shape: [2, 2], data: float32Bytes([1.5, -2, 0, 255])))
    #expect(f4.values == [1.5, -2, 0, 255])
    let f8 = try NPYFile.parse(npy(descr: "<f8", shape: [3], data: float64Bytes([0.25, 1e10, -3]), version: 2))
    #expect(f8.shape == [3] && f8.values == [0.25, 1e10, -3])
}

@Test func npyReaderRejectsMalformedFiles() {
    #expect(throws: NPYError.badMagic) { try NPYFile.parse(Data("not numpy at all".utf8)) }
    var badVersion = [UInt8](npy(descr: "|u1", shape: [1], data: [0]))
    badVersion[6] = 3
    #expect(throws: NPYError.unsupportedVersion(major: 3, minor: 0)) { try NPYFile.parse(Data(badVersion)) }
    #expect(throws: NPYError.unsupportedDType(">f4")) { try NPYFile.parse(npy(descr: ">f4", shape: [1], data: [0, 0, 0, 0])) }
    #expect(throws: NPYError.unsupportedDType("<i8")) { try NPYFile.parse(npy(descr: "<i8", shape: [1], data: [UInt8](repeating: 0, count: 8))) }
    #expect(throws: NPYError.fortranOrder) { try NPYFile.parse(npy(descr: "|u1", shape: [1, 1], data: [0], fortran: true)) }
    #expect(throws: NPYError.truncated(expectedBytes: 128 + 4, foundBytes: 128 + 3)) {
        try NPYFile.parse(npy(descr: "|u1", shape: [4], data: [0, 0, 0]))
    }
    #expect(throws: NPYError.trailingBytes(1)) { try NPYFile.parse(npy(descr: "|u1", shape: [1], data: [0, 0])) }
    // Header problems: no shape key, a non-tuple shape, a bad dimension, header length past the end.
    let noShape = Data([0x93] + Array("NUMPY".utf8) + [1, 0, 40, 0] + Array("{'descr': '|u1', 'fortran_order': False}\n".utf8.prefix(40)))
    #expect(throws: NPYError.malformedHeader("no 'shape' key")) { try NPYFile.parse(noShape) }
    #expect(throws: NPYError.self) {
        try NPYFile.parse(Data([0x93] + Array("NUMPY".utf8) + [1, 0] + [60, 0] + Array("{'descr': '|u1', 'fortran_order': False, 'shape': [1], }\n   ".utf8)))
    }
    #expect(throws: NPYError.self) {
        try NPYFile.parse(Data([0x93] + Array("NUMPY".utf8) + [1, 0] + [60, 0] + Array("{'descr': '|u1', 'fortran_order': False, 'shape': (x,), }\n  ".utf8)))
    }
    #expect(throws: NPYError.truncated(expectedBytes: 10 + 200, foundBytes: 12)) {
        try NPYFile.parse(Data([0x93] + Array("NUMPY".utf8) + [1, 0, 200, 0, 0x7B, 0x7D]))
    }
}

/// MLP weights, the two images in IDX, CSV (with and without header) and NPY files, each predicted
/// the same; malformed inputs are `CLIError.unreadableFile`.
@Test func predictClassifiesImagesFromIDXCSVAndNPY() throws {
    let directory = temporaryDirectory()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let weights = directory.appendingPathComponent("model.safetensors")
    try Safetensors.write(ModelName.mlp.makeModel(seed: 1).stateDictionary(), to: weights)

    func file(_ name: String, _ data: Data) throws -> String {
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }
    var idx = Data([0, 0, 0x08, 3])
    for dimension in [2, 28, 28] { withUnsafeBytes(of: UInt32(dimension).bigEndian) { idx.append(contentsOf: $0) } }
    idx.append(contentsOf: pixels)
    let rows = [pixels[0..<784], pixels[784...]].map { $0.map(String.init).joined(separator: ",") }
    let header = (0..<784).map { "p\($0)" }.joined(separator: ",")
    let inputs = [
        try file("images.idx", idx),
        try file("headerless.csv", Data((rows.joined(separator: "\n") + "\n").utf8)),
        try file("header.csv", Data(([header] + rows).joined(separator: "\n").utf8)),
        try file("u8.npy", npy(descr: "|u1", shape: [2, 28, 28], data: pixels)),
        try file("f4.npy", npy(descr: "<f4", shape: [2, 1, 28, 28], data: float32Bytes(pixels.map(Float.init)))),
        try file("f8.npy", npy(descr: "<f8", shape: [2, 784], data: float64Bytes(pixels.map(Double.init)))),
    ]
    var results: [[PredictCommand.SamplePrediction]] = []
    for input in inputs {
        let command = try PredictCommand.parse(["--model", "mlp", "--weights", weights.path, "--input", input])
        let predictions = try command.filePredictions()
        #expect(predictions.count == 2, "\(input)")
        for prediction in predictions {
            #expect(prediction.top.count == 3)
            #expect(prediction.top.map(\.probability) == prediction.top.map(\.probability).sorted(by: >))
            #expect(prediction.top.allSatisfy { $0.probability > 0 && $0.probability <= 1 && !$0.name.isEmpty })
        }
        results.append(predictions)
    }
    for (input, result) in zip(inputs, results) {
        #expect(result.map { $0.top.map(\.index) } == results[0].map { $0.top.map(\.index) }, "\(input)")
        for (a, b) in zip(result.flatMap(\.top), results[0].flatMap(\.top)) { #expect(abs(a.probability - b.probability) < 1e-5) }
    }
    // JSON round-trips.
    let data = try JSONEncoder().encode(results[0])
    #expect(try JSONDecoder().decode([PredictCommand.SamplePrediction].self, from: data) == results[0])
    #expect(throws: Never.self) {
        try PredictCommand.parse(["--model", "mlp", "--weights", weights.path, "--input", inputs[3], "--json"]).run()
    }

    let bad = [
        try file("bad.npy", npy(descr: "|u1", shape: [2, 27], data: [UInt8](repeating: 0, count: 54))),
        try file("magic.npy", Data("garbage".utf8)),
        try file("short.csv", Data("1,2,3\n4,5,6\n".utf8)),
        try file("text.csv", Data(([header, rows[0].replacingOccurrences(of: "10,10", with: "10,x")]).joined(separator: "\n").utf8)),
        directory.appendingPathComponent("missing.idx").path,
    ]
    for input in bad {
        let command = try PredictCommand.parse(["--model", "mlp", "--weights", weights.path, "--input", input])
        #expect(throws: CLIError.self, "\(input)") { try command.filePredictions() }
    }
}
