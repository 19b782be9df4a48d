#!/usr/bin/env python3
"""Writes Tests/StrataNNTests/Fixtures/TorchFixtures.swift: PyTorch's answers for every StrataNN
layer, activation and loss, as literal float32 arrays that the Swift tests compare against.

Each fixture holds the inputs (drawn from one seeded torch.Generator), the exported parameters
and buffers under their PyTorch state_dict names (prefix "state."), the forward output, the
buffers after the call (prefix "after.") and the gradients (prefix "gradient.") of a scalar:
the loss itself, or for tensor outputs the sum of output * upstream with a random "upstream"
weighting that is exported too.

Run from the repository root with the peers' virtual environment (CI never runs Python; the
generated file is committed):

    ~/.cache/strata-peers/venv/bin/python Tools/make_nn_fixtures.py
"""

import functools
import pathlib

import torch
import torch.nn as nn
import torch.nn.functional as F

from swift_fixtures import (SeededDraws, all_fixtures_list, fixture_declarations,  # noqa: E402 (a sibling script)
                            generated_header, write_swift)

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/StrataNNTests/Fixtures/TorchFixtures.swift"
SEED = 20240607

torch.set_default_dtype(torch.float32)
draws = SeededDraws(SEED)
generator, normal, uniform, weighted = draws.generator, draws.normal, draws.uniform, draws.weighted
fixtures = []  # (swift name, torch code, [(tensor name, tensor)])


def integers(high, *shape):
    return torch.randint(0, high, shape, generator=generator, dtype=torch.int64)


def add(name, code, tensors):
    fixtures.append((name, code, tensors))


def gradients(scalar, named_inputs):
    """Gradients of `scalar` with respect to each tensor of `named_inputs`, named `gradient.<name>`."""
    names = list(named_inputs)
    grads = torch.autograd.grad(scalar, [named_inputs[n] for n in names])
    return [("gradient." + n, g) for n, g in zip(names, grads)]


# ---------------------------------------------------------------- layers


def module_fixture(name, code, module, input_tensor, input_requires_grad=True, extra_state=None):
    """Runs `module` on `input_tensor` once; exports state before, output, buffers after, gradients."""
    if extra_state:
        with torch.no_grad():
            for key, value in extra_state.items():
                module.state_dict()[key].copy_(value)
    state = [("state." + k, v.detach().clone()) for k, v in module.state_dict().items()]
    x = input_tensor.clone().requires_grad_(input_requires_grad)
    output = module(x)
    upstream, scalar = weighted(output)
    named = dict(module.named_parameters())
    if input_requires_grad:
        named = {"input": x, **named}
    tensors = [("input", input_tensor)] + state + [("output", output), ("upstream", upstream)]
    buffers = [("after." + k, v.detach().clone()) for k, v in module.named_buffers()]
    tensors += buffers + gradients(scalar, named)
    add(name, code, tensors)


def randomise_parameters(module):
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(normal(*parameter.shape, scale=0.5))
    return module


module_fixture("linearWithBias", "nn.Linear(5, 3)", randomise_parameters(nn.Linear(5, 3)), normal(4, 5))
module_fixture("linearWithoutBias", "nn.Linear(5, 3, bias=False) on a rank-3 input",
               randomise_parameters(nn.Linear(5, 3, bias=False)), normal(2, 3, 5))
module_fixture("sequentialPerceptron", "nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))",
               randomise_parameters(nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))), normal(3, 4))


def batch_norm(module, features):
    """Random affine parameters and running statistics, with 3 batches already tracked."""
    randomise_parameters(module)
    return module, {
        "running_mean": normal(features, scale=0.3),
        "running_var": uniform(features, low=0.5, high=1.5),
        "num_batches_tracked": torch.tensor(3, dtype=torch.int64),
    }


bn, start = batch_norm(nn.BatchNorm1d(3), 3)
module_fixture("batchNorm1dTraining", "nn.BatchNorm1d(3).train() on [6, 3]", bn, normal(6, 3, scale=2) + 1,
               extra_state=start)
bn, start = batch_norm(nn.BatchNorm1d(3), 3)
module_fixture("batchNorm1dTrainingSequence", "nn.BatchNorm1d(3).train() on [4, 3, 5]", bn, normal(4, 3, 5) - 0.5,
               extra_state=start)
bn, start = batch_norm(nn.BatchNorm1d(3, momentum=None), 3)
module_fixture("batchNorm1dTrainingCumulative", "nn.BatchNorm1d(3, momentum=None).train() on [5, 3]", bn,
               normal(5, 3), extra_state=start)
