/// Why an image file could not be used; each case names the file and prints as one line.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file holds no bytes.
    case empty(path: String)
    /// The file does not start with the PNG or JPEG signature.
    case notAnImage(path: String)
    /// The file is a PNG or JPEG that fails to decode (truncated, bad checksum, bad data).
    case corrupt(path: String, format: String, reason: String)
    /// The header declares more pixels than `Image.maximumSide` or `Image.maximumPixelCount`;
    /// nothing was allocated for them.
    case tooLarge(path: String, reason: String)
    /// A valid image this decoder does not convert (a CMYK JPEG).
    case unsupported(path: String, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .empty(let path), .notAnImage(let path), .corrupt(let path, _, _),
             .tooLarge(let path, _), .unsupported(let path, _):
            path
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read image \(path): \(reason)"
        case .empty(let path): "image \(path) is empty (0 bytes)"
        case .notAnImage(let path): "\(path) is not a PNG or JPEG image (unrecognized signature)"
        case .corrupt(let path, let format, let reason): "corrupt \(format) image \(path): \(reason)"
        case .tooLarge(let path, let reason): "image \(path) is too large: \(reason)"
        case .unsupported(let path, let reason): "image \(path) is not supported: \(reason)"
        }
    }
}
