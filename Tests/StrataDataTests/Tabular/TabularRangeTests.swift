import Foundation
import Strata
import StrataData
import Testing

// Issue 20: finite numbers too large for float32 once standardized are typed errors, never
// infinite inputs to a model.

@Test func hugeFiniteTrainingValuesStandardizeByScaling() throws {
    // 1e300 and 3e300: the squares overflow Double, so the deviation is computed on values
    // scaled by 3e300. Mean 2e300, population deviation 1e300 (by hand: |x - mean| = 1e300 each).
    let table = try CSVTable(text: "x,label\n1e300,no\n3e300,yes\n")
    let encoder = try TabularEncoder(fitting: table, schema: TabularSchema(target: "label", numeric: ["x"], categorical: []))
    #expect(abs(encoder.means[0] / 2e300 - 1) < 1e-12)
    #expect(abs(encoder.standardDeviations[0] / 1e300 - 1) < 1e-12)
    let data = try encoder.encode(table)
    #expect(data.numeric.scalars(as: Float.self) == [-1, 1])
}

@Test func theWidestFiniteSpreadStillStandardizes() throws {
    // -1.7e308 and 1.7e308: the sum of squares overflows, the scaled values are -1 and 1, so the
    // mean is 0 and the deviation 1 * 1.7e308.
    let table = try CSVTable(text: "x,label\n-1.7e308,no\n1.7e308,yes\n")
    let encoder = try TabularEncoder(fitting: table, schema: TabularSchema(target: "label", numeric: ["x"], categorical: []))
    #expect(encoder.means == [0] && encoder.standardDeviations == [1.7e308])
    #expect(try encoder.encode(table).numeric.scalars(as: Float.self) == [-1, 1])
}

@Test func aValueBeyondFloat32OnceStandardizedIsATypedError() throws {
    // Training values 0 and 2: mean 1, deviation 1. 1e300 standardizes to about 1e300, beyond
    // float32's 3.4e38.
    let training = try CSVTable(text: "x,label\n0,no\n2,yes\n")
    let encoder = try TabularEncoder(fitting: training, schema: TabularSchema(target: "label", numeric: ["x"], categorical: []))
    let rows = try CSVTable(text: "x,label\n1,no\n1e300,yes\n")
    #expect(throws: TabularError.valueOutOfRange(column: "x", row: 1, value: 1e300)) { try encoder.encode(rows) }
}
