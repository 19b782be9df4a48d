import Foundation

/// One named curve of a line plot, e.g. the training loss per epoch.
public struct PlotSeries: Sendable {
    public var name: String
    /// The points in drawing order; a non-finite `y` (a NaN loss) breaks the line there.
    public var points: [(x: Double, y: Double)]

    public init(name: String, points: [(x: Double, y: Double)]) {
        self.name = name
        self.points = points
    }

    /// `values[i]` plotted at x = `firstX + i` (default 1: epochs 1, 2, ...).
    public init(name: String, values: [Double], firstX: Double = 1) {
        self.init(name: name, points: values.enumerated().map { (firstX + Double($0.offset), $0.element) })
    }
}

/// Plain SVG 1.1 plots for training reports: line plots of curves (`lineChart`) and confusion
/// matrices (`confusionMatrix`). The text needs no fonts or scripts and opens in any browser.
public enum SVGPlot {
    /// Layout of a line plot in pixels: the plot area sits inside these margins.
    static let lineMargins = (left: 70.0, right: 160.0, top: 40.0, bottom: 60.0)

    /// Tableau 10, colour-blind-friendly and distinct in print; series cycle through it.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                          "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    /// An SVG line plot of `series` with ticked x and y axes, their labels, a title and a legend.
    ///
    /// Axes span all finite points, widened to the nearest nice tick (1, 2 or 5 times a power of
    /// ten); a logarithmic axis (`xScale`, `yScale`) spans whole decades and leaves out points at
    /// or below zero. Defaults: 640 x 400 pixels, linear axes.
    public static func lineChart(
        _ series: [PlotSeries], title: String, xLabel: String = "epoch", yLabel: String = "",
        width: Double = 640, height: Double = 400, xScale: PlotScale = .linear, yScale: PlotScale = .linear
    ) -> String {
        let margins = lineMargins
        precondition(width > margins.left + margins.right && height > margins.top + margins.bottom,
                     "SVGPlot.lineChart: \(width) x \(height) pixels leaves no room for the plot area")
        let drawable = { (point: (x: Double, y: Double)) in
            PlotAxis.canDraw(point.x, on: xScale) && PlotAxis.canDraw(point.y, on: yScale)
        }
        let finitePoints = series.flatMap(\.points).filter(drawable)
        let xAxis = PlotAxis(covering: finitePoints.map(\.x), pixels: (margins.left, width - margins.right), scale: xScale)
        let yAxis = PlotAxis(covering: finitePoints.map(\.y), pixels: (height - margins.bottom, margins.top), scale: yScale)
        var svg = SVGDocument(width: width, height: height)
        drawAxes(x: xAxis, y: yAxis, in: &svg)
        svg.text(title, ["x": SVGDocument.number((xAxis.pixelLower + xAxis.pixelUpper) / 2), "y": "24",
                         "text-anchor": "middle", "font-size": "16"])
        svg.text(xLabel, ["x": SVGDocument.number((xAxis.pixelLower + xAxis.pixelUpper) / 2),
                          "y": SVGDocument.number(height - 16), "text-anchor": "middle"])
        let yMiddle = SVGDocument.number((yAxis.pixelLower + yAxis.pixelUpper) / 2)
        svg.text(yLabel, ["x": "18", "y": yMiddle, "text-anchor": "middle", "transform": "rotate(-90 18 \(yMiddle))"])

        for (index, curve) in series.enumerated() {
            let color = palette[index % palette.count]
            svg.beginGroup(["id": "series-\(index)", "stroke": color, "fill": "none", "stroke-width": "2"],
                           title: curve.name)
            for segment in finiteRuns(of: curve.points, where: drawable) {
                let points = segment.map { "\(SVGDocument.number(xAxis.pixel($0.x))),\(SVGDocument.number(yAxis.pixel($0.y)))" }
                if points.count == 1 {
                    // A lone point between gaps has no line; draw a dot so it is not lost.
                    let xy = points[0].split(separator: ",").map(String.init)
                    svg.element("circle", ["cx": xy[0], "cy": xy[1], "r": "2.5", "fill": color])
                } else {
                    svg.element("polyline", ["points": points.joined(separator: " ")])
                }
            }
            svg.endGroup()
            // Legend: a short line and the name, one row per series, right of the plot area.
            let rowY = margins.top + 10 + Double(index) * 20
            let legendX = width - margins.right + 16
            svg.element("line", ["x1": SVGDocument.number(legendX), "y1": SVGDocument.number(rowY),
                                 "x2": SVGDocument.number(legendX + 24), "y2": SVGDocument.number(rowY),
                                 "stroke": color, "stroke-width": "2"])
            svg.text(curve.name, ["class": "legend", "x": SVGDocument.number(legendX + 30),
                                  "y": SVGDocument.number(rowY + 4)])
        }
        return svg.text
    }

    /// Writes `lineChart(...)` to `url` atomically; throws `SVGPlotError` when the file cannot be written.
    public static func writeLineChart(
        _ series: [PlotSeries], title: String, xLabel: String = "epoch", yLabel: String = "",
        width: Double = 640, height: Double = 400, xScale: PlotScale = .linear, yScale: PlotScale = .linear,
        to url: URL
    ) throws(SVGPlotError) {
        try SVGDocument.write(lineChart(series, title: title, xLabel: xLabel, yLabel: yLabel,
                                        width: width, height: height, xScale: xScale, yScale: yScale), to: url)
    }

    /// Frame, grid lines, ticks and tick labels of both axes.
    private static func drawAxes(x: PlotAxis, y: PlotAxis, in svg: inout SVGDocument) {
        let n = SVGDocument.number
        svg.beginGroup(["id": "x-axis", "stroke": "#000000"])
        for tick in x.ticks {
            let position = n(x.pixel(tick))
            svg.element("line", ["x1": position, "y1": n(y.pixelLower), "x2": position, "y2": n(y.pixelLower + 5)])
            svg.text(x.label(tick), ["class": "tick", "x": position, "y": n(y.pixelLower + 18),
                                     "text-anchor": "middle", "stroke": "none"])
        }
        svg.endGroup()
        svg.beginGroup(["id": "y-axis", "stroke": "#000000"])
        for tick in y.ticks {
            let position = n(y.pixel(tick))
            svg.element("line", ["x1": n(x.pixelLower), "y1": position, "x2": n(x.pixelUpper), "y2": position,
                                 "stroke": "#e0e0e0"])
            svg.element("line", ["x1": n(x.pixelLower - 5), "y1": position, "x2": n(x.pixelLower), "y2": position])
            svg.text(y.label(tick), ["class": "tick", "x": n(x.pixelLower - 8), "y": n(y.pixel(tick) + 4),
                                     "text-anchor": "end", "stroke": "none"])
        }
        svg.endGroup()
        svg.element("rect", ["x": n(x.pixelLower), "y": n(y.pixelUpper), "width": n(x.pixelUpper - x.pixelLower),
                             "height": n(y.pixelLower - y.pixelUpper), "fill": "none", "stroke": "#000000"])
    }

    /// The maximal runs of consecutive points that `drawable` accepts (finite coordinates, and
    /// positive ones on a logarithmic axis).
    private static func finiteRuns(of points: [(x: Double, y: Double)],
                                   where drawable: ((x: Double, y: Double)) -> Bool) -> [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = [[]]
        for point in points {
            if drawable(point) {
                runs[runs.count - 1].append(point)
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        return runs.filter { !$0.isEmpty }
    }
}
