// gru_train: the lstm_train character model with a GRU in place of the LSTM; its PyTorch twin is
// Benchmarks/gru_torch.py (CharGRU).

import Strata
import StrataNN

/// gru_train: the character model of lstm_train (`CharacterModel`) with one GRU layer.
func gruTraining() -> Workload {
    characterModelTraining(name: "gru_train", note: "char GRU: embedding 65->128, GRU 256, seq 64, linear 256->65, CE over all steps, Adam lr 1e-3, batch 32",
                           recurrentName: "gru") { GRU(inputSize: 128, hiddenSize: 256, batchFirst: true, generator: $0) }
}
