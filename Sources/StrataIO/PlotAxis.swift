import Foundation

/// An axis whose ends fall on "nice" tick values, mapping data values to pixel positions: on a
/// linear scale 1, 2 or 5 times a power of ten; on a logarithmic scale powers of ten (with 2 and 5
/// times them when the axis spans fewer than three decades).
///
/// Reference: Heckbert, "Nice Numbers for Graph Labels", Graphics Gems (1990).
struct PlotAxis {
    let lower: Double
    let upper: Double
    /// The linear tick step; unused on a logarithmic axis.
    let step: Double
    let scale: PlotScale
    /// Pixel positions of `lower` and `upper`; `pixelUpper < pixelLower` for a y axis.
    let pixelLower: Double
    let pixelUpper: Double

    /// An axis covering `values` (values it cannot draw ignored: non-finite ones, and on a
    /// logarithmic scale those at or below zero) with about `targetTickCount` ticks.
    init(covering values: [Double], pixels: (lower: Double, upper: Double), targetTickCount: Int = 5,
         scale: PlotScale = .linear) {
        self.scale = scale
        pixelLower = pixels.lower
        pixelUpper = pixels.upper
        let drawable = values.filter { PlotAxis.canDraw($0, on: scale) }
        switch scale {
        case .linear:
            var low = drawable.min() ?? 0
            var high = drawable.max() ?? 1
            if low == high {
                // A flat series still gets a visible range around its value.
                low -= 1
                high += 1
            }
            step = Self.niceStep((high - low) / Double(targetTickCount))
            lower = (low / step).rounded(.down) * step
            upper = (high / step).rounded(.up) * step
        case .logarithmic:
            let low = (drawable.min() ?? 1)
            let high = (drawable.max() ?? 10)
            let lowDecade = log10(low).rounded(.down)
            var highDecade = (log10(high) - 1e-12).rounded(.up)
            if highDecade <= lowDecade { highDecade = lowDecade + 1 }
            lower = pow(10, lowDecade)
            upper = pow(10, highDecade)
            step = 0
        }
    }

    /// Whether `value` has a position on an axis of `scale`.
    static func canDraw(_ value: Double, on scale: PlotScale) -> Bool {
        value.isFinite && (scale == .linear || value > 0)
    }

    /// The pixel position of `value`.
    func pixel(_ value: Double) -> Double {
        switch scale {
        case .linear:
            return pixelLower + (value - lower) / (upper - lower) * (pixelUpper - pixelLower)
        case .logarithmic:
            return pixelLower + log10(value / lower) / log10(upper / lower) * (pixelUpper - pixelLower)
        }
    }

    /// Tick values from `lower` to `upper` inclusive.
    var ticks: [Double] {
        switch scale {
        case .linear:
            let count = Int(((upper - lower) / step).rounded())
            return (0...count).map { lower + Double($0) * step }
        case .logarithmic:
            let decades = Int(log10(upper / lower).rounded())
            let factors: [Double] = decades < 3 ? [1, 2, 5] : [1]
            let ticks = (0..<decades).flatMap { decade in factors.map { $0 * lower * pow(10, Double(decade)) } }
            return ticks + [upper]
        }
    }

    /// A tick value with as many decimals as the step needs ("0.5", "100"); on a logarithmic
    /// axis as many as the value itself needs ("0.01", "1000").
    func label(_ value: Double) -> String {
        if scale == .logarithmic {
            let decimals = max(0, Int((-log10(value) - 1e-9).rounded(.up)))
            return String(format: "%.\(decimals)f", value)
        }
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
