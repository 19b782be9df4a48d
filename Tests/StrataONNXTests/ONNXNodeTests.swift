import Foundation
import Strata
import StrataONNX
import Testing

// A subset of onnx 1.22.0's backend node tests (the smallest passing ones, copied by
// `Tools/onnx_conformance.py --copy-fixtures`), held to the tolerances of onnx's own backend
// runner: rtol 1e-3, atol 1e-7 for floats, exact for integers and booleans.
@Suite struct ONNXNodeTests {
    @Test func backendNodeTestsPass() throws {
        let folders = try ONNXFixtures.subfolders("node")
        #expect(folders.count >= 100)
        var failures: [String] = []
        for folder in folders {
            do {
                let model = try ONNXModel(contentsOf: folder.appendingPathComponent("model.onnx"))
                let data = folder.appendingPathComponent("test_data_set_0")
                var feeds: [String: Tensor] = [:]
                for (index, input) in model.inputs.enumerated() {
                    let file = data.appendingPathComponent("input_\(index).pb")
                    if FileManager.default.fileExists(atPath: file.path) {
                        feeds[input.name] = try ONNXTensorFile.read(contentsOf: file).tensor
                    }
                }
                let outputs = try model.run(feeds)
                for (index, output) in model.outputs.enumerated() {
                    let expected = try ONNXTensorFile.read(contentsOf: data.appendingPathComponent("output_\(index).pb")).tensor
                    if let problem = Self.mismatch(outputs[output.name]!, expected) {
                        failures.append("\(folder.lastPathComponent): \(output.name): \(problem)")
                    }
                }
            } catch {
                failures.append("\(folder.lastPathComponent): \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    static func mismatch(_ actual: Tensor, _ expected: Tensor) -> String? {
        guard actual.shape == expected.shape, actual.dtype == expected.dtype else {
            return "\(actual.dtype) \(actual.shape), expected \(expected.dtype) \(expected.shape)"
        }
        if actual.dtype == .bool { return actual.scalars(as: Bool.self) == expected.scalars(as: Bool.self) ? nil : "values differ" }
        let a = actual.cast(to: .float64).scalars(as: Double.self), e = expected.cast(to: .float64).scalars(as: Double.self)
        for (index, (x, y)) in zip(a, e).enumerated() where !(x.isNaN && y.isNaN) && x != y {
            if !actual.dtype.isFloatingPoint || !(Swift.abs(x - y) <= 1e-7 + 1e-3 * Swift.abs(y)) {
                return "element \(index): \(x), expected \(y)"
            }
        }
        return nil
    }
}
