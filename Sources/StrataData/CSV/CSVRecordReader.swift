/// Splits CSV text into records of fields, following RFC 4180.
///
/// A field that starts with `"` runs to the next lone `"`; inside it `""` is one quote, and
/// delimiters and line breaks are data. Records end at LF, CRLF or CR. Lenient where the RFC is
/// silent or strict, as Python's `csv` module is: a quote inside an unquoted field is kept as
/// data, and characters after a closing quote are appended. Empty lines are skipped (pandas'
/// `skip_blank_lines`).
enum CSVRecordReader {
    /// A record and the physical line it starts on (1-based).
    struct Record {
        var fields: [String]
        var line: Int
    }

    static func records(in text: String, delimiter: Unicode.Scalar) throws(CSVError) -> [Record] {
        precondition(delimiter != "\"" && delimiter != "\n" && delimiter != "\r",
                     "CSV: the delimiter cannot be a quote or a line break")
        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var atFieldStart = true
        var lineIsEmpty = true  // nothing, not even a delimiter or a quote, since the line began
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var quoteLine = 1

        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return scalars.next()
        }
        // Reads the LF of a CRLF pair, or puts back what followed a lone CR.
        func consumeLineFeed(after scalar: Unicode.Scalar) -> Bool {
            guard scalar == "\r" else { return false }
            let following = next()
            if following == "\n" { return true }
            pending = following
            return false
        }

        while let scalar = next() {
            if inQuotes {
                if scalar == "\"" {
                    let following = next()
                    if following == "\"" { field.append("\"") } else { inQuotes = false; pending = following }
                } else {
                    field.append(scalar)
                    if scalar == "\n" || scalar == "\r" {
                        if consumeLineFeed(after: scalar) { field.append("\n") }
                        line += 1
                    }
                }
                continue
            }
            switch scalar {
            case delimiter:
                fields.append(String(field))
                field = String.UnicodeScalarView()
                atFieldStart = true
                lineIsEmpty = false
            case "\"" where atFieldStart:
                inQuotes = true
                atFieldStart = false
                lineIsEmpty = false
                quoteLine = line
            case "\n", "\r":
                _ = consumeLineFeed(after: scalar)
                if !lineIsEmpty {
                    fields.append(String(field))
                    records.append(Record(fields: fields, line: recordLine))
                }
                fields = []
                field = String.UnicodeScalarView()
                atFieldStart = true
                lineIsEmpty = true
                line += 1
                recordLine = line
            default:
                field.append(scalar)
                atFieldStart = false
                lineIsEmpty = false
            }
        }
        if inQuotes { throw .unterminatedQuote(line: quoteLine) }
        if !lineIsEmpty {
            fields.append(String(field))
            records.append(Record(fields: fields, line: recordLine))
        }
        return records
    }
}
