import Foundation
import Strata
import StrataNN
import SwiftProtobuf

/// A model read from an `.onnx` file, run by interpreting its graph onto Strata's tensor ops, so
/// it is differentiable: its initializers are its parameters, named by their ONNX names
/// (`fc1.weight`), and state dictionaries, freeze patterns and optimizers work on it.
///
///     let model = try ONNXModel(contentsOf: URL(fileURLWithPath: "lenet.onnx"))
///     let logits = try model.run(["input": images])["logits"]!   // or model(images)
///
/// The graph keeps ONNX's inference semantics: BatchNormalization uses the running statistics
/// it was exported with (they are buffers, not parameters) and Dropout passes values through.
public struct ONNXModel: Module, Sendable {
    /// The version of the default operator set the model imports.
    public let opset: Int
    /// The ONNX IR version of the file.
    public let irVersion: Int
    /// The tool that wrote the file ("pytorch 2.13.0").
    public let producer: String
    /// The inputs to feed to `run`, as declared (initializers excluded).
    public var inputs: [ONNXValueInfo] { graph.inputs }
    /// The outputs `run` returns, as declared.
    public var outputs: [ONNXValueInfo] { graph.outputs }
    /// Each operator's number of nodes.
    public var operatorCounts: [String: Int] {
        graph.nodes.reduce(into: [:]) { $0[$1.opType, default: 0] += 1 }
    }
    /// The initializers, by ONNX name.
    public internal(set) var initializers: [String: Tensor]
    /// The initializers saved but not trained: integer tensors (shapes, indices) and
    /// BatchNormalization's running mean and variance.
    public let bufferNames: Set<String>
    let graph: ONNXGraph
    let operators: [ONNXOperator]
    /// Slots, steps and fused convolution chains, worked out once (see `ONNXExecutionPlan`).
    let plan: ONNXExecutionPlan
    /// Batch norms folded into their convolutions for inference, cached (shared by copies: its
    /// entries are keyed by the identities of the tensors they were folded from).
    let batchNormFolding = ONNXBatchNormFolding()
    /// The fused chains' convolution calls, their attributes read once (see `ONNXConvCalls`).
    let convCalls = ONNXConvCalls()
    /// The file's model without its initializers' data, and their order, for `serialized()`.
    let template: Onnx_ModelProto
    let initializerOrder: [String]

    /// Reads the model at `url`; tensors stored outside it (`data_location = EXTERNAL`) are read
    /// from its folder.
    /// - Throws: `ONNXError` for an unreadable, malformed or unsupported file.
    public init(contentsOf url: URL) throws(ONNXError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .malformedFile(reason: "cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(serialized: data, externalDirectory: url.deletingLastPathComponent())
    }

    /// Reads a serialized `ModelProto`; `externalDirectory` is where external tensor data lives
    /// (nil refuses external data).
    /// - Throws: `ONNXError` for a malformed or unsupported model.
    public init(serialized data: Data, externalDirectory: URL? = nil) throws(ONNXError) {
        let proto: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            proto = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw .malformedFile(reason: String(describing: error))
        }
        try self.init(proto, externalDirectory: externalDirectory)
    }

