import CStrataKernels
import Testing

// The packed product behind the recurrent steps (strata_sgemm_packed_f32): the layout of either
// orientation of b, every remainder of the 8-row blocks (1 to 7 rows) and partial 32-column panels
// (under and over half a panel), no addend, a separate one and the result itself as the addend,
// and leading dimensions wider than the matrices, against sums in double. Each result element
// must lie within γ_k Σ|a_i b_i| of the exact sum (γ_k = k u / (1 - k u), Higham's bound for a
// float dot product of length k, plus one rounding for the addend); the columns between n and
// the leading dimension (wider than a panel) and a guard row after the last must stay untouched.
// This checks the AVX-512 kernel where the CPU has it and the plain loop elsewhere; a failure
// says which.

@Suite struct PackedGemmTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let m, n, k: Int
        var testDescription: String { "\(m) x \(n) x \(k)" }
    }

    static let shapes = [Shape(m: 1, n: 1, k: 1), Shape(m: 8, n: 32, k: 16), Shape(m: 9, n: 33, k: 5), Shape(m: 17, n: 70, k: 64),
                         Shape(m: 3, n: 31, k: 256), Shape(m: 16, n: 96, k: 40), Shape(m: 2, n: 16, k: 3), Shape(m: 12, n: 48, k: 7),
                         Shape(m: 13, n: 65, k: 2), Shape(m: 14, n: 100, k: 33), Shape(m: 15, n: 20, k: 9)]

    /// Deterministic values in [-1, 1) (a linear congruential sequence).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }

    @Test(arguments: shapes, [false, true])
    func productMatchesDoubleSums(shape: Shape, transposed: Bool) {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        // ldc leaves more than a panel past n, so a store past n lands in its own row's margin.
        let (lda, ldb, ldc) = (k + 3, (transposed ? k : n) + 5, n + 33)
        let a = Self.values(m * lda, seed: 1)
        let b = Self.values((transposed ? n : k) * ldb, seed: 2)
        // One guard row past the last.
        let original = Self.values((m + 1) * ldc, seed: 3)
        // b[i][j] as the product reads it.
        func element(_ i: Int, _ j: Int) -> Float { transposed ? b[j * ldb + i] : b[i * ldb + j] }

        let count = strata_sgemm_packed_size(k, n)
        let packed = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
        defer { packed.deallocate() }
        let panels = strata_sgemm_packed_panels(n)
        #expect(panels == (n + 31) / 32)
        // In two calls, as the pool splits it.
        strata_sgemm_pack_f32(transposed ? 1 : 0, k, n, b, ldb, packed, 0, panels / 2)
        strata_sgemm_pack_f32(transposed ? 1 : 0, k, n, b, ldb, packed, panels / 2, panels)

        let u = Double(Float.ulpOfOne) / 2
        let gamma = Double(k) * u / (1 - Double(k) * u)
        let addend = Self.values((m + 1) * ldc, seed: 4)
        let path = strata_sgemm_packed_fast() != 0 ? "AVX-512 kernel" : "plain loop (no AVX-512)"
        // No addend, a separate one, and the result itself (accumulating).
        for source in ["none", "separate", "result"] {
            var c = original
            let base: [Float]? = source == "none" ? nil : (source == "separate" ? addend : original)
            if source == "result" {
                c.withUnsafeMutableBufferPointer { c in
                    strata_sgemm_packed_f32(m, n, k, a, lda, packed, c.baseAddress, ldc, c.baseAddress, ldc)
                }
            } else {
                strata_sgemm_packed_f32(m, n, k, a, lda, packed, base, ldc, &c, ldc)
            }
            #expect(c[(m * ldc)...] == original[(m * ldc)...], "the guard row after row \(m - 1) was written, \(path)")
            var worst = 0.0
            for r in 0..<m {
                for j in 0..<ldc {
                    let got = c[r * ldc + j]
                    guard j < n else {
                        #expect(got == original[r * ldc + j], "column \(j) past n = \(n) of row \(r) was written, \(path)")
                        continue
                    }
                    var (exact, magnitude) = (0.0, 0.0)
                    for i in 0..<k {
                        let term = Double(a[r * lda + i]) * Double(element(i, j))
                        (exact, magnitude) = (exact + term, magnitude + abs(term))
                    }
                    let added = base.map { Double($0[r * ldc + j]) } ?? 0
                    let bound = gamma * magnitude + (base == nil ? 0 : u * (abs(exact) + magnitude + abs(added))) + 1e-30
                    worst = max(worst, abs(Double(got) - (exact + added)) / bound)
                }
            }
            #expect(worst <= 1, "worst error \(worst) of the bound, addend: \(source), \(path)")
        }
    }
}
