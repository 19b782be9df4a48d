import Strata
import Testing

// The gradient checks of the ops that move data rather than compute it: shapes, slices,
// gathers and scatters, joins and splits (float64 against central finite differences, as in
// GradientCheckTests.swift).

// MARK: - Shape operations

extension GradientCheckTests {
    @Test func reshape() {
        let x = randomInput([2, 3, 4], seed: 31)
        checkGradient(at: x) { x in x.reshaped(to: [4, 6]) * x.reshaped(to: [-1, 2]).reshaped(to: [4, 6]).exp() }
    }

    @Test func reshapeOfANonContiguousViewCopies() {
        let x = randomInput([3, 4], seed: 32)
        checkGradient(at: x) { x in sin(x.transposed().reshaped(to: [2, 6])) }
    }

    @Test func permute() {
        let x = randomInput([2, 3, 4], seed: 33)
        checkGradient(at: x) { x in x.permuted([2, 0, 1]) * x.permuted([1, 2, 0]).permuted([1, 2, 0]).square() }
    }

    @Test func transpose() {
        let x = randomInput([2, 3, 4], seed: 34)
        checkGradient(at: x) { x in Tensor.concat([x.transposed().reshaped(to: [-1]), x.transposed(0, 2).reshaped(to: [-1])]) }
    }

    @Test func squeezeAndUnsqueeze() {
        let x = randomInput([2, 1, 3, 1], seed: 35)
        checkGradient(at: x) { x in
            let all = x.squeezed()                      // [2, 3]
            let one = x.squeezed(axis: 1)               // [2, 3, 1]
            let back = all.unsqueezed(axis: -1)         // [2, 3, 1]
            return one * back.exp() + all.unsqueezed(axis: 0).unsqueezed(axis: 3).reshaped(to: [2, 3, 1])
        }
    }

    @Test func expand() {
        let x = randomInput([3, 1], seed: 36)
        checkGradient(at: x) { x in sin(x.expanded(to: [2, 3, 4])) + x.broadcast(to: [3, 5]).sum(alongAxes: [1], keepDims: true) }
    }

    @Test func flatten() {
        let x = randomInput([2, 3, 2], seed: 37)
        checkGradient(at: x) { x in
            Tensor.concat([x.flattened(), x.flattened(startAxis: 1).flattened(), x.flattened(startAxis: 0, endAxis: 1).flattened()])
        }
    }

    @Test func contiguousCopyOfAView() {
        let x = randomInput([3, 4], seed: 38)
        checkGradient(at: x) { x in x.transposed().contiguous() * x.sliced(axis: 1, step: 2).contiguous().sum() }
    }
}

// MARK: - Slicing

extension GradientCheckTests {
    @Test func slicedWithSteps() {
        let x = randomInput([4, 7], seed: 41)
        checkGradient(at: x) { x in
            Tensor.concat([
                x.sliced(axis: 1, start: 1, end: 6, step: 2).reshaped(to: [-1]),
                x.sliced(axis: 0, step: 3).reshaped(to: [-1]),
                x.sliced(axis: 1, start: 0, end: 7, step: 7).reshaped(to: [-1]),
            ])
        }
    }

    @Test func slicedWithNegativeAndClampedBounds() {
        let x = randomInput([4, 7], seed: 42)
        checkGradient(at: x) { x in
            Tensor.concat([
                x.sliced(axis: -1, start: -4, end: -1).reshaped(to: [-1]),
                x.sliced(axis: 0, start: -100, end: 100, step: 3).reshaped(to: [-1]),
                x.sliced(axis: 1, start: -2).reshaped(to: [-1]),
            ])
        }
    }

    /// Backward assembles the gradients of all slices of one tensor at once (`GradientSums`):
    /// parts that tile it along the first axis (a query/key/value split) and along the last,
    /// parts that overlap (their gradients add), strided parts, and a use of the whole tensor
    /// beside them.
    @Test func slicesOfOneTensorAssembleTogether() {
        let x = randomInput([3, 4, 6], seed: 44)
        checkGradient(at: x) { x in
            let split = x[0] * x[1] * x[2]
            let halves = x.sliced(axis: 2, end: 3) * x.sliced(axis: 2, start: 3)
            let overlapping = x.sliced(axis: 1, end: 3) * x.sliced(axis: 1, start: 1)
            let strided = x.sliced(axis: 2, step: 2) * x.sliced(axis: 0, start: 1, step: 2).sum()
            return Tensor.concat([split, halves, overlapping, strided, x * x.sum()].map { $0.reshaped(to: [-1]) })
        }
        // Slices of a permuted view: tiling ones (the q/k/v heads of a packed projection), then
        // overlapping and strided ones.
        checkGradient(at: x) { x in
            let heads = x.reshaped(to: [3, 2, 2, 6]).permuted([1, 3, 0, 2])
            let split = heads.sliced(axis: 2, end: 1) * heads.sliced(axis: 2, start: 1, end: 2) * heads.sliced(axis: 2, start: 2)
            let overlapping = heads.sliced(axis: 1, end: 4) * heads.sliced(axis: 1, start: 2)
            let strided = heads.sliced(axis: 1, step: 3) * heads[1].sum()
            return Tensor.concat([split, overlapping, strided].map { $0.reshaped(to: [-1]) })
        }
    }

