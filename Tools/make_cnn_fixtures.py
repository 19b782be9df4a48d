#!/usr/bin/env python3
"""Writes Tests/StrataNNTests/Fixtures/CNNFixtures.swift: PyTorch's answers for Strata's
convolution and pooling ops and its convolutional models, as literal float32 arrays.

Every expected value is computed in float64 from float32 inputs and weights, then rounded once
to float32 (see `module_fixture` for why).

Op fixtures hold the inputs (drawn from one seeded torch.Generator), the output, a random
"upstream" weighting w and the gradients (prefix "gradient.") of sum(output * w) with respect to
each differentiable input. Module fixtures (tiny ResNets, an Inception module, the convolutional
autoencoder) hold the module's state_dict before the call (prefix "state."), its buffers after
it (prefix "after.") and the gradients of its parameters, like Tools/make_nn_fixtures.py.

Models too large to export (torchvision's resnet18, the benchmarks' LeNet and small ResNet) are
given weights that both sides compute from the parameter's name with SplitMix64 (see
`generated_tensor`; the Swift twin is in CNNFidelityTests.swift), so only their input and output
are written, with their state_dict names and shapes in order.

torchvision must match torch (torch 2.13 -> torchvision 0.28). Where its compiled ops do not load
(a CUDA torchvision wheel beside a CPU torch), only torchvision/models/resnet.py is imported,
past the package's __init__, which is all this script needs. For example:

    ~/.cache/strata-peers/venv/bin/pip install --no-deps --target .build-torchvision torchvision==0.28.0 pillow

Run from the repository root with the peers' virtual environment (CI never runs Python; the
generated file is committed):

    PYTHONPATH=.build-torchvision ~/.cache/strata-peers/venv/bin/python Tools/make_cnn_fixtures.py
"""

import math
import pathlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from swift_fixtures import (SeededDraws, all_fixtures_list, fixture_declarations,  # noqa: E402 (a sibling script)
                            generated_header, swift_float, write_swift)
from torch_models import TinyResNet, googlenet, resnet, torchvision_version  # noqa: E402 (a sibling script)

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "Tests/StrataNNTests/Fixtures/CNNFixtures.swift"
BENCH = ROOT.parent / "shared/bench/peers/bench_torch.py"  # ../shared, beside the repository
SEED = 20240611

torch.set_default_dtype(torch.float32)
draws = SeededDraws(SEED)
generator, normal, uniform, weighted = draws.generator, draws.normal, draws.uniform, draws.weighted
fixtures = []  # (swift name, torch code, [(tensor name, tensor)])


def add(name, code, tensors):
    fixtures.append((name, code, tensors))


def float32(tensor):
    """A float64 result rounded once to float32 (integer tensors unchanged)."""
    return tensor.detach().float() if tensor.is_floating_point() else tensor.detach().clone()


def op_fixture(name, code, function, inputs):
    """`function(**inputs)`; gradients of sum(output * upstream) with respect to every input, all
    computed in float64 from the float32 inputs (see `module_fixture`)."""
    tracked = {k: v.double().requires_grad_(True) for k, v in inputs.items()}
    output = function(**tracked)
    upstream, scalar = weighted(output)
    gradients = torch.autograd.grad(scalar, list(tracked.values()))
    add(name, code, list(inputs.items()) + [("output", float32(output)), ("upstream", upstream)]
        + [("gradient." + k, float32(g)) for k, g in zip(tracked, gradients)])


# ---------------------------------------------------------------- conv2d
# Inputs and weights N(0, 1), bias N(0, 0.5): outputs of order sqrt(fan in), where float32 sums
# of a few dozen terms are good to ~1e-6 relative.


def conv2d_fixture(name, input_shape, weight_shape, bias=True, **options):
    inputs = {"input": normal(*input_shape), "weight": normal(*weight_shape)}
    if bias:
        inputs["bias"] = normal(weight_shape[0], scale=0.5)
    described = ", ".join(f"{k}={v!r}" for k, v in options.items())
    code = f"F.conv2d(input {list(input_shape)}, weight {list(weight_shape)}{', bias' if bias else ''}, {described})"
    op_fixture(name, code.replace(", )", ")"), lambda **t: F.conv2d(t["input"], t["weight"], t.get("bias"), **options),
               inputs)


