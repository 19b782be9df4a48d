import Strata
import StrataOptimizers
import Testing

/// What every fused optimizer kernel promises about buffers, for the single parameter "w": after a
/// first step (which allocates the state), the next step writes the parameter and the state slot
/// `inPlaceSlot` into their own buffers; a step taken while a copy of the parameter and an
/// exported state are held leaves both unchanged (`exportedSlot` checked) and still moves the
/// parameter, into a buffer of its own.
func expectStepsWriteOnlyUnsharedBuffers(_ optimizer: inout Optimizer, parameters: inout [ParameterPath: Tensor],
                                         gradients: [ParameterPath: Tensor], inPlaceSlot: String, exportedSlot: String) {
    optimizer.update(&parameters, along: gradients)  // allocates the state
    let parameterBuffer = parameters["w"]!.storageIdentity
    let slotBuffer = optimizer.state["w"]![inPlaceSlot]!.storageIdentity
    optimizer.update(&parameters, along: gradients)
    #expect(parameters["w"]!.storageIdentity == parameterBuffer, "the parameter is written in place")
    #expect(optimizer.state["w"]![inPlaceSlot]!.storageIdentity == slotBuffer, "\(inPlaceSlot) is written in place")

    let kept = parameters["w"]!
    let keptValues = kept.scalars(as: Float.self)
    let exported = optimizer.exportState()
    let exportedValues = exported["state.w.\(exportedSlot)"]!.scalars(as: Float.self)
    optimizer.update(&parameters, along: gradients)
    #expect(kept.scalars(as: Float.self) == keptValues, "a held copy of the parameter is never written")
    #expect(exported["state.w.\(exportedSlot)"]!.scalars(as: Float.self) == exportedValues,
            "an exported \(exportedSlot) is never written")
    #expect(parameters["w"]!.storageIdentity != kept.storageIdentity)
    #expect(parameters["w"]!.scalars(as: Float.self) != keptValues, "the step still moved the parameter")
}
