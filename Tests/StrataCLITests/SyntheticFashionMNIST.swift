import Foundation

/// Writes the four Fashion-MNIST IDX files (uncompressed) into a new temporary directory:
/// `count` images per split, image i of class i % 10 filled with the value 20 * class + 10, so a
/// model can tell the classes apart from the mean brightness alone.
func writeSyntheticFashionMNIST(count: Int) throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("strata-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for prefix in ["train", "t10k"] {
        let labels = (0..<count).map { UInt8($0 % 10) }
        let pixels = labels.flatMap { label in [UInt8](repeating: 20 * label + 10, count: 28 * 28) }
        try idx(dimensions: [count, 28, 28], bytes: pixels)
            .write(to: directory.appendingPathComponent("\(prefix)-images-idx3-ubyte"))
        try idx(dimensions: [count], bytes: labels)
            .write(to: directory.appendingPathComponent("\(prefix)-labels-idx1-ubyte"))
    }
    return directory
}

/// An IDX file of unsigned bytes: magic 0x0000 0x08 rank, then each dimension as a big-endian
/// UInt32, then the data (the format of LeCun's MNIST page).
private func idx(dimensions: [Int], bytes: [UInt8]) -> Data {
    var data = Data([0, 0, 0x08, UInt8(dimensions.count)])
    for dimension in dimensions {
        withUnsafeBytes(of: UInt32(dimension).bigEndian) { data.append(contentsOf: $0) }
    }
    data.append(contentsOf: bytes)
    return data
}

/// A new, not yet created, temporary directory.
func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("strata-cli-\(UUID().uuidString)")
}
