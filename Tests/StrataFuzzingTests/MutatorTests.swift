import StrataFuzzing
import Testing

@Test func casesAreReproducibleFromTheSeedAndTheCaseNumberAlone() {
    let campaign = FuzzCampaign(target: CSVFuzzTarget(), seed: 7)
    // Case 500 made alone equals case 500 made after 499 others: a restarted run makes the same inputs.
    let alone = campaign.input(ofCase: 500)
    let afterOthers = (0...500).map { campaign.input(ofCase: $0) }.last!
    #expect(alone.bytes == afterOthers.bytes && alone.seed == afterOthers.seed)
    // Other cases and other seeds give other inputs.
    #expect(campaign.input(ofCase: 501).bytes != alone.bytes)
    #expect(FuzzCampaign(target: CSVFuzzTarget(), seed: 8).input(ofCase: 500).bytes != alone.bytes)
    // The first cases are the seeds themselves.
    #expect(campaign.input(ofCase: 1).bytes == CSVFuzzTarget().seeds[1])
}

@Test func eachMutationChangesTheInputAsDocumented() {
    let mutator = Mutator(isText: true)
    let input = Array("age,hours\n39,40\n".utf8)
    var random = FuzzRandom(seed: 3)
    func mutated(_ mutation: Mutation, _ bytes: [UInt8] = input, seeds: [[UInt8]] = []) -> [UInt8] {
        var copy = bytes
        mutator.apply(mutation, to: &copy, seeds: seeds, random: &random)
        return copy
    }
    let flipped = mutated(.bitFlip)
    #expect(flipped.count == input.count && zip(flipped, input).map { ($0 ^ $1).nonzeroBitCount }.reduce(0, +) == 1)
    #expect((input.count + 1...input.count + 4).contains(mutated(.byteInsert).count))
    #expect(mutated(.byteDelete).count < input.count)
    #expect(mutated(.truncation).count <= input.count)
    #expect(input.starts(with: mutated(.truncation)))
    #expect(mutated(.interestingValue).count == input.count)
    // A splice joins a prefix of the input to a suffix of a seed.
    let spliced = mutated(.splice, seeds: [Array("XYZ".utf8)])
    #expect(spliced.allSatisfy { input.contains($0) || Array("XYZ".utf8).contains($0) })
    // A numeric token becomes one of the replacement tokens; a text without numbers gets one inserted.
    for _ in 0..<50 {
        let text = String(decoding: mutated(.numericToken), as: UTF8.self)
        let numbers = text.split(whereSeparator: { $0 == "," || $0 == "\n" }).dropFirst(2).map(String.init)
        let replaced = Set(numbers).subtracting(["39", "40"])
        #expect(replaced.isEmpty ? text.hasPrefix("age,hours\n") : replaced.isSubset(of: Mutator.numericTokens))
    }
    #expect(mutated(.numericToken, Array("abc".utf8)).count >= 3)
}

@Test func stackedMutationsStayWithinTheLengthLimit() {
    let mutator = Mutator(isText: false, maximumLength: 64)
    for index in 0..<200 {
        var random = FuzzRandom(seed: 1, case: index)
        let bytes = mutator.mutate([UInt8](repeating: 1, count: 60), seeds: [[UInt8](repeating: 2, count: 64)], random: &random)
        #expect(bytes.count <= 64)
    }
}
