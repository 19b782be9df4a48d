/// The vector-Jacobian product of every primitive, side by side. Each rule receives the
/// gradient `g` of the primitive's result and returns one gradient per differentiable input
/// (nil where an input needs none). Rules are written with ops, so they run on any backend;
/// `Backpropagation` runs them with recording switched off.
enum DerivativeRules {
    static func identity(_ g: Tensor) -> [Tensor?] { [g] }

    static func unary(_ op: UnaryOperation, x: Tensor, y: Tensor) -> GradientNode.Pullback {
        { g in
            let dx: Tensor = switch op {
            case .negate: -g
            case .abs: g * sign(x)
            case .sign: g.zerosLike()
            case .exp: g * y
            case .log: g / x
            case .log1p: g / (x + 1)
            case .expm1: g * (y + 1)
            case .sqrt: g * 0.5 / y
            case .rsqrt: g * -0.5 * y / x
            case .square: g * x * 2
            case .sin: g * cos(x)
            case .cos: -g * sin(x)
            case .tanh: g * (1 - y * y)
            case .sigmoid: g * y * (1 - y)
            case .relu: Strata.select(x .> 0, g, g.zerosLike())
            case .softplus: g * sigmoid(x)
            case .erf: g * (2 / Double.pi.squareRoot()) * exp(-(x * x))
            }
            return [dx]
        }
    }

    static func binary(_ op: BinaryOperation, lhs a: Tensor, rhs b: Tensor, y: Tensor) -> GradientNode.Pullback {
        { g in
            switch op {
            case .add: return [g, g]
            case .subtract: return [g, -g]
            case .multiply: return [g * b, g * a]
            case .divide: return [g / b, -g * y / b]
            case .pow:
                // d/da a^b = b a^(b-1); d/db a^b = a^b log a, taken as 0 where a == 0 (as PyTorch).
                let da = g * b * pow(a, b - 1)
                let db = Strata.select(a .== 0, g.zerosLike(), g * y * log(a))
                return [da, db]
            case .maximum, .minimum:
                // The larger (smaller) input takes the gradient; a tie splits it evenly, as in PyTorch.
                let aWins = op == .maximum ? a .> b : a .< b
                let tie = a .== b
                let half = g * 0.5
                let zero = g.zerosLike()
                return [Strata.select(aWins, g, Strata.select(tie, half, zero)), Strata.select(aWins .|| tie, Strata.select(tie, half, zero), g)]
            }
        }
    }

    static func selection(_ condition: Tensor) -> GradientNode.Pullback {
        { g in
            let zero = g.zerosLike()
            return [Strata.select(condition, g, zero), Strata.select(condition, zero, g)]
        }
    }

    static func reduce(_ op: ReductionOperation, x: Tensor, y: Tensor) -> GradientNode.Pullback {
        { g in
            switch op {
            case .sum:
                return [g.expanded(to: x.shape)]
            case .max, .min:
                // Spread evenly over the elements that attain the extreme value (PyTorch's amax).
                let attains = (x .== y.expanded(to: x.shape)).cast(to: x.dtype)
                let count = attains.sum(alongAxes: Array(0..<x.rank).filter { y.shape[$0] == 1 && x.shape[$0] != 1 }, keepDims: true)
                return [attains * (g / count).expanded(to: x.shape)]
            }
        }
    }

    // Views: each takes the gradient back to the layout of the tensor it views.

    /// A reshape's gradient is reshaped back.
    static func reshape(from shape: [Int]) -> GradientNode.Pullback {
        { g in [g.reshaped(to: shape)] }
    }

    /// A permutation's gradient goes through the inverse permutation.
    static func permute(inverse: [Int]) -> GradientNode.Pullback {
        { g in [g.permuted(inverse)] }
    }

    /// A broadcast's gradient sums over the dimensions it added or repeated.
    static func expand(from shape: [Int]) -> GradientNode.Pullback {
        { g in [g.summedToShape(shape)] }
    }

    /// A slice's gradient fills its region of a zero tensor of the sliced shape.
    static func slice(from shape: [Int], region: Region) -> GradientNode.Pullback {
        { g in [Tensor.assemblePrimitive(shape: shape, dtype: g.dtype, fill: 0, parts: [(g, region)])] }
    }

