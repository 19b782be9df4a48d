#!/usr/bin/env python3
"""PyTorch twins of StrataBench's Transformer workloads (Benchmarks/StrataBench/TransformerWorkloads.swift).

- transformer_train: a decoder-only language model of StrataNN's GPT layout (token and learned
  position embeddings, 2 pre-norm blocks of causal self-attention through
  F.scaled_dot_product_attention(is_causal=True) and a GELU MLP 128-512-128, final LayerNorm,
  linear head to 65), 32 random sequences of 128 codes, cross-entropy over all positions,
  AdamW lr 1e-3 weight decay 0.01.
- bert_infer: transformers' BertModel with all-MiniLM-L6-v2's configuration and random weights
  (transformers' default SDPA attention), 32 sequences of 128 random ids, mean pooling and L2
  normalization, under torch.inference_mode(). Needs `transformers` (pip); skipped without it.

Prints JSON lines in the peers' schema (../shared/bench/peers/common.py, imported from there).

    ~/.cache/strata-peers/venv/bin/python Benchmarks/transformer_torch.py --threads 2
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(ROOT), "shared", "bench", "peers"))
import common  # noqa: E402  (first: it re-executes without the OPENBLAS_* variables)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

VOCAB, CONTEXT, D_MODEL, HEADS, LAYERS, BATCH = 65, 128, 128, 4, 2, 32


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(D_MODEL)
        self.c_attn = nn.Linear(D_MODEL, 3 * D_MODEL)
        self.c_proj = nn.Linear(D_MODEL, D_MODEL)
        self.ln_2 = nn.LayerNorm(D_MODEL)
        self.c_fc = nn.Linear(D_MODEL, 4 * D_MODEL)
        self.mlp_proj = nn.Linear(4 * D_MODEL, D_MODEL)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).view(b, t, 3, HEADS, d // HEADS).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(attended.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, D_MODEL)
        self.wpe = nn.Embedding(CONTEXT, D_MODEL)
        self.h = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(D_MODEL)
        self.lm_head = nn.Linear(D_MODEL, VOCAB)

    def forward(self, codes):
        x = self.wte(codes) + self.wpe.weight[:codes.shape[1]]
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def w_transformer_train(args):
    torch.manual_seed(0)
    model = GPT()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    inputs = torch.randint(0, VOCAB, (BATCH, CONTEXT))
    targets = torch.randint(0, VOCAB, (BATCH * CONTEXT,))

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(inputs).reshape(-1, VOCAB), targets).backward()
        optimizer.step()

    return common.measure(step, lambda: None, BATCH, args.window, args.windows, args.warmup)


def w_bert_infer(args):
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                        intermediate_size=1536, layer_norm_eps=1e-12)
    model = BertModel(config).eval()  # transformers picks SDPA attention by default
    ids = torch.randint(0, 30522, (BATCH, CONTEXT))
    mask = torch.ones(BATCH, CONTEXT, dtype=torch.int64)

    def step():
        with torch.inference_mode():
            hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).float()
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            F.normalize(pooled, p=2, dim=1)

    return common.measure(step, lambda: None, BATCH, args.window, args.windows, args.warmup)


def main():
    parser = common.base_args("Transformer training and BERT inference, torch eager CPU")
    parser.set_defaults(workloads="transformer_train,bert_infer")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    extra = {"threads": torch.get_num_threads(), "batch": BATCH}
    common.run_workloads("torch", f"torch-t{args.threads}", torch.__version__,
                         {"transformer_train": w_transformer_train, "bert_infer": w_bert_infer}, args, extra)


if __name__ == "__main__":
    main()
