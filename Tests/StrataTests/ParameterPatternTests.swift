import Strata
import Testing

@Test(arguments: [
    // (pattern, path, matches): a name selects everything inside it, `*` one or more components.
    ("fc", "fc.weight", true),
    ("fc", "fc2.weight", false),
    ("fc.*", "fc.bias", true),
    ("fc.*", "fc", false),
    ("fc.weight", "fc.weight", true),
    ("fc.weight", "fc.weight_ih", false),
    ("layer1", "layer1.0.conv1.weight", true),
    ("layer1.*", "layer1.0.conv1.weight", true),
    ("layer1", "layer10.0.conv1.weight", false),
    ("*.bn1", "layer2.1.bn1.running_mean", true),
    ("*.bn1.*", "layer1.0.bn1.weight", true),
    ("*.bn1", "bn1.weight", false),
    ("*.bn1", "layer1.0.bn2.weight", false),
    ("*.weight", "layer1.0.conv1.weight", true),
    ("*.weight", "fc.bias", false),
    ("*", "0.weight", true),
    ("layer1.*.conv2", "layer1.1.conv2.weight", true),
    ("layer1.*.conv2", "layer2.1.conv2.weight", false),
])
func patternsMatchWholeComponents(pattern: String, path: String, matches: Bool) throws {
    #expect(try ParameterPattern(parsing: pattern).matches(ParameterPath(parsing: path)) == matches)
}

@Test func malformedPatternsAreTypedErrors() {
    for text in ["", "a..b", ".fc", "fc.", "layer*", "*x.weight"] {
        #expect(throws: ParameterPatternError.self, "\(text)") { try ParameterPattern(parsing: text) }
    }
    #expect(throws: ParameterPatternError.malformed(pattern: "layer*", reason: "`*` must be a whole component, as in `layer1.*`")) {
        try ParameterPattern(parsing: "layer*")
    }
}

@Test func aPatternThatMatchesNothingNamesTheModelsTopLevelNames() throws {
    let model: [ParameterPath: Tensor] = ["features.0.weight": Tensor.zeros([2]), "features.0.bias": Tensor.zeros([2]), "fc.weight": Tensor.zeros([2])]
    #expect(try ParameterPattern(parsing: "features").matchingPaths(in: model) == ["features.0.bias", "features.0.weight"])
    try ParameterPattern(parsing: "fc").validate(against: model)
    #expect(throws: ParameterPatternError.matchesNothing(pattern: "head", available: ["fc", "features"])) {
        try ParameterPattern(parsing: "head").validate(against: model)
    }
}

/// Excluded parameters get no gradient; the others get the same gradient as without exclusion.
@Test func excludedParametersGetNoGradient() {
    let parameters: [ParameterPath: Tensor] = ["a": Tensor([2.0, 3.0] as [Double]), "b": Tensor([5.0] as [Double])]
    func loss(_ p: [ParameterPath: Tensor]) -> Tensor { (p["a"]! * p["b"]!).sum() }
    let all = gradient(at: parameters, of: loss)
    let (value, some) = valueAndGradient(at: parameters, excluding: { $0 == "b" }, of: loss)
    // d/da sum(a * b) = b = [5, 5]; the value is 2*5 + 3*5 = 25.
    #expect(value.scalar(as: Double.self) == 25)
    #expect(Array(some.keys) == ["a"])
    #expect(some["a"]!.scalars(as: Double.self) == [5, 5])
    #expect(all["a"]!.scalars(as: Double.self) == some["a"]!.scalars(as: Double.self))
    #expect(all["b"]!.scalars(as: Double.self) == [5])
}
