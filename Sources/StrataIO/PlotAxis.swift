import Foundation

/// A linear axis whose ends fall on "nice" tick values (1, 2 or 5 times a power of ten), mapping
/// data values to pixel positions.
///
/// Reference: Heckbert, "Nice Numbers for Graph Labels", Graphics Gems (1990).
struct PlotAxis {
    let lower: Double
    let upper: Double
    let step: Double
    /// Pixel positions of `lower` and `upper`; `pixelUpper < pixelLower` for a y axis.
    let pixelLower: Double
    let pixelUpper: Double

    /// An axis covering `values` (non-finite values ignored) with about `targetTickCount` ticks.
    init(covering values: [Double], pixels: (lower: Double, upper: Double), targetTickCount: Int = 5) {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0
        var high = finite.max() ?? 1
        if low == high {
            // A flat series still gets a visible range around its value.
            low -= 1
            high += 1
        }
        step = Self.niceStep((high - low) / Double(targetTickCount))
        lower = (low / step).rounded(.down) * step
        upper = (high / step).rounded(.up) * step
        pixelLower = pixels.lower
        pixelUpper = pixels.upper
    }

    /// The pixel position of `value`.
    func pixel(_ value: Double) -> Double {
        pixelLower + (value - lower) / (upper - lower) * (pixelUpper - pixelLower)
    }

    /// Tick values from `lower` to `upper` inclusive.
    var ticks: [Double] {
        let count = Int(((upper - lower) / step).rounded())
        return (0...count).map { lower + Double($0) * step }
    }

    /// A tick value with as many decimals as the step needs ("0.5", "100").
    func label(_ value: Double) -> String {
        // 1e-9 keeps log10(0.1) = -0.99999... from asking for a second decimal.
        let decimals = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
        let text = String(format: "%.\(decimals)f", value)
        // Avoid "-0" and "-0.0" from values that round to zero.
        return Double(text) == 0 ? String(format: "%.\(decimals)f", 0.0) : text
    }

    /// The smallest 1, 2 or 5 times a power of ten that is at least `rough`.
    private static func niceStep(_ rough: Double) -> Double {
        let magnitude = pow(10, log10(rough).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * magnitude >= rough * (1 - 1e-9) {
            return factor * magnitude
        }
        return 10 * magnitude
    }
}
