import Foundation
import Strata
import StrataData
import StrataIO
import Testing

/// A fresh temporary directory holding `files` (relative path -> bytes).
private func makeFolder(_ files: [String: Data]) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-imagefolder-\(UUID().uuidString)")
    for (path, data) in files {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
    return root
}

/// A 4 x 4 gray PNG (Strata's writer) of constant value `value` / 255.
private func grayPNG(_ value: Int) throws -> Data {
    try PNG.encodeGrayscale(Tensor([Float](repeating: Float(value) / 255, count: 16), shape: [4, 4]))
}

@Test("train/test layout: sorted class names, labels by position, test classes mapped by name")
func trainTestLayout() throws {
    let root = try makeFolder([
        "train/zebra/a.png": try grayPNG(10), "train/ant/b.png": try grayPNG(20), "train/ant/c.png": try grayPNG(30),
        "train/ant/.DS_Store": Data([1, 2]), "test/zebra/d.png": try grayPNG(40),
    ])
    defer { try? FileManager.default.removeItem(at: root) }
    #expect(ImageFolder.isImageFolder(root))
    let folder = try ImageFolder(directory: root)
    #expect(folder.hasSplitFolders && folder.classNames == ["ant", "zebra"])
    #expect(folder.training.map(\.url.lastPathComponent) == ["b.png", "c.png", "a.png"])
    #expect(folder.training.map(\.label) == [0, 0, 1] && folder.test.map(\.label) == [1])

    let prepared = try ImageFolder.prepare(folder.training, size: 2, channels: nil)
    #expect(prepared.channels == 1 && prepared.count == 3 && prepared.skipped.isEmpty)
    // Constant images stay constant when resized: 20, 30 and 10 over 255.
    let (mean, deviation) = prepared.channelStatistics()
    #expect(abs(mean[0] - 20.0 / 255) < 1e-12)
    #expect(abs(deviation[0] - (200.0 / 3).squareRoot() / 255) < 1e-12)  // variance of {20, 30, 10} is 200/3
    let dataset = prepared.dataset(mean: [0], standardDeviation: [1])
    #expect(dataset.inputs.shape == [3, 1, 2, 2])
    #expect(dataset.inputs.scalars(as: Float.self) == [20, 20, 20, 20, 30, 30, 30, 30, 10, 10, 10, 10].map { Float($0) / 255 })
    #expect(dataset.labels.scalars(as: Int64.self) == [0, 0, 1])
}

@Test("One folder is split per class by seed: disjoint, complete, repeatable, a seed-dependent choice")
func seededSplit() throws {
    var files: [String: Data] = [:]
    for index in 0..<10 {
        files["cat/\(index).png"] = try grayPNG(index)
        files["dog/\(index).png"] = try grayPNG(100 + index)
    }
    let root = try makeFolder(files)
    defer { try? FileManager.default.removeItem(at: root) }
    let folder = try ImageFolder(directory: root, testFraction: 0.3, seed: 7)
    #expect(!folder.hasSplitFolders && folder.classNames == ["cat", "dog"])
    #expect(folder.test.count == 6 && folder.training.count == 14)
    #expect(folder.test.filter { $0.label == 0 }.count == 3)
    let all = Set((folder.training + folder.test).map(\.url.path))
    #expect(all.count == 20)
    #expect(try ImageFolder(directory: root, testFraction: 0.3, seed: 7) == folder)
    let others = try (8..<12).map { try ImageFolder(directory: root, testFraction: 0.3, seed: UInt64($0)).test }
    #expect(others.contains { $0 != folder.test })
}

@Test("Bad files stop loading with the file's name, or are skipped and counted")
func badImages() throws {
    let png = try grayPNG(50)
    let root = try makeFolder([
        "a/good.png": png, "a/empty.png": Data(), "a/notes.png": Data("not an image".utf8),
        "a/cut.png": png.prefix(png.count - 20), "b/good.png": png,
    ])
    defer { try? FileManager.default.removeItem(at: root) }
    let folder = try ImageFolder(directory: root, testFraction: 0.5, seed: 1)
    let samples = folder.training + folder.test
    #expect(throws: ImageFolderError.self) { try ImageFolder.prepare(samples, size: 4, channels: 1) }
    do {
        _ = try ImageFolder.prepare(samples, size: 4, channels: 1)
    } catch {
        guard case .badImage(let image) = error else { Issue.record("expected badImage, got \(error)"); return }
        #expect(["empty.png", "notes.png", "cut.png"].contains(URL(fileURLWithPath: image.path).lastPathComponent))
        #expect(error.description.contains(image.path) && !error.description.contains("\n"))
    }
    let prepared = try ImageFolder.prepare(samples, size: 4, channels: 1, skipBadImages: true)
    #expect(prepared.count == 2 && prepared.skipped.count == 3)
    #expect(Set(prepared.skipped.map { URL(fileURLWithPath: $0.path).lastPathComponent }) == ["empty.png", "notes.png", "cut.png"])
}

@Test("Layout errors: missing folder, no classes, empty class, a test class training lacks")
func layoutErrors() throws {
    let missing = URL(fileURLWithPath: "/nonexistent/strata-images")
    #expect(throws: ImageFolderError.notADirectory(path: missing.path)) { try ImageFolder(directory: missing) }
    let root = try makeFolder(["train/a/x.png": try grayPNG(1), "test/b/y.png": try grayPNG(2), "loose/file.txt": Data()])
    defer { try? FileManager.default.removeItem(at: root) }
    #expect(throws: ImageFolderError.unknownTestClass(name: "b", path: root.appendingPathComponent("test/b").path)) {
        try ImageFolder(directory: root)
    }
    let empty = root.appendingPathComponent("loose")
    #expect(throws: ImageFolderError.noClasses(path: empty.path)) { try ImageFolder(directory: empty) }
    try FileManager.default.createDirectory(at: root.appendingPathComponent("train/c"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: root.appendingPathComponent("test/a"), withIntermediateDirectories: true)
    try FileManager.default.removeItem(at: root.appendingPathComponent("test/b"))
    #expect(throws: ImageFolderError.emptyClass(path: root.appendingPathComponent("train/c").path)) {
        try ImageFolder(directory: root)
    }
}

@Test("Mixed gray and color images become RGB; channels can be forced to gray")
func channelChoice() throws {
    let root = try makeFolder([
        "train/gray/a.png": try grayPNG(60),
        "train/color/b.jpg": try Data(contentsOf: ImageFixtures.url("china-rgb.jpg")),
        "test/gray/c.png": try grayPNG(70),
    ])
    defer { try? FileManager.default.removeItem(at: root) }
    let folder = try ImageFolder(directory: root)
    let rgb = try ImageFolder.prepare(folder.training, size: 8, channels: nil)
    #expect(rgb.channels == 3 && rgb.pixels.count == 2 * 8 * 8 * 3)
    let statistics = rgb.channelStatistics()
    #expect(statistics.mean.count == 3 && statistics.standardDeviation.allSatisfy { $0 > 0 })
    let gray = try ImageFolder.prepare(folder.training, size: 8, channels: 1)
    #expect(gray.channels == 1 && gray.dataset(mean: [0.5], standardDeviation: [0.25]).inputs.shape == [2, 1, 8, 8])
}
