import Foundation
import Strata
import StrataData
import Testing

// The expected values below are derived by hand from these four training rows:
// - city: categories [a, b] -> a 2, b 3 (0 missing, 1 unknown); color: [blue, red] -> 2, 3.
// - size: mean 2.5, population std sqrt((1.5^2 + 0.5^2 + 0.5^2 + 1.5^2) / 4) = sqrt(1.25);
//   with 2 buckets the one boundary is sorted[1 * 4 / 2] = 3, so 1 and 2 fall in bucket 1, 3
//   and 4 in bucket 2, a missing size in bucket 0 (field size 3).
// - cross city:color: the complete training pairs a|red and a|blue -> a|blue 2, a|red 3 (size 4).
// - wide fields city (4), color (4), size buckets (3), cross (4): offsets 0, 4, 8, 11; 15 ids.
private let trainingText = """
    city,size,color,label
    a,1,red,yes
    b,2,?,no
    a,3,blue,yes
    ,4,red,no
    """

/// Wide ids from per-field local ids, rows of four fields at offsets 0, 4, 8 and 11.
private func wideIDs(_ local: [[Int64]]) -> [Int64] {
    let offsets: [Int64] = [0, 4, 8, 11]
    return local.flatMap { row in zip(row, offsets).map { $0 + $1 } }
}

private func fittedEncoder(crosses: [FeatureCross] = [FeatureCross(["city", "color"])]) throws -> TabularEncoder {
    let table = try CSVTable(text: trainingText)
    let schema = try TabularSchema.inferred(from: table, target: "label", crosses: crosses, numericBuckets: 2)
    #expect(schema.numeric == ["size"] && schema.categorical == ["city", "color"])
    return try TabularEncoder(fitting: table, schema: schema)
}

@Suite struct TabularEncoderTests {
    @Test func fitsVocabulariesStatisticsBucketsAndCrossesOnTrainingRows() throws {
        let encoder = try fittedEncoder()
        #expect(encoder.labels == ["no", "yes"])
        #expect(encoder.categories == [["a", "b"], ["blue", "red"]])
        #expect(encoder.means == [2.5])
        #expect(abs(encoder.standardDeviations[0] - 1.25.squareRoot()) < 1e-12)
        #expect(encoder.bucketBoundaries == [[3]])
        #expect(encoder.wideFieldSizes == [4, 4, 3, 4])
        #expect(encoder.wideFeatureCount == 15)
        #expect(encoder.categoryCounts == [4, 4])

        let data = try encoder.encode(CSVTable(text: trainingText))
        #expect(data.categorical.scalars(as: Int64.self) == [2, 3, 3, 0, 2, 2, 0, 3])
        // Row 1 (b, missing color): the explicit cross is missing (0). Row 3 (missing city) too.
        #expect(data.wide.scalars(as: Int64.self) == wideIDs([[2, 3, 1, 3], [3, 0, 1, 0], [2, 2, 2, 2], [0, 3, 2, 0]]))
        let expected = [1.0, 2, 3, 4].map { Float(($0 - 2.5) / 1.25.squareRoot()) }
        #expect(zip(data.numeric.scalars(as: Float.self), expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(data.labels?.scalars(as: Float.self) == [1, 0, 1, 0])
    }

    @Test func unseenAndMissingValuesGoToTheirBuckets() throws {
        let encoder = try fittedEncoder()
        // c is unseen (1); the missing size becomes the mean (0) and bucket 0; c|red is unseen (1).
        let data = try encoder.encode(CSVTable(text: "city,size,color,label\nc,,red,no\n"))
        #expect(data.categorical.scalars(as: Int64.self) == [1, 3])
        #expect(data.numeric.scalars(as: Float.self) == [0])
        #expect(data.wide.scalars(as: Int64.self) == wideIDs([[1, 3, 0, 1]]))
        // Rows to predict need no target column.
        let unlabelled = try encoder.encode(CSVTable(text: "city,size,color\nb,9,blue\n"), includeLabels: false)
        #expect(unlabelled.labels == nil)
        #expect(unlabelled.wide.scalars(as: Int64.self) == wideIDs([[3, 2, 2, 1]]))
    }