bn, start = batch_norm(nn.BatchNorm1d(3, momentum=0.3, eps=1e-3), 3)
module_fixture("batchNorm1dEvaluation", "nn.BatchNorm1d(3, momentum=0.3, eps=1e-3).eval() on [4, 3]", bn.eval(),
               normal(4, 3), extra_state=start)
bn, start = batch_norm(nn.BatchNorm2d(2), 2)
module_fixture("batchNorm2dTraining", "nn.BatchNorm2d(2).train() on [3, 2, 3, 3]", bn, normal(3, 2, 3, 3) * 1.5,
               extra_state=start)
bn, start = batch_norm(nn.BatchNorm2d(2), 2)
module_fixture("batchNorm2dEvaluation", "nn.BatchNorm2d(2).eval() on [2, 2, 3, 3]", bn.eval(), normal(2, 2, 3, 3),
               extra_state=start)

ln = randomise_parameters(nn.LayerNorm([4]))
module_fixture("layerNorm", "nn.LayerNorm([4]) on [3, 4]", ln, normal(3, 4, scale=2))
ln = randomise_parameters(nn.LayerNorm([2, 3], eps=1e-3))
module_fixture("layerNormTwoAxes", "nn.LayerNorm([2, 3], eps=1e-3) on [2, 2, 3]", ln, normal(2, 2, 3))

# Torch draws the table from N(0, 1) and zeroes the padding row; indices repeat (gradients add up)
# and hit the padding row (no gradient).
embedding = nn.Embedding(6, 3, padding_idx=1)
with torch.no_grad():
    embedding.weight.copy_(normal(6, 3))
    embedding.weight[1].zero_()
module_fixture("embeddingWithPadding", "nn.Embedding(6, 3, padding_idx=1) on indices [2, 4]", embedding,
               torch.tensor([[0, 1, 3, 3], [5, 1, 0, 3]], dtype=torch.int64), input_requires_grad=False)

module_fixture("flatten", "nn.Flatten() on [2, 3, 2, 2]", nn.Flatten(), normal(2, 3, 2, 2))
module_fixture("flattenMiddleAxes", "nn.Flatten(1, 2) on [2, 3, 2, 2]", nn.Flatten(1, 2), normal(2, 3, 2, 2))
module_fixture("dropoutEvaluation", "nn.Dropout(0.3).eval() on [3, 4]", nn.Dropout(0.3).eval(), normal(3, 4))

# ---------------------------------------------------------------- activations


def activation_fixture(name, code, function, x):
    x = x.clone().requires_grad_(True)
    output = function(x)
    upstream, scalar = weighted(output)
    add(name, code, [("input", x.detach()), ("output", output), ("upstream", upstream)]
        + gradients(scalar, {"input": x}))


def activation_input():
    # A random spread plus points where conventions differ: 0 for the ReLU family, ±1 for hardtanh.
    return torch.cat([normal(3, 4, scale=2.5).flatten(), torch.tensor([0.0, 1.0, -1.0, 30.0])]).reshape(4, 4)


activation_fixture("sigmoid", "torch.sigmoid", torch.sigmoid, activation_input())
activation_fixture("tanh", "torch.tanh", torch.tanh, activation_input())
activation_fixture("relu", "F.relu", F.relu, activation_input())
activation_fixture("leakyReLU", "F.leaky_relu(x, negative_slope=0.2)",
                   lambda x: F.leaky_relu(x, negative_slope=0.2), activation_input())
activation_fixture("elu", "F.elu(x)", F.elu, activation_input())
activation_fixture("eluAlpha", "F.elu(x, alpha=0.5)", lambda x: F.elu(x, alpha=0.5), activation_input())
activation_fixture("softmax", "F.softmax(x, dim=-1)", lambda x: F.softmax(x, dim=-1), normal(3, 5, scale=2))
activation_fixture("softmaxFirstAxis", "F.softmax(x, dim=0)", lambda x: F.softmax(x, dim=0), normal(3, 5, scale=2))
activation_fixture("logSoftmax", "F.log_softmax(x, dim=1)", lambda x: F.log_softmax(x, dim=1),
                   normal(3, 5, scale=3))
activation_fixture("softplus", "F.softplus(x)", F.softplus, activation_input())
# beta * x crosses the threshold 5 for x > 2.5: those elements must pass x through unchanged.
activation_fixture("softplusBetaThreshold", "F.softplus(x, beta=2, threshold=5)",
                   lambda x: F.softplus(x, beta=2, threshold=5), activation_input())
