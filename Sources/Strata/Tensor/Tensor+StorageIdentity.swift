/// Which stored elements a tensor views: its storage and where in it the view starts.
///
/// A tensor and its copies (a model value and the copy a gradient transform works on) have the
/// same identity until one of them is written, which gives the writer storage of its own; two
/// tensors holding separate elements never have the same identity while both are alive. It lets a
/// training step find, in its own model value, the buffers that a forward pass on a copy
/// replaced, without the layers keeping shared mutable state.
public struct TensorStorageIdentity: Hashable, Sendable {
    private let storage: ObjectIdentifier
    private let offset: Int

    init(_ tensor: Tensor) {
        storage = ObjectIdentifier(tensor.storage)
        offset = tensor.offset
    }
}

extension Tensor {
    /// The identity of the elements this tensor views (see `TensorStorageIdentity`).
    public var storageIdentity: TensorStorageIdentity { TensorStorageIdentity(self) }
}
