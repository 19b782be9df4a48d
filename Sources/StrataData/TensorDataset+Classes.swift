import Strata

extension TensorDataset {
    /// The samples of the given classes, relabelled by position (`classes[i]` becomes label `i`),
    /// keeping at most `limitPerClass` samples of each: a few-label task cut from a labelled set.
    ///
    ///     let fewShot = train.selectingClasses([5, 6, 7, 8, 9], limitPerClass: 100, seed: 1)   // 500 samples, labels 0...4
    ///
    /// Which samples a limited class keeps is drawn by `permutation` with
    /// `RandomGenerator(seed: seed)`, classes in the order given, so the same seed keeps the same
    /// samples; the kept samples stay in their original order. A class with fewer samples keeps
    /// them all. Labels must be `[count]` integers; `classes` must be distinct.
    public func selectingClasses(_ classes: [Int], limitPerClass: Int? = nil, seed: UInt64 = 0) -> TensorDataset {
        precondition(Set(classes).count == classes.count, "selectingClasses: classes \(classes) repeat")
        precondition(limitPerClass.map { $0 > 0 } ?? true, "selectingClasses: limitPerClass must be positive, got \(limitPerClass!)")
        precondition(labels.rank == 1 && !labels.dtype.isFloatingPoint,
                     "selectingClasses: labels must be [count] integers, got \(labels.shape) \(labels.dtype)")
        let values = labels.cast(to: .int64).scalars(as: Int64.self)
        let position = Dictionary(uniqueKeysWithValues: classes.enumerated().map { (Int64($0.element), $0.offset) })
        var members = [[Int]](repeating: [], count: classes.count)
        for (index, label) in values.enumerated() {
            if let newLabel = position[label] { members[newLabel].append(index) }
        }
        let generator = RandomGenerator(seed: seed)
        var kept: [(index: Int, label: Int64)] = []
        for (newLabel, indices) in members.enumerated() {
            var chosen = indices
            if let limitPerClass, indices.count > limitPerClass {
                chosen = permutation(indices.count, generator: generator).prefix(limitPerClass).map { indices[$0] }
            }
            kept += chosen.map { ($0, Int64(newLabel)) }
        }
        kept.sort { $0.index < $1.index }
        let selected = Tensor(kept.map { Int64($0.index) }, shape: [kept.count])
        return TensorDataset(inputs: inputs.indexSelect(axis: 0, indices: selected),
                             labels: Tensor(kept.map(\.label), shape: [kept.count]))
    }
}
