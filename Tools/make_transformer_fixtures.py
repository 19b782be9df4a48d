#!/usr/bin/env python3
"""Writes Tests/StrataNNTests/Fixtures/TransformerFixtures.swift: PyTorch's answers for
nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerEncoder,
nn.TransformerDecoderLayer and nn.RMSNorm, and the sinusoidal and rotary position encodings
(written below from their papers' formulas, as PyTorch has no module for them), which
Tests/StrataNNTests/TransformerFidelityTests.swift recomputes.

Each fixture holds:
- the inputs under "input.<name>" (bool masks as int64 0/1);
- the module's parameters under "state.<state_dict name>", redrawn from N(0, 0.3^2) (so zero
  initial biases cannot hide a wrong layout);
- "output", the random weighting "upstream" of the output, and, for the "train" fixtures, the
  gradients of sum(output * upstream) under "gradient.input.<name>" and "gradient.<parameter>".

Dropout is 0 in every module, so train and eval differ only in PyTorch's code path: "eval"
fixtures run under torch.no_grad() in eval mode (PyTorch's fused fast path where it applies);
TransformerEncoder is built with enable_nested_tensor=False so padded positions are computed,
not zeroed. PyTorch's masks: bool True means "may not attend"; float masks are added.

Run from the repository root (CI never runs Python; the generated file is committed):

    ~/.cache/strata-peers/venv/bin/python Tools/make_transformer_fixtures.py
"""

import math
import pathlib

import torch
import torch.nn as nn

from swift_fixtures import SeededDraws, all_fixtures_list, fixture_declarations, generated_header, write_swift

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/StrataNNTests/Fixtures/TransformerFixtures.swift"
SEED = 20261205
draws = SeededDraws(SEED)
fixtures = []


def redraw(module):
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(draws.normal(*parameter.shape, scale=0.3))
    return module


def as_stored(name, tensor):
    return (name, tensor.to(torch.int64) if tensor.dtype == torch.bool else tensor)


def record(name, code, module, inputs, call, train=True):
    """Runs `call(module, **inputs)` and stores inputs, state, output and (train) gradients."""
    tensors = [as_stored("input." + key, value) for key, value in inputs.items()]
    tensors += [("state." + key, value.clone()) for key, value in module.state_dict().items()]
    if train:
        module.train()
        leaves = {key: value.clone().requires_grad_(True) for key, value in inputs.items() if value.is_floating_point()
                  and not key.endswith("mask")}
        arguments = {**inputs, **leaves}
        output = call(module, **arguments)
        upstream, total = draws.weighted(output)
        total.backward()
        tensors += [("gradient.input." + key, leaf.grad) for key, leaf in leaves.items()]
        tensors += [("gradient." + key, parameter.grad) for key, parameter in module.named_parameters()]
    else:
        module.eval()
        with torch.no_grad():
            output = call(module, **inputs)
        upstream = draws.normal(*output.shape)
    tensors += [("output", output.detach()), ("upstream", upstream)]
    fixtures.append((name, code, tensors))


def padding_mask(batch, length, padded):
    """True at the last `padded` positions of the second sequence."""
    mask = torch.zeros(batch, length, dtype=torch.bool)
    mask[1, length - padded:] = True
    return mask


E, H, FF = 8, 2, 16

# ---------------------------------------------------------------- MultiheadAttention
mha = redraw(nn.MultiheadAttention(E, H, batch_first=True))
record("mhaSelfKeyPadding", "nn.MultiheadAttention(8, 2, batch_first=True)(x, x, x, key_padding_mask=m, need_weights=False)",
       mha, {"query": draws.normal(2, 5, E), "key_padding_mask": padding_mask(2, 5, 2)},
       lambda m, query, key_padding_mask: m(query, query, query, key_padding_mask=key_padding_mask, need_weights=False)[0])

mha = redraw(nn.MultiheadAttention(E, H))
record("mhaCrossFloatMask", "nn.MultiheadAttention(8, 2)(q, k, v, attn_mask=float_mask, need_weights=False), length first",
       mha, {"query": draws.normal(4, 2, E), "key": draws.normal(6, 2, E), "value": draws.normal(6, 2, E),
             "attn_mask": draws.normal(4, 6)},
       lambda m, query, key, value, attn_mask: m(query, key, value, attn_mask=attn_mask, need_weights=False)[0])

mha = redraw(nn.MultiheadAttention(E, H, batch_first=True))
causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
record("mhaCausalBoolMask", "nn.MultiheadAttention(8, 2, batch_first=True)(x, x, x, attn_mask=triu(ones, 1).bool())",
       mha, {"query": draws.normal(2, 5, E), "attn_mask": causal},
       lambda m, query, attn_mask: m(query, query, query, attn_mask=attn_mask, need_weights=False)[0])
record("mhaCausalBoolMaskEval", "the same module, eval mode under no_grad", mha, {"query": draws.normal(2, 5, E),
       "attn_mask": causal}, lambda m, query, attn_mask: m(query, query, query, attn_mask=attn_mask, need_weights=False)[0],
       train=False)

