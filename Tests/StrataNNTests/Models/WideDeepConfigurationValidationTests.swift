import StrataNN
import Testing

/// Two categorical columns (5 and 4 ids), three numeric columns and 20 wide ids.
private let valid = WideDeepConfiguration(parts: .both, wideFeatureCount: 20, categoryCounts: [5, 4], numericCount: 3)

@Test func aValidConfigurationPasses() throws {
    try valid.validate()
    var wideOnly = WideDeepConfiguration(parts: .wide, wideFeatureCount: 20, categoryCounts: [], numericCount: 0)
    try wideOnly.validate()
    wideOnly.parts = .deep
    #expect(throws: WideDeepConfigurationError.noDeepInputs) { try wideOnly.validate() }
}

@Test func everySizeIsRangeChecked() {
    func expect(_ error: WideDeepConfigurationError, _ change: (inout WideDeepConfiguration) -> Void) {
        var configuration = valid
        change(&configuration)
        #expect(throws: error) { try configuration.validate() }
    }
    let rows = 1...WideDeepConfiguration.maximumRowCount, widths = 1...WideDeepConfiguration.maximumWidth
    expect(.sizeOutOfRange(field: "categoryCounts[1]", value: -1, allowed: rows)) { $0.categoryCounts = [5, -1] }
    expect(.sizeOutOfRange(field: "categoryCounts[0]", value: 0, allowed: rows)) { $0.categoryCounts = [0, 4] }
    expect(.sizeOutOfRange(field: "hiddenSizes[0]", value: 1_000_000_000, allowed: widths)) { $0.hiddenSizes = [1_000_000_000] }
    expect(.sizeOutOfRange(field: "hiddenSizes[1]", value: 0, allowed: widths)) { $0.hiddenSizes = [8, 0] }
    expect(.sizeOutOfRange(field: "embeddingSizes[0]", value: -3, allowed: widths)) { $0.embeddingSizes = [-3, 2] }
    expect(.sizeOutOfRange(field: "numericCount", value: -1, allowed: 0...WideDeepConfiguration.maximumWidth)) {
        $0.numericCount = -1
    }
    // The wide part needs ids; a deep-only model may have none.
    expect(.sizeOutOfRange(field: "wideFeatureCount", value: 0, allowed: rows)) { $0.wideFeatureCount = 0 }
    expect(.sizeOutOfRange(field: "wideFeatureCount", value: Int.max, allowed: rows)) { $0.wideFeatureCount = Int.max }
    expect(.mismatchedEmbeddingSizes(embeddingSizes: 1, categoryCounts: 2)) { $0.embeddingSizes = [3] }
    expect(.dropoutOutOfRange(1)) { $0.dropout = 1 }
    expect(.dropoutOutOfRange(-0.5)) { $0.dropout = -0.5 }
    // Each size within range, but 2^16 x 2^16 hidden weights are 4 billion parameters.
    expect(.tooManyParameters(maximum: WideDeepConfiguration.maximumParameterCount)) { $0.hiddenSizes = [65536, 65536] }
    expect(.tooManyParameters(maximum: WideDeepConfiguration.maximumParameterCount)) {
        $0.categoryCounts = [1 << 24, 1 << 24]
        $0.embeddingSizes = [16, 16]
    }
}
