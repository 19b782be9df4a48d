import Foundation
import Strata
import StrataData
import StrataIO

/// Images to classify from a file: IDX (uint8 `[N, 28, 28]`), CSV (784 numeric columns per row,
/// with or without a header) or NPY (`<f4`, `<f8` or `|u1`, shape `[N, 28, 28]`, `[N, 784]` or
/// `[N, 1, 28, 28]`). All hold pixel values 0...255, scaled by 1/255 as in training.
public enum PredictInput {
    /// The file formats `load` reads.
    public enum Format: String, Sendable, CaseIterable {
        case idx, csv, npy

        /// The format a file's extension names: `.npy`, `.csv`, anything else IDX.
        public init(pathExtension: String) {
            self = Format(rawValue: pathExtension.lowercased()) ?? .idx
        }
    }

    /// What the images must satisfy before scaling, in every format: `[N, 1, 28, 28]` with
    /// N > 0, each pixel a finite number in 0...255.
    public static let requirements = ImageDataRequirements(imageShape: [1, 28, 28], classCount: FashionMNIST.classNames.count)

    /// The images as float32 `[N, 1, 28, 28]`; the format is chosen by the extension (`.npy`,
    /// `.csv`, anything else IDX).
    /// - Throws: `CLIError.unreadableFile` naming the file and the reason.
    public static func load(_ path: String) throws(CLIError) -> Tensor {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadableFile(path: path, reason: FileProblem(error).description) }
        return try images(in: data, format: Format(pathExtension: url.pathExtension), path: path)
    }

    /// The images in the bytes of a file in `format` (`path` names it in errors), decoded, then
    /// checked against `requirements`, then scaled by 1/255: float32 `[N, 1, 28, 28]`.
    /// - Throws: `CLIError.unreadableFile` naming the file and the reason.
    public static func images(in data: Data, format: Format, path: String) throws(CLIError) -> Tensor {
        let fail = { (reason: String) in CLIError.unreadableFile(path: path, reason: reason) }
        let values: [Double], shape: [Int]
        switch format {
        case .npy:
            do {
                let array = try NPYFile.parse(data)
                (values, shape) = (array.values, array.shape)
            } catch { throw fail(error.description) }
        case .csv:
            guard let text = String(data: data, encoding: .utf8) else { throw fail("not UTF-8 text") }
            (values, shape) = try csv(text, fail: fail)
        case .idx:
            let tensor: Tensor
            do { tensor = try IDXFile.parse(data) } catch { throw fail(String(describing: error)) }
            (values, shape) = (tensor.cast(to: .float64).scalars(as: Double.self), tensor.shape)
        }
        guard let count = shape.first, count > 0,
              [[count, 28, 28], [count, 784], [count, 1, 28, 28]].contains(shape) else {
            throw fail("expected images [N, 28, 28], [N, 784] or [N, 1, 28, 28] with N > 0, got \(shape)")
        }
        do {
            try requirements.validate(images: Tensor(values, shape: [count, 1, 28, 28]), labels: nil)
        } catch { throw fail(error.description) }
        return Tensor(values.map { Float($0 / 255) }, shape: [count, 1, 28, 28])
    }

    private static func csv(_ text: String, fail: (String) -> CLIError) throws(CLIError) -> ([Double], [Int]) {
        // A first line of numbers is data: give the table a header of its own.
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r" }
        let headerless = !firstLine.isEmpty && firstLine.split(separator: ",", omittingEmptySubsequences: false)
            .allSatisfy { Double($0.trimmingCharacters(in: .whitespaces)) != nil }
        let columns = firstLine.split(separator: ",", omittingEmptySubsequences: false).count
        let source = headerless ? (0..<columns).map { "pixel\($0)" }.joined(separator: ",") + "\n" + text : text
        let table: CSVTable
        do { table = try CSVTable(text: source, missingMarkers: []) } catch { throw fail(error.description) }
        guard table.columnNames.count == 784 else { throw fail("expected 784 columns, found \(table.columnNames.count)") }
        var values: [Double] = []
        values.reserveCapacity(table.rowCount * 784)
        for (row, fields) in table.rows.enumerated() {
            for (column, field) in fields.enumerated() {
                guard let value = Double(field.trimmingCharacters(in: .whitespaces)) else {
                    throw fail("row \(row + 1), column \(column + 1): '\(field)' is not a number")
                }
                values.append(value)
            }
        }
        return (values, [table.rowCount, 784])
    }
}