conv2d_fixture("conv2dValid", (2, 3, 7, 6), (4, 3, 3, 3))
conv2d_fixture("conv2dStride2Padding1", (2, 3, 9, 8), (5, 3, 3, 3), stride=2, padding=1)
conv2d_fixture("conv2dAsymmetricStridePaddingKernel", (1, 2, 8, 9), (3, 2, 3, 2), stride=(2, 3), padding=(1, 2))
conv2d_fixture("conv2dSameOddKernel", (2, 3, 6, 7), (4, 3, 3, 5), padding="same")
# An even kernel pads 3 rows and 1 column in all: PyTorch puts the odd one at the bottom/right.
conv2d_fixture("conv2dSameEvenKernel", (1, 2, 6, 5), (3, 2, 4, 2), padding="same")
conv2d_fixture("conv2dSameDilated", (1, 2, 7, 7), (2, 2, 3, 2), padding="same", dilation=2)
conv2d_fixture("conv2dDilation2", (2, 2, 9, 8), (3, 2, 3, 3), padding=1, dilation=2)
conv2d_fixture("conv2dGroups2", (2, 4, 6, 6), (6, 2, 3, 3), padding=1, groups=2)
conv2d_fixture("conv2dDepthwise", (2, 3, 7, 7), (3, 1, 3, 3), padding=1, groups=3)
conv2d_fixture("conv2dDepthwiseMultiplierStride2", (2, 3, 7, 7), (6, 1, 3, 3), stride=2, padding=1, groups=3)
conv2d_fixture("conv2dPointwiseStride2NoBias", (2, 4, 5, 5), (3, 4, 1, 1), bias=False, stride=2)
conv2d_fixture("conv2dEveryOption", (2, 4, 9, 7), (4, 2, 3, 2), stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)

# ---------------------------------------------------------------- conv_transpose2d


def conv_transpose2d_fixture(name, input_shape, weight_shape, groups=1, bias=True, **options):
    inputs = {"input": normal(*input_shape), "weight": normal(*weight_shape)}
    if bias:
        inputs["bias"] = normal(weight_shape[1] * groups, scale=0.5)
    described = ", ".join(f"{k}={v!r}" for k, v in dict(options, groups=groups).items())
    code = f"F.conv_transpose2d(input {list(input_shape)}, weight {list(weight_shape)}{', bias' if bias else ''}, {described})"
    op_fixture(name, code, lambda **t: F.conv_transpose2d(t["input"], t["weight"], t.get("bias"), groups=groups, **options),
               inputs)


conv_transpose2d_fixture("convTranspose2dBasic", (2, 3, 4, 5), (3, 2, 3, 3))
conv_transpose2d_fixture("convTranspose2dStride2PaddingOutputPadding", (2, 4, 3, 4), (4, 3, 3, 3), stride=2, padding=1,
                         output_padding=1)
conv_transpose2d_fixture("convTranspose2dAsymmetric", (1, 2, 3, 3), (2, 3, 3, 4), stride=(2, 3), padding=(1, 0),
                         output_padding=(0, 2))
conv_transpose2d_fixture("convTranspose2dGroups2", (1, 4, 4, 4), (4, 3, 3, 3), groups=2, stride=2)
conv_transpose2d_fixture("convTranspose2dDilation2", (2, 2, 4, 4), (2, 3, 3, 3), padding=1, dilation=2)
# PyTorch allows output padding below the stride *or* the dilation: here stride 1, dilation 2.
conv_transpose2d_fixture("convTranspose2dDilationOutputPadding", (1, 2, 4, 3), (2, 2, 2, 3), bias=False, dilation=2,
                         output_padding=1)

# ---------------------------------------------------------------- pooling


def pool_fixture(name, code, function, input_tensor):
    op_fixture(name, code, lambda input: function(input), {"input": input_tensor})


