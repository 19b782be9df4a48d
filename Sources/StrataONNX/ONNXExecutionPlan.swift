import Strata

/// How `ONNXModel.run` walks a graph, worked out once at load: every value gets a slot (an index
/// into an array instead of a name in a dictionary), each step knows its input and output slots
/// and the slots that die after it, and convolution chains become single steps.
///
/// A chain is a Conv followed by any of a BatchNormalization with initializers for its
/// statistics, an Add of a residual, a Relu and a 2-D MaxPool (each reading the previous output,
/// which nothing else reads): a ResNet block's `Conv, Add, Relu`
/// (`Conv, BatchNormalization, Add, Relu` from exporters that keep batch norm), or LeNet's
/// `Conv, Relu, MaxPool`. In inference the batch norm is folded into the convolution's weights
/// and bias (`ONNXBatchNormFolding`); with gradients recorded it runs as its node. It runs as
/// `conv2d(...then: ConvolutionEpilogue)`, the same values as the nodes one by one, in one pass
/// over the activations in inference. A chain runs where its last node stood, so the residual
/// (in a ResNet often computed after the block's convolution) is ready. When a chain's inputs do
/// not fit the fused step at run time (a 1-D convolution, a broadcasting Add), its nodes run one by
/// one instead. A Conv with nothing to fuse is a chain of one.
///
/// In inference a chain's output stays in the convolution kernel's blocked layout
/// (`BlockedActivation`) when only chains of ungrouped convolutions read it, as their
/// convolution's input or residual:
/// a ResNet's activations then go from one convolution to the next without reorders, and become
/// plain only for the ops after the last one (GlobalAveragePool, Flatten, Gemm).
struct ONNXExecutionPlan: Sendable {
    /// One step: a single node, or a fused chain.
    struct Step: Sendable {
        /// Indices into the graph's nodes: one, or the chain's in order (Conv first).
        let nodes: [Int]
        /// Whether the step is a Conv chain (of one node or more).
        let isChain: Bool
        /// Whether the chain's convolution can read blocked values (it is ungrouped).
        var readsBlocked = false
        /// For each node of `nodes`, the slots of its inputs (nil: omitted).
        let inputs: [[Int?]]
        /// For each node of `nodes`, the slots of its outputs (nil: unused).
        let outputs: [[Int?]]
        /// In a chain, the position in `nodes` of the BatchNormalization, Add, Relu and MaxPool
        /// (nil when absent).
        let batchNorm: Int?, add: Int?, relu: Int?, maxPool: Int?
        /// Slots no later step reads, emptied after this step.
        var released: [Int] = []
        /// Whether the chain's output may stay blocked: only chains read it, as their
        /// convolution's input or residual, and the caller does not.
        var blockedOutput = false

        /// The slot of the chain's convolution input.
        var convInput: Int? { isChain ? inputs[0].first ?? nil : nil }

        /// The slot of the chain's residual: the Add's operand that the chain did not compute.
        var residual: Int? {
            guard isChain, let add else { return nil }
            let chained = outputs[add - 1].first ?? nil
            let operands = inputs[add]
            return operands[0] == chained ? operands[1] : operands[0]
        }
    }

    private struct Roles {
        var batchNorm: Int?, add: Int?, relu: Int?, maxPool: Int?
    }

    /// The slot of every value name.
    let slots: [String: Int]
    let steps: [Step]

