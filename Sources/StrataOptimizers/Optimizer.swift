import Strata

/// A subset of a model's parameters with its own settings (PyTorch's parameter groups).
public struct ParameterGroup: Sendable {
    public var name: String
    /// Which parameter paths belong to the group; the first matching group wins.
    public var contains: @Sendable (ParameterPath) -> Bool
    /// This group's learning rate in place of the optimizer's. Schedules scale it by the same
    /// factor as the base rate (the base rate over its initial value), as PyTorch's schedulers
    /// scale every group.
    public var learningRate: Double?
    public var weightDecay: Double?
    /// A frozen parameter never changes and costs nothing: its gradient is ignored.
    public var isFrozen: Bool
    /// This group's algorithm in place of the optimizer's (Optax's `multi_transform`): Wide &
    /// Deep trains its wide part by proximal gradient and its deep part by Adam in one optimizer.
    public var rule: (any OptimizerRule)?

    public init(_ name: String, learningRate: Double? = nil, weightDecay: Double? = nil, isFrozen: Bool = false,
                rule: (any OptimizerRule)? = nil, contains: @escaping @Sendable (ParameterPath) -> Bool) {
        self.name = name
        self.contains = contains
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.isFrozen = isFrozen
        self.rule = rule
    }

    /// The parameters whose path `pattern` matches (`"fc"`, `"layer1.*"`, `"*.bn1"`), as
    /// `ParameterPattern` defines; named after the pattern.
    public static func matching(_ pattern: ParameterPattern, learningRate: Double? = nil, weightDecay: Double? = nil,
                                isFrozen: Bool = false) -> ParameterGroup {
        ParameterGroup(pattern.description, learningRate: learningRate, weightDecay: weightDecay, isFrozen: isFrozen) {
            pattern.matches($0)
        }
    }

    /// The parameters whose printed path starts with `prefix` (e.g. `"features."` for a backbone).
    public static func prefix(_ prefix: String, learningRate: Double? = nil, weightDecay: Double? = nil,
                              isFrozen: Bool = false, rule: (any OptimizerRule)? = nil) -> ParameterGroup {
        ParameterGroup(prefix, learningRate: learningRate, weightDecay: weightDecay, isFrozen: isFrozen, rule: rule) {
            $0.description.hasPrefix(prefix)
        }
    }
}

/// Drives an `OptimizerRule` over a model: selects parameters by path, applies groups and L2
/// weight decay, keeps per-parameter state keyed by path, and counts steps.
///
///     var optimizer = Optimizer(Adam(), learningRate: 1e-3)
///     let (loss, grads) = valueAndGradient(at: model) { model in crossEntropy(logits: model(x), labels: y) }
///     optimizer.update(&model, along: grads)
public struct Optimizer: Sendable {
    public var rule: any OptimizerRule
    /// The base learning rate; schedules set it between steps.
    public var learningRate: Double
    /// The base learning rate the optimizer was created with, against which group rates scale.
    public let initialLearningRate: Double
    /// L2 weight decay added to gradients (decoupled for AdamW).
    public var weightDecay: Double
    public var groups: [ParameterGroup]
    /// Freeze (true) and unfreeze (false) rules in the order given; the last rule whose pattern
    /// matches a path decides whether it is frozen, and a path no rule matches follows its group.
    public private(set) var freezingRules: [(pattern: ParameterPattern, isFrozen: Bool)] = []
    /// Per-parameter state, keyed by parameter path, then slot name.
    public internal(set) var state: [ParameterPath: [String: Tensor]] = [:]
    /// The number of completed `update` calls.
    public internal(set) var stepCount = 0

    public init(_ rule: any OptimizerRule, learningRate: Double, weightDecay: Double = 0, groups: [ParameterGroup] = []) {
        precondition(learningRate >= 0, "Optimizer: learningRate must not be negative, got \(learningRate)")
        precondition(weightDecay >= 0, "Optimizer: weightDecay must not be negative, got \(weightDecay)")
        self.rule = rule
        self.learningRate = learningRate
        initialLearningRate = learningRate
        self.weightDecay = weightDecay
        self.groups = groups
    }

    /// The group settings that apply to `path`.
    func settings(for path: ParameterPath) -> (context: UpdateContext, isFrozen: Bool, rule: any OptimizerRule) {
        settingsResolver().settings(for: path)
    }

    /// What `settings(for:)` reads, apart from the state: `update` resolves every parameter's
    /// settings through one such copy rather than through the whole optimizer.
    private func settingsResolver() -> SettingsResolver {
        SettingsResolver(groups: groups, freezingRules: freezingRules, rule: rule, learningRate: learningRate,
                         learningRateScale: initialLearningRate > 0 ? learningRate / initialLearningRate : 1,
                         weightDecay: weightDecay)
    }