pool_fixture("maxPool2x2", "F.max_pool2d(input, 2)", lambda x: F.max_pool2d(x, 2), normal(2, 3, 6, 6))
pool_fixture("maxPool2x2OddSize", "F.max_pool2d(input, 2) on 7x5", lambda x: F.max_pool2d(x, 2), normal(2, 3, 7, 5))
pool_fixture("maxPoolPadding", "F.max_pool2d(input, 3, stride=2, padding=1)",
             lambda x: F.max_pool2d(x, 3, stride=2, padding=1), normal(2, 2, 7, 8))
# All values negative: padding must count as -infinity, never as a zero that wins the window.
pool_fixture("maxPoolPaddingNegativeInput", "F.max_pool2d(input, 3, stride=2, padding=1) on values below -1",
             lambda x: F.max_pool2d(x, 3, stride=2, padding=1), -1 - normal(1, 2, 6, 5).abs())
pool_fixture("maxPoolOverlappingStride", "F.max_pool2d(input, (3, 2), stride=(1, 2))",
             lambda x: F.max_pool2d(x, (3, 2), stride=(1, 2)), normal(1, 2, 5, 6))
pool_fixture("maxPoolCeilMode", "F.max_pool2d(input, 3, stride=2, ceil_mode=True) on 8x7",
             lambda x: F.max_pool2d(x, 3, stride=2, ceil_mode=True), normal(1, 2, 8, 7))
# Ceil mode would give 4 windows per axis; the last would start in the bottom/right padding, so
# PyTorch drops it and gives 3.
pool_fixture("maxPoolCeilModeDropsPaddingWindow", "F.max_pool2d(input, 2, stride=2, padding=1, ceil_mode=True) on 5x5",
             lambda x: F.max_pool2d(x, 2, stride=2, padding=1, ceil_mode=True), normal(1, 2, 5, 5))
pool_fixture("maxPoolDilation", "F.max_pool2d(input, 3, stride=2, padding=1, dilation=2)",
             lambda x: F.max_pool2d(x, 3, stride=2, padding=1, dilation=2), normal(2, 2, 9, 8))
# Values from {0, 1, 2}: windows hold ties, and PyTorch sends the gradient to the first maximum
# in row-major order (its comparison is strict).
pool_fixture("maxPoolTies", "F.max_pool2d(input, 3, stride=1, padding=1) on values in {0, 1, 2}",
             lambda x: F.max_pool2d(x, 3, stride=1, padding=1),
             torch.randint(0, 3, (1, 2, 5, 5), generator=generator).float())
pool_fixture("maxPool2x2Ties", "F.max_pool2d(input, 2) on values in {0, 1}", lambda x: F.max_pool2d(x, 2),
             torch.randint(0, 2, (1, 2, 4, 6), generator=generator).float())

pool_fixture("avgPool2x2", "F.avg_pool2d(input, 2)", lambda x: F.avg_pool2d(x, 2), normal(2, 3, 6, 6))
pool_fixture("avgPoolPaddingIncludePad", "F.avg_pool2d(input, 3, stride=2, padding=1)",
             lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), normal(2, 2, 7, 7))
pool_fixture("avgPoolPaddingExcludePad", "F.avg_pool2d(input, 3, stride=2, padding=1, count_include_pad=False)",
             lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False), normal(2, 2, 7, 7))
pool_fixture("avgPoolCeilMode", "F.avg_pool2d(input, 3, stride=2, ceil_mode=True) on 8x8",
             lambda x: F.avg_pool2d(x, 3, stride=2, ceil_mode=True), normal(1, 2, 8, 8))
# The last ceil-mode window runs past the padded input: its divisor counts only the padded part.
pool_fixture("avgPoolCeilModePaddingIncludePad", "F.avg_pool2d(input, 3, stride=2, padding=1, ceil_mode=True) on 6x6",
             lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), normal(1, 2, 6, 6))
