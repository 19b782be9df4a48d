import Foundation

/// The scalars of a TensorBoard event file, read back with every record's CRCs checked.
///
/// Reads files written by `TensorBoardWriter`, by TensorBoard's `EventFileWriter` and by PyTorch's
/// `SummaryWriter.add_scalar`; events other than scalar summaries are skipped.
public struct TensorBoardEvents: Equatable, Sendable {
    /// `file_version` of the first event that has one ("brain.Event:2"), or nil if none does.
    public var fileVersion: String?
    /// Every `simple_value` in file order; an event with several values gives several scalars.
    public var scalars: [TensorBoardScalar]

    /// Decodes the bytes of an event file. Throws `TensorBoardError` on truncation, a CRC
    /// mismatch or a malformed `Event`.
    public static func read(_ bytes: [UInt8]) throws(TensorBoardError) -> TensorBoardEvents {
        var events = TensorBoardEvents(fileVersion: nil, scalars: [])
        for (offset, data) in try TFRecord.records(in: bytes) {
            let event: TensorBoardEvent
            do {
                event = try TensorBoardEvent(decoding: data)
            } catch {
                throw .malformedEvent(offset: offset, reason: error.reason)
            }
            if events.fileVersion == nil { events.fileVersion = event.fileVersion }
            for scalar in event.scalars {
                events.scalars.append(TensorBoardScalar(
                    tag: scalar.tag, step: Int(event.step), value: scalar.value, wallTime: event.wallTime))
            }
        }
        return events
    }

    /// Reads the event file at `url` (see `read(_:)`).
    public static func read(contentsOf url: URL) throws(TensorBoardError) -> TensorBoardEvents {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        return try read([UInt8](data))
    }

    /// The scalars logged under `tag`, in file order.
    public func scalars(tagged tag: String) -> [TensorBoardScalar] {
        scalars.filter { $0.tag == tag }
    }
}
