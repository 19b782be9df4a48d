import Foundation

/// The buffer behind one or more tensors: 64-byte aligned, returned to `BufferCache` when the
/// last view goes away.
///
/// Tensors are values: views share a storage, and any write path copies it first unless the
/// storage is uniquely referenced (copy on write).
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    init(byteCount: Int) {
        self.byteCount = byteCount
        // At least one byte, so that empty tensors still own a valid pointer.
        pointer = BufferCache.shared.take(byteCount: byteCount)
            ?? UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
    }

    /// A zero-filled buffer.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    }

    deinit {
        if !BufferCache.shared.keep(pointer, byteCount: byteCount) {
            pointer.deallocate()
        }
    }
}

/// Recycles large freed buffers by exact size.
///
/// A training step allocates the same activation and gradient sizes every time; large blocks
/// come from mmap, so without reuse each one costs page faults on first touch (measured: ~5% of
/// an MLP training step). Small blocks are left to malloc, which is fast for them.
final class BufferCache: @unchecked Sendable {
    static let shared = BufferCache()

    /// Blocks below this size are not cached.
    static let minimumByteCount = 64 * 1024
    /// The most memory held idle in the cache.
    static let capacity = 256 * 1024 * 1024

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var heldBytes = 0

    func take(byteCount: Int) -> UnsafeMutableRawPointer? {
        guard byteCount >= Self.minimumByteCount else { return nil }
        return lock.withLock {
            guard let pointer = free[byteCount]?.popLast() else { return nil }
            heldBytes -= byteCount
            return pointer
        }
    }

    /// Takes ownership of `pointer` for reuse; false when the caller must free it.
    func keep(_ pointer: UnsafeMutableRawPointer, byteCount: Int) -> Bool {
        guard byteCount >= Self.minimumByteCount else { return false }
        return lock.withLock {
            guard heldBytes + byteCount <= Self.capacity else { return false }
            free[byteCount, default: []].append(pointer)
            heldBytes += byteCount
            return true
        }
    }
}
