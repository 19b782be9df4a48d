import Foundation

/// Builds SVG 1.1 text one element at a time; the shared drawing vocabulary of `SVGPlot`.
struct SVGDocument {
    private var body: [String] = []
    let width: Double
    let height: Double

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A self-closing element, e.g. `element("line", ["x1": 0, ...])`; attributes in the given order.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String>) {
        body.append("<\(name)\(Self.attributeText(attributes))/>")
    }

    /// An element holding escaped text.
    mutating func text(_ content: String, _ attributes: KeyValuePairs<String, String>) {
        body.append("<text\(Self.attributeText(attributes))>\(Self.escape(content))</text>")
    }

    /// Opens a group; `title` becomes a `<title>` child, shown as a tooltip by viewers.
    mutating func beginGroup(_ attributes: KeyValuePairs<String, String>, title: String? = nil) {
        body.append("<g\(Self.attributeText(attributes))>")
        if let title { body.append("<title>\(Self.escape(title))</title>") }
    }

    mutating func endGroup() {
        body.append("</g>")
    }

    /// The finished document, with an XML declaration and a white background.
    var text: String {
        let size = "width=\"\(Self.number(width))\" height=\"\(Self.number(height))\""
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" \(size) viewBox="0 0 \(Self.number(width)) \(Self.number(height))" \
            font-family="sans-serif" font-size="12">
            <rect x="0" y="0" \(size) fill="#ffffff"/>
            \(body.joined(separator: "\n"))
            </svg>

            """
    }

    /// A coordinate with at most two decimals and no trailing zeros ("12", "12.5", "-0.25").
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// `text` with the five XML special characters escaped, safe in text and in quoted attributes.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func attributeText(_ attributes: KeyValuePairs<String, String>) -> String {
        attributes.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
    }

    /// Writes `text` to `url` atomically: a temporary file renamed into place.
    static func write(_ text: String, to url: URL) throws(SVGPlotError) {
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw SVGPlotError(description: "SVGPlot: cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}

/// Why a plot could not be written.
public struct SVGPlotError: Error, Equatable, CustomStringConvertible {
    public let description: String
}
