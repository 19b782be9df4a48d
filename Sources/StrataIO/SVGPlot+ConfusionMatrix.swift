import Foundation

extension SVGPlot {
    /// An SVG heat map of a confusion matrix: one square per (true, predicted) pair, shaded from
    /// white (0) to dark blue (the largest count), with the count printed in it and the class names
    /// along both axes.
    ///
    /// - Parameters:
    ///   - counts: `[classes][classes]`, `counts[trueClass][predictedClass]`, non-negative.
    ///   - classNames: one name per class, in index order.
    ///   - cellSize: side of a square in pixels; default 48.
    public static func confusionMatrix(
        _ counts: [[Int]], classNames: [String], title: String = "Confusion matrix", cellSize: Double = 48
    ) -> String {
        let classCount = classNames.count
        precondition(counts.count == classCount && counts.allSatisfy { $0.count == classCount },
                     "SVGPlot.confusionMatrix: counts \(counts.count) x \(counts.map(\.count)) must be \(classCount) x \(classCount) for \(classCount) class names")
        precondition(counts.joined().allSatisfy { $0 >= 0 }, "SVGPlot.confusionMatrix: counts must be non-negative")
        // Room for the longest name at about 7 pixels a character of the 12-pixel font.
        let nameWidth = 7 * Double(classNames.map(\.count).max() ?? 0) + 16
        let left = nameWidth + 24
        let top = 50.0
        let gridSize = cellSize * Double(classCount)
        let width = left + gridSize + 20
        let height = top + gridSize + nameWidth + 30
        let largest = max(counts.joined().max() ?? 0, 1)
        let n = SVGDocument.number

        var svg = SVGDocument(width: width, height: height)
        svg.text(title, ["x": n(width / 2), "y": "24", "text-anchor": "middle", "font-size": "16"])
        svg.beginGroup(["id": "cells"])
        for (row, rowCounts) in counts.enumerated() {
            for (column, count) in rowCounts.enumerated() {
                let x = left + Double(column) * cellSize
                let y = top + Double(row) * cellSize
                let intensity = Double(count) / Double(largest)
                svg.beginGroup(["class": "cell"], title: "true \(classNames[row]), predicted \(classNames[column]): \(count)")
                svg.element("rect", ["x": n(x), "y": n(y), "width": n(cellSize), "height": n(cellSize),
                                     "fill": shade(intensity), "stroke": "#ffffff"])
                // White text on the darker half of the scale keeps the count readable.
                svg.text(String(count), ["class": "count", "x": n(x + cellSize / 2), "y": n(y + cellSize / 2 + 4),
                                         "text-anchor": "middle", "fill": intensity > 0.5 ? "#ffffff" : "#000000"])
                svg.endGroup()
            }
        }
        svg.endGroup()
        for (index, name) in classNames.enumerated() {
            let center = Double(index) * cellSize + cellSize / 2
            svg.text(name, ["class": "row-label", "x": n(left - 6), "y": n(top + center + 4), "text-anchor": "end"])
            let x = n(left + center)
            let y = n(top + gridSize + 12)
            svg.text(name, ["class": "column-label", "x": x, "y": y, "text-anchor": "end",
                            "transform": "rotate(-45 \(x) \(y))"])
        }
        let middleY = n(top + gridSize / 2)
        svg.text("true class", ["x": "14", "y": middleY, "text-anchor": "middle", "transform": "rotate(-90 14 \(middleY))"])
        svg.text("predicted class", ["x": n(left + gridSize / 2), "y": n(height - 8), "text-anchor": "middle"])
        return svg.text
    }

    /// Writes `confusionMatrix(...)` to `url` atomically; throws `SVGPlotError` when the file cannot be written.
    public static func writeConfusionMatrix(
        _ counts: [[Int]], classNames: [String], title: String = "Confusion matrix", cellSize: Double = 48, to url: URL
    ) throws(SVGPlotError) {
        try SVGDocument.write(confusionMatrix(counts, classNames: classNames, title: title, cellSize: cellSize), to: url)
    }

    /// Linear blend from white to #08519c (ColorBrewer Blues' darkest but one) at `intensity` in [0, 1].
    static func shade(_ intensity: Double) -> String {
        let dark = (r: 0x08, g: 0x51, b: 0x9c)
        func channel(_ target: Int) -> Int { Int((255 - Double(255 - target) * intensity).rounded()) }
        return String(format: "#%02x%02x%02x", channel(dark.r), channel(dark.g), channel(dark.b))
    }
}
