import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import StrataIO
import Testing

/// An element of a parsed SVG document: its name, attributes, text and children.
final class XMLElementNode {
    let name: String
    let attributes: [String: String]
    var text = ""
    var children: [XMLElementNode] = []

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// This element and all its descendants, depth first.
    var all: [XMLElementNode] { [self] + children.flatMap(\.all) }
}

/// Parses `text` with Foundation's XMLParser; fails the test if it is not well-formed XML.
final class XMLTreeBuilder: NSObject, XMLParserDelegate {
    private var stack: [XMLElementNode] = []
    private(set) var root: XMLElementNode?

    static func parse(_ text: String) -> XMLElementNode? {
        let builder = XMLTreeBuilder()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = builder
        let succeeded = parser.parse()
        #expect(succeeded, "XMLParser: \(String(describing: parser.parserError))")
        return succeeded ? builder.root : nil
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String]) {
        let node = XMLElementNode(name: elementName, attributes: attributes)
        if let parent = stack.last { parent.children.append(node) } else { root = node }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }
}

/// The (x, y) pairs of a polyline's `points` attribute.
func polylinePoints(_ node: XMLElementNode) -> [[Double]] {
    (node.attributes["points"] ?? "").split(separator: " ").map { $0.split(separator: ",").compactMap { Double($0) } }
}

@Test func lineChartMapsValuesToThePlotArea() throws {
    // One series through (0, 0), (5, 2.5), (10, 10). The axes cover 0...10 with step 2 (the nice
    // step for a range of 10 in about 5 ticks). The plot area is x 70...480 (640 wide, margins 70
    // left and 160 right) and y 340...40 (400 high, margins 40 top and 60 bottom, y up), so
    // x = 70 + 41 * value and y = 340 - 30 * value: (70, 340), (275, 265), (480, 40).
    let svg = SVGPlot.lineChart([PlotSeries(name: "train", points: [(0, 0), (5, 2.5), (10, 10)])],
                                title: "Loss", xLabel: "epoch", yLabel: "loss")
    let root = try #require(XMLTreeBuilder.parse(svg))
    #expect(root.name == "svg")
    #expect(root.attributes["width"] == "640" && root.attributes["height"] == "400")
    #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg" && root.attributes["version"] == "1.1")
    let series = try #require(root.all.first { $0.attributes["id"] == "series-0" })
    #expect(series.children.first { $0.name == "title" }?.text == "train")
    let lines = series.children.filter { $0.name == "polyline" }
    #expect(lines.count == 1)
    #expect(polylinePoints(lines[0]) == [[70, 340], [275, 265], [480, 40]])

    let tickLabels = { (axis: String) in
        root.all.first { $0.attributes["id"] == axis }?.children.filter { $0.attributes["class"] == "tick" }.map(\.text)
    }
    #expect(tickLabels("x-axis") == ["0", "2", "4", "6", "8", "10"])
    #expect(tickLabels("y-axis") == ["0", "2", "4", "6", "8", "10"])
    let texts = root.all.filter { $0.name == "text" }.map(\.text)
    #expect(texts.contains("Loss") && texts.contains("epoch") && texts.contains("loss"))
}

@Test func lineChartDrawsEverySeriesWithALegendAndBreaksAtNaN() throws {
    // Validation loss is NaN at epoch 3: its line splits into epochs 1-2 and 4-5.
    let series = [
        PlotSeries(name: "training", values: [1.0, 0.5, 0.25, 0.2, 0.15]),
        PlotSeries(name: "validation <held out>", values: [1.1, 0.7, .nan, 0.4, 0.35]),
    ]
    let root = try #require(XMLTreeBuilder.parse(SVGPlot.lineChart(series, title: "Loss")))
    let legend = root.all.filter { $0.attributes["class"] == "legend" }.map(\.text)
    #expect(legend == ["training", "validation <held out>"])
    let training = try #require(root.all.first { $0.attributes["id"] == "series-0" })
    let validation = try #require(root.all.first { $0.attributes["id"] == "series-1" })
    #expect(training.attributes["stroke"] != validation.attributes["stroke"])
    #expect(training.children.filter { $0.name == "polyline" }.map { polylinePoints($0).count } == [5])
    #expect(validation.children.filter { $0.name == "polyline" }.map { polylinePoints($0).count } == [2, 2])
    // y covers 0.15...1.1 widened to the step 0.2: ticks 0, 0.2, ..., 1.2.
    let yTicks = root.all.first { $0.attributes["id"] == "y-axis" }?.children.filter { $0.attributes["class"] == "tick" }
    #expect(yTicks?.map(\.text) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "1.2"])
}

@Test func confusionMatrixShowsCountsNamesAndShading() throws {
    let counts = [[5, 1], [0, 3]]
    let names = ["cat", "dog & <fox>"]
    let root = try #require(XMLTreeBuilder.parse(SVGPlot.confusionMatrix(counts, classNames: names)))
    let cells = root.all.filter { $0.attributes["class"] == "cell" }
    #expect(cells.count == 4)
    #expect(cells.compactMap { $0.children.first { $0.attributes["class"] == "count" }?.text } == ["5", "1", "0", "3"])
    // The largest count gets the darkest blue, zero stays white; 3 of 5 is 60% of the way.
    let fills = cells.compactMap { $0.children.first { $0.name == "rect" }?.attributes["fill"] }
    #expect(fills[0] == "#08519c" && fills[2] == "#ffffff")
    // Each channel is 255 - (255 - dark) * 0.6: red 106.8 -> 0x6b, green 150.6 -> 0x97, blue 195.6 -> 0xc4.
    #expect(fills[3] == "#6b97c4")
    #expect(root.all.filter { $0.attributes["class"] == "row-label" }.map(\.text) == names)
    #expect(root.all.filter { $0.attributes["class"] == "column-label" }.map(\.text) == names)
    // Cells are laid out row by row: (true 0, predicted 1) is right of (0, 0), (1, 0) below it.
    let origins = cells.compactMap { $0.children.first { $0.name == "rect" } }
        .map { [Double($0.attributes["x"] ?? "") ?? -1, Double($0.attributes["y"] ?? "") ?? -1] }
    #expect(origins[1][0] - origins[0][0] == 48 && origins[1][1] == origins[0][1])
    #expect(origins[2][1] - origins[0][1] == 48 && origins[2][0] == origins[0][0])
}

@Test func plotsAreWrittenAtomicallyAndFailuresThrow() throws {
    let directory = try temporaryDirectory()
    let url = directory.appendingPathComponent("loss.svg")
    let series = [PlotSeries(name: "train", values: [3, 2, 1])]
    try SVGPlot.writeLineChart(series, title: "first", to: url)
    try SVGPlot.writeLineChart(series, title: "second", to: url)
    let written = try String(contentsOf: url, encoding: .utf8)
    #expect(written == SVGPlot.lineChart(series, title: "second"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["loss.svg"])

    let matrixURL = directory.appendingPathComponent("confusion.svg")
    try SVGPlot.writeConfusionMatrix([[1]], classNames: ["only"], to: matrixURL)
    #expect(try String(contentsOf: matrixURL, encoding: .utf8).hasPrefix("<?xml version=\"1.0\""))

    let blocked = url.appendingPathComponent("inside-a-file.svg")
    #expect(throws: SVGPlotError.self) { try SVGPlot.writeLineChart(series, title: "x", to: blocked) }
}
