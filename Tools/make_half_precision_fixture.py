#!/usr/bin/env python3
"""Prints the expected values of Tests/StrataIOTests/HalfPrecisionTests.swift: a safetensors file
that PyTorch's safetensors writer makes from float16 and bfloat16 tensors (as hex), and the bits
of each value after PyTorch's rounding (`.half()`, `.bfloat16()`: round to nearest, ties to even).

    ~/.cache/strata-peers/venv/bin/python Tools/make_half_precision_fixture.py   # needs torch and safetensors
"""
import torch
from safetensors.torch import save

VALUES = [0.0, -0.0, 1.0, -2.5, 0.1, 65504.0, 70000.0, 1e-7, 3.14159265, 1.00390625, 1.01171875, float("inf"), float("-inf")]
x = torch.tensor(VALUES, dtype=torch.float32)
for name, dtype in [("float16", torch.float16), ("bfloat16", torch.bfloat16)]:
    bits = x.to(dtype).view(torch.int16).tolist()
    print(name, "bits:", ", ".join(f"0x{b & 0xFFFF:04X}" for b in bits))
    print(name, "values:", ", ".join(repr(v) for v in x.to(dtype).float().tolist()))
file = save({"half": torch.tensor([[1.5, -0.25], [2.0, 1024.0]], dtype=torch.float16),
             "brain": torch.tensor([3.0, -0.5, 1e10], dtype=torch.bfloat16)})
print("file:", file.hex())