    init(_ proto: Onnx_ModelProto, externalDirectory: URL?) throws(ONNXError) {
        guard proto.hasGraph else { throw .invalidModel(reason: "the model has no graph") }
        var opset: Int?
        for entry in proto.opsetImport where entry.domain.isEmpty || entry.domain == "ai.onnx" {
            guard opset == nil else { throw .invalidModel(reason: "the default opset is imported twice") }
            opset = Int(clamping: entry.version)
        }
        // IR version 3 files without an import mean opset 1, which Strata does not read.
        guard let opset, (onnxMinimumOpset...onnxMaximumOpset).contains(opset) else {
            throw .unsupportedOpset(domain: "", version: opset ?? 1)
        }
        self.opset = opset
        irVersion = Int(clamping: proto.irVersion)
        producer = [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        let graphProto = proto.graph
        var initializers: [String: Tensor] = [:]
        for initializer in graphProto.initializer {
            guard !initializer.name.isEmpty else { throw .invalidModel(reason: "an initializer has no name") }
            let tensor = try initializer.strataTensor(externalDirectory: externalDirectory)
            guard initializers.updateValue(tensor, forKey: initializer.name) == nil else {
                throw .invalidModel(reason: "initializer '\(initializer.name)' is defined twice")
            }
        }
        guard graphProto.sparseInitializer.isEmpty else { throw .invalidModel(reason: "sparse initializers are not supported") }
        var nodes: [ONNXNode] = []
        for (index, nodeProto) in graphProto.node.enumerated() {
            nodes.append(try ONNXNode(nodeProto, index: index, opset: opset))
        }
        graph = try ONNXGraph(nodes: nodes, inputs: graphProto.input.map(ONNXValueInfo.init),
                              outputs: graphProto.output.map(ONNXValueInfo.init), initializers: Set(initializers.keys))
        var operators: [ONNXOperator] = []
        for node in graph.nodes { operators.append(try ONNXOperators.implementation(of: node)) }
        self.operators = operators
        plan = ONNXExecutionPlan(graph: graph, initializers: Set(initializers.keys))
        var buffers = Set(initializers.filter { !$0.value.dtype.isFloatingPoint }.keys)
        for node in graph.nodes where node.opType == "BatchNormalization" {
            buffers.formUnion(node.inputs.dropFirst(3).filter { initializers[$0] != nil })
        }
        bufferNames = buffers
        self.initializers = initializers
        var template = proto
        template.graph.initializer = []
        self.template = template
        initializerOrder = graphProto.initializer.map(\.name)
    }

    /// Runs the graph on `feeds`, one tensor per input name, and returns every graph output.
    /// - Throws: `ONNXError.invalidInput` for a missing or mis-shaped input, `.invalidNode` when
    ///   a node's inputs do not fit its operator.
    public func run(_ feeds: [String: Tensor]) throws(ONNXError) -> [String: Tensor] {
        var values = ONNXValues(count: plan.slots.count)
        for (name, tensor) in initializers { values[plan.slots[name]!] = tensor }
        for input in graph.inputs {
            guard let tensor = feeds[input.name] else { throw .invalidInput(name: input.name, reason: "not given") }
            try input.check(tensor)
            values[plan.slots[input.name]!] = tensor
        }
        for name in feeds.keys where !graph.inputs.contains(where: { $0.name == name }) {
            throw .invalidInput(name: name, reason: "the graph has no such input (it takes \(graph.inputs.map(\.name)))")
        }
        for step in plan.steps {
            var fused = false
            if step.isChain { fused = try runChain(step, &values) }
            if !fused {
                for member in step.nodes.indices { try runNode(step, member, &values) }
            }
            // Drop values no later step reads, so a deep graph holds only its live activations.
            for slot in step.released { values.release(slot) }
        }
        var results: [String: Tensor] = [:]
        for output in graph.outputs {
            guard let value = values[plan.slots[output.name]!] else {
                throw .invalidGraph(reason: "graph output '\(output.name)' was not computed")
            }
            results[output.name] = value
        }
        return results
    }

    /// Runs node `member` of `step` on its own.
    private func runNode(_ step: ONNXExecutionPlan.Step, _ member: Int, _ values: inout ONNXValues) throws(ONNXError) {
        let index = step.nodes[member]
        let node = graph.nodes[index]
        let arguments = ONNXInputs(node: node, values: step.inputs[member].map { $0.flatMap { values[$0] } })
        let results = try operators[index].kernel(node, arguments)
        try node.require(results.count >= node.outputs.filter { !$0.isEmpty }.count || results.count >= node.outputs.count,
                         "computed \(results.count) outputs, the node names \(node.outputs.count)")
        for (slot, result) in zip(step.outputs[member], results) {
            if let slot { values[slot] = result }
        }
    }

    /// Runs a Conv chain as one fused step; false (nothing computed) when it does not fit one.
    private func runChain(_ step: ONNXExecutionPlan.Step, _ values: inout ONNXValues) throws(ONNXError) -> Bool {
        guard let inputSlot = step.convInput, let input = values.activation(inputSlot),
              step.add == nil || step.residual.map(values.contains) == true else { return false }
        let conv = graph.nodes[step.nodes[0]]
        var convInputs = [nil] + step.inputs[0].dropFirst().map { $0.flatMap { values[$0] } }
        if let position = step.batchNorm {
            // Folding is for inference; a recorded (fine-tuning) pass runs the batch norm's node.
            guard !GradientRecording.isEnabled, convInputs.count >= 2, let weight = convInputs[1], weight.rank == 4 else { return false }
            let statistics = step.inputs[position].dropFirst().compactMap { $0.flatMap { values[$0] } }
            guard let (foldedWeight, foldedBias) = try batchNormFolding.folded(
                chain: step.nodes[0], norm: graph.nodes[step.nodes[position]], weight: weight,
                bias: convInputs.count > 2 ? convInputs[2] : nil, statistics: statistics)
            else { return false }
            convInputs = [nil, foldedWeight, foldedBias]
        }
        // A blocked residual that dies here (and is not the convolution's input too) is taken
        // out of its slot, so the result can be written over it.
        var owned: (slot: Int, value: BlockedActivation)?
        if let slot = step.residual, slot != inputSlot, step.released.contains(slot), let value = values.takeUnique(slot) {
            owned = (slot, value)
        }
        let residual = owned.map { .blocked($0.value) } ?? step.residual.flatMap(values.activation)
        let arguments = ONNXInputs(node: conv, values: convInputs)
        guard let result = try ONNXOperators.convChain(conv, arguments, input: input, residual: residual, relu: step.relu != nil,
                                                      maxPool: step.maxPool.map { graph.nodes[step.nodes[$0]] },
                                                      blockedOutput: step.blockedOutput, reuseResidual: owned != nil,
                                                      calls: convCalls, chain: step.nodes[0])
        else {
            if let owned { values.set(owned.slot, .blocked(owned.value)) }  // for the nodes, run one by one
            return false
        }
        guard let slot = step.outputs[step.nodes.count - 1].first ?? nil else { return true }
        values.set(slot, result)
        return true
    }

    /// Lists the initializers by ONNX name, in sorted order; buffers as `.buffer`. A name is its
    /// path as PyTorch's exporters write them (`layer1.0.conv1.weight`); a name that is no dotted
    /// path (an empty part: `a..b`, `.a`) has its empty parts written as `_`.
    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        for name in initializers.keys.sorted() {
            visitor.visit(at: Self.parameterPath(name), &initializers[name]!,
                          kind: bufferNames.contains(name) ? .buffer : .parameter)
        }
    }

    /// The parameter path standing for the initializer `name` (see `visitParameters`).
    static func parameterPath(_ name: String) -> ParameterPath {
        if let path = try? ParameterPath(parsing: name) { return path }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map { $0.isEmpty ? "_" : String($0) }
        return (try? ParameterPath(components: parts)) ?? ParameterPath.root.appending("_")
    }
}

extension ONNXModel: Layer {
    /// Runs a model with one input and returns its first output; a graph error traps with its
    /// message. Use `run(_:)` to catch errors (for inputs not checked beforehand).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(graph.inputs.count == 1 && !graph.outputs.isEmpty,
                     "ONNXModel: calling needs one input and an output, the graph has \(graph.inputs.count) and \(graph.outputs.count)")
        do {
            return try run([graph.inputs[0].name: input])[graph.outputs[0].name]!
        } catch {
            preconditionFailure("ONNXModel: \(error)")
        }
    }
}
