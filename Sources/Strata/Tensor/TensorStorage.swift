/// The buffer behind one or more tensors: 64-byte aligned, freed when the last view goes away.
///
/// Tensors are values: views share a storage, and any write path copies it first unless the
/// storage is uniquely referenced (copy on write).
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    init(byteCount: Int) {
        self.byteCount = byteCount
        // Allocate at least one byte so that empty tensors still own a valid pointer.
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
    }

    /// A zero-filled buffer.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    }

    deinit {
        pointer.deallocate()
    }
}
