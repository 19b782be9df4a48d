import Foundation
import Strata
import Testing

@Test(arguments: ["fc.weight", "layer1.0.conv1.weight", "bias", "aux1.fc2.weight", "0", "features.10.running_mean"])
func pathsPrintAsTheyParse(text: String) throws {
    let path = try ParameterPath(parsing: text)
    #expect(path.description == text)
    #expect(try ParameterPath(components: path.components) == path)
    #expect(ParameterPath(text) == path)
    #expect(path.components.joined(separator: ".") == text)
}

@Test func componentsAreTheFieldNamesFromTheRootDown() throws {
    let path = try ParameterPath(parsing: "layer1.0.conv1.weight")
    #expect(path.components == ["layer1", "0", "conv1", "weight"])
    #expect(path.lastComponent == "weight")
    #expect(ParameterPath.root.components.isEmpty && ParameterPath.root.isRoot && ParameterPath.root.description == "")
    #expect(ParameterPath.root.lastComponent == nil)
    // Built the way the visitor builds it: field names and array indices.
    #expect(ParameterPath.root.appending("layer1").appending(index: 0).appending("conv1").appending("weight") == path)
    #expect(ParameterPath.root.appending(index: 3) == "3")
    #expect(("layer1" as ParameterPath).appending("0.conv1.weight" as ParameterPath) == path)
    #expect(path.appending(ParameterPath.root) == path)
}

@Test func prefixesAreWholeComponents() {
    let path: ParameterPath = "fc.weight"
    #expect(path.isWithin("fc") && path.isWithin("fc.weight") && path.isWithin(.root))
    #expect(!path.isWithin("f") && !path.isWithin("fc.w"))
    #expect(!("fc2.weight" as ParameterPath).isWithin("fc"))
}

@Test func pathsOrderAsTheirPrintedForms() {
    // String order, as the dictionaries keyed by string sorted before the type existed.
    let paths: [ParameterPath] = ["layer1.0.bn1.weight", "fc.weight", "10.weight", "2.weight", "fc.bias"]
    #expect(paths.sorted().map(\.description) == paths.map(\.description).sorted())
    #expect(("1.weight" as ParameterPath) < "10.weight")
}

@Test func malformedPathsAreTypedErrors() {
    for text in ["", ".", "a..b", ".fc", "fc."] {
        #expect(throws: ParameterPathError.self, "\(text)") { try ParameterPath(parsing: text) }
        #expect(ParameterPath(text) == nil, "\(text)")
    }
    #expect(throws: ParameterPathError.malformed(path: "a..b", reason: "a component between dots is empty")) {
        try ParameterPath(parsing: "a..b")
    }
    #expect(throws: ParameterPathError.malformed(path: "", reason: "the path is empty")) { try ParameterPath(parsing: "") }
    #expect(throws: ParameterPathError.self) { try ParameterPath(components: ["layer1", "0.conv"]) }
    #expect(throws: ParameterPathError.self) { try ParameterPath(components: ["layer1", ""]) }
    #expect(ParameterPathError.malformed(path: "a..b", reason: "x").description == "malformed parameter path \"a..b\": x")
}

@Test func pathsAreCodableAsTheirDottedForm() throws {
    let paths: [ParameterPath] = ["fc.weight", "layer1.0.bn1.running_var"]
    let data = try JSONEncoder().encode(paths)
    #expect(String(decoding: data, as: UTF8.self) == #"["fc.weight","layer1.0.bn1.running_var"]"#)
    #expect(try JSONDecoder().decode([ParameterPath].self, from: data) == paths)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode([ParameterPath].self, from: Data(#"["a..b"]"#.utf8)) }
}

@Test func dictionariesConvertToAndFromTheNamesFilesHold() throws {
    let tensor = Tensor.zeros([1])
    let state: [ParameterPath: Tensor] = ["fc.weight": tensor, "0.bias": tensor]
    #expect(state.keyedByName.keys.sorted() == ["0.bias", "fc.weight"])
    #expect(try [ParameterPath: Tensor](parsingNames: state.keyedByName).keys.sorted() == ["0.bias", "fc.weight"])
    #expect(throws: ParameterPathError.malformed(path: "a..b", reason: "a component between dots is empty")) {
        try [ParameterPath: Tensor](parsingNames: ["fc.weight": tensor, "a..b": tensor])
    }
}