pool_fixture("avgPoolCeilModePaddingExcludePad",
             "F.avg_pool2d(input, 2, stride=2, padding=1, ceil_mode=True, count_include_pad=False) on 5x6",
             lambda x: F.avg_pool2d(x, 2, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
             normal(1, 2, 5, 6))
pool_fixture("avgPoolRectangular", "F.avg_pool2d(input, (3, 2), stride=(2, 1))",
             lambda x: F.avg_pool2d(x, (3, 2), stride=(2, 1)), normal(2, 2, 7, 5))

# Uneven windows: 7 rows into 3 are [0, 3), [2, 5), [4, 7); 5 columns into 2 are [0, 3), [2, 5).
pool_fixture("adaptiveAvgPoolUneven", "F.adaptive_avg_pool2d(input, (3, 2)) on 7x5",
             lambda x: F.adaptive_avg_pool2d(x, (3, 2)), normal(2, 3, 7, 5))
pool_fixture("adaptiveAvgPoolDivisible", "F.adaptive_avg_pool2d(input, (3, 2)) on 6x6",
             lambda x: F.adaptive_avg_pool2d(x, (3, 2)), normal(2, 2, 6, 6))
pool_fixture("adaptiveAvgPoolGlobal", "F.adaptive_avg_pool2d(input, (1, 1)) on 5x7",
             lambda x: F.adaptive_avg_pool2d(x, (1, 1)), normal(2, 3, 5, 7))
# More outputs than inputs: windows repeat input cells.
pool_fixture("adaptiveAvgPoolEnlarging", "F.adaptive_avg_pool2d(input, (4, 3)) on 3x2",
             lambda x: F.adaptive_avg_pool2d(x, (4, 3)), normal(1, 2, 3, 2))

# ---------------------------------------------------------------- models


def randomise(module):
    """Random parameters and running statistics, as after some training, so that neither batch
    norm's affine part nor its statistics are the identity. Weights are N(0, 1 / fan in), which
    keeps activations of order 1 in evaluation, where batch norm does not rescale them."""
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if name.endswith("num_batches_tracked"):
                tensor.fill_(3)
            elif name.endswith("running_mean"):
                tensor.copy_(normal(*tensor.shape, scale=0.2))
            elif name.endswith("running_var"):
                tensor.copy_(uniform(*tensor.shape, low=0.5, high=1.5))
            elif tensor.dim() == 1 and name.endswith("weight"):
                tensor.copy_(uniform(*tensor.shape, low=0.5, high=1.5))
            elif tensor.dim() > 1:
                tensor.copy_(normal(*tensor.shape, scale=1 / math.sqrt(tensor[0].numel())))
            else:
                tensor.copy_(normal(*tensor.shape, scale=0.5))
    return module


def module_fixture(name, code, module, input_tensor):
    """Runs `module` on `input_tensor` once; exports state before, output, buffers after, gradients.

    The float32 state and input are computed on in float64, so the expected values are the exact
    answer to the float32 problem rounded once, not one float32 summation order among many: through
    resnet18 PyTorch's own float32 logits were up to 4e-4 relative off (measured) in cancelling elements."""
    state = [("state." + k, v.detach().clone()) for k, v in module.state_dict().items()]
    module = module.double()
    x = input_tensor.double().requires_grad_(True)
    output = module(x)
    upstream, scalar = weighted(output)
    named = {"input": x, **dict(module.named_parameters())}
    grads = torch.autograd.grad(scalar, list(named.values()))
    buffers = [("after." + k, float32(v)) for k, v in module.named_buffers()]
    add(name, code, [("input", input_tensor)] + state + [("output", float32(output)), ("upstream", upstream)] + buffers
        + [("gradient." + k, float32(g)) for k, g in zip(named, grads)])


basic_code = "ResNet(block: .basic, blocks: [1, 1], widths: [8, 16], stem: .imageNet, inChannels: 3, classes: 5)"
module_fixture("tinyResNetBasicTraining", basic_code + " in training on [2, 3, 16, 16]",
               randomise(TinyResNet(resnet.BasicBlock, [1, 1], [8, 16], "imageNet", 3, 5)).train(), normal(2, 3, 16, 16))
module_fixture("tinyResNetBasicEvaluation", basic_code + " in evaluation on [2, 3, 16, 16]",
               randomise(TinyResNet(resnet.BasicBlock, [1, 1], [8, 16], "imageNet", 3, 5)).eval(), normal(2, 3, 16, 16))
bottleneck_code = "ResNet(block: .bottleneck, blocks: [2, 1], widths: [4, 8], stem: .small, inChannels: 2, classes: 3)"
module_fixture("tinyResNetBottleneckTraining", bottleneck_code + " in training on [2, 2, 8, 8]",
               randomise(TinyResNet(resnet.Bottleneck, [2, 1], [4, 8], "small", 2, 3)).train(), normal(2, 2, 8, 8))
module_fixture("tinyResNetBottleneckEvaluation", bottleneck_code + " in evaluation on [2, 2, 8, 8]",
               randomise(TinyResNet(resnet.Bottleneck, [2, 1], [4, 8], "small", 2, 3)).eval(), normal(2, 2, 8, 8))


class InceptionModule(nn.Module):
    """Strata's `InceptionModule`: torchvision's GoogLeNet `Inception` with its own BasicConv2d
    units (bias-free convolution, batch norm with eps 0.001, ReLU), but a 5x5 third branch as in
    Szegedy et al. (2015), where torchvision keeps a 3x3 for its pretrained weights."""

    def __init__(self, in_channels, c1, reduce3, c3, reduce5, c5, pool):
        super().__init__()
        unit = googlenet.BasicConv2d
        self.branch1 = unit(in_channels, c1, kernel_size=1)
        self.branch2 = nn.Sequential(unit(in_channels, reduce3, kernel_size=1), unit(reduce3, c3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(unit(in_channels, reduce5, kernel_size=1), unit(reduce5, c5, kernel_size=5, padding=2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), unit(in_channels, pool, kernel_size=1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


inception_code = "InceptionModule(inChannels: 4, c1: 2, reduce3: 2, c3: 3, reduce5: 2, c5: 2, pool: 2)"
module_fixture("inceptionModuleTraining", inception_code + " in training on [2, 4, 5, 5]",
               randomise(InceptionModule(4, 2, 2, 3, 2, 2, 2)).train(), normal(2, 4, 5, 5))


class ConvolutionalAutoencoder(nn.Module):
    """Strata's `ConvolutionalAutoencoder(channels:)`, layer for layer."""

    def __init__(self, channels):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(channels, 16, 3, stride=2, padding=1), nn.ReLU(),
                                     nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU())
        self.decoder = nn.Sequential(nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                                     nn.ConvTranspose2d(16, channels, 3, stride=2, padding=1, output_padding=1),
                                     nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


module_fixture("convolutionalAutoencoder", "ConvolutionalAutoencoder(channels: 1) on [2, 1, 8, 8]",
               randomise(ConvolutionalAutoencoder(1)), uniform(2, 1, 8, 8))

from generated_weights import generated_tensor, load_generated  # noqa: E402 (a sibling script)


state_entries = {}  # swift name -> (torch code, [(name, shape)], parameter count)


def record_state(name, code, module):
    shapes = [(k, list(v.shape)) for k, v in module.state_dict().items()]
    state_entries[name] = (code, shapes, sum(p.numel() for p in module.parameters()))


def generated_fixture(name, code, module, input_tensor, rename=lambda name: name, training=False):
    """Output (and in training the buffers after the call) of `module` with generated weights."""
    load_generated(module, rename)
    # In float64 from the float32 weights and input, as `module_fixture` explains.
    module = module.double().train(training)
    with torch.no_grad():
        output = module(input_tensor.double())
    tensors = [("input", input_tensor), ("output", float32(output))]
    if training:
        tensors += [("after." + rename(k), float32(v)) for k, v in module.named_buffers()]
    add(name, code, tensors)


torch.manual_seed(SEED)
resnet18 = resnet.resnet18()
record_state("resnet18", "torchvision.models.resnet18()", resnet18)
generated_fixture("resnet18Generated", "torchvision.models.resnet18().eval() with generated weights on [1, 3, 64, 64]",
                  resnet18, normal(1, 3, 64, 64))

# The benchmarks' models, from the benchmark script itself (its imports need only torch).
bench_source = BENCH.read_text()
bench_source = bench_source.replace("import common  # noqa: F401  (must be first: sanitises OPENBLAS_* env)\n", "")
bench_source = bench_source.replace(
    "from common import base_args, run_workloads, measure, measure_gemm, measure_copy_bw, SEQ_LEN, VOCAB, SGEMM_SIZES\n",
    "VOCAB = 1\n")
bench = {"__name__": "bench_torch"}
exec(compile(bench_source, str(BENCH), "exec"), bench)

lenet = bench["lenet"]()
record_state("lenet", "bench_torch.lenet()", lenet)
generated_fixture("lenetGenerated", "bench_torch.lenet().eval() with generated weights on [2, 1, 28, 28]",
                  lenet, normal(2, 1, 28, 28))


def torchvision_name(bench_name):
    """The bench ResNet's names (stem, blocks.i, c1/b1/c2/b2, sc) in torchvision's (and Strata's)
    terms; the same table is in CNNFidelityTests.swift."""
    parts = bench_name.split(".")
    if parts[0] == "stem":
        return {"0": "conv1", "1": "bn1"}[parts[1]] + "." + ".".join(parts[2:])
    if parts[0] == "blocks":
        block = int(parts[1])
        stage = f"layer{block // 2 + 1}.{block % 2}"
        inner = {"c1": "conv1", "b1": "bn1", "c2": "conv2", "b2": "bn2", "sc": "downsample"}[parts[2]]
        return ".".join([stage, inner] + parts[3:])
    return bench_name


bench_resnet = bench["ResNet"]()
record_state("benchResNet", "bench_torch.ResNet()", bench_resnet)
generated_fixture("benchResNetGeneratedEvaluation",
                  "bench_torch.ResNet().eval() with generated weights (torchvision names) on [2, 1, 12, 12]",
                  bench_resnet, normal(2, 1, 12, 12), rename=torchvision_name)
generated_fixture("benchResNetGeneratedTraining",
                  "bench_torch.ResNet().train() with generated weights (torchvision names) on [2, 1, 12, 12]",
                  bench["ResNet"](), normal(2, 1, 12, 12), rename=torchvision_name, training=True)

# ---------------------------------------------------------------- Swift output


def main():
    lines = generated_header("make_cnn_fixtures.py", SEED, torchvision_version, regenerate=[
        "// Regenerate from the repository root (the script's header says how to get torchvision):",
        "//     PYTHONPATH=.build-torchvision ~/.cache/strata-peers/venv/bin/python Tools/make_cnn_fixtures.py",
    ]) + [
        "//",
        "// Tensor names: inputs as named in the PyTorch call; `state.<key>` a module's state_dict before the",
        "// call; `after.<key>` its buffers after it; `output`; `upstream` the random weighting w of the output;",
        "// `gradient.<name>` the gradient of sum(output * w) with respect to <name>. Inputs, weights and w are float32;",
        "// outputs, buffers after and gradients are PyTorch's float64 results from them, rounded to float32.",
        "// Fixtures named `...Generated...` hold no weights: both sides compute them from each parameter's name",
        "// (generated_tensor in the script, generatedTensor in CNNFidelityTests.swift).",
        "",
        "/// PyTorch's convolution, pooling and CNN fixtures (from `Tools/make_cnn_fixtures.py`).",
        "enum CNNFixtures {",
    ]
    lines += fixture_declarations(fixtures)
    for name, (code, shapes, count) in state_entries.items():
        lines.append(f"    /// `{code}.state_dict()`: names and shapes, in order.")
        lines.append(f"    static let {name}State: [(name: String, shape: [Int])] = [")
        for key, shape in shapes:
            lines.append(f"        (\"{key}\", {shape}),")
        lines.append("    ]")
        lines.append(f"    /// `sum(p.numel() for p in {code}.parameters())`")
        lines.append(f"    static let {name}ParameterCount = {count:_}")
        lines.append("")
    first = generated_tensor("fc.bias", [1])[0].item()
    lines.append("    /// `generated_tensor(\"fc.bias\", [1])[0]`: pins the Swift twin of the weight generator.")
    lines.append(f"    static let generatedFirstFCBias: Float = {swift_float(first)}")
    lines.append("")
    lines += all_fixtures_list((name for name, _, _ in fixtures), what="tensor fixture")
    lines.append("}")
    write_swift(OUTPUT, lines)
    print(f"wrote {len(fixtures)} fixtures and {len(state_entries)} state lists to {OUTPUT} "
          f"({OUTPUT.stat().st_size:,} bytes)")


main()
