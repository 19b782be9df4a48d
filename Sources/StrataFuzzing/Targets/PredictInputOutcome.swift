import Foundation
import Strata
import StrataCLI

extension FuzzTarget {
    /// The outcome of one `strata predict --input` file in `format`: read by
    /// `PredictInput.images(in:format:path:)`, then checked independently of it. An accepted file
    /// must give float32 images `[N, 1, 28, 28]` with N >= 1, every value finite in [0, 1]; a
    /// refusal must be a `CLIError`. Shared by the NPY and CSV targets.
    func predictInputOutcome(_ input: [UInt8], format: PredictInput.Format) -> FuzzOutcome {
        let images: Tensor
        do {
            images = try PredictInput.images(in: Data(input), format: format, path: "fuzz.\(format.rawValue)")
        } catch {
            return classify(error, typed: [CLIError.self])
        }
        guard images.rank == 4, images.shape[0] > 0, Array(images.shape.dropFirst()) == [1, 28, 28] else {
            return .silentAcceptance("images \(images.shape)")
        }
        if let value = images.scalars(as: Float.self).first(where: { !($0 >= 0 && $0 <= 1) }) {
            return .silentAcceptance("a scaled pixel is \(value)")
        }
        return .accepted
    }
}
