/// FNV-1a, 64-bit (Fowler, Noll and Vo): a hash of a string's UTF-8 bytes that is the same in
/// every process and on every machine, unlike Swift's per-process seeded `Hasher`. Hashed
/// feature crosses use it, so that a saved model finds its buckets again.
public enum StableHash {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The FNV-1a hash of `text`'s UTF-8 bytes.
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash = offsetBasis
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* prime
        }
        return hash
    }

    /// `fnv1a(text)` reduced to one of `count` buckets.
    public static func bucket(of text: String, count: Int) -> Int {
        precondition(count > 0, "StableHash: bucket count must be positive, got \(count)")
        return Int(fnv1a(text) % UInt64(count))
    }
}
