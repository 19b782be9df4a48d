/// Why decoded images and labels cannot be handed to a model (`ImageDataRequirements`).
public enum ImageDataError: Error, Equatable, CustomStringConvertible {
    /// The images are not `[count] + imageShape`.
    case wrongImageShape(found: [Int], expected: [Int])
    /// The labels are not one per image, `[count]`.
    case wrongLabelShape(found: [Int], imageCount: Int)
    /// No images at all: nothing to train on or to score.
    case noImages
    /// A label outside `0..<classCount`.
    case labelOutOfRange(index: Int, label: Int64, classCount: Int)
    /// A float label that is not a whole number in `0..<classCount` (NaN, 2.5, 1e30).
    case nonIntegerLabel(index: Int, value: Double)
    /// A pixel that is NaN, infinite or outside the pixel range.
    case pixelOutOfRange(image: Int, pixel: Int, value: Double, range: ClosedRange<Double>)

    public var description: String {
        func shape(_ dimensions: [Int]) -> String { "[" + dimensions.map(String.init).joined(separator: ", ") + "]" }
        return switch self {
        case .wrongImageShape(let found, let expected):
            "images are \(shape(found)), not [count, \(expected.map(String.init).joined(separator: ", "))] as the models expect"
        case .wrongLabelShape(let found, let count): "labels are \(shape(found)), not one per image ([\(count)])"
        case .noImages: "there are no images"
        case .labelOutOfRange(let index, let label, let classCount):
            "label \(index) is \(label), outside the \(classCount) classes 0...\(classCount - 1)"
        case .nonIntegerLabel(let index, let value): "label \(index) is \(value), not one of the classes' whole numbers"
        case .pixelOutOfRange(let image, let pixel, let value, let range):
            "image \(image), pixel \(pixel) holds \(value), outside \(range)"
        }
    }
}
