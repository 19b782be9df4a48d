import CStrataKernels

/// The CPU backend's fused dense layer for float32, the kernel behind `linear` (whose composite
/// of `matmul`, `+ bias` and `relu` is its specification).
///
/// Forward: the product `x weightᵀ` cut over the pool as `matmul` cuts it (`CPUMatrixProduct`),
/// each thread adding the bias and applying the activation to its block right after computing
/// it. Backward: one pass masks the gradient with the saved output (ReLU) and sums the bias
/// gradient, columns split over the pool, then the two products (on two threads, side by side).
/// The same GEMM calls (the backward ones cut differently) and the same elementwise order as the
/// composite, so the results are the composite's: exactly, where oneDNN's sgemm gives each
/// element the same bits however the product is cut (as for every shape the tests try).
struct CPULinearKernel: LinearKernel {
    private var pool: ThreadPool { ThreadPool.shared }

    func supports(input: Tensor, weight: Tensor, bias: Tensor?) -> Bool {
        input.dtype == .float32 && weight.dtype == .float32 && (bias?.dtype ?? .float32) == .float32
            && input.rank == 2 && input.shape[0] > 0 && weight.shape[0] > 0 && weight.shape[1] > 0
    }

    func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, activation: LinearActivation) -> Tensor {
        let (rows, inputSize, outputSize) = (input.shape[0], weight.shape[1], weight.shape[0])
        let (x, w, b) = (Self.dense(input), Self.dense(weight), bias.map(Self.dense))
        let output = Tensor(uninitializedShape: [rows, outputSize], dtype: .float32)
        let y = output.elementPointer(as: Float.self)
        let biasPointer = b.map { UnsafePointer($0.elementPointer(as: Float.self)) }
        let relu: Int32 = activation == .relu ? 1 : 0
        let product = CPUMatrixProduct(
            a: x.rawElementPointer, aLayout: BLASOperand(transposed: false, leadingDimension: inputSize),
            b: w.rawElementPointer, bLayout: BLASOperand(transposed: true, leadingDimension: inputSize),
            c: output.rawElementPointer, ldc: outputSize, m: rows, n: outputSize, k: inputSize, isDouble: false)
        withExtendedLifetime((x, w, b)) {
            product.run(on: pool, parallel: true) { blockRows, columns in
                guard biasPointer != nil || relu != 0 else { return }
                strata_linear_epilogue_f32(y + blockRows.lowerBound * outputSize + columns.lowerBound, blockRows.count, columns.count,
                                           outputSize, biasPointer.map { $0 + columns.lowerBound }, relu)
            }
        }
        return output
    }

    func backward(_ gradient: Tensor, input: Tensor, weight: Tensor, output: Tensor, activation: LinearActivation,
                  needs: LinearGradientNeeds) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let (rows, inputSize, outputSize) = (input.shape[0], weight.shape[1], weight.shape[0])
        let g = Self.dense(gradient)
        let masks = activation == .relu
        let y = masks ? Self.dense(output) : nil
        let masked = masks ? Tensor(uninitializedShape: [rows, outputSize], dtype: .float32) : g
        let biasGradient = needs.bias ? Tensor(uninitializedShape: [outputSize], dtype: .float32) : nil
        if masks || needs.bias {
            let (gs, ys, ms) = (g.elementPointer(as: Float.self), y.map { UnsafePointer($0.elementPointer(as: Float.self)) },
                                masked.elementPointer(as: Float.self))
            let db = biasGradient?.elementPointer(as: Float.self)
            // One output column is summed as the composite's reduction sums a dense run (in
            // sixteen lanes, strata_reduce_rows_f32); wider ones row by row, as it sums columns.
            let singleColumn = outputSize == 1
            withExtendedLifetime((g, y)) {
                // Columns apart: each column's sum is taken over all rows in order on one thread.
                pool.forEachChunk(of: outputSize, grain: max(CPUMatrixProduct.blockAlignment, CPUBackend.parallelGrain / rows)) { columns in
                    let start = columns.lowerBound
                    strata_linear_gradient_f32(gs + start, ys.map { $0 + start }, ms + start, rows, columns.count, outputSize,
                                               singleColumn ? nil : db.map { $0 + start })
                }
                if singleColumn, let db {
                    strata_reduce_rows_f32(ReductionOperation.sum.rawValue, masks ? ms : gs, 1, rows, db)
                }
            }
        }
        // dx [rows, inputSize] = g' [rows, outputSize] weight [outputSize, inputSize], and
        // dweight [outputSize, inputSize] = g'ᵀ [outputSize, rows] x [rows, inputSize].
        let (w, x) = (Self.dense(weight), Self.dense(input))
        let inputGradient = needs.input ? Tensor(uninitializedShape: [rows, inputSize], dtype: .float32) : nil
        let weightGradient = needs.weight ? Tensor(uninitializedShape: [outputSize, inputSize], dtype: .float32) : nil
        let products = [
            inputGradient.map {
                CPUMatrixProduct(a: masked.rawElementPointer, aLayout: BLASOperand(transposed: false, leadingDimension: outputSize),
                                 b: w.rawElementPointer, bLayout: BLASOperand(transposed: false, leadingDimension: inputSize),
                                 c: $0.rawElementPointer, ldc: inputSize, m: rows, n: inputSize, k: outputSize, isDouble: false)
            },
            weightGradient.map {
                CPUMatrixProduct(a: masked.rawElementPointer, aLayout: BLASOperand(transposed: true, leadingDimension: outputSize),
                                 b: x.rawElementPointer, bLayout: BLASOperand(transposed: false, leadingDimension: inputSize),
                                 c: $0.rawElementPointer, ldc: inputSize, m: outputSize, n: inputSize, k: rows, isDouble: false)
            },
        ].compactMap { $0 }
        withExtendedLifetime((masked, w, x)) {
            // The two products have the same cost (rows x inputSize x outputSize multiply-adds):
            // on two threads each runs whole on its own core, which packs each operand once and
            // waits once, instead of both being cut in halves.
            if products.count == 2 && pool.threadCount == 2 && 2 * rows * inputSize * outputSize >= CPUMatrixProduct.parallelFlops {
                pool.forEachPart(2) { part in products[part].run(on: pool, parallel: false) }
            } else {
                for product in products { product.run(on: pool, parallel: true) }
            }
        }
        return (inputGradient, weightGradient, biasGradient)
    }

    /// `x` itself when dense row-major, else a dense copy.
    private static func dense(_ x: Tensor) -> Tensor {
        x.isContiguous && x.offset >= 0 ? x : CPUBackend.shared.contiguous(x)
    }
}
