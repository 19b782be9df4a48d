import Foundation
import Strata
import StrataData
import Testing

private let datasetIsInstalled = FileManager.default.fileExists(
    atPath: FashionMNIST.defaultDirectory.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path)
    || FileManager.default.fileExists(
        atPath: FashionMNIST.defaultDirectory.appendingPathComponent("t10k-labels-idx1-ubyte").path)

// Expected labels and shapes are those of the published dataset (zalandoresearch/fashion-mnist):
// the first training labels are 9 0 0 3 0 2 7 2 5 5, the first test labels 9 2 1 1 6 1 4 6 5 7.

@Test(.enabled(if: datasetIsInstalled, "needs Debian's dataset-fashion-mnist in /usr/share/datasets/fashion-mnist"))
func loadsTheFashionMNISTTestSplit() throws {
    let test = try FashionMNIST.load(.test)
    #expect(test.count == 10_000)
    #expect(test.inputs.shape == [10_000, 1, 28, 28])
    #expect(test.inputs.dtype == .int32)
    #expect(test.labels.shape == [10_000])
    #expect(test.labels.dtype == .int64)
    #expect(test.labels[0..<10].scalars(as: Int64.self) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
    // Ten classes, pixels are bytes.
    let labels = Set(test.labels.scalars(as: Int64.self))
    #expect(labels == Set(0..<10))
    #expect(test.inputs.min().scalar(as: Int32.self) == 0)
    #expect(test.inputs.max().scalar(as: Int32.self) == 255)
}

@Test(.enabled(if: datasetIsInstalled, "needs Debian's dataset-fashion-mnist in /usr/share/datasets/fashion-mnist"))
func loadsTheFashionMNISTTrainingSplit() throws {
    let train = try FashionMNIST.load(.train)
    #expect(train.count == 60_000)
    #expect(train.inputs.shape == [60_000, 1, 28, 28])
    #expect(train.labels[0..<10].scalars(as: Int64.self) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
    // The published per-pixel statistics that `FashionMNIST.mean` records, on the first 1,000
    // images (a sample, so within 0.02 of 0.2860).
    let sample = train.inputs[0..<1000].cast(to: .float64) * (1.0 / 255)
    #expect(Swift.abs(sample.mean().scalar(as: Double.self) - FashionMNIST.mean) < 0.02)
}

@Test func aMissingDirectoryExplainsHowToInstallTheDataset() {
    let nowhere = URL(fileURLWithPath: "/nonexistent-strata-directory/fashion-mnist")
    #expect {
        try FashionMNIST.load(.train, directory: nowhere)
    } throws: { error in
        let message = "\(error)"
        return error is FashionMNIST.LoadError && message.contains("apt-get install -y dataset-fashion-mnist")
            && message.contains(nowhere.path) && message.contains("train-images-idx3-ubyte")
    }
}

/// An IDX file of unsigned bytes: magic, rank, big-endian dimensions, then the data.
func idxBytes(dimensions: [Int], bytes: [UInt8], type: UInt8 = 0x08) -> Data {
    var data = Data([0, 0, type, UInt8(dimensions.count)])
    for dimension in dimensions { withUnsafeBytes(of: UInt32(dimension).bigEndian) { data.append(contentsOf: $0) } }
    data.append(contentsOf: bytes)
    return data
}

@Test func mismatchedImageAndLabelFilesThrow() throws {
    // A directory with 2 images but 3 labels (tiny IDX files written here).
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fashion-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let images = idxBytes(dimensions: [2, 28, 28], bytes: Array(repeating: 10, count: 784) + Array(repeating: 20, count: 784))
    let labelsURL = directory.appendingPathComponent("t10k-labels-idx1-ubyte")
    try images.write(to: directory.appendingPathComponent("t10k-images-idx3-ubyte"))
    try idxBytes(dimensions: [3], bytes: [1, 2, 3]).write(to: labelsURL)
    #expect(throws: FashionMNIST.InvalidFile(path: labelsURL.path, problem: .wrongLabelShape(found: [3], imageCount: 2))) {
        try FashionMNIST.load(.test, directory: directory)
    }
    // With matching counts the same directory loads, as [count, 1, height, width].
    try idxBytes(dimensions: [2], bytes: [4, 9]).write(to: labelsURL)
    let loaded = try FashionMNIST.load(.test, directory: directory)
    #expect(loaded.inputs.shape == [2, 1, 28, 28])
    #expect(loaded.labels.scalars(as: Int64.self) == [4, 9])
}
