/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum TFRecord framing uses,
/// and TensorFlow's masking of it.
///
/// Reference: Castagnoli, Bräuer and Herrmann, "Optimization of Cyclic Redundancy-Check Codes with
/// 24 and 32 Parity Bits", IEEE Trans. Communications 41(6), 1993; RFC 3720 appendix B.4.
public enum CRC32C {
    /// One entry per byte value: the CRC of that byte alone, for the byte-at-a-time loop.
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }

    /// The CRC-32C of `bytes` (initial value and final XOR 0xFFFFFFFF, as in RFC 3720).
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// TensorFlow's masked CRC (`tensorflow/core/lib/hash/crc32c.h`): rotate right by 15 and add a
    /// constant, because a CRC of data that embeds CRCs is otherwise weak.
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// The inverse of `mask`.
    public static func unmask(_ maskedCRC: UInt32) -> UInt32 {
        let rotated = maskedCRC &- 0xA282_EAD8
        return (rotated >> 17) | (rotated << 15)
    }

    /// `mask(checksum(bytes))`, the form TFRecord stores.
    public static func maskedChecksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        mask(checksum(bytes))
    }
}
