import Strata
import StrataNN
import Testing

@Test func sequentialNamesChildrenLikePyTorch() {
    let model = Sequential {
        Linear(inputSize: 4, outputSize: 3)
        ReLU()
        Linear(inputSize: 3, outputSize: 2, bias: false)
    }
    #expect(model.stateDictionary().keys.sorted() == ["0.bias", "0.weight", "2.weight"])
    // 4*3 + 3 + 3*2
    #expect(model.parameterCount == 21)
}
