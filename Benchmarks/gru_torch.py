#!/usr/bin/env python3
"""PyTorch twin of StrataBench's gru_train workload (Benchmarks/StrataBench/GRUWorkload.swift).

gru_train: the lstm_train character model of ../shared/bench/peers/bench_torch.py (CharLSTM) with
its LSTM replaced by a GRU: embedding 65 -> 128, nn.GRU(128, 256, batch_first=True), linear
256 -> 65, 32 random sequences of 64 codes, cross-entropy over all 2048 positions, Adam lr 1e-3.

Prints JSON lines in the peers' schema (../shared/bench/peers/common.py, imported from there),
so compare_peers.py reads it as it reads the peer scripts.

    python3 Benchmarks/gru_torch.py --threads 2   # a Python with torch
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(ROOT), "shared", "bench", "peers"))
import common  # noqa: E402  (first: it re-executes without the OPENBLAS_* variables)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

VOCAB, SEQ_LEN, BATCH = 65, 64, 32


class CharGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 128)
        self.gru = nn.GRU(128, 256, batch_first=True)
        self.fc = nn.Linear(256, VOCAB)

    def forward(self, x):
        h, _ = self.gru(self.emb(x))
        return self.fc(h)


def w_gru_train(args):
    torch.manual_seed(0)
    model = CharGRU()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs = torch.randint(0, VOCAB, (BATCH, SEQ_LEN))
    targets = torch.randint(0, VOCAB, (BATCH, SEQ_LEN))

    def step():
        optimizer.zero_grad(set_to_none=True)
        out = model(inputs)
        F.cross_entropy(out.reshape(-1, VOCAB), targets.reshape(-1)).backward()
        optimizer.step()

    result = common.measure(step, lambda: None, BATCH, args.window, args.windows, args.warmup)
    result["params"] = sum(p.numel() for p in model.parameters())
    result["tokens_per_s"] = round(result["samples_per_s"] * SEQ_LEN, 1)
    return result


def main():
    parser = common.base_args("GRU character model training, torch eager CPU")
    parser.set_defaults(workloads="gru_train")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    extra = {"threads": torch.get_num_threads(), "batch": BATCH}
    common.run_workloads("torch", f"torch-t{args.threads}", torch.__version__, {"gru_train": w_gru_train}, args, extra)


if __name__ == "__main__":
    main()
