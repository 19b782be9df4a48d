import Foundation
import Strata
import StrataONNX
import Testing

/// The fixture folders: `node/` (a subset of onnx's backend node tests that
/// Tools/onnx_conformance.py copies) and `models/` (PyTorch exports with onnxruntime's outputs,
/// Tools/make_onnx_fixtures.py).
enum ONNXFixtures {
    static func folder(_ name: String) throws -> URL {
        let root = try #require(Bundle.module.url(forResource: "ONNX", withExtension: nil))
        return root.appendingPathComponent(name)
    }

    static func subfolders(_ name: String) throws -> [URL] {
        let folder = try folder(name)
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.hasDirectoryPath }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The repository's root (for the git-ignored .build-onnx exports).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The largest absolute difference between `actual` and `expected` over the largest absolute
    /// expected value: the measure ("within 1e-5 relative to the largest output").
    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Double {
        let a = actual.cast(to: .float64).scalars(as: Double.self), e = expected.cast(to: .float64).scalars(as: Double.self)
        let scale = Swift.max(e.map { Swift.abs($0) }.max() ?? 0, 1e-30)
        return zip(a, e).map { Swift.abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }
}
