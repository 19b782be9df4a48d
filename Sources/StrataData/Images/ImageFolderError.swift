/// Why an image folder could not be read; each case prints as one line naming the path.
public enum ImageFolderError: Error, Equatable, CustomStringConvertible {
    /// The directory does not exist or is not a directory.
    case notADirectory(path: String)
    /// No class folders where the layout expects them.
    case noClasses(path: String)
    /// A class folder (of the training split or the only split) holds no files.
    case emptyClass(path: String)
    /// A test class folder whose name is not a training class.
    case unknownTestClass(name: String, path: String)
    /// Splitting one folder left a split with no images.
    case emptySplit(split: String, path: String)
    /// An image file that cannot be used (skipped instead with `skipBadImages`).
    case badImage(ImageError)
    /// Every image of a split was bad and skipped.
    case noUsableImages(path: String, skipped: Int)

    public var description: String {
        switch self {
        case .notADirectory(let path): "\(path) is not a directory"
        case .noClasses(let path):
            "no class folders in \(path): expected DIR/train/<class>/*.png|jpg with DIR/test/<class>/*, or DIR/<class>/*"
        case .emptyClass(let path): "the class folder \(path) holds no images"
        case .unknownTestClass(let name, let path): "the test class \(name) (\(path)) is not one of the training classes"
        case .emptySplit(let split, let path): "splitting \(path) left no \(split) images: add images or change the test fraction"
        case .badImage(let error): error.description
        case .noUsableImages(let path, let skipped): "no usable images in \(path): all \(skipped) were bad and skipped"
        }
    }
}
