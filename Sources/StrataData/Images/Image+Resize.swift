/// Resizing and cropping, as torchvision's `Resize(size)` then `CenterCrop(size)` on a PIL image.
extension Image {
    /// This image resampled to `width` x `height` by a bilinear (triangle) filter that is
    /// widened by the scale factor when shrinking, so every input pixel contributes (antialiased),
    /// as Pillow's `resize(..., BILINEAR)`: output pixel i is centered on input coordinate
    /// `(i + 0.5) * scale`. Rows are resampled first, then columns, each pass rounded to 8 bits.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "Image.resized: needs a positive size, got \(newWidth) x \(newHeight)")
        if newWidth == width && newHeight == height { return self }
        var current = self
        if newWidth != width {
            let filter = ResamplingFilter(inputSize: width, outputSize: newWidth)
            current = current.resampled(by: filter, horizontal: true)
        }
        if newHeight != height {
            let filter = ResamplingFilter(inputSize: height, outputSize: newHeight)
            current = current.resampled(by: filter, horizontal: false)
        }
        return current
    }

    /// This image with its shorter side resized to `size` (the longer one in proportion, rounded
    /// down), then its centered `size` x `size` square: torchvision's `Resize(size)` followed by
    /// `CenterCrop(size)`.
    public func resizedAndCenterCropped(to size: Int) -> Image {
        precondition(size > 0, "Image.resizedAndCenterCropped: size must be positive, got \(size)")
        let (newWidth, newHeight) = width <= height
            ? (size, max(size, size * height / width))
            : (max(size, size * width / height), size)
        let resized = resized(width: newWidth, height: newHeight)
        // torchvision rounds the offsets of the centered window half to even; (n - size) / 2 then
        // differs only in which of two equally centered windows is taken.
        return resized.cropped(left: (newWidth - size) / 2, top: (newHeight - size) / 2, width: size, height: size)
    }

    /// The `width` x `height` window whose top-left pixel is (`left`, `top`).
    public func cropped(left: Int, top: Int, width cropWidth: Int, height cropHeight: Int) -> Image {
        precondition(left >= 0 && top >= 0 && cropWidth > 0 && cropHeight > 0
                     && left + cropWidth <= width && top + cropHeight <= height,
                     "Image.cropped: window (\(left), \(top)) \(cropWidth) x \(cropHeight) is outside \(width) x \(height)")
        if cropWidth == width && cropHeight == height { return self }
        var result = [UInt8]()
        result.reserveCapacity(cropWidth * cropHeight * channels)
        for row in top..<(top + cropHeight) {
            let start = (row * width + left) * channels
            result.append(contentsOf: pixels[start..<(start + cropWidth * channels)])
        }
        return Image(width: cropWidth, height: cropHeight, channels: channels, pixels: result)
    }

    /// One pass of `filter` along the rows (`horizontal`) or the columns.
    private func resampled(by filter: ResamplingFilter, horizontal: Bool) -> Image {
        let (outWidth, outHeight) = horizontal ? (filter.outputSize, height) : (width, filter.outputSize)
        var output = [UInt8](repeating: 0, count: outWidth * outHeight * channels)
        // Distance between neighbouring input pixels along the filtered axis, in bytes.
        let step = horizontal ? channels : width * channels
        for row in 0..<outHeight {
            for column in 0..<outWidth {
                let position = horizontal ? column : row
                let taps = filter.taps[position]
                let base = horizontal ? (row * width + taps.first) * channels : (taps.first * width + column) * channels
                for channel in 0..<channels {
                    var sum = 0.0
                    for (offset, weight) in taps.weights.enumerated() {
                        sum += weight * Double(pixels[base + offset * step + channel])
                    }
                    output[(row * outWidth + column) * channels + channel] = UInt8(min(max(sum.rounded(), 0), 255))
                }
            }
        }
        return Image(width: outWidth, height: outHeight, channels: channels, pixels: output)
    }
}

/// The weights of a bilinear resampling along one axis (Pillow's `precompute_coeffs` with the
/// triangle filter of support 1): output pixel i reads input pixels `first ..< first + count`.
struct ResamplingFilter {
    struct Taps {
        var first: Int
        var weights: [Double]
    }

    let outputSize: Int
    let taps: [Taps]

    init(inputSize: Int, outputSize: Int) {
        self.outputSize = outputSize
        let scale = Double(inputSize) / Double(outputSize)
        // Shrinking widens the triangle to cover every input pixel between output centers.
        let filterScale = max(scale, 1)
        let support = filterScale
        taps = (0..<outputSize).map { index in
            let center = (Double(index) + 0.5) * scale
            let first = max(Int(center - support + 0.5), 0)
            let end = min(Int(center + support + 0.5), inputSize)
            var weights = (first..<end).map { input in
                max(0, 1 - abs((Double(input) - center + 0.5) / filterScale))
            }
            let total = weights.reduce(0, +)
            if total > 0 { weights = weights.map { $0 / total } }
            return Taps(first: first, weights: weights)
        }
    }
}
