import Strata
import Testing

@Test func additionBroadcastsARowOverAMatrix() {
    let matrix = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
    let row = Tensor([10, 20, 30] as [Float])
    #expect((matrix + row).scalars(as: Float.self) == [11, 22, 33, 14, 25, 36])
}
