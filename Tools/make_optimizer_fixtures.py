#!/usr/bin/env python3
"""Writes Tests/StrataOptimizersTests/Fixtures/OptimizerFixtures.swift from PyTorch.

Reference values for StrataOptimizers' fidelity tests, so CI never needs Python:

* optimizer trajectories: a small MLP (Linear 4->8, Tanh, Linear 8->3) with fixed initial
  weights trained 20 full-batch steps on a fixed batch with the mean squared error, for every
  torch.optim rule and each important option; the parameters after steps 1, 10 and 20 (float32);
* parameter groups: per-group learning rate and weight decay, and a "frozen" second layer
  (left out of the PyTorch optimizer, as a frozen Strata group is);
* learning-rate schedules: 30 epochs of every torch.optim.lr_scheduler that Strata mirrors;
* gradient clipping: clip_grad_norm_ (total norm and clipped gradients) and clip_grad_value_
  on the model's gradients at the initial weights.

Regenerate (PyTorch 2.13 CPU) from the repository root:

    ~/.cache/strata-peers/venv/bin/python Tools/make_optimizer_fixtures.py
"""

import math
import pathlib

import torch
from torch import nn

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/StrataOptimizersTests/Fixtures/OptimizerFixtures.swift"
STEPS = 20
SNAPSHOT_STEPS = [1, 10, 20]
EPOCHS = 30


def make_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


torch.manual_seed(1)
INPUTS = torch.randn(8, 4)
TARGETS = torch.randn(8, 3)


def loss_of(model):
    return nn.functional.mse_loss(model(INPUTS), TARGETS)


# name -> (optimizer factory over parameter groups, learning rate, weight decay).
# The learning rate and weight decay are repeated for the Swift side, which names the rule.
RULES = {
    "sgdPlain": (lambda p: torch.optim.SGD(p, lr=0.1), 0.1, 0.0),
    "sgdMomentumDampening": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1), 0.05, 0.0),
    "sgdNesterov": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), 0.05, 0.0),
    "sgdMomentumWeightDecay": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01), 0.05, 0.01),
    "adagradPlain": (lambda p: torch.optim.Adagrad(p, lr=0.1), 0.1, 0.0),
    "adagradDecayAndInitialAccumulator": (
        lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.05, initial_accumulator_value=0.1, weight_decay=0.01),
        0.1, 0.01),
    "rmspropPlain": (lambda p: torch.optim.RMSprop(p, lr=0.01), 0.01, 0.0),
    "rmspropCentered": (lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, centered=True), 0.01, 0.0),
    "rmspropMomentum": (lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.8), 0.01, 0.0),
    "rmspropCenteredMomentumWeightDecay": (
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.95, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.01),
        0.01, 0.01),
    "adamPlain": (lambda p: torch.optim.Adam(p, lr=0.01), 0.01, 0.0),
    "adamAMSGrad": (lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), amsgrad=True), 0.01, 0.0),
    "adamWeightDecay": (lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1), 0.01, 0.1),
    "adamW": (lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1), 0.01, 0.1),
    "adamWAMSGrad": (lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.5, amsgrad=True), 0.01, 0.5),
    "adadeltaPlain": (lambda p: torch.optim.Adadelta(p, lr=1.0), 1.0, 0.0),
    "adadeltaWeightDecay": (lambda p: torch.optim.Adadelta(p, lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.01), 0.5, 0.01),
}


def train(make_optimizer, parameters_of, make_scheduler=None, max_norm=None):
    """Trains a fresh model; returns {step: {path: flat float32 values}} at SNAPSHOT_STEPS.

    With a scheduler, scheduler.step() follows every optimizer step; with max_norm, the
    gradients go through clip_grad_norm_ before every step."""
    model = make_model()
    optimizer = make_optimizer(parameters_of(model))
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    snapshots = {}
    for step in range(1, STEPS + 1):
        optimizer.zero_grad()
        loss_of(model).backward()
        if max_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if step in SNAPSHOT_STEPS:
            snapshots[step] = {path: tensor.detach().clone() for path, tensor in model.state_dict().items()}
    return snapshots