    @Test func hashedCrossesUseTheStableFNV1aHash() throws {
        // FNV-1a 64 test vectors from the reference implementation's test suite.
        #expect(StableHash.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a("foobar") == 0x8594_4171_f739_67e8)
        // Buckets from Python: fnv1a('a\x1fred') % 7 == 3, fnv1a('b\x1f\x00') % 7 == 0,
        // fnv1a('c\x1fred') % 7 == 5 (a missing part hashes as U+0000).
        let encoder = try fittedEncoder(crosses: [FeatureCross(["city", "color"], hashBuckets: 7)])
        #expect(encoder.wideFieldSizes == [4, 4, 3, 7])
        let data = try encoder.encode(CSVTable(text: "city,size,color,label\na,1,red,yes\nb,2,,no\nc,3,red,no\n"))
        let crossIDs = data.wide.scalars(as: Int64.self).enumerated().filter { $0.offset % 4 == 3 }.map(\.element)
        #expect(crossIDs == [14, 11, 16])  // 11 + 3, 11 + 0, 11 + 5
    }

    @Test func savedEncodersEncodeAlike() throws {
        let encoder = try fittedEncoder(crosses: [FeatureCross(["city", "color"]), FeatureCross(["size", "color"], hashBuckets: 5)])
        let restored = try TabularEncoder(jsonString: encoder.jsonString())
        #expect(restored == encoder)
        let rows = try CSVTable(text: trainingText)
        #expect(try restored.encode(rows).wide.scalars(as: Int64.self) == encoder.encode(rows).wide.scalars(as: Int64.self))
        #expect(throws: TabularError.self) { try TabularEncoder(jsonString: "{\"schema\": 3}") }
    }

    @Test func crossesParseFromTheCommandLineForm() throws {
        #expect(try FeatureCross(parsing: "education:occupation") == FeatureCross(["education", "occupation"]))
        #expect(try FeatureCross(parsing: "a:b:c@1000") == FeatureCross(["a", "b", "c"], hashBuckets: 1000))
        #expect(try FeatureCross(parsing: "a:b@1000").name == "a:b@1000")
        for bad in ["education", "a:", "a:b@0", "a:b@x", "a:b@1@2"] {
            #expect(throws: TabularError.self) { try FeatureCross(parsing: bad) }
        }
    }

    @Test func badTablesAndSchemasThrowTypedErrors() throws {
        let table = try CSVTable(text: trainingText)
        #expect(throws: TabularError.csv(.unknownColumn("income", available: table.columnNames))) {
            try TabularSchema.inferred(from: table, target: "income")
        }
        #expect(throws: TabularError.targetNotBinary(column: "city", labels: ["a", "b", "c"])) {
            let three = try CSVTable(text: "city,x\na,1\nb,2\nc,3\n")
            _ = try TabularEncoder(fitting: three, schema: TabularSchema.inferred(from: three, target: "city"))
        }
        let schema = try TabularSchema.inferred(from: table, target: "label")
        #expect(throws: TabularError.missingTarget(column: "label", row: 0)) {
            try TabularEncoder(fitting: table, schema: schema).encode(CSVTable(text: "city,size,color,label\na,1,red,\n"))
        }
        #expect(throws: TabularError.unknownTargetLabel(column: "label", row: 0, value: "maybe")) {
            try TabularEncoder(fitting: table, schema: schema).encode(CSVTable(text: "city,size,color,label\na,1,red,maybe\n"))
        }
        #expect(throws: TabularError.csv(.notNumeric(column: "size", row: 0, value: "big"))) {
            try TabularEncoder(fitting: table, schema: schema).encode(CSVTable(text: "city,size,color,label\na,big,red,no\n"))
        }
        #expect(throws: TabularError.duplicateFeature("city")) {
            try TabularEncoder(fitting: table, schema: TabularSchema(target: "label", numeric: [], categorical: ["city", "city"]))
        }
        #expect(throws: TabularError.invalidCross("city:label: \"label\" is not a feature column")) {
            try TabularSchema.inferred(from: table, target: "label", crosses: [FeatureCross(["city", "label"])])
        }
        #expect(throws: TabularError.noRows) {
            let empty = try CSVTable(text: "city,label\n")
            _ = try TabularEncoder(fitting: empty, schema: TabularSchema(target: "label", numeric: [], categorical: ["city"]))
        }
    }

    @Test func aGivenPositiveLabelComesSecond() throws {
        let table = try CSVTable(text: trainingText)
        let schema = try TabularSchema.inferred(from: table, target: "label", positiveLabel: "no")
        let encoder = try TabularEncoder(fitting: table, schema: schema)
        #expect(encoder.labels == ["yes", "no"])
        #expect(try encoder.encode(table).labels?.scalars(as: Float.self) == [0, 1, 0, 1])
    }

    @Test func splitIndicesPartitionLikeDatasetSplits() {
        let parts = splitIndices(count: 10, fractions: [0.7, 0.1, 0.2], seed: 3)
        #expect(parts.map(\.count) == [7, 1, 2])
        #expect(parts.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(parts == splitIndices(count: 10, fractions: [0.7, 0.1, 0.2], seed: 3))
    }
}
