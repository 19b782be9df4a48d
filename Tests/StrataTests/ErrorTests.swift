import Strata
import Testing

// Typed errors at the edges (STYLE.md, rule 7): data from outside the program throws a
// `TensorShapeError` whose message names what was wrong, instead of trapping.
// `Tensor(validating:shape:)` is the only throwing entry point in Strata today.

@Suite("Typed errors")
struct ErrorTests {
    @Test("too few or too many scalars throw an error naming the count and the shape")
    func countMismatch() {
        // [2, 3] holds 2 * 3 = 6 scalars.
        let tooFew = #expect(throws: TensorShapeError.self) {
            try Tensor(validating: [1, 2, 3, 4, 5] as [Float], shape: [2, 3])
        }
        #expect(tooFew?.message == "Tensor: 5 scalars cannot fill shape [2, 3], which holds 6")
        let tooMany = #expect(throws: TensorShapeError.self) {
            try Tensor(validating: [Int64](repeating: 0, count: 7), shape: [3, 2])
        }
        #expect(tooMany?.message == "Tensor: 7 scalars cannot fill shape [3, 2], which holds 6")
        #expect(tooMany?.description == tooMany?.message)
        #expect(tooFew != tooMany)
    }

    @Test("a scalar shape holds exactly one value and an empty shape none")
    func scalarAndEmptyShapes() throws {
        // [] is a scalar (the empty product is 1); [4, 0] holds 0.
        #expect(throws: TensorShapeError.self) { try Tensor(validating: [] as [Double], shape: []) }
        #expect(throws: TensorShapeError.self) { try Tensor(validating: [1, 2] as [Double], shape: []) }
        #expect(throws: TensorShapeError.self) { try Tensor(validating: [1] as [Double], shape: [4, 0]) }
        #expect(try Tensor(validating: [2.5] as [Double], shape: []).scalar(as: Double.self) == 2.5)
        #expect(try Tensor(validating: [] as [Int32], shape: [4, 0]).shape == [4, 0])
    }

    @Test("a negative dimension throws an error naming it, even when the counts would match")
    func negativeDimension() {
        // [-2, -3] would "hold" 6 by the product alone; the sign check comes first.
        let bothNegative = #expect(throws: TensorShapeError.self) {
            try Tensor(validating: [1, 2, 3, 4, 5, 6] as [Float], shape: [-2, -3])
        }
        #expect(bothNegative?.message == "Tensor: shape [-2, -3] has a negative dimension -2")
        let oneNegative = #expect(throws: TensorShapeError.self) {
            try Tensor(validating: [Bool](), shape: [3, -1])
        }
        #expect(oneNegative?.message == "Tensor: shape [3, -1] has a negative dimension -1")
    }

    @Test("valid data of every dtype builds the tensor it describes")
    func validDataOfEveryDType() throws {
        let floats = try Tensor(validating: [1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        #expect(floats.shape == [2, 3] && floats.dtype == .float32)
        #expect(floats.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6])
        #expect(try Tensor(validating: [1, 2] as [Double], shape: [2, 1]).dtype == .float64)
        #expect(try Tensor(validating: [1, 2] as [Int32], shape: [1, 2]).scalars(as: Int32.self) == [1, 2])
        #expect(try Tensor(validating: [7] as [Int64], shape: [1, 1, 1]).scalar(as: Int64.self) == 7)
        #expect(try Tensor(validating: [true, false], shape: [2]).scalars(as: Bool.self) == [true, false])
    }
}
