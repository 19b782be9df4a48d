#!/usr/bin/env python3
"""Writes Tests/StrataIOTests/Fixtures/PyTorch/: PyTorch state_dicts saved with
`safetensors.torch.save_file`, with inputs and outputs, for Tests/StrataIOTests/PyTorchWeightsTests.swift,
which loads each file into Strata's twin of the model and reproduces the outputs.

The seven models are in Tools/torch_models.py (`INTEROP_MODELS`): the CLI's MLP, LeNet, the small
ResNet, torchvision's resnet18 (10 classes), Embedding -> LSTM / GRU -> Linear classifiers, and
torchvision's googlenet (10 classes, auxiliary heads, `transform_input`).

For each model NAME the directory holds

- NAME.safetensors (.gz for the large ones): `save_file(wrapper.state_dict(), path)`, byte for byte,
  where the wrapper is one PyTorch really uses, so the keys carry its names (see WRAPPERS):
  nn.DataParallel adds `module.`, torch.compile `_orig_mod.` (at the top, or inside when only a
  submodule is compiled), and both nest;
- NAME.io.safetensors: `input` (float32 images or int64 tokens) and `output`, the eval-mode logits;
  for googlenet also `aux1` and `aux2`, its auxiliary heads (eval mode) on the outputs of
  inception4a and inception4d, which torchvision computes only in training.

Weights are seeded random draws at the scale of PyTorch's default initialization. Models with
batch norm also get random affine parameters and real running statistics: three training-mode
forward passes on random batches with a cumulative average (momentum None), so
`num_batches_tracked` is 3 and evaluation normalizes with statistics that fit the weights.

Size: resnet18 has 11.7M parameters (47 MB), googlenet 10.0M, LeNet 1.7M: too many random floats to
commit. Each tensor with more than PERIOD (a prime) elements is therefore PERIOD random values tiled
to its size, with a random scale and offset per tensor, and the large files are gzip-compressed (the
Swift test inflates them). Because PERIOD is prime and larger than any row count, no two rows,
channels or gates of a tensor share a pattern (row r starts at r * rowLength mod PERIOD): a
transposed, permuted or misnamed tensor still changes the outputs.

`output` is PyTorch's float64 result from the float32 weights and inputs, rounded once to float32:
the exact answer to the float32 problem, not one float32 summation order among many. The README.md
it writes beside the files records how far PyTorch's own float32 forward is from it.

Run from the repository root with the peers' virtual environment and torchvision on the path (see
make_cnn_fixtures.py for torchvision); CI never runs Python, the files are committed:

    PYTHONPATH=/tmp/cnn_tv ~/.cache/strata-peers/venv/bin/python Tools/make_interop_fixtures.py
"""
import copy
import gzip
import math
import pathlib

import safetensors
import torch
import torch.nn as nn
from safetensors.torch import save, save_file

from swift_fixtures import SeededDraws  # noqa: E402 (a sibling script)
from torch_models import INTEROP_MODELS, torchvision_version  # noqa: E402 (a sibling script)

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "Tests/StrataIOTests/Fixtures/PyTorch"
SEED = 20260611
PERIOD = 1031
VOCABULARY, TIME, BATCH = 40, 7, 3
IMAGE_SHAPES = {"mlp": (4, 1, 28, 28), "lenet": (2, 1, 28, 28), "resnet_small": (2, 1, 28, 28), "resnet18": (1, 3, 64, 64),
                "googlenet": (2, 3, 64, 64)}

# How each model is wrapped before `state_dict()`, and whether its file is gzip-compressed.
WRAPPERS = {
    "mlp": ("nn.DataParallel(model)", True),
    "lenet": ("model", True),
    "resnet_small": ("torch.compile(model)", True),
    "resnet18": ("torch.compile(nn.DataParallel(model))", True),
    "lstm": ("model", False),
    "gru": ("model.recurrent = torch.compile(model.recurrent); nn.DataParallel(model)", False),
    "googlenet": ("model", True),
}

torch.set_default_dtype(torch.float32)
draws = SeededDraws(SEED)
generator, normal, uniform = draws.generator, draws.normal, draws.uniform


def tiled_normal(shape, scale):
    """N(0, scale^2)-like values: PERIOD fresh draws repeated to fill `shape` (all draws when the
    tensor is smaller), times a random factor in [0.8, 1.2], plus a random offset of 0.1 scale."""
    count = math.prod(shape)
    base = normal(min(count, PERIOD))
    values = base.repeat(math.ceil(count / base.numel()))[:count]
    factor, offset = uniform(1, low=0.8, high=1.2), normal(1, scale=0.1)
    return ((values * factor + offset) * scale).reshape(shape)


