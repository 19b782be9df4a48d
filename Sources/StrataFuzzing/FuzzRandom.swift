/// SplitMix64 (Steele, Lea and Flood, 2014): the fuzzer's own small seeded generator, so that a
/// case's input depends only on (seed, case number) and can be rebuilt after a crash.
public struct FuzzRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator of case `index` in a campaign seeded by `seed`: independent streams, so a
    /// run restarted at case k makes the same inputs as an uninterrupted one.
    public init(seed: UInt64, case index: Int) {
        var mixer = FuzzRandom(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
        state = mixer.next() &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (bound > 0).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "FuzzRandom.below: bound must be positive, got \(bound)")
        return Int.random(in: 0..<bound, using: &self)
    }
}