# Parameter groups: name -> (factory, parameters_of).
GROUPS = {
    # Layer 0 at lr 0.1 with weight decay 0.01, layer 2 at the default lr 0.02 without decay.
    "groupsSGDMomentum": (
        lambda groups: torch.optim.SGD(groups, lr=0.02, momentum=0.9),
        lambda m: [{"params": m[0].parameters(), "lr": 0.1, "weight_decay": 0.01}, {"params": m[2].parameters()}]),
    # Layer 2 frozen: PyTorch's optimizer never sees it, so it keeps its initial weights.
    "groupsAdamFrozenSecondLayer": (
        lambda groups: torch.optim.Adam(groups, lr=0.02),
        lambda m: [{"params": m[0].parameters()}]),
}


# Training as a user writes it: name -> (optimizer, scheduler, clip max_norm).
SCENARIOS = {
    # Adam whose rate follows CosineAnnealingLR step by step, gradients clipped to norm 0.05.
    "adamCosineScheduleClipped": (
        lambda p: torch.optim.Adam(p, lr=0.05),
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=0.001), 0.05),
    # SGD with Nesterov momentum under OneCycleLR (cycle_momentum=False), no clipping.
    "sgdNesterovOneCycle": (
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
        lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.3, total_steps=STEPS, cycle_momentum=False), None),
}


def schedule_sequences():
    """name -> 30 learning rates, the one in effect during each epoch 0..29."""

    def run(make_scheduler, base=0.1):
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base)
        scheduler = make_scheduler(optimizer)
        rates = []
        for _ in range(EPOCHS):
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        return rates

    lr = torch.optim.lr_scheduler
    sequences = {
        "stepLR": run(lambda o: lr.StepLR(o, step_size=7, gamma=0.5)),
        "multiStepLR": run(lambda o: lr.MultiStepLR(o, milestones=[5, 12, 20], gamma=0.3)),
        "exponentialLR": run(lambda o: lr.ExponentialLR(o, gamma=0.9)),
        # 30 epochs run past T_max = 12: PyTorch's recursion keeps following the cosine upwards.
        "cosineAnnealingLR": run(lambda o: lr.CosineAnnealingLR(o, T_max=12, eta_min=0.001)),
        # Restarts after 3, 3 + 6 and 3 + 6 + 12 epochs.
        "cosineAnnealingWarmRestarts": run(lambda o: lr.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.0005)),
        "cosineAnnealingWarmRestartsFixedPeriod": run(lambda o: lr.CosineAnnealingWarmRestarts(o, T_0=7)),
        "linearLR": run(lambda o: lr.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=8)),
        "linearLRDecreasing": run(lambda o: lr.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=10)),
        # A repeated milestone applies gamma twice (PyTorch counts milestones).
        "multiStepLRRepeatedMilestone": run(lambda o: lr.MultiStepLR(o, milestones=[4, 4, 10], gamma=0.5)),
        "sequentialLinearThenCosine": run(lambda o: lr.SequentialLR(
            o, [lr.LinearLR(o, start_factor=0.1, total_iters=5), lr.CosineAnnealingLR(o, T_max=25, eta_min=0.002)],
            milestones=[5])),
        "oneCycleLR": run(lambda o: lr.OneCycleLR(o, max_lr=0.5, total_steps=EPOCHS, cycle_momentum=False)),
        "oneCycleLRShortWarmup": run(lambda o: lr.OneCycleLR(
            o, max_lr=2.0, total_steps=EPOCHS, pct_start=0.2, div_factor=10, final_div_factor=100, cycle_momentum=False)),
    }
    return sequences


# ReduceLROnPlateau: a fixed metric sequence with improvements, plateaus and small (sub-threshold) gains.
PLATEAU_METRICS = [1.0, 0.9, 0.85, 0.849, 0.86, 0.848, 0.7, 0.71, 0.72, 0.69, 0.695, 0.7, 0.75, 0.6, 0.6,
                   0.6, 0.6, 0.6, 0.5, 0.55, 0.56, 0.57, 0.58, 0.59, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65]


