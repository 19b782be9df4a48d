import Foundation
import Strata
import StrataData
import Testing

@Test func parsesAnUnsignedByteIDXFile() throws {
    // Header: 0, 0, type 0x08, rank 2, dims 2 and 3 (big-endian), then 6 pixels.
    let bytes = Data([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 250, 251, 252])
    let tensor = try IDXFile.parse(bytes)
    #expect(tensor.shape == [2, 3])
    #expect(tensor.scalars(as: Int32.self) == [1, 2, 3, 250, 251, 252])
}
