import Foundation
import Strata
import StrataData
import Testing

// Issue 20: decoded IDX contents are checked before a model sees them (FashionMNIST.dataset is
// what FashionMNIST.load and the CLI's datasets go through).

private func images(_ count: Int, height: Int = 28, width: Int = 28, value: Int32 = 7) -> Tensor {
    Tensor([Int32](repeating: value, count: count * height * width), shape: [count, height, width])
}

private func labels(_ values: [Int32]) -> Tensor { Tensor(values, shape: [values.count]) }

@Test(arguments: [10, 200, -1])
func labelsOutsideTheClassesAreATypedError(_ label: Int32) {
    #expect(throws: ImageDataError.labelOutOfRange(index: 2, label: Int64(label), classCount: 10)) {
        try FashionMNIST.dataset(images: images(3), labels: labels([0, 9, label]))
    }
}

@Test func imagesOfAnotherSizeAreATypedError() {
    for (height, width) in [(32, 32), (14, 56), (0, 28)] {
        #expect(throws: ImageDataError.wrongImageShape(found: [2, height, width], expected: [28, 28])) {
            try FashionMNIST.dataset(images: images(2, height: height, width: width), labels: labels([0, 1]))
        }
    }
    // A rank-2 file (no image axes at all).
    #expect(throws: ImageDataError.wrongImageShape(found: [2, 784], expected: [28, 28])) {
        try FashionMNIST.dataset(images: Tensor([Int32](repeating: 0, count: 1568), shape: [2, 784]), labels: labels([0, 1]))
    }
}

@Test func zeroImagesAreATypedError() {
    #expect(throws: ImageDataError.noImages) { try FashionMNIST.dataset(images: images(0), labels: labels([])) }
}

@Test func nonFiniteAndOutOfRangePixelsAreATypedError() {
    // Float IDX files (type 0x0D) can hold NaN; pixel 5 of image 1 is position 784 + 5.
    for bad in [Float.nan, .infinity, -1, 256] {
        var values = [Float](repeating: 0.5, count: 2 * 784)
        values[784 + 5] = bad
        let expected = ImageDataError.pixelOutOfRange(image: 1, pixel: 5, value: Double(bad), range: 0...255)
        #expect {
            try FashionMNIST.dataset(images: Tensor(values, shape: [2, 28, 28]), labels: labels([0, 1]))
        } throws: { error in
            // NaN != NaN, so compare the case by its description.
            (error as? ImageDataError).map(String.init(describing:)) == String(describing: expected)
        }
    }
}

@Test func validImagesAndLabelsBecomeADataset() throws {
    let dataset = try FashionMNIST.dataset(images: images(3, value: 255), labels: labels([0, 5, 9]))
    #expect(dataset.inputs.shape == [3, 1, 28, 28] && dataset.labels.scalars(as: Int64.self) == [0, 5, 9])
}

@Test func floatLabelsMustBeWholeClassNumbers() throws {
    // A labels file of float32 (IDX type 0x0D): NaN would trap in the cast to int64, 2.5 would
    // become 2 unseen.
    for bad in [Float.nan, 2.5, 10, -1] {
        #expect {
            try FashionMNIST.dataset(images: images(2), labels: Tensor([1, bad], shape: [2]))
        } throws: { error in
            guard case .nonIntegerLabel(1, let value)? = error as? ImageDataError else { return false }
            return value.isNaN ? bad.isNaN : value == Double(bad)
        }
    }
    let whole = try FashionMNIST.dataset(images: images(2), labels: Tensor([3, 9] as [Float], shape: [2]))
    #expect(whole.labels.scalars(as: Int64.self) == [3, 9])
}
