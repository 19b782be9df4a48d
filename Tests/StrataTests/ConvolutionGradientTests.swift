import Strata
import Testing

// Convolution, transposed convolution and pooling, checked in float64 against central finite
// differences (Support/GradientCheck.swift); the float32 cross-check runs the oneDNN and C paths.

@Suite struct ConvolutionGradientTests {
    @Test func conv2dWithStridePaddingAndBias() {
        let x = randomInput([2, 3, 7, 6], seed: 1), weight = randomInput([4, 3, 3, 2], seed: 2), bias = randomInput([4], seed: 3)
        checkGradients(at: [x, weight, bias]) { inputs in
            conv2d(inputs[0], weight: inputs[1], bias: inputs[2], stride: (2, 1), padding: .explicit(height: 1, width: 2))
        }
    }

    @Test func conv2dWithDilationGroupsAndSamePadding() {
        let x = randomInput([1, 4, 7, 7], seed: 4), weight = randomInput([6, 2, 3, 3], seed: 5)
        checkGradients(at: x, weight) { x, weight in
            conv2d(x, weight: weight, padding: .same, dilation: (2, 1), groups: 2)
        }
    }

    @Test func convTranspose2dWithOutputPadding() {
        let x = randomInput([2, 3, 4, 3], seed: 6), weight = randomInput([3, 2, 3, 3], seed: 7), bias = randomInput([2], seed: 8)
        checkGradients(at: [x, weight, bias]) { inputs in
            convTranspose2d(inputs[0], weight: inputs[1], bias: inputs[2], stride: (2, 2), padding: (1, 1), outputPadding: (1, 0))
        }
    }

    @Test func convTranspose2dMatchesTheConvolutionAdjoint() {
        // <conv(x, w), y> == <x, convTranspose(y, w)> for any x and y: the defining identity.
        let x = randomInput([2, 3, 6, 5], seed: 9), weight = randomInput([4, 3, 3, 3], seed: 10)
        let y = conv2d(x, weight: weight, stride: (2, 2), padding: .explicit(height: 1, width: 1))
        let probe = randomInput(y.shape, seed: 11)
        let back = convTranspose2d(probe, weight: weight, stride: (2, 2), padding: (1, 1), outputPadding: (1, 0))
        #expect(back.shape == x.shape)
        let lhs = (y * probe).sum().scalar(as: Double.self), rhs = (x * back).sum().scalar(as: Double.self)
        #expect(Swift.abs(lhs - rhs) < 1e-9 * max(1, Swift.abs(lhs)))
    }

    @Test func maxPoolRoutesTheGradientToEachMaximum() {
        // Distinct values (a shuffled ramp) keep every window's maximum unique, away from ties.
        let values: [Double] = (0..<168).map { (index: Int) -> Double in Double((index * 37) % 168) / 10 }
        let x = Tensor(values, shape: [2, 2, 7, 6])
        checkGradient(at: x) { x in maxPool2d(x, kernelSize: (3, 2), stride: (2, 2), padding: (1, 1), ceilMode: true) }
    }

    @Test func averagePoolsWithAndWithoutPaddingInTheDivisor() {
        let x = randomInput([2, 3, 7, 6], seed: 12)
        checkGradient(at: x) { x in avgPool2d(x, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)) }
        checkGradient(at: x) { x in avgPool2d(x, kernelSize: (3, 2), stride: (2, 2), padding: (1, 1), ceilMode: true, countIncludePad: false) }
    }

    @Test func adaptiveAveragePoolingWithUnevenWindows() {
        let x = randomInput([1, 2, 7, 5], seed: 13)
        checkGradient(at: x) { x in adaptiveAvgPool2d(x, outputSize: (3, 2)) }
        checkGradient(at: x) { x in adaptiveAvgPool2d(x, outputSize: (1, 1)) }
    }
}