    init(graph: ONNXGraph, initializers: Set<String>) {
        var slots: [String: Int] = [:]
        func slot(_ name: String) -> Int? {
            guard !name.isEmpty else { return nil }
            if let known = slots[name] { return known }
            slots[name] = slots.count
            return slots.count - 1
        }
        for name in initializers.sorted() { _ = slot(name) }
        for input in graph.inputs { _ = slot(input.name) }
        let nodes = graph.nodes
        var readers: [String: [Int]] = [:]
        for (index, node) in nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty { readers[input, default: []].append(index) }
        }
        let graphOutputs = Set(graph.outputs.map(\.name))
        /// The one node reading `node`'s single output, when nothing else (nor the caller) does.
        func soleReader(of index: Int) -> Int? {
            let outputs = nodes[index].outputs.filter { !$0.isEmpty }
            guard outputs.count == 1, !graphOutputs.contains(outputs[0]), let reading = readers[outputs[0]],
                  reading.count == 1, nodes[reading[0]].inputs.filter({ $0 == outputs[0] }).count == 1 else { return nil }
            return reading[0]
        }
        var absorbed = Set<Int>()
        var chains: [Int: [Int]] = [:]  // last node -> the chain's nodes
        var roles: [Int: Roles] = [:]
        for (index, node) in nodes.enumerated() where node.opType == "Conv" && node.domain.isEmpty {
            var chain = [index]
            var role = Roles()
            var next = soleReader(of: index)
            if let norm = next, nodes[norm].opType == "BatchNormalization", nodes[norm].inputs.count == 5,
               nodes[norm].inputs.dropFirst().allSatisfy(initializers.contains) {
                role.batchNorm = chain.count
                chain.append(norm)
                next = soleReader(of: norm)
            }
            if let add = next, nodes[add].opType == "Add", nodes[add].inputs.count == 2, !nodes[add].inputs.contains("") {
                role.add = chain.count
                chain.append(add)
                next = soleReader(of: add)
            }
            if let relu = next, nodes[relu].opType == "Relu" {
                role.relu = chain.count
                chain.append(relu)
                next = soleReader(of: relu)
            }
            if let pool = next, nodes[pool].opType == "MaxPool", nodes[pool].outputs.count == 1 {
                role.maxPool = chain.count
                chain.append(pool)
            }
            // An Add of two convolutions belongs to the first one's chain; the other runs alone.
            if !chain.allSatisfy({ nodes[$0].domain.isEmpty && !absorbed.contains($0) && chains[$0] == nil }) {
                (chain, role) = ([index], Roles())
            }
            absorbed.formUnion(chain.dropLast())
            chains[chain.last!] = chain
            roles[chain.last!] = role
        }
        var steps: [Step] = []
        for index in nodes.indices where !absorbed.contains(index) {
            let members = chains[index] ?? [index]
            let role = roles[index] ?? Roles()
            var step = Step(nodes: members, isChain: chains[index] != nil, inputs: members.map { nodes[$0].inputs.map(slot) },
                            outputs: members.map { nodes[$0].outputs.map(slot) },
                            batchNorm: role.batchNorm, add: role.add, relu: role.relu, maxPool: role.maxPool)
            // Grouped convolutions run on plain tensors; a blocked input would be reordered first.
            step.readsBlocked = step.isChain && (try? nodes[members[0]].int("group", default: 1)) == 1
            steps.append(step)
        }
        // A value dies after the last step that reads it; initializers and graph outputs live on.
        var lastStep: [Int: Int] = [:]
        for (position, step) in steps.enumerated() {
            for slots in step.inputs { for case let slot? in slots { lastStep[slot] = position } }
        }
        let kept = Set(initializers.compactMap { slots[$0] } + graph.outputs.compactMap { slots[$0.name] })
        for (slot, position) in lastStep where !kept.contains(slot) { steps[position].released.append(slot) }
        Self.markBlockedOutputs(&steps, kept: Set(graph.outputs.compactMap { slots[$0.name] }))
        self.slots = slots
        self.steps = steps
    }

    /// Sets `blockedOutput` on the chains whose output only chains that read blocked values
    /// read, each as its convolution's input or residual and nothing else; never for the graph's
    /// outputs (`kept`).
    private static func markBlockedOutputs(_ steps: inout [Step], kept: Set<Int>) {
        var readsBlocked: [Int: Bool] = [:]  // slot -> whether every read so far takes it blocked
        for step in steps {
            var reads: [Int: Int] = [:]
            for slots in step.inputs { for case let slot? in slots { reads[slot, default: 0] += 1 } }
            for (slot, count) in reads {
                let blockedReads = step.readsBlocked ? (step.convInput == slot ? 1 : 0) + (step.residual == slot ? 1 : 0) : 0
                readsBlocked[slot] = (readsBlocked[slot] ?? true) && count == blockedReads
            }
        }
        for position in steps.indices where steps[position].isChain {
            guard let output = steps[position].outputs.last?.first ?? nil, !kept.contains(output) else { continue }
            steps[position].blockedOutput = readsBlocked[output] ?? false
        }
    }
}
