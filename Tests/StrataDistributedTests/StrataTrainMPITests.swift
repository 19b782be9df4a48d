import Foundation
import Testing

/// `mpirun -np 2 strata train` with no extra flag trains data-parallel: the global batch of 64
/// is split 32 + 32, rank 0 alone writes the run, and the epochs' losses equal a single
/// process's on the same seed up to float32 rounding (measured: 2e-8 relative; 1e-5 allowed).
/// Then `strata resume` continues the 2-rank run in one process (another number of ranks).
@Suite(.serialized, .enabled(if: MPIJob.mpirun != nil, MPIJob.skipReason),
       .enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist"),
                "Fashion-MNIST is not installed (Tools/install-system-packages.sh dataset-fashion-mnist)"))
struct StrataTrainMPITests {
    @Test func twoRanksTrainLikeOneProcessAndResumeInOne() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-train-mpi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let (parallel, single) = (root.appendingPathComponent("parallel"), root.appendingPathComponent("single"))
        let flags = ["train", "--model", "mlp", "--epochs", "2", "--limit", "1000", "--seed", "7", "--output"]

        let two = try MPIJob.run(ranks: 2, flags + [parallel.path], executable: "strata")
        #expect(two.status == 0, "\(two.output)")
        #expect(two.output.contains("data-parallel on 2 ranks"), "\(two.output)")
        // One rank printed: each epoch's summary line appears once.
        #expect(two.output.components(separatedBy: "epoch 2/2: loss").count == 2, "\(two.output)")
        let one = try MPIJob.run(ranks: nil, flags + [single.path], executable: "strata")
        #expect(one.status == 0, "\(one.output)")

        let (a, b) = try (summary(parallel), summary(single))
        for key in ["trainingLoss", "validationLoss"] {
            for (x, y) in zip(a.map { $0[key] as! Double }, b.map { $0[key] as! Double }) {
                #expect(abs(x - y) <= 1e-5 * abs(y), "\(key): \(x) on 2 ranks, \(y) in one process")
            }
        }

        let resumed = try MPIJob.run(ranks: nil, ["resume", parallel.path, "--epochs", "3"], executable: "strata")
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resuming after epoch 2"), "\(resumed.output)")
        #expect(try summary(parallel).count == 3)
    }

    /// The epochs of a run's summary.json.
    private func summary(_ directory: URL) throws -> [[String: Any]] {
        let data = try Data(contentsOf: directory.appendingPathComponent("summary.json"))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return object["epochs"] as! [[String: Any]]
    }
}
