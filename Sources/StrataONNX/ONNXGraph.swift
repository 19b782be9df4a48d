/// A checked graph: nodes in an order where every input is computed before it is read, the
/// real inputs (graph inputs without an initializer), the outputs and the initializers' names.
struct ONNXGraph: Sendable {
    /// The nodes in execution order.
    let nodes: [ONNXNode]
    /// The inputs a caller must feed.
    let inputs: [ONNXValueInfo]
    /// The outputs `run` returns.
    let outputs: [ONNXValueInfo]

    /// Checks names and connections and orders the nodes.
    /// - Throws: `ONNXError.invalidModel` for duplicate or empty names, `.invalidGraph` for a
    ///   dangling input, an output nothing computes, or a cycle.
    init(nodes unordered: [ONNXNode], inputs declaredInputs: [ONNXValueInfo], outputs: [ONNXValueInfo],
         initializers: Set<String>) throws(ONNXError) {
        var available = initializers
        var inputs: [ONNXValueInfo] = []
        for input in declaredInputs where !initializers.contains(input.name) {
            guard !input.name.isEmpty else { throw .invalidModel(reason: "a graph input has no name") }
            guard available.insert(input.name).inserted else {
                throw .invalidModel(reason: "graph input '\(input.name)' is declared twice")
            }
            inputs.append(input)
        }
        // Which node computes each value; every value is computed once (static single assignment).
        var producer: [String: Int] = [:]
        for (index, node) in unordered.enumerated() {
            for output in node.outputs where !output.isEmpty {
                guard !available.contains(output), producer.updateValue(index, forKey: output) == nil else {
                    throw .invalidModel(reason: "value '\(output)' of node '\(node.name)' is defined twice")
                }
            }
        }
        // Kahn's algorithm, keeping the file's order among ready nodes.
        var pending = [Int](repeating: 0, count: unordered.count)
        var readers: [String: [Int]] = [:]
        for (index, node) in unordered.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty && !available.contains(input) {
                guard producer[input] != nil else {
                    throw .invalidGraph(reason: "node '\(node.name)' reads '\(input)', which no node, input or initializer defines")
                }
                pending[index] += 1
                readers[input, default: []].append(index)
            }
        }
        var ready = pending.indices.filter { pending[$0] == 0 }.reversed() as [Int]
        var ordered: [ONNXNode] = []
        ordered.reserveCapacity(unordered.count)
        while let index = ready.popLast() {
            ordered.append(unordered[index])
            var released: [Int] = []
            for output in Set(unordered[index].outputs) where !output.isEmpty {
                for reader in readers[output] ?? [] {
                    pending[reader] -= 1
                    if pending[reader] == 0 { released.append(reader) }
                }
            }
            ready.append(contentsOf: released.sorted().reversed())
        }
        guard ordered.count == unordered.count else {
            let stuck = unordered.indices.first { pending[$0] > 0 }.map { unordered[$0].name } ?? "?"
            throw .invalidGraph(reason: "the nodes form a cycle (node '\(stuck)' waits on itself)")
        }
        for output in outputs {
            guard available.contains(output.name) || producer[output.name] != nil else {
                throw .invalidGraph(reason: "graph output '\(output.name)' is not computed by any node")
            }
        }
        self.nodes = ordered
        self.inputs = inputs
        self.outputs = outputs
    }
}
