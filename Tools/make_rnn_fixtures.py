#!/usr/bin/env python3
"""Writes Tests/StrataNNTests/Fixtures/RNNFixtures.swift: PyTorch's answers for nn.RNN (tanh and
relu), nn.LSTM and nn.GRU in every configuration StrataNN supports, as literal float32 arrays that
Tests/StrataNNTests/RNNFidelityTests.swift compares against.

Each fixture runs one module once, in eval mode (a `dropout` argument is then inactive, as
PyTorch documents), on an input of time 5, batch 3, features 4 with hidden size 3, and holds:

- the input, the initial states `hidden` (and `cell` for an LSTM) when the call passes them, and
  `lengths` (int64) when the batch is padded: PyTorch then runs
  pack_padded_sequence(input, lengths, enforce_sorted=False), the module, and
  pad_packed_sequence(total_length=5), which leaves the padded outputs zero;
- the parameters under their state_dict names (prefix "state."). Each gate's rows are drawn at a
  different scale with a different bias offset, so a Strata gate order that differs from
  PyTorch's (LSTM i, f, g, o; GRU r, z, n) changes the result;
- `output`, `final_hidden` (h_n) and `final_cell` (c_n);
- the random weightings `upstream.<value>` of those three, and the gradients (prefix
  "gradient.") of sum(output * upstream.output) + sum(final_hidden * upstream.final_hidden)
  [+ sum(final_cell * upstream.final_cell)] with respect to the input, the initial states and every
  parameter.

The file also lists each module's state_dict keys in PyTorch's order.

Run from the repository root with the peers' virtual environment (CI never runs Python; the
generated file is committed):

    ~/.cache/strata-peers/venv/bin/python Tools/make_rnn_fixtures.py
"""

import pathlib

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from swift_fixtures import (SeededDraws, all_fixtures_list, fixture_declarations,  # noqa: E402 (a sibling script)
                            generated_header, write_swift)

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/StrataNNTests/Fixtures/RNNFixtures.swift"
SEED = 20250611
TIME, BATCH, INPUT, HIDDEN = 5, 3, 4, 3
# Unsorted, with a full-length sequence and a sequence of one step.
LENGTHS = [3, 5, 1]
# Per gate (in PyTorch's row order): the scale of the weights and the offset of the biases.
GATE_SCALES = [0.5, 0.8, 1.1, 1.4]
GATE_BIAS_OFFSETS = [0.3, -0.4, 0.1, 0.5]

torch.set_default_dtype(torch.float32)
normal = SeededDraws(SEED).normal
fixtures = []  # (swift name, torch code, [(tensor name, tensor)], [state_dict keys])


def gate_scaled_parameters(module):
    """Redraws every parameter, gate by gate: rows g * hidden ..< (g + 1) * hidden belong to gate g."""
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            gates = parameter.shape[0] // module.hidden_size
            for gate in range(gates):
                rows = parameter[gate * module.hidden_size:(gate + 1) * module.hidden_size]
                if name.startswith("weight"):
                    rows.copy_(normal(*rows.shape, scale=0.6 * GATE_SCALES[gate]))
                else:
                    rows.copy_(normal(*rows.shape, scale=0.2) + GATE_BIAS_OFFSETS[gate])
    return module


def recurrent_fixture(name, code, module, initial_states=False, lengths=None):
    """Runs `module` (in eval mode) once; exports state, outputs, final states and gradients."""
    gate_scaled_parameters(module)
    module.eval()
    is_lstm = isinstance(module, nn.LSTM)
    state_keys = list(module.state_dict().keys())
    state = [("state." + k, v.detach().clone()) for k, v in module.state_dict().items()]
    input_shape = (BATCH, TIME, INPUT) if module.batch_first else (TIME, BATCH, INPUT)
    stacks = module.num_layers * (2 if module.bidirectional else 1)
    x = normal(*input_shape).requires_grad_(True)
    inputs = [("input", x)]
    differentiable = {"input": x}
    initial = None
    if initial_states:
        hidden = normal(stacks, BATCH, HIDDEN, scale=0.5).requires_grad_(True)
        inputs.append(("hidden", hidden))
        differentiable["hidden"] = hidden
        initial = hidden
        if is_lstm:
            cell = normal(stacks, BATCH, HIDDEN, scale=0.5).requires_grad_(True)
            inputs.append(("cell", cell))
            differentiable["cell"] = cell
            initial = (hidden, cell)
    if lengths is not None:
        inputs.append(("lengths", torch.tensor(lengths, dtype=torch.int64)))
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=module.batch_first, enforce_sorted=False)
        packed_output, finals = module(packed, initial)
        output, _ = pad_packed_sequence(packed_output, batch_first=module.batch_first, total_length=TIME)
    else:
        output, finals = module(x, initial)
    results = [("output", output)]
    if is_lstm:
        results += [("final_hidden", finals[0]), ("final_cell", finals[1])]
    else:
        results.append(("final_hidden", finals))
    upstreams = [("upstream." + n, normal(*value.shape)) for n, value in results]
    scalar = sum((value * weight).sum() for (_, value), (_, weight) in zip(results, upstreams))
    differentiable.update(module.named_parameters())
    names = list(differentiable)
    grads = torch.autograd.grad(scalar, [differentiable[n] for n in names])
    tensors = inputs + state + results + upstreams + [("gradient." + n, g) for n, g in zip(names, grads)]
    fixtures.append((name, code, tensors, state_keys))


