#!/usr/bin/env python3
"""PyTorch twin of StrataBench's wide_deep_train (Benchmarks/StrataBench/WideDeepWorkload.swift).

The same Wide & Deep model at the sizes of Examples/WideDeep on UCI Adult: the wide part an
nn.EmbeddingBag(mode='sum') of width 1 starting at zero, the deep part an nn.Embedding per
categorical column plus the numeric columns through Linear-ReLU 64, Linear-ReLU 32 and a
bias-free Linear to one logit, one shared bias, the logits summed, BCEWithLogits (mean).
Adam lr 1e-3 for everything but the wide table; PyTorch has no FTRL, so the wide table is moved
by `FTRLProximal` below, a dense transcription of Strata's rule (alpha 0.2, beta 0.01, l1 0.3,
l2 0.1: WideOptimizerSettings' defaults). Synthetic rows of the shapes the Strata encoder gives
Adult's 70% training split: uniform ids per field, N(0, 1) numbers, fair-coin labels, batch 256
cut once from a shuffled order and taken in turn. Prints one JSON line in the peers' schema
(../shared/bench/peers/common.py, imported from there).

    ~/.cache/strata-peers/venv/bin/python Benchmarks/wide_deep_torch.py --threads 2
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(ROOT), "shared", "bench", "peers"))
import common  # noqa: E402  (first: it re-executes without the OPENBLAS_* variables)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

BATCH = 256
# From a StrataBench run on data/adult.csv (its stderr line; syntheticAdultShapes in
# WideDeepWorkload.swift): the wide fields (8 categorical columns, 5 bucketized numeric
# columns, 3 crosses), the categorical columns' id counts, 5 numeric columns, 34,189 rows.
WIDE_FIELD_SIZES = [10, 18, 9, 16, 8, 7, 4, 43, 11, 7, 3, 3, 7, 206, 1000, 1000]
CATEGORY_COUNTS = [10, 18, 9, 16, 8, 7, 4, 43]
NUMERIC_COUNT = 5
ROWS = 34189


def embedding_size(count):
    """WideDeepConfiguration.embeddingSize(forCategoryCount:): min(16, round(1.6 n^0.56))."""
    return max(1, min(16, round(1.6 * count ** 0.56)))


class WideDeep(nn.Module):
    def __init__(self):
        super().__init__()
        self.wide = nn.EmbeddingBag(sum(WIDE_FIELD_SIZES), 1, mode="sum")
        nn.init.zeros_(self.wide.weight)
        self.embeddings = nn.ModuleList(nn.Embedding(c, embedding_size(c)) for c in CATEGORY_COUNTS)
        width = sum(embedding_size(c) for c in CATEGORY_COUNTS) + NUMERIC_COUNT
        self.deep = nn.Sequential(nn.Linear(width, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(),
                                  nn.Linear(32, 1, bias=False))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, wide, categorical, numeric):
        columns = [embedding(categorical[:, i]) for i, embedding in enumerate(self.embeddings)]
        deep = self.deep(torch.cat(columns + [numeric], dim=1))
        return (self.bias + self.wide(wide) + deep).reshape(-1)


class FTRLProximal(torch.optim.Optimizer):
    """McMahan et al. (2013) FTRL-proximal, per coordinate, dense (Strata's FTRLProximal)."""

    def __init__(self, params, alpha, beta, l1, l2):
        super().__init__(params, dict(alpha=alpha, beta=beta, l1=l1, l2=l2))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            alpha, beta, l1, l2 = group["alpha"], group["beta"], group["l1"], group["l2"]
            for w in group["params"]:
                if w.grad is None:
                    continue
                g = w.grad
                state = self.state[w]
                if not state:
                    state["n"] = torch.zeros_like(w)
                    state["z"] = torch.zeros_like(w)
                n, z = state["n"], state["z"]
                new_n = n + g * g
                root_n = new_n.sqrt()
                sigma = (root_n - n.sqrt()) / alpha
                z.add_(g - sigma * w)
                n.copy_(new_n)
                shrunk = z.sign() * (z.abs() - l1).clamp_min(0)
                w.copy_(-shrunk / ((root_n + beta) / alpha + l2))


def synthetic_rows(generator):
    def ids(sizes, offsets):
        draws = torch.rand(ROWS, len(sizes), generator=generator, dtype=torch.float64)
        sizes_t = torch.tensor(sizes, dtype=torch.float64)
        values = torch.minimum((draws * sizes_t).long(), torch.tensor(sizes) - 1)
        return values + torch.tensor(offsets)
    offsets = [sum(WIDE_FIELD_SIZES[:i]) for i in range(len(WIDE_FIELD_SIZES))]
    wide = ids(WIDE_FIELD_SIZES, offsets)
    categorical = ids(CATEGORY_COUNTS, [0] * len(CATEGORY_COUNTS))
    numeric = torch.randn(ROWS, NUMERIC_COUNT, generator=generator)
    labels = (torch.rand(ROWS, generator=generator) >= 0.5).float()
    return wide, categorical, numeric, labels


def w_wide_deep(args):
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    wide, categorical, numeric, labels = synthetic_rows(generator)
    order = torch.randperm(ROWS, generator=generator)
    batches = [tuple(t[order[s:s + BATCH]] for t in (wide, categorical, numeric, labels))
               for s in range(0, ROWS - BATCH + 1, BATCH)]
    model = WideDeep()
    deep_parameters = [p for name, p in model.named_parameters() if not name.startswith("wide.")]
    adam = torch.optim.Adam(deep_parameters, lr=1e-3)
    ftrl = FTRLProximal([model.wide.weight], alpha=0.2, beta=0.01, l1=0.3, l2=0.1)
    loss_function = nn.BCEWithLogitsLoss()
    position = [0]

    def step():
        w, c, x, y = batches[position[0]]
        position[0] = (position[0] + 1) % len(batches)
        adam.zero_grad()
        ftrl.zero_grad()
        loss_function(model(w, c, x), y).backward()
        adam.step()
        ftrl.step()

    result = common.measure(step, lambda: None, BATCH, args.window, args.windows, args.warmup)
    result["data"] = "synthetic ids, shapes of data/adult.csv"
    return result


def main():
    parser = common.base_args("Wide & Deep training, torch eager CPU")
    parser.set_defaults(workloads="wide_deep_train")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    extra = {"threads": torch.get_num_threads(), "batch": BATCH,
             "note": "Wide & Deep (Adult sizes, hidden 64-32), BCEWithLogits, Adam lr 1e-3 + hand-written FTRL-proximal "
                     "for wide, batch 256"}
    common.run_workloads("torch", f"torch-t{args.threads}", torch.__version__, {"wide_deep_train": w_wide_deep},
                         args, extra)


if __name__ == "__main__":
    main()