    private struct SettingsResolver {
        let groups: [ParameterGroup]
        let freezingRules: [(pattern: ParameterPattern, isFrozen: Bool)]
        let rule: any OptimizerRule
        let learningRate: Double
        let learningRateScale: Double
        let weightDecay: Double

        func settings(for path: ParameterPath) -> (context: UpdateContext, isFrozen: Bool, rule: any OptimizerRule) {
            guard let index = groups.firstIndex(where: { $0.contains(path) }) else {
                let freezing = freezingRules.last { $0.pattern.matches(path) }
                return (UpdateContext(learningRate: learningRate, weightDecay: weightDecay), freezing?.isFrozen ?? false, rule)
            }
            let context = UpdateContext(learningRate: groups[index].learningRate.map { $0 * learningRateScale } ?? learningRate,
                                        weightDecay: groups[index].weightDecay ?? weightDecay)
            let freezing = freezingRules.last { $0.pattern.matches(path) }
            return (context, freezing?.isFrozen ?? groups[index].isFrozen, groups[index].rule ?? rule)
        }
    }

    /// Whether no parameter can be frozen: no freezing rule freezes and no group is frozen (so
    /// a trainer need not visit the model to find frozen tensors).
    public var freezesNothing: Bool {
        !freezingRules.contains { $0.isFrozen } && !groups.contains { $0.isFrozen }
    }

    /// Whether the parameter at `path` is frozen, by the freezing rules or else by its group:
    /// the predicate for `valueAndGradient(at:excluding:of:)` and `withFrozenStatistics(of:where:_:)`.
    public func isFrozen(_ path: ParameterPath) -> Bool {
        settings(for: path).isFrozen
    }

    /// Freezes the parameters of `model` that `pattern` matches: they keep their values (and
    /// their state) until unfrozen. Run the training steps inside
    /// `withFrozenStatistics(of: model, where: optimizer.isFrozen) { ... }` so frozen batch
    /// normalization keeps its running statistics (the `Trainer` does this).
    /// - Throws: `ParameterPatternError.matchesNothing`, changing nothing, when `pattern`
    ///   matches no tensor of `model`.
    public mutating func freeze<Model: ParameterContainer>(_ pattern: ParameterPattern, in model: Model) throws(ParameterPatternError) {
        try pattern.validate(against: model)
        freezingRules.append((pattern, true))
    }

    /// Unfreezes the parameters of `model` that `pattern` matches, also those frozen by a broader
    /// pattern before (`freeze("*")`, then `unfreeze("fc")`); they continue with their kept state.
    /// - Throws: `ParameterPatternError.matchesNothing`, changing nothing, when `pattern`
    ///   matches no tensor of `model`.
    public mutating func unfreeze<Model: ParameterContainer>(_ pattern: ParameterPattern, in model: Model) throws(ParameterPatternError) {
        try pattern.validate(against: model)
        freezingRules.append((pattern, false))
    }

    /// Moves every parameter of `model` that has a gradient one step along it. Parameters without
    /// a gradient (or frozen) are left untouched.
    public mutating func update<Model: ParameterContainer>(_ model: inout Model, along gradients: [ParameterPath: Tensor]) {
        let resolver = settingsResolver()
        withoutGradients {
            model.visitParameters { path, parameter, kind in
                guard kind == .parameter, let gradient = gradients[path] else { return }
                let (context, isFrozen, rule) = resolver.settings(for: path)
                guard !isFrozen else { return }
                precondition(gradient.shape == parameter.shape,
                             "Optimizer: gradient \(gradient.shape) for \(path) does not match the parameter \(parameter.shape)")
                let effective = context.weightDecay != 0 && !rule.decouplesWeightDecay
                    ? gradient + parameter.detached * context.weightDecay : gradient
                parameter = parameter.detached
                // The rule works on the slots in place in the state (one lookup; nothing else
                // holds them), so that a fused kernel may write the model's parameter and its
                // moments in place (see `OptimizerRule.step`).
                rule.step(&parameter, gradient: effective, state: &state[path, default: [:]], context: context)
            }
        }
        stepCount += 1
    }

    /// The state as a flat dictionary for checkpoints, keyed as `OptimizerStateKey` writes them:
    /// `state.<path>.<slot>` tensors and the step count under `step_count` (int64 scalar).
    public func exportState() -> [String: Tensor] {
        var result = [OptimizerStateKey.stepCount.description: Tensor(Int64(stepCount))]
        for (path, slots) in state {
            for (slot, tensor) in slots { result[OptimizerStateKey.slot(path: path, name: slot).description] = tensor }
        }
        return result
    }
}