def configuration_variants(prefix, constructor, code):
    """The configurations every gated layer is checked in: `constructor(**options)` builds the module."""
    def add(suffix, options, **call):
        arguments = ", ".join(f"{k}={v}" for k, v in options.items())
        described = f"nn.{code}({INPUT}, {HIDDEN}{', ' + arguments if arguments else ''})"
        if call.get("initial_states"):
            described += " with initial states"
        if call.get("lengths"):
            described += f" on lengths {call['lengths']}"
        recurrent_fixture(prefix + suffix, described, constructor(INPUT, HIDDEN, **options), **call)

    add("", {})
    add("TwoLayers", {"num_layers": 2})
    add("Bidirectional", {"bidirectional": True})
    add("TwoLayersBidirectional", {"num_layers": 2, "bidirectional": True})
    add("BatchFirst", {"batch_first": True})
    add("InitialStates", {}, initial_states=True)
    add("TwoLayersBidirectionalInitialStates", {"num_layers": 2, "bidirectional": True}, initial_states=True)
    add("WithoutBias", {"bias": False})
    add("TwoLayersDropoutEvaluation", {"num_layers": 2, "dropout": 0.5})
    add("Lengths", {}, lengths=LENGTHS)
    add("LengthsBidirectional", {"bidirectional": True}, lengths=LENGTHS)
    add("LengthsTwoLayersBidirectionalInitialStates", {"num_layers": 2, "bidirectional": True},
        initial_states=True, lengths=LENGTHS)
    add("LengthsBatchFirstBidirectional", {"batch_first": True, "bidirectional": True}, lengths=LENGTHS)


configuration_variants("lstm", nn.LSTM, "LSTM")
configuration_variants("gru", nn.GRU, "GRU")


def rnn_variants(prefix, nonlinearity):
    def add(suffix, options, **call):
        all_options = {"nonlinearity": f"'{nonlinearity}'", **options}
        arguments = ", ".join(f"{k}={v}" for k, v in all_options.items())
        described = f"nn.RNN({INPUT}, {HIDDEN}, {arguments})"
        if call.get("initial_states"):
            described += " with initial states"
        if call.get("lengths"):
            described += f" on lengths {call['lengths']}"
        recurrent_fixture(prefix + suffix, described,
                          nn.RNN(INPUT, HIDDEN, nonlinearity=nonlinearity, **options), **call)

    add("", {})
    add("TwoLayersBidirectionalInitialStates", {"num_layers": 2, "bidirectional": True}, initial_states=True)
    add("WithoutBiasBatchFirst", {"bias": False, "batch_first": True})
    add("LengthsBidirectional", {"bidirectional": True}, lengths=LENGTHS)


rnn_variants("rnnTanh", "tanh")
rnn_variants("rnnReLU", "relu")

# ---------------------------------------------------------------- Swift output


def main():
    lines = generated_header("make_rnn_fixtures.py", SEED) + [
        "//",
        "// Tensor names: `input`, `hidden`, `cell` (initial states) and `lengths` as passed to PyTorch;",
        "// `state.<key>` the module's state_dict; `output`, `final_hidden` (h_n), `final_cell` (c_n);",
        "// `upstream.<value>` the random weighting w of each of those; `gradient.<name>` the gradient of",
        "// the sum of value * w over the three values with respect to <name>.",
        "",
        "/// PyTorch's recurrent layers, from `Tools/make_rnn_fixtures.py`.",
        "enum RNNFixtures {",
    ]
    lines += fixture_declarations((name, code, tensors) for name, code, tensors, _ in fixtures)
    lines += all_fixtures_list(name for name, _, _, _ in fixtures)
    lines.append("")
    lines.append("    /// Each fixture's `state_dict().keys()`, in PyTorch's order.")
    lines.append("    static let stateKeys: [String: [String]] = [")
    for name, _, _, keys in fixtures:
        lines.append(f"        \"{name}\": [{', '.join(chr(34) + k + chr(34) for k in keys)}],")
    lines.append("    ]")
    lines.append("}")
    write_swift(OUTPUT, lines)
    print(f"wrote {len(fixtures)} fixtures to {OUTPUT}")


main()
