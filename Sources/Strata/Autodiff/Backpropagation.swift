/// Reverse-mode differentiation: runs the pullbacks of a recorded graph in reverse creation order
/// (`GradientNode.sequence`, a topological order: the forward pass reversed), summing the
/// gradients of values used more than once.
enum Backpropagation {
    /// The gradient of `output` (seeded with `seed`) with respect to each leaf in `leaves`;
    /// leaves the output does not depend on get zeros.
    ///
    /// `whenFinal(index, gradient)`, when given, is called once per leaf, as soon as the leaf's
    /// gradient is final: right after the pullback of the last node (in the order pullbacks run)
    /// that has the leaf as an input, or at the end for leaves the output does not depend on (in
    /// index order). Data-parallel training starts reducing a bucket of gradients there, while
    /// backward goes on. The calls come in the same order for the same graph.
    static func gradients(of output: Tensor, seed: Tensor, leaves: [GradientNode],
                          whenFinal: ((Int, Tensor) -> Void)? = nil) -> [Tensor] {
        guard let root = output.node else {
            let zeros = leaves.map { Tensor.zeros($0.shape, dtype: $0.dtype) }
            if let whenFinal { for (index, zero) in zeros.enumerated() { whenFinal(index, zero) } }
            return zeros
        }
        // The reachable nodes, by an explicit depth-first walk (no recursion, so deep graphs
        // cannot overflow the stack), then sorted by creation.
        var order: [GradientNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: GradientNode, expanded: Bool)] = [(root, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded {
                order.append(node)
                continue
            }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for case let input? in node.inputs where !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        order.sort { $0.sequence < $1.sequence }
        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        // For the hook: the leaves whose last consumer is each node (by position in `order`).
        var finalAfter: [Int: [Int]] = [:]
        var reported = [Bool](repeating: false, count: whenFinal == nil ? 0 : leaves.count)
        if whenFinal != nil {
            let leafIndex = Dictionary(leaves.enumerated().map { (ObjectIdentifier($1), $0) }, uniquingKeysWith: { a, _ in a })
            var lastConsumer: [Int: Int] = [:]
            for (position, node) in order.reversed().enumerated() {
                for case let input? in node.inputs {
                    if let index = leafIndex[ObjectIdentifier(input)] { lastConsumer[index] = position }
                }
            }
            for (index, position) in lastConsumer { finalAfter[position, default: []].append(index) }
        }
        func report(_ indices: [Int]) {
            guard let whenFinal else { return }
            for index in indices.sorted() where !reported[index] {
                reported[index] = true
                let leaf = leaves[index]
                whenFinal(index, gradients[ObjectIdentifier(leaf)] ?? Tensor.zeros(leaf.shape, dtype: leaf.dtype))
            }
        }
        withoutGradients {
            for (position, node) in order.reversed().enumerated() {
                defer { if let ready = finalAfter[position] { report(ready) } }
                guard let pullback = node.pullback,
                      let upstream = gradients.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                let inputGradients = pullback(upstream)
                for (input, gradient) in zip(node.inputs, inputGradients) {
                    guard let input, let gradient else { continue }
                    precondition(gradient.shape == input.shape,
                                 "autodiff: a derivative rule returned \(gradient.shape) for an input of shape \(input.shape)")
                    let key = ObjectIdentifier(input)
                    if let existing = gradients[key] {
                        gradients[key] = existing + gradient
                    } else {
                        gradients[key] = gradient
                    }
                }
            }
            report(Array(leaves.indices))
        }
        return leaves.map { leaf in
            gradients[ObjectIdentifier(leaf)] ?? Tensor.zeros(leaf.shape, dtype: leaf.dtype)
        }
    }
}