def plateau_sequences():
    """name -> the learning rate after each step(metric)."""

    def run(mode, metrics, **options):
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode=mode, **options)
        rates = []
        for metric in metrics:
            optimizer.step()
            scheduler.step(metric)
            rates.append(optimizer.param_groups[0]["lr"])
        return rates

    return {
        "reduceLROnPlateauMin": run("min", PLATEAU_METRICS, factor=0.5, patience=2, threshold=1e-2, cooldown=1,
                                    min_lr=0.004),
        "reduceLROnPlateauMax": run("max", [-m for m in PLATEAU_METRICS][::-1], factor=0.3, patience=1,
                                    threshold=1e-3),
        # min_lr 5e-9 below the starting rate: each reduction would be smaller than PyTorch's
        # eps 1e-8, so the rate never changes.
        "reduceLROnPlateauTinyReduction": run("min", PLATEAU_METRICS, factor=0.5, patience=0,
                                              min_lr=0.1 - 5e-9),
    }


# --- Swift output -------------------------------------------------------------------------------


def float_literal(value):
    # Shortest decimal that round-trips through float32; Swift parses it back to the same Float.
    text = repr(float(torch.tensor(value, dtype=torch.float32).item()))
    as_float32 = torch.tensor(float(text), dtype=torch.float32).item()
    assert as_float32 == float(torch.tensor(value, dtype=torch.float32).item())
    return text


def floats(tensor):
    return "[" + ", ".join(float_literal(v) for v in tensor.detach().reshape(-1).tolist()) + "]"


def doubles(values):
    # repr of a Python float round-trips exactly through Swift's Double.
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def parameters_literal(parameters, indent):
    pad = " " * indent
    lines = [f'{pad}"{path}": {floats(tensor)},' for path, tensor in sorted(parameters.items())]
    return "[\n" + "\n".join(lines) + "\n" + " " * (indent - 4) + "]"


def trajectory_literal(name, snapshots, learning_rate=0.0, weight_decay=0.0):
    lines = [f"    static let {name} = OptimizerTrajectory("]
    lines.append(f"        learningRate: {learning_rate!r}, weightDecay: {weight_decay!r},")
    lines.append("        snapshots: [")
    for step, parameters in sorted(snapshots.items()):
        lines.append(f"            {step}: {parameters_literal(parameters, 16)},")
    lines.append("        ])")
    return "\n".join(lines)


