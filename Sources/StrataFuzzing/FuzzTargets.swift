/// The targets `strata-fuzz --target` knows, by name, in the order `all` runs them. Adding a
/// reader (ONNX, HTTP requests) is one `FuzzTarget` and one entry here.
public enum FuzzTargets {
    /// Each target's name and how to make it (some write a seed file first).
    public static let makers: [(name: String, make: @Sendable () throws -> any FuzzTarget)] = [
        ("csv", { CSVFuzzTarget() }),
        ("idx", { IDXFuzzTarget() }),
        ("npy", { NPYFuzzTarget() }),
        ("predict-csv", { PredictCSVFuzzTarget() }),
        ("safetensors", { try SafetensorsFuzzTarget() }),
        ("checkpoint", { try CheckpointFuzzTarget() }),
        ("settings", { try SettingsFuzzTarget() }),
        ("image", { ImageFuzzTarget() }),
        ("onnx", { ONNXFuzzTarget() }),
    ]

    /// The target names.
    public static var names: [String] { makers.map(\.name) }

    /// The target called `name`, or nil.
    public static func make(_ name: String) throws -> (any FuzzTarget)? {
        try makers.first { $0.name == name }?.make()
    }
}
