import Strata

/// What decoded images (and their labels) must satisfy before a model sees them: the one check
/// between reading an image file (IDX, NPY, CSV) and using its contents.
///
/// images: `[count] + imageShape` with count >= 1, every pixel finite and inside `pixelRange`;
/// labels (optional): `[count]`, each in `0..<classCount`.
public struct ImageDataRequirements: Sendable, Equatable {
    /// The shape of one image, e.g. `[28, 28]`.
    public var imageShape: [Int]
    /// Labels run over `0..<classCount`.
    public var classCount: Int
    /// Pixel values before scaling (default 0...255, the IDX byte range).
    public var pixelRange: ClosedRange<Double>

    public init(imageShape: [Int], classCount: Int, pixelRange: ClosedRange<Double> = 0...255) {
        self.imageShape = imageShape
        self.classCount = classCount
        self.pixelRange = pixelRange
    }

    /// Checks `images` (int32, float32 or float64) and `labels` (any integer dtype, or nil).
    /// - Throws: `ImageDataError` naming the first problem, images and labels by position.
    public func validate(images: Tensor, labels: Tensor?) throws(ImageDataError) {
        guard images.rank == imageShape.count + 1, Array(images.shape.dropFirst()) == imageShape else {
            throw .wrongImageShape(found: images.shape, expected: imageShape)
        }
        let count = images.shape[0]
        guard count > 0 else { throw .noImages }
        if let labels {
            guard labels.shape == [count] else { throw .wrongLabelShape(found: labels.shape, imageCount: count) }
            // Float labels (an IDX file of type 0x0D or 0x0E) must be whole numbers before the
            // cast to int64, which would trap on NaN and silently truncate 2.5.
            if labels.dtype.isFloatingPoint,
               let index = labels.cast(to: .float64).scalars(as: Double.self).firstIndex(where: {
                   !($0 >= 0 && $0 < Double(classCount) && $0.rounded() == $0) }) {
                throw .nonIntegerLabel(index: index, value: labels.cast(to: .float64).scalars(as: Double.self)[index])
            }
            let values = labels.cast(to: .int64).scalars(as: Int64.self)
            if let index = values.firstIndex(where: { !(0..<Int64(classCount)).contains($0) }) {
                throw .labelOutOfRange(index: index, label: values[index], classCount: classCount)
            }
        }
        let pixels = imageShape.reduce(1, *)
        let outside: (position: Int, value: Double)? = switch images.dtype {
        case .int32: images.withUnsafeScalars(as: Int32.self) { firstOutside($0) { Double($0) } }
        case .float32: images.withUnsafeScalars(as: Float.self) { firstOutside($0) { Double($0) } }
        case .float64: images.withUnsafeScalars(as: Double.self) { firstOutside($0) { $0 } }
        default: images.cast(to: .float64).withUnsafeScalars(as: Double.self) { firstOutside($0) { $0 } }
        }
        if let outside {
            throw .pixelOutOfRange(image: outside.position / pixels, pixel: outside.position % pixels,
                                   value: outside.value, range: pixelRange)
        }
    }

    /// The first element (position and value) that is not a finite number in `pixelRange`.
    private func firstOutside<T>(_ values: UnsafeBufferPointer<T>, _ double: (T) -> Double) -> (position: Int, value: Double)? {
        for (position, element) in values.enumerated() {
            let value = double(element)
            // NaN fails both comparisons; the range excludes the infinities.
            if !(value >= pixelRange.lowerBound && value <= pixelRange.upperBound) { return (position, value) }
        }
        return nil
    }
}