def main():
    model = make_model()
    initial = {path: tensor.detach().clone() for path, tensor in model.state_dict().items()}

    model.zero_grad()
    initial_loss = loss_of(model)
    initial_loss.backward()
    gradients = {path: p.grad.detach().clone() for path, p in model.named_parameters()}

    # clip_grad_norm_ with a max_norm below the total norm, so clipping happens.
    norm_clipped = {path: g.clone() for path, g in gradients.items()}
    norm_model = make_model()
    for path, p in norm_model.named_parameters():
        p.grad = norm_clipped[path]
    total_norm = nn.utils.clip_grad_norm_(norm_model.parameters(), max_norm=0.05)
    norm_clipped = {path: p.grad.detach().clone() for path, p in norm_model.named_parameters()}
    value_model = make_model()
    for path, p in value_model.named_parameters():
        p.grad = gradients[path].clone()
    nn.utils.clip_grad_value_(value_model.parameters(), clip_value=0.01)
    value_clipped = {path: p.grad.detach().clone() for path, p in value_model.named_parameters()}
    assert float(total_norm) > 0.05, "max_norm must be below the total norm for clipping to be tested"

    out = []
    out.append("// Generated by Tools/make_optimizer_fixtures.py with PyTorch "
               f"{torch.__version__}; do not edit by hand.")
    out.append("// Regenerate from the repository root with")
    out.append("//     ~/.cache/strata-peers/venv/bin/python Tools/make_optimizer_fixtures.py")
    out.append("")
    out.append("/// Parameters (PyTorch state_dict paths -> row-major float32 values) after given steps.")
    out.append("struct OptimizerTrajectory {")
    out.append("    var learningRate: Double")
    out.append("    var weightDecay: Double")
    out.append("    var snapshots: [Int: [String: [Float]]]")
    out.append("}")
    out.append("")
    out.append("/// The model is nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)), the loss")
    out.append("/// nn.functional.mse_loss(model(inputs), targets), trained full-batch.")
    out.append("enum OptimizerFixtures {")
    out.append(f"    static let trainingSteps = {STEPS}")
    out.append("    static let initialParameters: [String: [Float]] = " + parameters_literal(initial, 8))
    out.append(f"    /// [8, 4]")
    out.append(f"    static let inputs: [Float] = {floats(INPUTS)}")
    out.append(f"    /// [8, 3]")
    out.append(f"    static let targets: [Float] = {floats(TARGETS)}")
    out.append(f"    static let initialLoss: Float = {float_literal(initial_loss.item())}")
    out.append("    /// Gradients of the loss at the initial parameters.")
    out.append("    static let initialGradients: [String: [Float]] = " + parameters_literal(gradients, 8))
    out.append("")
    out.append("    // nn.utils.clip_grad_norm_(parameters, max_norm=0.05) on initialGradients.")
    out.append("    static let clipMaximumNorm = 0.05")
    out.append(f"    static let clipTotalNorm: Float = {float_literal(float(total_norm))}")
    out.append("    static let normClippedGradients: [String: [Float]] = " + parameters_literal(norm_clipped, 8))
    out.append("    // nn.utils.clip_grad_value_(parameters, clip_value=0.01) on initialGradients.")
    out.append("    static let clipValueLimit = 0.01")
    out.append("    static let valueClippedGradients: [String: [Float]] = " + parameters_literal(value_clipped, 8))
    out.append("")

    for name, (factory, learning_rate, weight_decay) in RULES.items():
        snapshots = train(factory, lambda m: m.parameters())
        out.append(f"    // {inspect_source(name)}")
        out.append(trajectory_literal(name, snapshots, learning_rate, weight_decay))
    for name, (factory, parameters_of) in GROUPS.items():
        snapshots = train(factory, parameters_of)
        out.append(f"    // {inspect_source(name)}")
        out.append(trajectory_literal(name, snapshots))
    for name, (factory, make_scheduler, max_norm) in SCENARIOS.items():
        snapshots = train(factory, lambda m: m.parameters(), make_scheduler, max_norm)
        out.append(f"    // {inspect_source(name)}, then {scenario_source(name)}")
        out.append(trajectory_literal(name, snapshots))
    out.append("")

    out.append("    // Learning rates in effect during epochs 0..<30 (optimizer lr 0.1 unless the schedule sets its own),")
    out.append("    // read from optimizer.param_groups[0][\"lr\"] before each scheduler.step().")
    for name, rates in schedule_sequences().items():
        out.append(f"    static let {name}: [Double] = {doubles(rates)}")
    out.append("")
    out.append("    // ReduceLROnPlateau from lr 0.1: the learning rate after each scheduler.step(metric).")
    out.append(f"    static let plateauMetrics: [Double] = {doubles(PLATEAU_METRICS)}")
    for name, rates in plateau_sequences().items():
        out.append(f"    static let {name}: [Double] = {doubles(rates)}")
    out.append("}")
    out.append("")

    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text("\n".join(out))
    print(f"wrote {OUTPUT}")


def balanced_call(source, marker):
    """The call expression starting at `marker` in `source`, up to its closing parenthesis."""
    start = source.index(marker)
    depth = 0
    for index in range(start, len(source)):
        if source[index] == "(":
            depth += 1
        elif source[index] == ")":
            depth -= 1
            if depth == 0:
                return " ".join(source[start:index + 1].split())
    raise ValueError(f"unbalanced call in {source!r}")


def inspect_source(name):
    """The torch.optim call behind a fixture, for the comment above it."""
    import inspect
    table = RULES if name in RULES else GROUPS if name in GROUPS else SCENARIOS
    call = balanced_call(inspect.getsource(table[name][0]), "torch.optim")
    if name in GROUPS:
        groups = inspect.getsource(table[name][1]).strip()
        groups = " ".join(groups[groups.index("lambda m:"):].split()).rstrip("),")
        call += f" with groups {groups}"
    return call


def scenario_source(name):
    """The scheduler and clipping of a SCENARIOS entry, for the comment above it."""
    import inspect
    scheduler = balanced_call(inspect.getsource(SCENARIOS[name][1]), "torch.optim.lr_scheduler.")
    max_norm = SCENARIOS[name][2]
    clipping = f" and clip_grad_norm_(max_norm={max_norm}) before each step" if max_norm else ""
    return f"{scheduler} stepped after each step{clipping}"


if __name__ == "__main__":
    main()
