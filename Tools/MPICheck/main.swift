import ArgumentParser

/// Checks of data-parallel training that the tests run under `mpirun -np 2` (and alone, as a
/// world of one): equivalence with single-process training, and a killed rank.
struct MPICheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata-mpi-check",
        abstract: "Data-parallel checks run by the tests under mpirun.",
        subcommands: [Equivalence.self, SyncBatchNormGradient.self, FaultTraining.self, AllReduceBenchmark.self,
                      TrainBenchmark.self])
}

MPICheck.main()
