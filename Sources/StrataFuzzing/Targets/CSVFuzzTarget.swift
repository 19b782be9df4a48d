import Foundation
import Strata
import StrataData

/// The wide-deep table path of `strata train/evaluate/predict --model wide-deep`: CSV text ->
/// `CSVTable` (kinds inferred, numeric cells checked) -> `TabularSchema.inferred` ->
/// `TabularEncoder` fitted and applied. A table refused for a non-finite number is read again
/// with `nonFinite: .missing`, as `--non-finite missing` would.
///
/// Independent check of an accepted table: every present cell of a numeric column parses
/// (`Double`) to a finite number, and the encoded tensors hold finite numeric inputs, wide and
/// categorical ids inside their id spaces, and 0/1 labels.
public struct CSVFuzzTarget: FuzzTarget {
    public let name = "csv"
    public let isText = true
    public let seeds: [[UInt8]]

    public init() {
        // Two small tables of the Adult kind: numeric and categorical columns, missing cells,
        // quoted fields, a CRLF file.
        var adult = ["age,hours,education,city,label"]
        let educations = ["Bachelors", "HS-grad", "Masters", "?"], cities = ["Oslo", "\"Rome, IT\"", "Lima", ""]
        for row in 0..<24 {
            let age = 20 + (row * 7) % 45, hours = row % 5 == 0 ? "NA" : String(30 + (row * 3) % 25)
            adult.append("\(age),\(hours),\(educations[row % 4]),\(cities[(row / 2) % 4]),\(row % 3 == 0 ? ">50K" : "<=50K")")
        }
        var sensors = ["t,x1,x2,x3,y"]
        for row in 0..<16 {
            sensors.append("\(row),\(Double(row) * 0.25 - 1.5),\(1e-3 * Double(row * row)),-\(row)e2,\(row % 2)")
        }
        seeds = [Array((adult.joined(separator: "\n") + "\n").utf8),
                 Array((sensors.joined(separator: "\r\n") + "\r\n").utf8)]
    }

    public func run(_ input: [UInt8], seed: Int) -> FuzzOutcome {
        // As `CSVTable(contentsOf:)`: the bytes must be UTF-8.
        guard let text = String(data: Data(input), encoding: .utf8) else { return .rejected("not UTF-8 text") }
        let target = seed == 0 ? "label" : "y"
        do {
            return try check(read(text, target: target, nonFinite: .reject))
        } catch let error as CSVError {
            guard case .nonFiniteValue = error else { return .rejected(error.description) }
            do {
                return try check(read(text, target: target, nonFinite: .missing))
            } catch {
                return classify(error, typed: [CSVError.self, TabularError.self])
            }
        } catch {
            return classify(error, typed: [CSVError.self, TabularError.self])
        }
    }

    /// The table, its encoder and its encoded rows.
    private func read(_ text: String, target: String, nonFinite: NonFiniteNumbers) throws
        -> (CSVTable, TabularEncoder, TabularData) {
        let table = try CSVTable(text: text, nonFinite: nonFinite)
        let schema = try TabularSchema.inferred(from: table, target: target)
        let encoder = try TabularEncoder(fitting: table, schema: schema)
        return (table, encoder, try encoder.encode(table))
    }

    private func check(_ result: (CSVTable, TabularEncoder, TabularData)) -> FuzzOutcome {
        let (table, encoder, data) = result
        for (column, kind) in table.columnKinds.enumerated() where kind == .numeric {
            for (row, fields) in table.rows.enumerated() where !table.missingMarkers.contains(fields[column]) {
                guard let value = Double(fields[column].trimmingCharacters(in: .whitespaces)) else {
                    return .silentAcceptance("row \(row), numeric column \(table.columnNames[column]): \"\(fields[column])\" is no number")
                }
                // Non-finite cells are allowed only as missing (`nonFinite: .missing`).
                if !value.isFinite && !(table.nonFinite == .missing && (try? table.isMissing(row: row, column: table.columnNames[column])) == true) {
                    return .silentAcceptance("row \(row), numeric column \(table.columnNames[column]): \(value) accepted")
                }
            }
        }
        if let value = data.numeric.scalars(as: Float.self).first(where: { !$0.isFinite }) {
            return .silentAcceptance("an encoded numeric input is \(value)")
        }
        let wide = data.wide.scalars(as: Int64.self)
        if let id = wide.first(where: { !(0..<Int64(encoder.wideFeatureCount)).contains($0) }) {
            return .silentAcceptance("wide id \(id) outside 0..<\(encoder.wideFeatureCount)")
        }
        let counts = encoder.categoryCounts, categorical = data.categorical.scalars(as: Int64.self)
        for (position, id) in categorical.enumerated() where !(0..<Int64(counts[position % counts.count])).contains(id) {
            return .silentAcceptance("categorical id \(id) outside its \(counts[position % counts.count]) categories")
        }
        if let label = data.labels?.scalars(as: Float.self).first(where: { $0 != 0 && $0 != 1 }) {
            return .silentAcceptance("label \(label)")
        }
        return .accepted
    }
}
