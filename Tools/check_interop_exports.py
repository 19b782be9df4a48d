#!/usr/bin/env python3
"""Loads the weights Strata exports with `PyTorchWeights.write` into the PyTorch models of
Tools/torch_models.py with `load_state_dict(strict=True)`, and checks that PyTorch reproduces
Strata's outputs.

Strata writes the files (NAME.safetensors, and NAME.io.safetensors with `input` and Strata's
eval-mode `output`) from the test `exportedWeightsLoadBackIntoAZeroedModel` in
Tests/StrataIOTests/PyTorchWeightsTests.swift:

    STRATA_INTEROP_EXPORT_DIR=/tmp/strata-exports swift test --filter exportedWeightsLoadBackIntoAZeroedModel
    PYTHONPATH=/tmp/cnn_tv ~/.cache/strata-peers/venv/bin/python Tools/check_interop_exports.py /tmp/strata-exports

For each model it checks the dtypes (float32, int64 `num_batches_tracked` scalars), loads strictly
(no missing or unexpected keys, every shape equal), runs the model in eval mode in float64 and
bounds max |PyTorch - Strata| / max |PyTorch| by 1e-5. It exits with status 1 on any failure.

Last run (PyTorch 2.13, torchvision 0.28): all seven load with strict=True ("All keys matched
successfully"), num_batches_tracked int64 2 in both ResNets and googlenet (0 in googlenet's auxiliary
heads, which Strata's plain forward does not run); differences mlp 1.2e-7, lenet 5.9e-7,
resnet_small 3.3e-7, resnet18 4.4e-7, lstm 5.7e-8, gru 8.6e-8, googlenet 5.7e-8.
"""
import copy
import pathlib
import sys

import torch
from safetensors.torch import load_file

from torch_models import INTEROP_MODELS  # noqa: E402 (a sibling script)

TOLERANCE = 1e-5


def check(directory, name, build):
    state = load_file(directory / f"{name}.safetensors")
    wrong = {key: str(value.dtype) for key, value in state.items()
             if value.dtype != (torch.int64 if key.endswith("num_batches_tracked") else torch.float32)
             or (key.endswith("num_batches_tracked") and value.dim() != 0)}
    if wrong:
        return False, f"unexpected dtypes or shapes: {wrong}"
    model = build()
    result = model.load_state_dict(state, strict=True)
    io = load_file(directory / f"{name}.io.safetensors")
    x = io["input"]
    with torch.no_grad():
        output = copy.deepcopy(model).double().eval()(x if x.dtype == torch.int64 else x.double())
    difference = ((output - io["output"].double()).abs().max() / output.abs().max()).item()
    counts = [int(v) for k, v in state.items() if k.endswith("num_batches_tracked")]
    detail = (f"strict load {result}, {len(state)} tensors"
              + (f", num_batches_tracked {sorted(set(counts))}" if counts else "")
              + f"; max |PyTorch - Strata| / max |PyTorch| = {difference:.1e}")
    return difference <= TOLERANCE, detail


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_interop_exports.py DIRECTORY")
    directory = pathlib.Path(sys.argv[1])
    failures = 0
    for name, build in INTEROP_MODELS.items():
        try:
            ok, detail = check(directory, name, build)
        except (RuntimeError, OSError) as error:  # load_state_dict(strict=True) raises RuntimeError
            ok, detail = False, str(error)
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
