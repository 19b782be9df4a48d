import Foundation
import Synchronization

/// Recently freed large tensor buffers, kept for the next allocation of the same size.
///
/// A fresh large buffer comes from `mmap`, and its first write makes the kernel fault in and
/// zero every page: for the 64 MiB result of `a + b` on 16M floats that is a third more memory
/// traffic than the addition itself. Training and inference loops allocate the same sizes step
/// after step, so handing back a freed buffer of exactly that size skips the work (tinygrad's
/// `LRUAllocator` and PyTorch's CUDA caching allocator do the same). At most `capacity` bytes
/// are held; the oldest buffers are released first. Contents of a reused buffer are stale,
/// which is fine: storage from `TensorStorage(byteCount:)` is uninitialised by contract.
final class LargeBufferCache: Sendable {
    /// A sixteenth of the machine's memory, at most 1 GiB.
    static let shared = LargeBufferCache(capacity: Int(min(ProcessInfo.processInfo.physicalMemory / 16, 1 << 30)))

    private struct Entry {
        let byteCount: Int
        let address: UInt  // an integer, so the state is Sendable
    }

    private struct State {
        var entries: [Entry] = []  // oldest first
        var heldBytes = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// A cached buffer of exactly `byteCount` bytes (most recently freed first), or nil.
    func take(byteCount: Int) -> UnsafeMutableRawPointer? {
        let address = state.withLock { state -> UInt? in
            guard let index = state.entries.lastIndex(where: { $0.byteCount == byteCount }) else { return nil }
            state.heldBytes -= byteCount
            return state.entries.remove(at: index).address
        }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// Keeps `pointer` for reuse, releasing the oldest buffers beyond `capacity`; a buffer larger
    /// than the whole capacity is released at once.
    func give(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        guard byteCount <= capacity else { return pointer.deallocate() }
        let evicted = state.withLock { state -> [Entry] in
            state.entries.append(Entry(byteCount: byteCount, address: UInt(bitPattern: pointer)))
            state.heldBytes += byteCount
            var evicted: [Entry] = []
            while state.heldBytes > capacity {
                let oldest = state.entries.removeFirst()
                state.heldBytes -= oldest.byteCount
                evicted.append(oldest)
            }
            return evicted
        }
        for entry in evicted { UnsafeMutableRawPointer(bitPattern: entry.address)?.deallocate() }
    }
}
