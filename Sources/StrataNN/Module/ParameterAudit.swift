import Strata

/// Finds stored tensors and child modules that a module forgot to present to its visitor.
///
/// Uses reflection (`Mirror`), so it belongs in tests, never in the hot path: each `Tensor`,
/// non-nil `Tensor?`, `Module` and array of modules stored in a module must be visited, and
/// children are audited recursively. Returns a description of each problem (empty when sound).
public func auditParameterVisits<M: Module>(_ module: M) -> [String] {
    auditModule(module, path: String(describing: M.self))
}

private func auditModule(_ module: any Module, path: String) -> [String] {
    var problems: [String] = []
    var storedTensors = 0
    var children: [(String, any Module)] = []
    for child in Mirror(reflecting: module).children {
        let label = child.label ?? "?"
        switch child.value {
        case is Tensor:
            storedTensors += 1
        case let optional as Tensor?:
            if optional != nil { storedTensors += 1 }
        case let submodule as any Module:
            children.append((label, submodule))
        case let submodules as [any Module]:
            for (index, submodule) in submodules.enumerated() { children.append(("\(label)[\(index)]", submodule)) }
        default:
            break
        }
    }
    // Tensors visited directly by this module, not by its children.
    var copy = module
    var visitedTensors = 0
    var ownPaths = 0
    copy.visitParameters { path, _, _ in
        visitedTensors += 1
        if path.components.count == 1 { ownPaths += 1 }
    }
    var childTensors = 0
    for (label, child) in children {
        var childCopy = child
        childCopy.visitParameters { _, _, _ in childTensors += 1 }
        problems += auditModule(child, path: "\(path).\(label)")
    }
    if storedTensors + childTensors > visitedTensors {
        problems.append("\(path): stores \(storedTensors) tensors and \(childTensors) in children, but visits only \(visitedTensors)")
    }
    if ownPaths < storedTensors && children.isEmpty {
        problems.append("\(path): visits \(ownPaths) of its \(storedTensors) own tensors")
    }
    return problems
}
