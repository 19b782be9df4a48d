/// The random streams of one `strata train` run, all derived from its `--seed`.
///
/// `RandomGenerator(seed:)` is counter-based: two uses of one seed draw the same numbers. A run
/// that initialized its weights and shuffled its batches from one seed would make the first
/// epoch's order a function of the initial weights, so each use gets its own seed, the SplitMix64
/// finalizer (Steele et al. 2014) of the run's seed and the stream's number. The weights keep the
/// run's seed itself, so `--seed 42` builds the model `LeNet(generator: RandomGenerator(seed: 42))`
/// builds in the examples.
public struct RunSeeds: Sendable, Equatable {
    /// The weights' initialization: the run's seed.
    public var model: UInt64
    /// The order of the training samples in each epoch (`DataLoader`, the tabular trainer).
    public var shuffle: UInt64
    /// Dropout masks and other draws inside an epoch (`Trainer.randomSeed`).
    public var epochDraws: UInt64
    /// Which training samples are held out for validation.
    public var validation: UInt64
    /// Which samples are kept (`--images-per-class`) or set aside for testing (a table's 20%).
    public var selection: UInt64

    public init(_ seed: UInt64) {
        model = seed
        shuffle = Self.derive(seed, stream: 1)
        epochDraws = Self.derive(seed, stream: 2)
        validation = Self.derive(seed, stream: 3)
        selection = Self.derive(seed, stream: 4)
    }

    /// SplitMix64's finalizer of `seed` advanced by `stream` golden-ratio steps.
    static func derive(_ seed: UInt64, stream: UInt64) -> UInt64 {
        var z = seed &+ stream &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
