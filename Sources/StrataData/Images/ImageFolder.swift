import Foundation
import Strata

/// The labelled image files of a folder whose subfolders are the classes, in one of two layouts:
///
///     DIR/train/<class>/*.png|jpg      DIR/<class>/*.png|jpg
///     DIR/test/<class>/*               (split into training and test images by seed)
///
/// Class names are the training folders' names in sorted order, and a label is the position of
/// its class there (as torchvision's `ImageFolder`). Every visible file in a class folder is
/// taken as an image, whatever its name; hidden files (`.DS_Store`) are ignored.
public struct ImageFolder: Sendable, Equatable {
    /// One image file and its class.
    public struct Sample: Sendable, Equatable {
        public var url: URL
        public var label: Int

        public init(url: URL, label: Int) {
            self.url = url
            self.label = label
        }
    }

    /// The folder given.
    public let directory: URL
    /// Whether the folder holds `train/` and `test/` (else its classes are split by seed).
    public let hasSplitFolders: Bool
    /// The classes, sorted; label i is `classNames[i]`.
    public let classNames: [String]
    /// Training samples, by class then file name.
    public let training: [Sample]
    /// Test samples, by class then file name.
    public let test: [Sample]

    /// Lists the folder's classes and files. Without `train/`, each class's files are shuffled
    /// by `seed` and `testFraction` of them (rounded, at least one of a class of two or more)
    /// become test images, so every class is in both splits in proportion.
    /// - Throws: `ImageFolderError` for a missing folder, no classes, an empty class, a test
    ///   class that training lacks, or an empty split.
    public init(directory: URL, testFraction: Double = 0.2, seed: UInt64 = 0) throws(ImageFolderError) {
        precondition(testFraction > 0 && testFraction < 1, "ImageFolder: testFraction must be in (0, 1), got \(testFraction)")
        self.directory = directory
        guard Self.isDirectory(directory) else { throw .notADirectory(path: directory.path) }
        let trainDirectory = directory.appendingPathComponent("train")
        hasSplitFolders = Self.isDirectory(trainDirectory)
        if hasSplitFolders {
            let classes = try Self.classFolders(in: trainDirectory)
            classNames = classes.map(\.name)
            var trainingSamples: [Sample] = []
            for (label, folder) in classes.enumerated() {
                trainingSamples += try Self.files(in: folder.url).map { Sample(url: $0, label: label) }
            }
            training = trainingSamples
            let testDirectory = directory.appendingPathComponent("test")
            guard Self.isDirectory(testDirectory) else { throw .notADirectory(path: testDirectory.path) }
            var testSamples: [Sample] = []
            for folder in try Self.classFolders(in: testDirectory) {
                guard let label = classNames.firstIndex(of: folder.name) else {
                    throw .unknownTestClass(name: folder.name, path: folder.url.path)
                }
                testSamples += try Self.files(in: folder.url, allowEmpty: true).map { Sample(url: $0, label: label) }
            }
            test = testSamples
        } else {
            let classes = try Self.classFolders(in: directory)
            classNames = classes.map(\.name)
            var trainingSamples: [Sample] = [], testSamples: [Sample] = []
            for (label, folder) in classes.enumerated() {
                let files = try Self.files(in: folder.url)
                // A generator per class, so adding a class leaves the others' splits alone.
                let order = permutation(files.count, generator: RandomGenerator(seed: seed, counter: UInt64(label) << 40))
                let testCount = files.count < 2 ? 0 : max(1, Int((Double(files.count) * testFraction).rounded()))
                let testPositions = Set(order.prefix(testCount))
                for (position, url) in files.enumerated() {
                    if testPositions.contains(position) {
                        testSamples.append(Sample(url: url, label: label))
                    } else {
                        trainingSamples.append(Sample(url: url, label: label))
                    }
                }
            }
            training = trainingSamples
            test = testSamples
        }
        guard !training.isEmpty else { throw .emptySplit(split: "training", path: directory.path) }
        guard !test.isEmpty else { throw .emptySplit(split: "test", path: directory.path) }
    }

    /// Whether `directory` is laid out as an image folder: it holds a `train/` folder, or it
    /// holds class folders and no files of its own other than hidden ones (a directory of
    /// Fashion-MNIST IDX files is not one).
    public static func isImageFolder(_ directory: URL) -> Bool {
        guard isDirectory(directory) else { return false }
        if isDirectory(directory.appendingPathComponent("train")) { return true }
        guard let entries = try? visibleEntries(of: directory), !entries.isEmpty else { return false }
        return entries.allSatisfy(isDirectory)
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }

    private static func visibleEntries(of directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { !$0.hasPrefix(".") }
            .sorted()
            .map { directory.appendingPathComponent($0) }
    }

    /// The subfolders of `directory`, sorted by name.
    private static func classFolders(in directory: URL) throws(ImageFolderError) -> [(name: String, url: URL)] {
        let entries: [URL]
        do {
            entries = try visibleEntries(of: directory)
        } catch {
            throw .notADirectory(path: directory.path)
        }
        let folders = entries.filter(isDirectory).map { (name: $0.lastPathComponent, url: $0) }
        guard !folders.isEmpty else { throw .noClasses(path: directory.path) }
        return folders
    }

    /// The visible files in a class folder, sorted by name.
    private static func files(in folder: URL, allowEmpty: Bool = false) throws(ImageFolderError) -> [URL] {
        let files: [URL]
        do {
            files = try visibleEntries(of: folder).filter { !isDirectory($0) }
        } catch {
            throw .notADirectory(path: folder.path)
        }
        guard allowEmpty || !files.isEmpty else { throw .emptyClass(path: folder.path) }
        return files
    }
}
