/// Reverse-mode differentiation: runs the pullbacks of a recorded graph in reverse creation order
/// (`GradientNode.sequence`, a topological order: the forward pass reversed), summing the
/// gradients of values used more than once.
///
/// The gradients of slices are not zero-filled one by one: those of one tensor are kept as parts
/// and assembled into one tensor when its gradient is needed (`GradientSums`), so splitting a
/// projection into query, key and value costs one pass over its gradient, not three fills and
/// two additions.
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
        var gradients = GradientSums(ObjectIdentifier(root), seed)
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
                whenFinal(index, gradients.peek(ObjectIdentifier(leaf)) ?? Tensor.zeros(leaf.shape, dtype: leaf.dtype))
            }
        }
        withoutGradients {
            for (position, node) in order.reversed().enumerated() {
                defer { if let ready = finalAfter[position] { report(ready) } }
                guard let pullback = node.pullback,
                      let upstream = gradients.take(ObjectIdentifier(node)) else { continue }
                if let region = node.region, let input = node.inputs.first ?? nil {
                    gradients.add(part: upstream, at: region, to: ObjectIdentifier(input), shape: input.shape)
                    continue
                }
                let inputGradients = pullback(upstream)
                for (input, gradient) in zip(node.inputs, inputGradients) {
                    guard let input, let gradient else { continue }
                    precondition(gradient.shape == input.shape,
                                 "autodiff: a derivative rule returned \(gradient.shape) for an input of shape \(input.shape)")
                    gradients.add(gradient, to: ObjectIdentifier(input))
                }
            }
            report(Array(leaves.indices))
        }
        return withoutGradients {
            leaves.map { leaf in gradients.peek(ObjectIdentifier(leaf)) ?? Tensor.zeros(leaf.shape, dtype: leaf.dtype) }
        }
    }
}

/// The gradients summed so far during one backward pass, by node: dense tensors, and the
/// gradients of slices of a node as parts not yet assembled. Reading a node's gradient
/// assembles its parts: each group of parts that share no element is copied into one tensor
/// (nothing filled where the parts tile it) and the groups and any dense gradient are added.
private struct GradientSums {
    private var dense: [ObjectIdentifier: Tensor]
    private var parts: [ObjectIdentifier: (shape: [Int], parts: [(Tensor, Region)])] = [:]

    init(_ root: ObjectIdentifier, _ seed: Tensor) {
        dense = [root: seed]
    }

    mutating func add(_ gradient: Tensor, to key: ObjectIdentifier) {
        dense[key] = dense[key].map { $0 + gradient } ?? gradient
    }

    /// Adds `gradient` within `region` of a zero tensor of `shape`: a slice's gradient.
    mutating func add(part gradient: Tensor, at region: Region, to key: ObjectIdentifier, shape: [Int]) {
        parts[key, default: (shape, [])].parts.append((gradient, region))
    }

    /// The gradient of `key`, which stays available.
    mutating func peek(_ key: ObjectIdentifier) -> Tensor? {
        settle(key)
        return dense[key]
    }

    /// The gradient of `key`, removed.
    mutating func take(_ key: ObjectIdentifier) -> Tensor? {
        settle(key)
        return dense.removeValue(forKey: key)
    }

    /// Folds the parts of `key` into its dense gradient.
    private mutating func settle(_ key: ObjectIdentifier) {
        guard let (shape, pending) = parts.removeValue(forKey: key) else { return }
        var groups: [[(Tensor, Region)]] = []
        for part in pending {
            let placed = (shape: part.0.shape, region: part.1)
            if let index = groups.firstIndex(where: { group in
                group.allSatisfy { Region.disjoint(($0.0.shape, $0.1), placed, in: shape) }
            }) {
                groups[index].append(part)
            } else {
                groups.append([part])
            }
        }
        for group in groups {
            add(Tensor.assemblePrimitive(shape: shape, dtype: group[0].0.dtype, fill: 0, parts: group), to: key)
        }
    }
}
