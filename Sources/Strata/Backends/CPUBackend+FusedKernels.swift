extension FusedKernels {
    /// The CPU backend's fused kernels, all float32: the LSTM sequence (oneDNN GEMMs and C cell
    /// kernels), batch normalization in training, the Adam step and scaled dot-product attention
    /// (C kernels), the dense layer (oneDNN's sgemm with C epilogues) and softmax cross-entropy (C
    /// kernels). Other dtypes run the composites.
    public static let cpu = FusedKernels(lstmSequence: CPULSTMSequenceKernel(), batchNormTraining: CPUBatchNormTrainingKernel(),
                                         adamUpdate: CPUAdamUpdateKernel(), attention: CPUAttentionKernel(),
                                         linear: CPULinearKernel(), softmaxCrossEntropy: CPUSoftmaxCrossEntropyKernel())
}

extension CPUBackend {
    /// This backend with `kernels` as its fused kernels, on the same primitives:
    /// `offeringFusedKernels(FusedKernels())` runs every composite op as written, which is what
    /// conformance tests compare the kernels with.
    ///
    ///     let composite = withBackend(CPUBackend.shared.offeringFusedKernels(FusedKernels())) { lstm(x) }
    public func offeringFusedKernels(_ kernels: FusedKernels) -> CPUBackend {
        var backend = self
        backend.fusedKernels = kernels
        return backend
    }
}
