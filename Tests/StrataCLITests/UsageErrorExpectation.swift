import ArgumentParser
import Testing

/// Expects `arguments` to be refused by `Command`'s parser as a usage error: exit status 64 and
/// a message that contains `message`.
///
/// ArgumentParser's own error types are internal, so a test names the error it expects by the
/// message the user sees and the exit status the shell sees.
func expectUsageError<Command: ParsableCommand>(
    _ command: Command.Type, _ arguments: [String], message: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        _ = try Command.parseAsRoot(arguments)
        Issue.record("\(arguments) parsed", sourceLocation: sourceLocation)
    } catch {
        #expect(Command.exitCode(for: error).rawValue == 64, "\(arguments): \(error)", sourceLocation: sourceLocation)
        let text = Command.message(for: error)
        #expect(text.contains(message), "\(arguments): \(text)", sourceLocation: sourceLocation)
    }
}