activation_fixture("geluExact", "F.gelu(x)", F.gelu, activation_input())
activation_fixture("geluTanh", "F.gelu(x, approximate='tanh')", lambda x: F.gelu(x, approximate="tanh"),
                   activation_input())
activation_fixture("silu", "F.silu", F.silu, activation_input())
activation_fixture("hardtanh", "F.hardtanh(x)", F.hardtanh, activation_input())
activation_fixture("hardtanhRange", "F.hardtanh(x, min_val=-0.5, max_val=2)",
                   lambda x: F.hardtanh(x, min_val=-0.5, max_val=2.0), activation_input())

# ---------------------------------------------------------------- losses


def loss_fixture(name, code, function, differentiable, constants):
    """`function(**differentiable, **constants)`; gradients of the loss (weighted when unreduced)."""
    tracked = {k: v.clone().requires_grad_(True) for k, v in differentiable.items()}
    output = function(**tracked, **constants)
    tensors = [(k, v) for k, v in differentiable.items()] + [(k, v) for k, v in constants.items()]
    tensors.append(("output", output))
    if output.dim() == 0:
        scalar = output
    else:
        upstream, scalar = weighted(output)
        tensors.append(("upstream", upstream))
    add(name, code, tensors + gradients(scalar, tracked))


REDUCTIONS = [("mean", ""), ("sum", "Sum"), ("none", "Unreduced")]


def reduced_loss_fixtures(losses):
    """Each loss (name, its PyTorch call up to `reduction`, function(**tensors, reduction),
    differentiable, constants) with every reduction, named with the reduction's suffix: all the
    losses with 'mean', then all with 'sum', then all with 'none'."""
    for reduction, suffix in REDUCTIONS:
        for name, call, function, differentiable, constants in losses:
            loss_fixture(name + suffix, f"{call}, reduction='{reduction}')",
                         functools.partial(function, reduction=reduction), differentiable, constants)


batch, classes = 5, 4
logits = normal(batch, classes, scale=2)
labels = integers(classes, batch)
class_weights = uniform(classes, low=0.2, high=2.0)
probability_targets = F.softmax(normal(batch, classes), dim=1)
log_probabilities = F.log_softmax(logits, dim=1).detach()

reduced_loss_fixtures([
    ("crossEntropyLabels", "F.cross_entropy(logits, labels",
     lambda logits, labels, reduction: F.cross_entropy(logits, labels, reduction=reduction),
     {"logits": logits}, {"labels": labels}),
    ("crossEntropyClassWeights", "F.cross_entropy(logits, labels, weight=class_weights",
     lambda logits, labels, class_weights, reduction:
     F.cross_entropy(logits, labels, weight=class_weights, reduction=reduction),
     {"logits": logits}, {"labels": labels, "class_weights": class_weights}),
    ("crossEntropyProbabilities", "F.cross_entropy(logits, probabilities",
     lambda logits, probabilities, reduction: F.cross_entropy(logits, probabilities, reduction=reduction),
     {"logits": logits}, {"probabilities": probability_targets}),
    ("crossEntropyLabelSmoothing", "F.cross_entropy(logits, labels, label_smoothing=0.1",
     lambda logits, labels, reduction: F.cross_entropy(logits, labels, label_smoothing=0.1, reduction=reduction),
     {"logits": logits}, {"labels": labels}),
    ("crossEntropyWeightsAndSmoothing", "F.cross_entropy(logits, labels, weight=class_weights, label_smoothing=0.2",
     lambda logits, labels, class_weights, reduction:
     F.cross_entropy(logits, labels, weight=class_weights, label_smoothing=0.2, reduction=reduction),
     {"logits": logits}, {"labels": labels, "class_weights": class_weights}),
    ("crossEntropyProbabilitiesWeightsAndSmoothing",
     "F.cross_entropy(logits, probabilities, weight=class_weights, label_smoothing=0.2",
     lambda logits, probabilities, class_weights, reduction:
     F.cross_entropy(logits, probabilities, weight=class_weights, label_smoothing=0.2, reduction=reduction),
     {"logits": logits}, {"probabilities": probability_targets, "class_weights": class_weights}),
    ("negativeLogLikelihood", "F.nll_loss(log_probabilities, labels",
     lambda log_probabilities, labels, reduction: F.nll_loss(log_probabilities, labels, reduction=reduction),
     {"log_probabilities": log_probabilities}, {"labels": labels}),
    ("negativeLogLikelihoodClassWeights", "F.nll_loss(log_probabilities, labels, weight=class_weights",
     lambda log_probabilities, labels, class_weights, reduction:
     F.nll_loss(log_probabilities, labels, weight=class_weights, reduction=reduction),
     {"log_probabilities": log_probabilities}, {"labels": labels, "class_weights": class_weights}),
])

