import Foundation
import StrataData
import Testing

/// An encoder fitted on a small table: categorical `color`, numeric `x`, an explicit and a
/// hashed cross.
private func fittedEncoder() throws -> TabularEncoder {
    var lines = ["color,x,label"]
    for row in 0..<30 { lines.append("\(["red", "green", "blue"][row % 3]),\(row % 5),\(row % 2 == 0 ? "yes" : "no")") }
    let table = try CSVTable(text: lines.joined(separator: "\n"), columnKinds: ["x": .numeric])
    let schema = TabularSchema(target: "label", numeric: ["x"], categorical: ["color"],
                               crosses: [FeatureCross(["color", "x"]), FeatureCross(["color", "x"], hashBuckets: 7)],
                               numericBuckets: 4)
    return try TabularEncoder(fitting: table, schema: schema)
}

/// The encoder's JSON with `change` applied, decoded again.
private func decoded(_ encoder: TabularEncoder, _ change: (inout [String: Any]) -> Void) throws(TabularError) -> TabularEncoder {
    var object = try! JSONSerialization.jsonObject(with: Data(encoder.jsonString().utf8)) as! [String: Any]
    change(&object)
    return try TabularEncoder(jsonString: String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self))
}

@Test func aSavedEncoderRoundTripsAndIsValid() throws {
    let encoder = try fittedEncoder()
    try encoder.validate()
    #expect(try decoded(encoder) { _ in } == encoder)
}

@Test func everyFieldOfASavedEncoderIsChecked() throws {
    let encoder = try fittedEncoder()
    func expect(_ field: String, _ reason: String, _ change: (inout [String: Any]) -> Void) {
        #expect(throws: TabularError.invalidEncoder(field: field, reason: reason)) { _ = try decoded(encoder, change) }
    }
    expect("bucketBoundaries[0]", "must be finite and strictly increasing") { $0["bucketBoundaries"] = [[1.0, 1.0]] }
    expect("bucketBoundaries[0]", "must be finite and strictly increasing") { $0["bucketBoundaries"] = [[2.0, 1.0]] }
    expect("bucketBoundaries[0]", "has 4 cut points for 4 buckets") { $0["bucketBoundaries"] = [[1.0, 2, 3, 4]] }
    expect("bucketBoundaries", "has 2 entries for 1 numeric columns") { $0["bucketBoundaries"] = [[1.0], [2.0]] }
    expect("categories", "has 0 entries for 1 categorical columns") { $0["categories"] = [[String]]() }
    expect("categories[0]", "holds a label twice") { $0["categories"] = [["red", "red"]] }
    expect("standardDeviations[0]", "is -1.0, not finite and positive") { $0["standardDeviations"] = [-1.0] }
    expect("labels", "has 3 entries for 2 target labels") { $0["labels"] = ["a", "b", "c"] }
    expect("labels", "holds \"no\" twice") { $0["labels"] = ["no", "no"] }
    expect("crossCombinations[1]", "must be null for the hashed cross color:x@7") {
        $0["crossCombinations"] = [["a"], ["b"]]
    }
    expect("crossCombinations[0]", "is missing for the explicit cross color:x") {
        $0["crossCombinations"] = [NSNull(), NSNull()]
    }
    expect("crossCombinations[0]", "holds a label twice") { $0["crossCombinations"] = [["a", "a"], NSNull()] }
    #expect(throws: TabularError.invalidCross("color:x@16777217: the bucket count must be in 1...16777216")) {
        _ = try decoded(encoder) { object in
            var schema = object["schema"] as! [String: Any]
            schema["crosses"] = [["columns": ["color", "x"]], ["columns": ["color", "x"], "hashBuckets": 16_777_217]]
            object["schema"] = schema
        }
    }
    #expect(throws: TabularError.invalidEncoder(field: "wideFeatureCount", reason: "exceeds 16777216 ids")) {
        _ = try decoded(encoder) { object in
            var schema = object["schema"] as! [String: Any]
            schema["crosses"] = [["columns": ["color", "x"]], ["columns": ["color", "x"], "hashBuckets": 16_777_216]]
            object["schema"] = schema
        }
    }
}