    static func cast(from dtype: DType) -> GradientNode.Pullback {
        { g in [g.cast(to: dtype)] }
    }

    static func assemble(_ regions: [Region], partShapes: [[Int]]) -> GradientNode.Pullback {
        { g in
            let dense = g.contiguous()
            return zip(regions, partShapes).map { region, shape in region.view(of: dense, shape: shape) }
        }
    }

    static func gather(shape: [Int], axis: Int, index: Tensor) -> GradientNode.Pullback {
        { g in [Tensor.zeros(shape, dtype: g.dtype).scatterAdding(along: axis, index: index, source: g)] }
    }

    static func scatterAdd(axis: Int, index: Tensor) -> GradientNode.Pullback {
        { g in [g, g.gathering(along: axis, index: index)] }
    }

    static func matmul(lhs: Tensor, rhs: Tensor) -> GradientNode.Pullback {
        let (needLeft, needRight) = (lhs.node != nil, rhs.node != nil)
        // Each gradient is produced in its input's memory order: for a transposed view (a
        // Linear weight used as W^T) the transposed product is computed, so the gradient that
        // reaches the weight is dense rather than a strided view.
        let (leftTransposed, rightTransposed) = (isColumnMajor(lhs), isColumnMajor(rhs))
        return { g in
            let dLeft = !needLeft ? nil
                : leftTransposed ? Tensor.matmulPrimitive(rhs, g.transposed()).transposed()
                : Tensor.matmulPrimitive(g, rhs.transposed())
            let dRight = !needRight ? nil
                : rightTransposed ? Tensor.matmulPrimitive(g.transposed(), lhs).transposed()
                : Tensor.matmulPrimitive(lhs.transposed(), g)
            return [dLeft, dRight]
        }
    }

    static func convolution(x: Tensor, weight: Tensor, geometry: ConvolutionGeometry) -> GradientNode.Pullback {
        let (needInput, needWeight) = (x.node != nil, weight.node != nil)
        return { g in
            [needInput ? Tensor.transposedConvolutionPrimitive(g, weight, outputShape: x.shape, geometry: geometry) : nil,
             needWeight ? Backends.current.convolutionBackwardWeight(x, g, weightShape: weight.shape, geometry: geometry) : nil]
        }
    }

    /// A fused convolution step in training: its kernel gives the gradients of x, weight and bias
    /// (those present, in that order). A kernel, not ops: no second derivative.
    static func convolutionTraining(_ kernel: any ConvolutionTrainingKernel, x: Tensor, weight: Tensor, bias: Tensor?,
                                    geometry: ConvolutionGeometry, step: ConvolutionTrainingStep,
                                    needs: ConvolutionGradientNeeds) -> GradientNode.Pullback {
        { g in
            let gradients = kernel.backward(g, x: x, weight: weight, geometry: geometry, step: step, needs: needs)
            return [gradients.input, gradients.weight] + (bias == nil ? [] : [gradients.bias])
        }
    }

    /// A transposed convolution `y = C_wᵀ x` is linear in x with adjoint `C_w`; as a function of w,
    /// `<g, C_wᵀ x> = <C_w g, x>` is a convolution of g whose weight gradient is taken against x.
    static func transposedConvolution(x: Tensor, weight: Tensor, geometry: ConvolutionGeometry) -> GradientNode.Pullback {
        let (needInput, needWeight) = (x.node != nil, weight.node != nil)
        return { g in
            var dx: Tensor? = needInput ? Tensor.convolutionPrimitive(g, weight, geometry: geometry) : nil
            // Output padding at or past the stride (allowed below the dilation) adds rows and columns
            // that no input reaches; convolving g over them yields positions past the input's end.
            if let full = dx, full.shape != x.shape {
                dx = full.sliced(axis: 2, start: 0, end: x.shape[2]).sliced(axis: 3, start: 0, end: x.shape[3])
            }
            return [dx,
                    needWeight ? Backends.current.convolutionBackwardWeight(g, x, weightShape: weight.shape, geometry: geometry) : nil]
        }
    }

