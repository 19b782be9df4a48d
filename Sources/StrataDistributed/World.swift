import Foundation

/// The process group this process belongs to, read from the environment: under Open MPI's
/// `mpirun` (which sets `OMPI_COMM_WORLD_SIZE`) the MPI world, otherwise a `SingleProcessGroup`.
/// So `mpirun -np 4 strata train ...` trains on 4 ranks with no flag, and `strata train ...`
/// alone needs no MPI. Throws when `mpirun` started this process but Open MPI cannot be loaded
/// or initialised.
public func detectedProcessGroup(environment: [String: String] = ProcessInfo.processInfo.environment)
    throws(ProcessGroupError) -> any ProcessGroup {
    guard let size = environment["OMPI_COMM_WORLD_SIZE"] else { return SingleProcessGroup() }
    guard let expected = Int(size), expected >= 1 else {
        throw .invalidWorld("OMPI_COMM_WORLD_SIZE is \"\(size)\", not a positive count")
    }
    let world = try MPIProcessGroup.world()
    guard world.size == expected else {
        throw .invalidWorld("OMPI_COMM_WORLD_SIZE is \(expected) but MPI_COMM_WORLD has \(world.size) ranks")
    }
    return world
}
