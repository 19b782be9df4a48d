// onnx-conformance: runs onnx backend node tests (a folder holding model.onnx and
// test_data_set_0/input_*.pb, output_*.pb) through StrataONNX and prints one line per test:
//   PASS name | FAIL name: reason | UNSUPPORTED name: reason
// Outputs match within onnx's backend tolerances (rtol 1e-3, atol 1e-7, as
// onnx/backend/test/runner uses), integers and booleans exactly. Tools/onnx_conformance.py
// runs it over the onnx wheel's tests and tallies the results per operator.
import Foundation
import Strata
import StrataONNX

func compare(_ actual: Tensor, _ expected: Tensor) -> String? {
    guard actual.shape == expected.shape else { return "shape \(actual.shape), expected \(expected.shape)" }
    guard actual.dtype == expected.dtype else { return "dtype \(actual.dtype), expected \(expected.dtype)" }
    if actual.dtype == .bool {
        return actual.scalars(as: Bool.self) == expected.scalars(as: Bool.self) ? nil : "values differ"
    }
    let a = actual.cast(to: .float64).scalars(as: Double.self), e = expected.cast(to: .float64).scalars(as: Double.self)
    for (index, (x, y)) in zip(a, e).enumerated() {
        if x.isNaN && y.isNaN { continue }
        if x == y { continue }
        if !actual.dtype.isFloatingPoint || Swift.abs(x - y) > 1e-7 + 1e-3 * Swift.abs(y) || x.isNaN || y.isNaN {
            return "element \(index): \(x), expected \(y)"
        }
    }
    return nil
}

func runTest(_ folder: URL) -> String {
    let name = folder.lastPathComponent
    let model: ONNXModel
    do {
        model = try ONNXModel(contentsOf: folder.appendingPathComponent("model.onnx"))
    } catch {
        return "UNSUPPORTED \(name): \(error)"
    }
    let data = folder.appendingPathComponent("test_data_set_0")
    var feeds: [String: Tensor] = [:]
    var expected: [Tensor] = []
    do {
        for (index, input) in model.inputs.enumerated() {
            let file = data.appendingPathComponent("input_\(index).pb")
            guard FileManager.default.fileExists(atPath: file.path) else { break }
            feeds[input.name] = try ONNXTensorFile.read(contentsOf: file).tensor
        }
        for index in model.outputs.indices {
            expected.append(try ONNXTensorFile.read(contentsOf: data.appendingPathComponent("output_\(index).pb")).tensor)
        }
    } catch {
        return "UNSUPPORTED \(name): test data: \(error)"
    }
    let outputs: [String: Tensor]
    do {
        outputs = try model.run(feeds)
    } catch {
        return "FAIL \(name): \(error)"
    }
    for (output, value) in zip(model.outputs, expected) {
        if let problem = compare(outputs[output.name]!, value) { return "FAIL \(name): output \(output.name): \(problem)" }
    }
    return "PASS \(name)"
}

let folders = CommandLine.arguments.dropFirst()
if folders.isEmpty {
    print("usage: onnx-conformance TEST_FOLDER...")
    exit(2)
}
for folder in folders {
    print(runTest(URL(fileURLWithPath: folder)))
}
