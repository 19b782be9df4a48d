extension FusedKernels {
    /// The CPU backend's fused kernels: the LSTM sequence in float32 and the GRU and Elman RNN
    /// sequences in float32 and float64 (GEMMs and C cell kernels), batch normalization in
    /// training, the Adam, SGD-momentum and FTRL-proximal steps, scaled dot-product attention, layer normalization, the exact
    /// GELU and softmax and sigmoid cross-entropy (float32 C kernels), embedding bags (float32 and
    /// float64 C loops), the dense layer (oneDNN's sgemm with
    /// C epilogues), and convolution steps in inference (float32, oneDNN post-ops) and training (float32,
    /// oneDNN convolutions with C epilogues). Other dtypes
    /// run the composites.
    public static let cpu = FusedKernels(lstmSequence: CPULSTMSequenceKernel(), gruSequence: CPUGRUSequenceKernel(),
                                         rnnSequence: CPURNNSequenceKernel(), batchNormTraining: CPUBatchNormTrainingKernel(),
                                         adamUpdate: CPUAdamUpdateKernel(), attention: CPUAttentionKernel(),
                                         layerNorm: CPULayerNormKernel(), gelu: CPUGELUKernel(),
                                         convolutionInference: CPUConvolutionInferenceKernel(),
                                         linear: CPULinearKernel(), softmaxCrossEntropy: CPUSoftmaxCrossEntropyKernel(),
                                         sgdUpdate: CPUSGDUpdateKernel(), convolutionTraining: CPUConvolutionTrainingKernel(),
                                         ftrlUpdate: CPUFTRLUpdateKernel(),
                                         sigmoidCrossEntropy: CPUSigmoidCrossEntropyKernel(),
                                         embeddingBags: CPUEmbeddingBagsKernel())
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
