import Foundation
import StrataIO
import Testing

@Test func logarithmicAxesSpanWholeDecadesAndPlaceValuesByRatio() throws {
    // Points (0, 5), (1, 10), (10, 100), (1000, 1000) on log-log axes. x = 0 has no place on a
    // logarithmic axis, so the line starts at the second point. The x axis covers the decades
    // 1...1000 (three, so ticks at powers of ten only); the y axis 10...1000 (two, so ticks at
    // 1, 2 and 5 times each power). Plot area as in lineChartMapsValuesToThePlotArea: x 70...480,
    // y 340...40, so x = 70 + 410 * log10(x) / 3 and y = 340 - 300 * log10(y / 10) / 2:
    // (1, 10) -> (70, 340); (10, 100) -> (206.67, 190); (1000, 1000) -> (480, 40).
    let svg = SVGPlot.lineChart([PlotSeries(name: "rate", points: [(0, 5), (1, 10), (10, 100), (1000, 1000)])],
                                title: "Rate", xLabel: "batch", yLabel: "samples/s",
                                xScale: .logarithmic, yScale: .logarithmic)
    let root = try #require(XMLTreeBuilder.parse(svg))
    let series = try #require(root.all.first { $0.attributes["id"] == "series-0" })
    let lines = series.children.filter { $0.name == "polyline" }
    #expect(lines.count == 1)
    let points = polylinePoints(lines[0])
    let expected: [[Double]] = [[70, 340], [206.67, 190], [480, 40]]
    #expect(points.count == expected.count)
    for (point, wanted) in zip(points, expected) {
        #expect(abs(point[0] - wanted[0]) < 0.01 && abs(point[1] - wanted[1]) < 0.01, "\(point) vs \(wanted)")
    }
    func tickLabels(_ axis: String) -> [String]? {
        root.all.first { $0.attributes["id"] == axis }?.children.filter { $0.attributes["class"] == "tick" }.map(\.text)
    }
    #expect(tickLabels("x-axis") == ["1", "10", "100", "1000"])
    #expect(tickLabels("y-axis") == ["10", "20", "50", "100", "200", "500", "1000"])
}

@Test func logarithmicAxisLabelsFractionsAndWidensASingleDecade() throws {
    // y values 0.02 and 0.05 lie in one decade, 0.01...0.1, which gets ticks at 1, 2 and 5 times
    // 0.01 and the end 0.1, labelled with the decimals each value needs.
    let svg = SVGPlot.lineChart([PlotSeries(name: "loss", points: [(1, 0.02), (2, 0.05)])],
                                title: "Loss", yScale: .logarithmic)
    let root = try #require(XMLTreeBuilder.parse(svg))
    let yTicks = root.all.first { $0.attributes["id"] == "y-axis" }?.children
        .filter { $0.attributes["class"] == "tick" }.map(\.text)
    #expect(yTicks == ["0.01", "0.02", "0.05", "0.1"])
}
