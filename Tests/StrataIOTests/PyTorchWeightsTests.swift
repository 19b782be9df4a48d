import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN
import Testing

// PyTorch state_dicts, saved by `safetensors.torch.save_file` in Tools/make_interop_fixtures.py
// (the files and a README are in Fixtures/PyTorch), load into Strata's twins of the models
// (Support/InteropModels.swift) and reproduce PyTorch's outputs; Strata's exports go the other
// way (checked in PyTorch by Tools/check_interop_exports.py).

/// The bytes of fixture `name` (`NAME.safetensors`, `NAME.safetensors.gz` or `NAME.io.safetensors`),
/// inflated when gzip-compressed.
private func fixtureData(_ name: String) throws -> Data {
    let directory = try #require(Bundle.module.url(forResource: "PyTorch", withExtension: nil))
    for file in [name, name + ".gz"] {
        let url = directory.appendingPathComponent(file)
        if FileManager.default.fileExists(atPath: url.path) {
            let data = try Data(contentsOf: url)
            return Gzip.isCompressed(data) ? try Gzip.decompress(data) : data
        }
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: directory.appendingPathComponent(name).path])
}

/// The input and PyTorch's eval-mode output for `model`.
private func fixtureInputAndOutput(_ model: InteropModel) throws -> (input: Tensor, output: Tensor) {
    let tensors = try Safetensors.parse(fixtureData("\(model).io.safetensors")).tensors
    return (try #require(tensors["input"]), try #require(tensors["output"]))
}

/// max |actual - expected| / max |expected|. Outputs are compared at the scale of the largest
/// logit, so an element that cancels to near zero is not held to a relative bound that float32
/// cannot meet; PyTorch's own float32 forward is 1e-7 to 7.5e-6 (googlenet) from the exact
/// answer this way (Fixtures/PyTorch/README.md). Measured here: googlenet 6.1e-6 (its auxiliary
/// heads 3.7e-6 and 4.9e-6), resnet18 5.8e-6, the others below 6e-7.
private func relativeDifference(_ actual: Tensor, _ expected: Tensor) -> Double {
    precondition(actual.shape == expected.shape, "relativeDifference: \(actual.shape) vs \(expected.shape)")
    let lhs = actual.scalars(as: Double.self), rhs = expected.scalars(as: Double.self)
    let scale = rhs.map(abs).max() ?? 0
    return zip(lhs, rhs).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

/// A key of each wrapped fixture as PyTorch saved it, before normalization (see WRAPPERS in
/// the generator): the files must exercise every wrapper, alone and nested.
private let wrappedKeys: [InteropModel: String] = [
    .mlp: "module.1.weight",                                   // nn.DataParallel
    .resnetSmall: "_orig_mod.layer3.1.bn2.num_batches_tracked", // torch.compile
    .resnet18: "_orig_mod.module.fc.weight",                    // torch.compile(nn.DataParallel)
    .gru: "module.recurrent._orig_mod.weight_hh_l0_reverse",    // a compiled submodule, DataParallel
]

/// `model` (an existential) with the state in `state`, in inference mode, run on `input`.
private func loadAndRun<Model: Layer>(_ model: Model, _ state: [String: Tensor], on input: Tensor) throws -> (Model, Tensor) {
    var model = model
    try model.loadStateDictionary(state)
    return (model, withTrainingMode(false) { withoutGradients { model(input) } })
}

@Test(arguments: InteropModel.allCases)
func pytorchStateDictionariesReproducePyTorchsOutputs(_ model: InteropModel) throws {
    // Everything below compares with PyTorch's eval mode.
    try withTrainingMode(false) { try reproducePyTorchsOutputs(model) }
}

private func reproducePyTorchsOutputs(_ model: InteropModel) throws {
    let data = try fixtureData("\(model).safetensors")
    let raw = try Safetensors.parse(data).tensors
    if let key = wrappedKeys[model] { #expect(raw[key] != nil, "\(model): the fixture has no key \(key)") }
    let state = try PyTorchWeights.parse(data)
    #expect(state.count == raw.count)

    let (input, expected) = try fixtureInputAndOutput(model)
    let (loaded, output) = try loadAndRun(model.makeModel(seed: 0), state, on: input)
    let difference = relativeDifference(output, expected)
    #expect(difference <= 1e-5, "\(model): output is \(difference) relative off PyTorch's")
    // Every tensor arrived, the int64 batch counts (3 training batches) included.
    for (path, tensor) in loaded.stateDictionary().keyedByName {
        #expect(tensor.scalars(as: Double.self) == state[path]?.scalars(as: Double.self), "\(model): \(path)")
        if path.hasSuffix("num_batches_tracked") { #expect(tensor.dtype == .int64 && tensor.scalar(as: Int64.self) == 3) }
    }
    if model == .resnet18 { try expectMistakesChangeTheOutput(loaded, state, input, expected) }
    if model == .googlenet { try expectGoogLeNetsOptionsReproducePyTorch(try #require(loaded as? GoogLeNet), state, input) }
}

/// googlenet's auxiliary heads (the generator catches them in eval mode with hooks), the same
/// file in a model without heads (torchvision drops `aux1`/`aux2` after loading), and the input
/// transform that the fixture's model applies (without it the output is far off: measured 49
/// times the largest logit).
private func expectGoogLeNetsOptionsReproducePyTorch(_ model: GoogLeNet, _ state: [String: Tensor], _ input: Tensor) throws {
    let tensors = try Safetensors.parse(fixtureData("googlenet.io.safetensors")).tensors
    let outputs = withoutGradients { model.outputs(input) }
    for (name, output) in [("aux1", outputs.auxiliaryLogits1), ("aux2", outputs.auxiliaryLogits2)] {
        let difference = relativeDifference(try #require(output), try #require(tensors[name]))
        #expect(difference <= 1e-5, "googlenet \(name): \(difference) relative off PyTorch's")
    }
    let expected = try #require(tensors["output"])
    var headless = GoogLeNet(classes: 10, auxiliaryHeads: false, transformInput: true, generator: RandomGenerator(seed: 5))
    try headless.loadStateDictionary(state, excluding: ["aux1", "aux2"])
    #expect(headless.aux1 == nil && headless.stateDictionary().keys.allSatisfy { !$0.description.hasPrefix("aux") })
    #expect(relativeDifference(withoutGradients { headless(input) }, expected) <= 1e-5)
    headless.transformInput = false
    let untransformed = relativeDifference(withoutGradients { headless(input) }, expected)
    #expect(untransformed > 1e-2, "without transformInput: \(untransformed)")
}

/// resnet18's tensors repeat a prime-length random vector (see the generator); a loader that
/// transposed a kernel or swapped two tensors of one shape must still miss the output by far.
/// (Reuses the loaded model: building resnet18 takes seconds in a debug build.)
private func expectMistakesChangeTheOutput<Model: Layer>(_ model: Model, _ state: [String: Tensor], _ input: Tensor,
                                                         _ expected: Tensor) throws {
    var transposed = state
    transposed["layer4.1.conv2.weight"] = state["layer4.1.conv2.weight"]!.transposed(0, 1).contiguous()
    var swapped = state
    swapped["layer1.0.conv1.weight"] = state["layer1.0.conv2.weight"]
    swapped["layer1.0.conv2.weight"] = state["layer1.0.conv1.weight"]
    for (mistake, wrong) in [("transposed", transposed), ("swapped", swapped)] {
        let (_, output) = try loadAndRun(model, wrong, on: input)
        // Measured: 0.11 transposed, 0.92 swapped.
        #expect(relativeDifference(output, expected) > 1e-2, "\(mistake)")
    }
}

@Test func normalizedKeysRemoveTheWrappersNames() throws {
    let tensor = Tensor.zeros([1])
    let compiledParallel = try PyTorchWeights.normalizedKeys(["module._orig_mod.fc.weight": tensor, "module._orig_mod.bn.num_batches_tracked": tensor])
    #expect(compiledParallel.keys.sorted() == ["bn.num_batches_tracked", "fc.weight"])
    let parallelCompiled = try PyTorchWeights.normalizedKeys(["_orig_mod.module.fc.weight": tensor, "_orig_mod.module.module.x": tensor])
    // Only leading `module.`s shared by every key go: the second key's own `module` submodule stays.
    #expect(parallelCompiled.keys.sorted() == ["fc.weight", "module.x"])
    let compiledSubmodule = try PyTorchWeights.normalizedKeys(["backbone._orig_mod.conv1.weight": tensor, "head.weight": tensor])
    #expect(compiledSubmodule.keys.sorted() == ["backbone.conv1.weight", "head.weight"])
    // A submodule that is merely named `module` is not a wrapper when other keys lack it.
    let named = try PyTorchWeights.normalizedKeys(["module.weight": tensor, "head.weight": tensor])
    #expect(named.keys.sorted() == ["head.weight", "module.weight"])
    #expect(try PyTorchWeights.normalizedKeys([:]).isEmpty)

    #expect(throws: PyTorchWeightsError.duplicateKey(path: "fc.weight", keys: ["_orig_mod.fc.weight", "fc.weight"])) {
        try PyTorchWeights.normalizedKeys(["fc.weight": tensor, "_orig_mod.fc.weight": tensor])
    }
}

/// A fresh temporary directory, removed after `body`.
private func withTemporaryDirectory<Result>(_ body: (URL) throws -> Result) throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-pytorch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

@Test func batchCountsAndDTypesSurviveARoundTripThroughPyTorchsLayout() throws {
    let (input, expected) = try fixtureInputAndOutput(.resnetSmall)
    let (loaded, output) = try loadAndRun(InteropModel.resnetSmall.makeModel(seed: 0),
                                          try PyTorchWeights.parse(fixtureData("resnet_small.safetensors")), on: input)
    try withTemporaryDirectory { directory in
        let url = directory.appendingPathComponent("resnet.safetensors")
        try PyTorchWeights.write(loaded.stateDictionary(), to: url)
        let file = try Safetensors.read(contentsOf: url)
        #expect(file.metadata == ["format": "pt"])
        let counts = file.tensors.filter { $0.key.hasSuffix(".num_batches_tracked") }
        #expect(counts.count == 15)  // bn1, two in each of the six blocks, the downsample norms of stages 2 and 3
        for (path, count) in counts {
            #expect(count.dtype == .int64 && count.shape == [] && count.scalar(as: Int64.self) == 3, "\(path)")
        }
        #expect(file.tensors.filter { !$0.key.hasSuffix(".num_batches_tracked") }.allSatisfy { $0.value.dtype == .float32 })

        let (_, reloaded) = try loadAndRun(InteropModel.resnetSmall.makeModel(seed: 7), try PyTorchWeights.read(contentsOf: url),
                                           on: input)
        #expect(reloaded.scalars(as: Float.self) == output.scalars(as: Float.self))
        #expect(relativeDifference(reloaded, expected) <= 1e-5)
    }
}

@Test func wrongShapesAndMissingKeysAreReportedUnderTheModelsPaths() throws {
    var state = try Safetensors.parse(fixtureData("lstm.safetensors")).tensors
    state["head.bias"] = nil
    state["embedding.weight"] = Tensor.zeros([41, 12])
    state["extra.weight"] = Tensor.zeros([2])
    try withTemporaryDirectory { directory in
        // Saved as DataParallel would: the errors still name the bare model's paths.
        let url = directory.appendingPathComponent("broken.safetensors")
        try Safetensors.write(Dictionary(uniqueKeysWithValues: state.map { ("module." + $0.key, $0.value) }), to: url)
        var model = InteropModel.lstm.makeModel(seed: 0)
        let before = model.stateDictionary()
        #expect {
            try model.loadStateDictionary(PyTorchWeights.read(contentsOf: url))
        } throws: { error in
            guard let error = error as? StateDictionaryError else { return false }
            return error.missing == ["head.bias"] && error.unexpected == ["extra.weight"]
                && error.mismatched == ["embedding.weight: model [40, 12] float32, file [41, 12] float32"]
        }
        #expect(model.stateDictionary().allSatisfy { $0.value.scalars(as: Double.self) == before[$0.key]!.scalars(as: Double.self) })
    }

    // Another architecture's file: LeNet's names are not the MLP's.
    var lenet = InteropModel.lenet.makeModel(seed: 0)
    #expect(throws: StateDictionaryError.self) { try lenet.loadStateDictionary(PyTorchWeights.parse(fixtureData("mlp.safetensors"))) }
}

@Test func fineTuningLoadsEverythingButAReplacedHead() throws {
    // The LSTM classifier's file into one with 7 classes instead of 5: strict everywhere but `head`.
    let generator = RandomGenerator(seed: 3)
    var model = RecurrentClassifier(embedding: Embedding(count: 40, embeddingSize: 12, generator: generator),
                                    recurrent: LSTM(inputSize: 12, hiddenSize: 16, layers: 2, generator: generator),
                                    head: Linear(inputSize: 16, outputSize: 7, generator: generator), batchFirst: false)
    let head = model.head.weight
    let state = try PyTorchWeights.parse(fixtureData("lstm.safetensors"))
    #expect(throws: StateDictionaryError.self) { try model.loadStateDictionary(state) }
    try model.loadStateDictionary(state, excluding: ["head"])
    #expect(model.embedding.weight.scalars(as: Float.self) == state["embedding.weight"]?.scalars(as: Float.self))
    #expect(model.stateDictionary()["recurrent.weight_hh_l1"]?.scalars(as: Float.self) == state["recurrent.weight_hh_l1"]?.scalars(as: Float.self))
    #expect(model.head.weight.scalars(as: Float.self) == head.scalars(as: Float.self))
}

@Test func theWriterRefusesDTypesPyTorchsModulesDoNotHold() throws {
    try withTemporaryDirectory { directory in
        let url = directory.appendingPathComponent("model.safetensors")
        let float64 = Linear(inputSize: 2, outputSize: 3, dtype: .float64).stateDictionary().keyedByName
        #expect(throws: PyTorchWeightsError.unexpectedDType(path: "bias", dtype: .float64, expected: .float32)) {
            try PyTorchWeights.write(float64, to: url)
        }
        #expect(throws: PyTorchWeightsError.unexpectedDType(path: "bn.num_batches_tracked", dtype: .float32, expected: .int64)) {
            try PyTorchWeights.write(["bn.num_batches_tracked": Tensor.zeros([])], to: url)
        }
        #expect(throws: PyTorchWeightsError.unexpectedShape(path: "num_batches_tracked", shape: [1], expected: [])) {
            try PyTorchWeights.write(["num_batches_tracked": Tensor.zeros([1], dtype: .int64)], to: url)
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}

/// Writes each model's Strata-initialized weights (batch norm statistics moved by two training
/// passes) as `NAME.safetensors`, with `input` and Strata's eval-mode `output` in
/// `NAME.io.safetensors`, to `$STRATA_INTEROP_EXPORT_DIR` when set (for
/// Tools/check_interop_exports.py, which loads them into PyTorch with strict=True) or a temporary
/// directory; every file must load back into a zeroed model and give the same output.
@Test func exportedWeightsLoadBackIntoAZeroedModel() throws {
    let exportDirectory = ProcessInfo.processInfo.environment["STRATA_INTEROP_EXPORT_DIR"]
    try withTemporaryDirectory { temporary in
        let directory = exportDirectory.map { URL(fileURLWithPath: $0) } ?? temporary
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for model in InteropModel.allCases {
            try export(model.makeModel(seed: 1), model, to: directory)
        }
    }
}

private func export<Model: Layer>(_ model: Model, _ name: InteropModel, to directory: URL) throws {
    var model = model
    let input = name.exampleInput(seed: 2)
    if name.hasBatchNorm {
        for seed: UInt64 in [3, 4] {
            _ = withStatisticsUpdates(of: &model) { model in
                withoutGradients { model(Tensor.normal([8] + input.shape.dropFirst(), generator: RandomGenerator(seed: seed))) }
            }
        }
    }
    let output = withTrainingMode(false) { withoutGradients { model(input) } }
    let weights = directory.appendingPathComponent("\(name).safetensors")
    try PyTorchWeights.write(model.stateDictionary(), to: weights)
    try Safetensors.write(["input": input, "output": output], to: directory.appendingPathComponent("\(name).io.safetensors"))

    // Into the same architecture with every tensor zeroed (building another resnet18 takes
    // seconds in a debug build), the running statistics included.
    var zeroed = model
    zeroed.visitParameters { _, tensor, _ in tensor = Tensor.zeros(tensor.shape, dtype: tensor.dtype) }
    let (_, reloaded) = try loadAndRun(zeroed, try PyTorchWeights.read(contentsOf: weights), on: input)
    #expect(reloaded.scalars(as: Float.self) == output.scalars(as: Float.self), "\(name)")
    if name.hasBatchNorm {
        let counts = try Safetensors.read(contentsOf: weights).tensors.filter { $0.key.hasSuffix(".num_batches_tracked") }
        // GoogLeNet's auxiliary heads run only when `outputs(_:)` asks for them, so the plain
        // forward passes above leave their batch norms untouched.
        let (auxiliary, main) = (counts.filter { $0.key.hasPrefix("aux") }, counts.filter { !$0.key.hasPrefix("aux") })
        #expect(!main.isEmpty && main.values.allSatisfy { $0.scalar(as: Int64.self) == 2 }, "\(name)")
        #expect(auxiliary.values.allSatisfy { $0.scalar(as: Int64.self) == 0 }, "\(name)")
    }
}
