import Foundation

/// A seeded, counter-based random number generator.
///
/// Value `i` of the stream is a hash of `(seed, i)` (the SplitMix64 finalizer), so a draw of n
/// values is just n hashes of consecutive counters: reproducible, independent of thread count,
/// and its whole state is `(seed, counter)` for checkpoints. Pass one explicitly, or install one
/// for a task with `withRandomGenerator`; ops otherwise use the task-local default (seed 0).
public final class RandomGenerator: @unchecked Sendable {
    /// The seed this stream was created with.
    public let seed: UInt64
    private var counter: UInt64
    private let lock = NSLock()

    public init(seed: UInt64, counter: UInt64 = 0) {
        self.seed = seed
        self.counter = counter
    }

    /// How many 64-bit values have been drawn: with `seed`, the complete state.
    public var position: UInt64 { lock.withLock { counter } }

    /// The generator used by random ops in the current task when none is passed.
    @TaskLocal public static var current = RandomGenerator(seed: 0)

    /// Reserves `count` consecutive counters and returns the first.
    func reserve(_ count: Int) -> UInt64 {
        lock.withLock {
            let start = counter
            counter &+= UInt64(count)
            return start
        }
    }

    /// The 64-bit value at counter `index` of this stream.
    func value(at index: UInt64) -> UInt64 {
        var z = seed &* 0x9E37_79B9_7F4A_7C15 &+ index &* 0xD1B5_4A32_D192_ED03 &+ 0x8CB9_2BA7_2F3D_8DD7
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1) from counter `index` (53 random bits).
    func unit(at index: UInt64) -> Double {
        Double(value(at: index) >> 11) * 0x1.0p-53
    }
}

/// Runs `body` with `generator` as the task's default random generator.
public func withRandomGenerator<Result>(_ generator: RandomGenerator, _ body: () throws -> Result) rethrows -> Result {
    try RandomGenerator.$current.withValue(generator, operation: body)
}

extension Tensor {
    /// Uniform values in `[low, high)`.
    public static func uniform(_ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32,
                               generator: RandomGenerator = .current) -> Tensor {
        let count = Shape.count(shape)
        let start = generator.reserve(count)
        let values = (0..<count).map { low + (high - low) * generator.unit(at: start + UInt64($0)) }
        return Tensor(values, shape: shape).cast(to: dtype)
    }

    /// Normal values with the given mean and standard deviation (Box-Muller on pairs of uniforms).
    public static func normal(_ shape: [Int], mean: Double = 0, standardDeviation: Double = 1, dtype: DType = .float32,
                              generator: RandomGenerator = .current) -> Tensor {
        let count = Shape.count(shape)
        let pairs = (count + 1) / 2
        let start = generator.reserve(2 * pairs)
        var values = [Double](repeating: 0, count: 2 * pairs)
        for pair in 0..<pairs {
            let u1 = 1 - generator.unit(at: start + UInt64(2 * pair))  // in (0, 1]: log is finite
            let u2 = generator.unit(at: start + UInt64(2 * pair + 1))
            let radius = (-2 * Foundation.log(u1)).squareRoot()
            values[2 * pair] = mean + standardDeviation * radius * Foundation.cos(2 * .pi * u2)
            values[2 * pair + 1] = mean + standardDeviation * radius * Foundation.sin(2 * .pi * u2)
        }
        return Tensor(Array(values.prefix(count)), shape: shape).cast(to: dtype)
    }

    /// 1 with probability `probability`, else 0.
    public static func bernoulli(_ shape: [Int], probability: Double, dtype: DType = .float32,
                                 generator: RandomGenerator = .current) -> Tensor {
        precondition((0...1).contains(probability), "bernoulli: probability \(probability) is outside [0, 1]")
        let count = Shape.count(shape)
        let start = generator.reserve(count)
        let values = (0..<count).map { generator.unit(at: start + UInt64($0)) < probability ? 1.0 : 0.0 }
        return Tensor(values, shape: shape).cast(to: dtype)
    }
}
