// `StrataBench --plot CSV --svg FILE`: the measuring scripts (Benchmarks/cost_curve.py) draw their
// results with Strata's own SVGPlot, so the figures in Benchmarks/README.md come from the
// framework they describe.

import Foundation
import StrataIO

/// What `--plot` draws: the series of a CSV with header `series,x,y`, one row per point, on
/// logarithmic axes (batch sizes and rates span decades).
struct PlotRequest: Equatable {
    var csvPath: String?
    var svgPath: String?
    var title = "samples/s against batch size"
    var xLabel = "batch size"
    var yLabel = "samples/s"

    /// A CSV the plot cannot read: the message names the file and the line.
    struct FileError: Error, CustomStringConvertible {
        let description: String
    }

    /// The CSV's series in the order they first appear, each point in the order of its rows.
    static func series(fromCSV text: String, path: String) throws(FileError) -> [PlotSeries] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard lines.first == "series,x,y" else {
            throw FileError(description: "\(path): the first line must be 'series,x,y'")
        }
        lines.removeFirst()
        var names: [String] = []
        var points: [String: [(x: Double, y: Double)]] = [:]
        for (index, line) in lines.enumerated() where !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, let x = Double(fields[1]), let y = Double(fields[2]) else {
                throw FileError(description: "\(path) line \(index + 2): expected 'name,number,number', got '\(line)'")
            }
            if points[fields[0]] == nil { names.append(fields[0]) }
            points[fields[0], default: []].append((x, y))
        }
        guard !names.isEmpty else { throw FileError(description: "\(path): no points") }
        return names.map { PlotSeries(name: $0, points: points[$0]!) }
    }

    /// Reads the CSV and writes the SVG.
    func run() throws {
        guard let csvPath, let svgPath else { return }
        let text = try String(contentsOfFile: csvPath, encoding: .utf8)
        let series = try Self.series(fromCSV: text, path: csvPath)
        try SVGPlot.writeLineChart(series, title: title, xLabel: xLabel, yLabel: yLabel, width: 720, height: 440,
                                   xScale: .logarithmic, yScale: .logarithmic, to: URL(fileURLWithPath: svgPath))
    }
}
