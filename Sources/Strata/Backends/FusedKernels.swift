/// The fused kernels a backend offers for named composites: the one seam through which a backend
/// replaces a composite op with a kernel of its own.
///
/// Each composite (`lstmSequence`, `gruSequence`, `rnnSequence`, `batchNormTraining`,
/// `scaledDotProductAttention`, `layerNormalization`, `exactGELU`, `linear`, `softmaxCrossEntropy`,
/// `sigmoidCrossEntropy`, `Tensor.concatenatedEmbeddingBags`,
/// Adam's, SGD's and FTRL-proximal's updates in StrataOptimizers) is
/// written once with ordinary ops; that composite is the specification. A backend that has a
/// faster kernel for one of them lists it here, and the op runs the kernel when the current
/// backend offers one that supports its inputs, else the composite. The kernel's derivative
/// rule sits in `DerivativeRules` beside those of the primitives. Conformance tests pin every
/// kernel to its composite, values and gradients.
///
/// A backend builds its `FusedKernels` once (a stored value), so the lookup on a hot path is a
/// field read: no dictionary, no allocation.
public struct FusedKernels: Sendable {
    /// The LSTM recurrence over a whole sequence (`lstmSequence`).
    public var lstmSequence: (any LSTMSequenceKernel)?
    /// The GRU recurrence over a whole sequence (`gruSequence`).
    public var gruSequence: (any GRUSequenceKernel)?
    /// The Elman RNN recurrence over a whole sequence (`rnnSequence`).
    public var rnnSequence: (any RNNSequenceKernel)?
    /// Batch normalization in training (`batchNormTraining`).
    public var batchNormTraining: (any BatchNormTrainingKernel)?
    /// One Adam/AdamW step over a parameter and its moments (StrataOptimizers' `Adam`).
    public var adamUpdate: (any AdamUpdateKernel)?
    /// One SGD-with-momentum step over a parameter and its buffer (StrataOptimizers' `SGD`).
    public var sgdUpdate: (any SGDUpdateKernel)?
    /// One FTRL-proximal step over a parameter and its accumulators (StrataOptimizers' `FTRLProximal`).
    public var ftrlUpdate: (any FTRLUpdateKernel)?
    /// Scaled dot-product attention (`scaledDotProductAttention`).
    public var attention: (any AttentionKernel)?
    /// Layer normalization (`layerNormalization`).
    public var layerNorm: (any LayerNormKernel)?
    /// The exact GELU (`exactGELU`).
    public var gelu: (any GELUKernel)?
    /// A convolution with bias, residual, ReLU and max-pool in inference (`conv2d(...then:)`).
    public var convolutionInference: (any ConvolutionInferenceKernel)?
    /// A convolution with bias, ReLU and max-pool in training (`conv2d(...then:)`, no residual).
    public var convolutionTraining: (any ConvolutionTrainingKernel)?
    /// A dense layer: product, bias and activation (`linear`).
    public var linear: (any LinearKernel)?
    /// Cross-entropy of logits against integer labels (`softmaxCrossEntropy`).
    public var softmaxCrossEntropy: (any SoftmaxCrossEntropyKernel)?
    /// Binary cross-entropy of logits against targets (`sigmoidCrossEntropy`).
    public var sigmoidCrossEntropy: (any SigmoidCrossEntropyKernel)?
    /// Fixed-count embedding bags of several tables side by side (`Tensor.concatenatedEmbeddingBags`).
    public var embeddingBags: (any EmbeddingBagsKernel)?

    /// Kernels for the given composites; the others run as composites.
    public init(lstmSequence: (any LSTMSequenceKernel)? = nil, gruSequence: (any GRUSequenceKernel)? = nil,
                rnnSequence: (any RNNSequenceKernel)? = nil, batchNormTraining: (any BatchNormTrainingKernel)? = nil,
                adamUpdate: (any AdamUpdateKernel)? = nil, attention: (any AttentionKernel)? = nil,
                layerNorm: (any LayerNormKernel)? = nil, gelu: (any GELUKernel)? = nil,
                convolutionInference: (any ConvolutionInferenceKernel)? = nil,
                linear: (any LinearKernel)? = nil, softmaxCrossEntropy: (any SoftmaxCrossEntropyKernel)? = nil,
                sgdUpdate: (any SGDUpdateKernel)? = nil, convolutionTraining: (any ConvolutionTrainingKernel)? = nil,
                ftrlUpdate: (any FTRLUpdateKernel)? = nil, sigmoidCrossEntropy: (any SigmoidCrossEntropyKernel)? = nil,
                embeddingBags: (any EmbeddingBagsKernel)? = nil) {
        self.lstmSequence = lstmSequence
        self.gruSequence = gruSequence
        self.rnnSequence = rnnSequence
        self.batchNormTraining = batchNormTraining
        self.adamUpdate = adamUpdate
        self.ftrlUpdate = ftrlUpdate
        self.attention = attention
        self.layerNorm = layerNorm
        self.gelu = gelu
        self.convolutionInference = convolutionInference
        self.linear = linear
        self.softmaxCrossEntropy = softmaxCrossEntropy
        self.sgdUpdate = sgdUpdate
        self.convolutionTraining = convolutionTraining
        self.sigmoidCrossEntropy = sigmoidCrossEntropy
        self.embeddingBags = embeddingBags
    }
}
