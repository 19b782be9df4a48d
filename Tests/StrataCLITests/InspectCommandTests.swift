import Foundation
import Strata
import StrataCLI
import StrataIO
import Testing

@Test func inspectListsNamesDtypesShapesAndMetadata() throws {
    let url = temporaryDirectory().appendingPathExtension("safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try Safetensors.write(["fc.weight": Tensor.zeros([3, 4]), "fc.bias": Tensor.zeros([3], dtype: .float64)],
                          metadata: ["model": "tiny"], to: url)
    let report = try InspectCommand.parse([url.path]).report()
    #expect(report == """
        name       dtype    shape
        fc.bias    float64  [3]
        fc.weight  float32  [3, 4]
        2 tensors, 15 elements
        metadata:
          model: tiny
        """)
}

@Test func corruptAndMissingFilesAreTypedErrors() throws {
    let url = temporaryDirectory().appendingPathExtension("safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    // A header length of 2^63 - 1 bytes, far past the 11-byte file.
    try Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]).write(to: url)
    for path in [url.path, "/nonexistent/model.safetensors"] {
        let error = #expect(throws: CLIError.self) { try InspectCommand.parse([path]).report() }
        guard case .unreadableFile(let reported, _) = error else { Issue.record("\(String(describing: error))"); continue }
        #expect(reported == path)
    }
}

@Test func weightsOfAnotherModelDoNotFit() throws {
    let data = try writeSyntheticFashionMNIST(count: 4)
    let url = temporaryDirectory().appendingPathExtension("safetensors")
    defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: url) }
    try Safetensors.write(["fc.weight": Tensor.zeros([3, 4])], to: url)
    let evaluate = try EvaluateCommand.parse(["--model", "mlp", "--weights", url.path, "--dataset", data.path])
    let error = #expect(throws: CLIError.self) { try evaluate.evaluate() }
    guard case .weightsDoNotFit = error else { Issue.record("\(String(describing: error))"); return }
}
