import ArgumentParser
import Foundation
import Strata

/// `strata embed --model DIR "sentence" ...`: sentence embeddings from a sentence-transformers
/// BERT directory (all-MiniLM-L6-v2), one line of numbers per sentence, or with `--similarity`
/// the matrix of cosine similarities (dot products of the unit-length embeddings), or with
/// `--query TEXT` the sentences ranked by their cosine similarity to the query (semantic search).
public struct EmbedCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "embed", abstract: "Embed sentences with a BERT sentence encoder (e.g. all-MiniLM-L6-v2).")

    @Option(help: "The model directory: config.json, vocab.txt and model.safetensors.")
    var model: String

    @Flag(help: "Print the cosine similarity matrix instead of the embeddings.")
    var similarity = false

    @Option(help: "Rank the sentences by cosine similarity to this query.")
    var query: String?

    @Option(help: "With --query, print this many best matches.")
    var top = 5

    @Option(help: "Tokens per sentence at most, [CLS] and [SEP] included.")
    var maximumLength = 256

    @Argument(help: "The sentences.")
    var sentences: [String]

    public init() {}

    public func validate() throws {
        if sentences.isEmpty { throw ValidationError("give at least one sentence") }
        if query != nil && similarity { throw ValidationError("--query and --similarity exclude each other") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    public func run() throws {
        let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model), maximumLength: maximumLength)
        if let query {
            let embeddings = encoder.embed([query] + sentences)
            let scores = matmul(embeddings[.range(1..<(sentences.count + 1))], embeddings[0]).scalars(as: Float.self)
            for index in scores.indices.sorted(by: { scores[$0] > scores[$1] }).prefix(top) {
                print(String(format: "%.4f  ", scores[index]) + sentences[index])
            }
            return
        }
        let embeddings = encoder.embed(sentences)
        let rows = similarity ? matmul(embeddings, embeddings.transposed()) : embeddings
        let columns = rows.shape[1]
        let values = rows.scalars(as: Float.self)
        for row in 0..<rows.shape[0] {
            let line = values[(row * columns)..<((row + 1) * columns)].map { String(format: similarity ? "%.4f" : "%.6f", $0) }
            print(line.joined(separator: " "))
        }
    }
}
