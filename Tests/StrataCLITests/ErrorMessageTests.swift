import ArgumentParser
import Foundation
import StrataCLI
import Testing

/// Files that are no safetensors file at all are named with a short reason, on one line.
@Test func unreadableFilesSayWhy() throws {
    let directory = temporaryDirectory()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let missing = directory.appendingPathComponent("missing.safetensors").path
    for (path, reason) in [("/dev/null", "not a regular file"), (directory.path, "is a directory"), (missing, "no such file")] {
        let error = CLIError.unreadableFile(path: path, reason: reason)
        #expect(throws: error) { try InspectCommand.parse([path]).report() }
        #expect(InspectCommand.exitCode(for: error).rawValue == 1)
        #expect(error.description == "cannot read \(path): \(reason)")
    }
}

/// Foundation's errors that escape a command become one-line `CLIError`s with the file's path.
@Test func fileSystemErrorsBecomeOneLine() {
    let outOfSpace = CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "/runs/a/best.safetensors"])
    let readable = CLIError.readable(outOfSpace)
    #expect(readable as? CLIError == .unwritableOutput(path: "/runs/a/best.safetensors", reason: "no space left on the device"))
    #expect(!(String(describing: readable)).contains("NSCocoaErrorDomain"))
    let denied = CocoaError(.fileReadNoPermission, userInfo: [NSURLErrorKey: URL(fileURLWithPath: "/runs/a/settings.json")])
    #expect(CLIError.readable(denied) as? CLIError == .unreadableFile(path: "/runs/a/settings.json", reason: "permission denied"))
    let underlying = CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "/ro/model.safetensors",
                                                             NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))])
    #expect(CLIError.readable(underlying) as? CLIError == .unwritableOutput(path: "/ro/model.safetensors", reason: "read-only file system"))
    // As Foundation on Linux reports creating a directory below a file.
    let notADirectory = CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "/etc/passwd/run",
                                                                NSUnderlyingErrorKey: POSIXError(.ENOTDIR)])
    #expect(CLIError.readable(notADirectory) as? CLIError
                == .unwritableOutput(path: "/etc/passwd/run", reason: "a component of the path is not a directory"))
    // Usage errors pass through, to exit 64.
    #expect(CLIError.readable(ValidationError("x")) is ValidationError)
}

/// An output directory that cannot be created (a file is in its place) is one line, exit 1.
@Test func anOutputThatCannotBeCreatedIsOneLine() throws {
    let data = try writeSyntheticFashionMNIST(count: 10)
    let file = temporaryDirectory()
    defer { for url in [data, file] { try? FileManager.default.removeItem(at: url) } }
    try Data("x".utf8).write(to: file)
    let output = file.appendingPathComponent("run")
    let train = try TrainCommand.parse(["--dataset", data.path, "--output", output.path])
    let error = #expect(throws: CLIError.self) { try train.run() }
    guard case .unwritableOutput(let path, let reason) = error else { Issue.record("\(String(describing: error))"); return }
    #expect(path == output.path)
    #expect(reason == "a component of the path is not a directory")
}

/// A latest checkpoint that is a directory is named with the reason, not Foundation's error 256.
@Test func aCheckpointThatIsADirectoryIsNamed() throws {
    let data = try writeSyntheticFashionMNIST(count: 16)
    let output = temporaryDirectory()
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    try TrainCommand.parse(["--dataset", data.path, "--epochs", "1", "--batch-size", "16", "--output", output.path]).run()
    let directory = output.appendingPathComponent("checkpoints/epoch-0009.safetensors")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    #expect(throws: CLIError.unreadableFile(path: directory.path, reason: "is a directory")) {
        try ResumeCommand.parse([output.path, "--epochs", "2"]).run()
    }
}
