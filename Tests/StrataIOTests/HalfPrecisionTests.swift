import Foundation
import Strata
import StrataIO
import Testing

// float16 and bfloat16 as storage formats: the rounding of PyTorch's `.half()` and `.bfloat16()`
// bit for bit, a safetensors file written by PyTorch's safetensors library read into float32, and
// Strata's half-precision files read back. Expected values printed by
// Tools/make_half_precision_fixture.py (PyTorch 2.13, safetensors 0.7).

private let values: [Float] = [0, -0.0, 1, -2.5, 0.1, 65504, 70000, 1e-7, 3.14159265, 1.00390625, 1.01171875, .infinity, -.infinity]

@Test func float16RoundingMatchesPyTorch() {
    let expected: [UInt16] = [0x0000, 0x8000, 0x3C00, 0xC100, 0x2E66, 0x7BFF, 0x7C00, 0x0002, 0x4248, 0x3C04, 0x3C0C, 0x7C00, 0xFC00]
    #expect(Tensor(values).halfPrecisionBits(.float16) == expected)
    // Back to float32 exactly: 0.1 -> 0.0999755859375, 1e-7 -> the subnormal 2 * 2^-24.
    let back = Tensor(halfPrecisionBits: expected, shape: [13], format: .float16).scalars(as: Float.self)
    #expect(back[4] == 0.0999755859375 && back[7] == 1.1920928955078125e-07 && back[6] == .infinity)
}

@Test func bfloat16RoundingMatchesPyTorch() {
    // 1.00390625 and 1.01171875 sit halfway between bfloat16 neighbours: ties go to the even one.
    let expected: [UInt16] = [0x0000, 0x8000, 0x3F80, 0xC020, 0x3DCD, 0x4780, 0x4789, 0x33D7, 0x4049, 0x3F80, 0x3F82, 0x7F80, 0xFF80]
    #expect(Tensor(values).halfPrecisionBits(.bfloat16) == expected)
    let rounded = Tensor(values).roundedToHalfPrecision(.bfloat16).scalars(as: Float.self)
    #expect(rounded[5] == 65536 && rounded[6] == 70144 && rounded[10] == 1.015625)
    #expect(HalfPrecision.bfloat16.bits(.nan) & 0x7FFF > 0x7F80, "NaN stays NaN")
}

@Test func safetensorsReadsPyTorchHalfPrecisionFiles() throws {
    // save({"half": tensor([[1.5, -0.25], [2.0, 1024.0]], dtype=float16),
    //       "brain": tensor([3.0, -0.5, 1e10], dtype=bfloat16)})
    let hex = "78000000000000007b22627261696e223a7b226474797065223a2242463136222c227368617065223a5b335d2c22646174615f6f"
        + "666673657473223a5b302c365d7d2c2268616c66223a7b226474797065223a22463136222c227368617065223a5b322c325d2c"
        + "22646174615f6f666673657473223a5b362c31345d7d7d2020404000bf1550003e00b400400064"
    var bytes = Data()
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    let tensors = try Safetensors.parse(bytes).tensors
    #expect(tensors["half"]?.dtype == .float32 && tensors["half"]?.shape == [2, 2])
    #expect(tensors["half"]?.scalars(as: Float.self) == [1.5, -0.25, 2, 1024])
    // 1e10 in bfloat16 is 9999220736 (0x5015).
    #expect(tensors["brain"]?.scalars(as: Float.self) == [3, -0.5, 9_999_220_736])
}

@Test(arguments: HalfPrecision.allCases)
func safetensorsWritesHalfPrecision(format: HalfPrecision) throws {
    let weights = Tensor.uniform([3, 5], low: -4, high: 4, generator: RandomGenerator(seed: 3))
    let labels = Tensor([1, 2, 3] as [Int64])
    let data = try Safetensors.encode(["w": weights, "labels": labels], halfPrecision: format)
    #expect(String(decoding: data, as: UTF8.self).contains("\"dtype\":\"\(format.safetensorsName)\""))
    let read = try Safetensors.parse(data).tensors
    #expect(read["w"]?.scalars(as: Float.self) == weights.roundedToHalfPrecision(format).scalars(as: Float.self))
    #expect(read["labels"]?.scalars(as: Int64.self) == [1, 2, 3], "integers keep their dtype")
    // Half the bytes of float32 for the weights: 15 * 2 + 3 * 8 after the header.
    let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    #expect(data.count - 8 - headerLength == 15 * 2 + 3 * 8)
}