    /// Each output's gradient goes to the input position that held its maximum.
    static func maxPool(inputShape: [Int], indices: Tensor) -> GradientNode.Pullback {
        { g in
            let (n, c) = (inputShape[0], inputShape[1])
            let planes = Tensor.zeros([n, c, inputShape[2] * inputShape[3]], dtype: g.dtype)
            let scattered = planes.scatterAdding(along: 2, index: indices.reshaped(to: [n, c, -1]), source: g.reshaped(to: [n, c, -1]))
            return [scattered.reshaped(to: inputShape)]
        }
    }

    static func averagePool(inputShape: [Int], geometry: PoolingGeometry) -> GradientNode.Pullback {
        { g in [Backends.current.averagePoolBackward(g, inputShape: inputShape, geometry: geometry)] }
    }

    /// The gradient of the packed `[time + 1, batch, hidden]` result of a fused LSTM sequence
    /// (hidden states, then the final cell state) goes through the same kernel's backward pass
    /// in one call. A kernel, not ops, so it has no second derivative.
    static func lstmSequence(_ kernel: any LSTMSequenceKernel, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor,
                             forward: LSTMSequence, reverse: Bool) -> GradientNode.Pullback {
        { g in
            let time = forward.hiddens.shape[0]
            let gradients = kernel.backward(
                hiddensGradient: g.sliced(axis: 0, start: 0, end: time), cellGradient: g[.index(time)], hidden: hidden, cell: cell,
                hiddenWeight: hiddenWeight, forward: forward, reverse: reverse)
            return [gradients.projected, gradients.hidden, gradients.cell, gradients.hiddenWeight]
        }
    }

    /// The gradient of a fused GRU sequence's hidden states goes through the same kernel's
    /// backward pass in one call. A kernel, not ops: no second derivative.
    static func gruSequence(_ kernel: any GRUSequenceKernel, hidden: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor?,
                            forward: GRUSequence, reverse: Bool) -> GradientNode.Pullback {
        { g in
            let gradients = kernel.backward(hiddensGradient: g, hidden: hidden, hiddenWeight: hiddenWeight, hiddenBias: hiddenBias,
                                            forward: forward, reverse: reverse)
            return [gradients.projected, gradients.hidden, gradients.hiddenWeight] + (hiddenBias == nil ? [] : [gradients.hiddenBias])
        }
    }

    /// The gradient of a fused Elman RNN sequence's hidden states goes through the same kernel's
    /// backward pass in one call. A kernel, not ops: no second derivative.
    static func rnnSequence(_ kernel: any RNNSequenceKernel, hidden: Tensor, hiddenWeight: Tensor, hiddens: Tensor,
                            nonlinearity: RecurrentNonlinearity, reverse: Bool) -> GradientNode.Pullback {
        { g in
            let gradients = kernel.backward(hiddensGradient: g, hidden: hidden, hiddenWeight: hiddenWeight, hiddens: hiddens,
                                            nonlinearity: nonlinearity, reverse: reverse)
            return [gradients.projected, gradients.hidden, gradients.hiddenWeight]
        }
    }

    /// A fused batch normalization's backward kernel gives the gradients of x, weight and bias
    /// (those present, in that order) from the forward pass's mean and inverse standard
    /// deviation. A kernel, not ops: no second derivative.
    static func batchNormTraining(_ kernel: any BatchNormTrainingKernel, x: Tensor, weight: Tensor?, bias: Tensor?,
                                  forward: BatchNormalization) -> GradientNode.Pullback {
        { g in
            let gradients = kernel.backward(g, x, mean: forward.mean, inverseStandardDeviation: forward.inverseStandardDeviation,
                                            weight: weight)
            return [gradients.input] + (weight == nil ? [] : [gradients.weight]) + (bias == nil ? [] : [gradients.bias])
        }
    }

    /// A fused attention's backward kernel gives the gradients of query, key and value from the
    /// output and each row's log-sum-exp; the mask takes none. A kernel, not ops: no second derivative.
    static func attention(_ kernel: any AttentionKernel, query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, causal: Bool,
                          scale: Double, forward: AttentionForward) -> GradientNode.Pullback {
        { g in
            let gradients = kernel.backward(g, query: query, key: key, value: value, mask: mask, causal: causal, scale: scale,
                                            forward: forward)
            return [gradients.query, gradients.key, gradients.value]
        }
    }