# ---------------------------------------------------------------- encoder
square_causal = causal  # bool: True above the diagonal
for norm_first, activation, train in [(False, "relu", True), (True, "gelu", True), (False, "gelu", False)]:
    layer = redraw(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, activation=activation, batch_first=True,
                                              norm_first=norm_first))
    name = f"encoderLayer{'NormFirst' if norm_first else 'PostNorm'}{activation.capitalize()}{'' if train else 'Eval'}"
    record(name, f"nn.TransformerEncoderLayer(8, 2, 16, dropout=0, activation='{activation}', batch_first=True, "
           f"norm_first={norm_first})(x, src_mask=causal, src_key_padding_mask=m)",
           layer, {"src": draws.normal(2, 5, E), "src_mask": square_causal, "src_key_padding_mask": padding_mask(2, 5, 1)},
           lambda m, src, src_mask, src_key_padding_mask: m(src, src_mask=src_mask, src_key_padding_mask=src_key_padding_mask),
           train=train)

encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=False), 2,
                                norm=nn.LayerNorm(E), enable_nested_tensor=False)
redraw(encoder)
record("encoderTwoLayersNorm", "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0), 2, norm=LayerNorm(8))"
       "(x, src_key_padding_mask=m), length first", encoder,
       {"src": draws.normal(5, 2, E), "src_key_padding_mask": padding_mask(2, 5, 2)},
       lambda m, src, src_key_padding_mask: m(src, src_key_padding_mask=src_key_padding_mask))

# ---------------------------------------------------------------- decoder
for norm_first, activation in [(False, "relu"), (True, "gelu")]:
    layer = redraw(nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, activation=activation, batch_first=True,
                                              norm_first=norm_first))
    name = f"decoderLayer{'NormFirst' if norm_first else 'PostNorm'}{activation.capitalize()}"
    record(name, f"nn.TransformerDecoderLayer(8, 2, 16, dropout=0, activation='{activation}', batch_first=True, "
           f"norm_first={norm_first})(t, mem, tgt_mask=causal, memory_key_padding_mask=m)",
           layer, {"tgt": draws.normal(2, 5, E), "memory": draws.normal(2, 6, E), "tgt_mask": square_causal,
                   "memory_key_padding_mask": padding_mask(2, 6, 2)},
           lambda m, tgt, memory, tgt_mask, memory_key_padding_mask: m(
               tgt, memory, tgt_mask=tgt_mask, memory_key_padding_mask=memory_key_padding_mask))

# ---------------------------------------------------------------- RMSNorm
record("rmsNorm", "nn.RMSNorm([8])(x), eps=None (float32 epsilon)", redraw(nn.RMSNorm([E])),
       {"input": draws.normal(3, 4, E)}, lambda m, input: m(input))


# ---------------------------------------------------------------- position encodings
class Sinusoidal(nn.Module):
    """Vaswani et al. (2017), section 3.5: PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(...)."""

    def forward(self, input):
        length, d = input.shape[-2], input.shape[-1]
        position = torch.arange(length, dtype=torch.float64)[:, None]
        angle = position / torch.pow(10000.0, torch.arange(0, d, 2, dtype=torch.float64) / d)
        table = torch.zeros(length, d, dtype=torch.float64)
        table[:, 0::2], table[:, 1::2] = torch.sin(angle), torch.cos(angle)
        return input + table.to(torch.float32)


class Rotary(nn.Module):
    """Hugging Face's LLaMA rotary embedding (rotate_half form), base 10000, positions from `offset`."""

    def __init__(self, offset):
        super().__init__()
        self.offset = offset

    def forward(self, input):
        length, d = input.shape[-2], input.shape[-1]
        inverse = 1.0 / (10000.0 ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
        angle = torch.arange(self.offset, self.offset + length, dtype=torch.float64)[:, None] * inverse[None, :]
        angle = torch.cat([angle, angle], dim=-1)
        half = d // 2
        rotated = torch.cat([-input[..., half:], input[..., :half]], dim=-1)
        return input * torch.cos(angle).to(torch.float32) + rotated * torch.sin(angle).to(torch.float32)


record("sinusoidalPositions", "x + PE[:length] (Vaswani et al. 2017)", Sinusoidal(), {"input": draws.normal(2, 7, 6)},
       lambda m, input: m(input))
record("rotaryPositions", "LLaMA rotate_half rotary embedding at positions 3..<8", Rotary(3),
       {"input": draws.normal(2, 2, 5, 8)}, lambda m, input: m(input))

lines = generated_header("make_transformer_fixtures.py", SEED, regenerate=[
    "// Regenerate from the repository root: ~/.cache/strata-peers/venv/bin/python Tools/make_transformer_fixtures.py"])
lines += ["", "extension TorchFixtures {", "    enum Transformer {"]
lines += ["    " + line if line else line for line in fixture_declarations(fixtures)]
lines += ["    " + line for line in all_fixtures_list([name for name, _, _ in fixtures])]
lines += ["    }", "}"]
write_swift(OUTPUT, lines)
print(f"wrote {len(fixtures)} fixtures to {OUTPUT}")