    @Test func subscripts() {
        let x = randomInput([4, 5], seed: 43)
        checkGradient(at: x) { x in
            Tensor.concat([
                x[.all, .range(1..<3)].reshaped(to: [-1]),
                x[1],
                x[-1, .range(0, nil, step: 2)],
                x[.range(-2, nil, step: 1), 3],
                x[1..<3].reshaped(to: [-1]) * 2,
            ])
        }
    }

    @Test func sliceOfASlice() {
        // Nested views: each slice's gradient is assembled into its own parent's shape.
        let x = randomInput([3, 9], seed: 44)
        checkGradient(at: x) { x in x.sliced(axis: 1, step: 2).sliced(axis: 1, start: 1, step: 2)[.range(1..<3)].exp() }
    }

    @Test func overlappingSlicesAccumulate() {
        let x = randomInput([6], seed: 45)
        checkGradient(at: x) { x in x[.range(0..<4)] * x[.range(2..<6)] + x[.range(1, nil, step: 2)].sum() }
    }
}

// MARK: - Gather and scatter

extension GradientCheckTests {
    @Test func gatherAlongEachAxisWithRepeatedIndices() {
        let x = randomInput([3, 4], seed: 51)
        // Repeated positions must accumulate: x[2][0] is read twice along axis 0.
        let rows = Tensor([2, 0, 1, 2, 2, 1, 0, 0] as [Int64], shape: [2, 4])
        // A smaller index than x along axis 0 reads a sub-block; int32 indices are accepted too.
        let columns = Tensor([3, 3, 0, 1, 2, 2] as [Int32], shape: [2, 3])
        checkGradient(at: x) { x in
            Tensor.concat([x.gathering(along: 0, index: rows).reshaped(to: [-1]),
                           x.gathering(along: 1, index: columns).reshaped(to: [-1])])
        }
    }

    @Test func indexSelectWithRepeatedIndices() {
        let x = randomInput([3, 4], seed: 52)
        checkGradient(at: x) { x in
            Tensor.concat([x.indexSelect(axis: 0, indices: Tensor([2, 2, 0] as [Int64])).reshaped(to: [-1]),
                           x.indexSelect(axis: 1, indices: Tensor([3, 1, 3, 3] as [Int64])).reshaped(to: [-1])])
        }
    }

    @Test func scatterAddIntoBaseAndFromSource() {
        let base = randomInput([3, 4], seed: 53)
        let source = randomInput([2, 4], seed: 54)
        // Row 1 of the base receives from both rows of the source in column 0.
        let index = Tensor([1, 0, 2, 1, 1, 2, 2, 0] as [Int64], shape: [2, 4])
        checkGradients(at: base, source) { base, source in
            base.scatterAdding(along: 0, index: index, source: source).square()
        }
    }

    @Test func scatterAddAlongTheLastAxis() {
        let base = randomInput([2, 5], seed: 55)
        let source = randomInput([2, 3], seed: 56)
        let index = Tensor([4, 4, 0, 1, 3, 1] as [Int64], shape: [2, 3])
        checkGradients(at: base, source) { base, source in
            sin(base.scatterAdding(along: -1, index: index, source: source))
        }
    }
}

// MARK: - Joining and splitting

extension GradientCheckTests {
    @Test func concatAlongEachAxis() {
        let inputs = [randomInput([2, 3], seed: 61), randomInput([1, 3], seed: 62), randomInput([2, 1], seed: 63)]
        checkGradients(at: inputs) { xs in
            let rows = Tensor.concat([xs[0], xs[1], xs[0] * 2], axis: 0)            // [5, 3]
            let columns = Tensor.concat([xs[0], xs[2].exp()], axis: -1)           // [2, 4]
            return Tensor.concat([rows.reshaped(to: [-1]), columns.reshaped(to: [-1])])
        }
    }

    @Test func stackAlongEachAxis() {
        let inputs = [randomInput([2, 3], seed: 64), randomInput([2, 3], seed: 65)]
        checkGradients(at: inputs) { xs in
            Tensor.concat([Tensor.stack(xs, axis: 0).reshaped(to: [-1]),
                           Tensor.stack([xs[1], sin(xs[0])], axis: 1).reshaped(to: [-1]),
                           Tensor.stack(xs, axis: -1).reshaped(to: [-1])])
        }
    }

    @Test func split() {
        let x = randomInput([3, 5], seed: 66)
        checkGradient(at: x) { x in
            let pieces = x.split(sizes: [1, 3, 1], axis: 1)
            return Tensor.concat([pieces[2], pieces[0] * 3, pieces[1].exp()], axis: 1)
        }
    }

    @Test func chunkWithAShorterLastPiece() {
        // 7 rows in 3 chunks: 3, 3 and 1, as PyTorch's chunk.
        let x = randomInput([7, 2], seed: 67)
        checkGradient(at: x) { x in
            let pieces = x.chunked(3, axis: 0)
            return Tensor.concat([pieces[0].square(), pieces[2], sin(pieces[1])], axis: 0)
        }
    }

    @Test func pad() {
        let x = randomInput([2, 3], seed: 68)
        checkGradient(at: x) { x in
            Tensor.concat([x.padded([(1, 2)], value: 5).reshaped(to: [-1]),
                           x.padded([(1, 1), (0, 2)]).exp().reshaped(to: [-1])])
        }
    }
}