def randomise(name, model):
    """Random weights at the scale of PyTorch's defaults: matrices and kernels 1 / sqrt(fan in)
    (embeddings 1), other biases 0.2, batch norm weights in [0.5, 1.5] and biases
    N(0, 0.2^2); then real running statistics (see the header)."""
    with torch.no_grad():
        for key, parameter in model.named_parameters():
            if key.startswith("embedding"):
                parameter.copy_(tiled_normal(parameter.shape, 1.0))
            elif parameter.dim() > 1:
                parameter.copy_(tiled_normal(parameter.shape, 1 / math.sqrt(parameter[0].numel())))
            elif isinstance(model.get_submodule(key.rsplit(".", 1)[0]), nn.BatchNorm2d):
                parameter.copy_(uniform(*parameter.shape, low=0.5, high=1.5) if key.endswith("weight")
                                else normal(*parameter.shape, scale=0.2))
            else:
                parameter.copy_(tiled_normal(parameter.shape, 0.2))
        norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
        if norms:
            for norm in norms:
                norm.momentum = None
            model.train()
            for _ in range(3):
                model(normal(8, *IMAGE_SHAPES[name][1:]))
            for norm in norms:
                norm.momentum = 0.1
    return model.eval()


def example_input(name):
    if name == "lstm":
        return torch.randint(0, VOCABULARY, (TIME, BATCH), generator=generator)
    if name == "gru":
        return torch.randint(0, VOCABULARY, (BATCH, TIME), generator=generator)
    return normal(*IMAGE_SHAPES[name])


def wrapped_state(name, model):
    """The state_dict of `model` inside the wrapper WRAPPERS names (see the header)."""
    if name == "mlp":
        return nn.DataParallel(model).state_dict()
    if name == "resnet_small":
        return torch.compile(model).state_dict()
    if name == "resnet18":
        return torch.compile(nn.DataParallel(model)).state_dict()
    if name == "gru":
        model = copy.deepcopy(model)
        model.recurrent = torch.compile(model.recurrent)
        return nn.DataParallel(model).state_dict()
    return model.state_dict()


def auxiliary_outputs(model, x):
    """googlenet's auxiliary logits in eval mode, {"aux1": ..., "aux2": ...}: the heads applied to
    the outputs of inception4a and inception4d, caught by forward hooks; {} for other models."""
    if not hasattr(model, "aux1"):
        return {}
    caught = {}
    hooks = [getattr(model, block).register_forward_hook(lambda _m, _i, output, head=head: caught.update({head: output}))
             for block, head in [("inception4a", "aux1"), ("inception4d", "aux2")]]
    model(x)
    for hook in hooks:
        hook.remove()
    return {head: getattr(model, head)(features).float() for head, features in caught.items()}


def relative_difference(actual, expected):
    """max |actual - expected| / max |expected|: the measure the Swift test bounds by 1e-5."""
    return ((actual.double() - expected.double()).abs().max() / expected.double().abs().max()).item()


def main():
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for stale in OUTPUT.iterdir():
        stale.unlink()
    rows = []
    for name, build in INTEROP_MODELS.items():
        model = randomise(name, build())
        x = example_input(name)
        with torch.no_grad():
            exact_model = copy.deepcopy(model).double()
            exact_input = x if x.dtype == torch.int64 else x.double()
            exact = exact_model(exact_input).float()
            auxiliary = auxiliary_outputs(exact_model, exact_input)
            float32 = model(x)
        state = wrapped_state(name, model)
        wrapper, compressed = WRAPPERS[name]
        file = OUTPUT / (name + ".safetensors" + (".gz" if compressed else ""))
        if compressed:
            # mtime 0 and no file name in the header: the bytes depend only on the data.
            file.write_bytes(gzip.compress(save(state), compresslevel=9, mtime=0))
        else:
            save_file(state, file)
        save_file({"input": x, "output": exact, **auxiliary}, OUTPUT / (name + ".io.safetensors"))
        parameters = sum(p.numel() for p in model.parameters())
        first_key = next(iter(state))
        rows.append(f"| {name} | `{file.name}` ({file.stat().st_size:,} bytes) | `{wrapper}` | `{first_key}` "
                    f"| {parameters:,} | {list(x.shape)} | {relative_difference(float32, exact):.1e} |")
        print(rows[-1])
    readme = [
        "# PyTorch state_dicts for PyTorchWeightsTests",
        "",
        f"Written by Tools/make_interop_fixtures.py (PyTorch {torch.__version__}, torchvision {torchvision_version},",
        f"safetensors {safetensors.__version__}, seed {SEED}); do not edit. `NAME.io.safetensors` holds `input` and",
        "`output` (float64 forward of the float32 weights, rounded once). The last column is PyTorch's own",
        "float32 forward against that output: max |difference| / max |output|.",
        "",
        "| model | state_dict | saved from | first key | parameters | input | PyTorch float32 |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    (OUTPUT / "README.md").write_text("\n".join(readme))
    total = sum(f.stat().st_size for f in OUTPUT.iterdir())
    print(f"wrote {len(rows)} models to {OUTPUT} ({total:,} bytes)")


if __name__ == "__main__":
    main()