# Differences spread over [-2, 2] so smooth L1 and Huber see both their branches.
prediction = normal(3, 4)
target = prediction + uniform(3, 4, low=-2.0, high=2.0)
reduced_loss_fixtures([
    (name, call, function, {"prediction": prediction}, {"target": target}) for name, call, function in [
        ("meanSquaredError", "F.mse_loss(prediction, target",
         lambda prediction, target, reduction: F.mse_loss(prediction, target, reduction=reduction)),
        ("l1Loss", "F.l1_loss(prediction, target",
         lambda prediction, target, reduction: F.l1_loss(prediction, target, reduction=reduction)),
        ("smoothL1Loss", "F.smooth_l1_loss(prediction, target",
         lambda prediction, target, reduction: F.smooth_l1_loss(prediction, target, reduction=reduction)),
        ("smoothL1LossBeta", "F.smooth_l1_loss(prediction, target, beta=0.5",
         lambda prediction, target, reduction: F.smooth_l1_loss(prediction, target, beta=0.5, reduction=reduction)),
        ("huberLossDelta", "F.huber_loss(prediction, target, delta=0.7",
         lambda prediction, target, reduction: F.huber_loss(prediction, target, delta=0.7, reduction=reduction)),
    ]
])

# Probabilities strictly inside (0, 1); targets hard and soft.
probabilities = torch.sigmoid(normal(3, 4, scale=2))
binary_targets = torch.cat([integers(2, 8).float(), uniform(4)]).reshape(3, 4)
element_weights = uniform(3, 4, low=0.5, high=1.5)
# Logits include ±100, where a naive log(sigmoid) underflows.
binary_logits = torch.cat([normal(10, scale=3), torch.tensor([100.0, -100.0])]).reshape(3, 4)
positive_weight = uniform(4, low=0.5, high=3.0)
reduced_loss_fixtures([
    ("binaryCrossEntropy", "F.binary_cross_entropy(probabilities, targets",
     lambda probabilities, targets, reduction: F.binary_cross_entropy(probabilities, targets, reduction=reduction),
     {"probabilities": probabilities}, {"targets": binary_targets}),
    ("binaryCrossEntropyWeights", "F.binary_cross_entropy(probabilities, targets, weight=weights",
     lambda probabilities, targets, weights, reduction:
     F.binary_cross_entropy(probabilities, targets, weight=weights, reduction=reduction),
     {"probabilities": probabilities}, {"targets": binary_targets, "weights": element_weights}),
    ("binaryCrossEntropyLogits", "F.binary_cross_entropy_with_logits(logits, targets",
     lambda logits, targets, reduction: F.binary_cross_entropy_with_logits(logits, targets, reduction=reduction),
     {"logits": binary_logits}, {"targets": binary_targets}),
    ("binaryCrossEntropyLogitsPositiveWeight",
     "F.binary_cross_entropy_with_logits(logits, targets, weight=weights, pos_weight=positive_weight",
     lambda logits, targets, weights, positive_weight, reduction:
     F.binary_cross_entropy_with_logits(logits, targets, weight=weights, pos_weight=positive_weight,
                                        reduction=reduction),
     {"logits": binary_logits},
     {"targets": binary_targets, "weights": element_weights, "positive_weight": positive_weight}),
])

# ---------------------------------------------------------------- Swift output


def main():
    lines = generated_header("make_nn_fixtures.py", SEED) + [
        "//",
        "// Tensor names: inputs as named in the PyTorch call; `state.<key>` the module's state_dict before the",
        "// call; `after.<key>` its buffers after it; `output`; `upstream` the random weighting w of a tensor output;",
        "// `gradient.<name>` the gradient of the loss, or of sum(output * w), with respect to <name>.",
        "",
        "extension TorchFixtures {",
    ]
    lines += fixture_declarations(fixtures)
    lines += all_fixtures_list(name for name, _, _ in fixtures)
    lines.append("}")
    write_swift(OUTPUT, lines)
    print(f"wrote {len(fixtures)} fixtures to {OUTPUT}")


main()