    /// A fused dense layer's backward kernel gives the gradients of the input, the weight and the
    /// bias (when present, in that order) from the saved output, computing only those of tracked
    /// operands. A kernel, not ops: no second derivative.
    static func linear(_ kernel: any LinearKernel, input: Tensor, weight: Tensor, bias: Tensor?, output: Tensor,
                       activation: LinearActivation) -> GradientNode.Pullback {
        let needs = LinearGradientNeeds(input: input.node != nil, weight: weight.node != nil, bias: bias?.node != nil)
        return { g in
            let gradients = kernel.backward(g, input: input, weight: weight, output: output, activation: activation, needs: needs)
            return [gradients.input, gradients.weight] + (bias == nil ? [] : [gradients.bias])
        }
    }

    /// A fused softmax cross-entropy's backward kernel gives the logits' gradient from the saved
    /// log-sum-exp of each row; the labels take none. A kernel, not ops: no second derivative.
    static func softmaxCrossEntropy(_ kernel: any SoftmaxCrossEntropyKernel, logits: Tensor, labels: Tensor,
                                    logSumExp: Tensor) -> GradientNode.Pullback {
        { g in [kernel.backward(g, logits: logits, labels: labels, logSumExp: logSumExp)] }
    }

    /// A fused sigmoid cross-entropy's backward kernel gives the logits' gradient; the targets'
    /// `-g x`, when they are tracked, comes from ops. A kernel, not ops: no second derivative
    /// through the logits.
    static func sigmoidCrossEntropy(_ kernel: any SigmoidCrossEntropyKernel, logits: Tensor,
                                    targets: Tensor) -> GradientNode.Pullback {
        let needs = (logits: logits.node != nil, targets: targets.node != nil)
        let (x, t) = (logits.detached, targets.detached)
        return { g in
            [needs.logits ? kernel.backward(g, logits: x, targets: t) : nil, needs.targets ? -(g * x) : nil]
        }
    }

    /// Fused embedding bags' backward kernel scatter-adds the gradient into each tracked table's
    /// and slices out the appended columns'; the ids take none. The pullback keeps the tables'
    /// shapes only, not their buffers, so an optimizer may update them in place.
    static func embeddingBags(_ kernel: any EmbeddingBagsKernel, tables: [Tensor], indices: Tensor, bagSizes: [Int],
                              appending: Tensor?) -> GradientNode.Pullback {
        let needs = EmbeddingBagsGradientNeeds(tables: tables.map { $0.node != nil }, appending: appending?.node != nil)
        let (shapes, appends, appendWidth) = (tables.map(\.shape), appending != nil, appending?.shape[1] ?? 0)
        return { g in
            let gradients = kernel.backward(g, tableShapes: shapes, indices: indices, bagSizes: bagSizes, appendWidth: appendWidth,
                                            needs: needs)
            return gradients.tables + (appends ? [gradients.appending] : [])
        }
    }

    /// A fused layer normalization's backward kernel gives the gradients of x, weight and bias
    /// (those present, in that order) from the forward pass's per-row statistics. A kernel, not
    /// ops: no second derivative.
    static func layerNorm(_ kernel: any LayerNormKernel, x: Tensor, normalizedCount: Int, weight: Tensor?, bias: Tensor?,
                          forward: LayerNormalization) -> GradientNode.Pullback {
        { g in
            let gradients = kernel.backward(g, x, normalizedCount: normalizedCount, forward: forward, weight: weight)
            return [gradients.input] + (weight == nil ? [] : [gradients.weight]) + (bias == nil ? [] : [gradients.bias])
        }
    }

    /// A fused GELU's backward kernel: `g (Φ(x) + x φ(x))`. No second derivative.
    static func gelu(_ kernel: any GELUKernel, x: Tensor) -> GradientNode.Pullback {
        { g in [kernel.backward(g, x)] }
    }

    /// Whether each matrix of a `[batch, rows, columns]` tensor is stored column by column.
    private static func isColumnMajor(_ x: Tensor) -> Bool {
        x.shape[1] > 1 && x.shape[2] > 1 && x.strides[1] == 1 && x.strides[2] >= x.shape[1]
    }
}
