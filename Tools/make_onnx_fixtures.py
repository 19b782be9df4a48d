#!/usr/bin/env python3
"""Exports seeded PyTorch models to ONNX and saves onnxruntime's outputs for fixed inputs: the
real-model fixtures of Tests/StrataONNXTests (ONNXRealModelTests).

Each model folder holds model.onnx (plus model.onnx.data where the tensors are stored outside
the model), input_0.pb and output_0.pb (TensorProto files, onnx.numpy_helper). The inputs have
batch 3 while the export traced batch 2, so the dynamic batch dimension is exercised.

Models: an MLP, LeNet-5, an LSTM classifier (two layers over embeddings), a GRU classifier
(bidirectional, batch first), a Transformer encoder classifier, each exported with the
TorchScript exporter (torch.onnx.export(dynamo=False), opset 17) and, where onnxscript is
installed, the dynamo exporter (dynamo=True, opset 18; the MLP's tensors as external data).
resnet18 (torchvision's, 45 MB) goes to .build-onnx/resnet18 (git-ignored) for the skipped-when-
absent test and Benchmarks/onnx_resnet18.py.

Usage, from the repository root (torchvision only for resnet18):
    python3 -m pip install --no-deps --target .build-torchvision torchvision==0.28.0 pillow
    PYTHONPATH=.build-torchvision python3 Tools/make_onnx_fixtures.py [--resnet18-only]
Versions of the committed fixtures: torch 2.13.0+cpu, onnx 1.22.0, onnxruntime 1.32.0.
"""
import os
import shutil
import sys

import numpy as np
import onnx
import onnxruntime
import torch
import torch.nn as nn
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(__file__))

FIXTURES = os.path.join("Tests", "StrataONNXTests", "Fixtures", "ONNX", "models")


class LeNet5(nn.Module):
    """LeCun et al. (1998)'s LeNet-5 on 28x28 images (padding 2 on the first convolution)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
                                        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(64, 48), nn.ReLU(), nn.Linear(48, 32), nn.Sigmoid(),
                                 nn.Linear(32, 10))

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


class RecurrentClassifier(nn.Module):
    def __init__(self, cell, batch_first, bidirectional, layers):
        super().__init__()
        self.embedding = nn.Embedding(30, 12)
        self.recurrent = cell(12, 16, num_layers=layers, batch_first=batch_first, bidirectional=bidirectional)
        self.head = nn.Linear(16 * (2 if bidirectional else 1), 5)
        self.batch_first = batch_first

    def forward(self, tokens):
        output, _ = self.recurrent(self.embedding(tokens))
        return self.head(output[:, -1] if self.batch_first else output[-1])


class TransformerClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(30, 32)
        layer = nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, dropout=0.1, batch_first=True,
                                           activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(32)
        self.head = nn.Linear(32, 3)

    def forward(self, tokens):
        return self.head(self.norm(self.encoder(self.embedding(tokens))).mean(dim=1))


def models():
    generator = torch.Generator().manual_seed(7)
    images = lambda shape: torch.randn(*shape, generator=generator)
    tokens = lambda shape: torch.randint(0, 30, shape, generator=generator)
    return [
        ("mlp", MLP, images((3, 1, 8, 8)), {0: "batch"}),
        ("lenet", LeNet5, images((3, 1, 28, 28)), {0: "batch"}),
        ("lstm", lambda: RecurrentClassifier(nn.LSTM, False, False, 2), tokens((7, 3)), {1: "batch"}),
        ("gru", lambda: RecurrentClassifier(nn.GRU, True, True, 1), tokens((3, 7)), {0: "batch"}),
        ("transformer", TransformerClassifier, tokens((3, 9)), {0: "batch"}),
    ]


def drop_stack_traces(path):
    """Removes the dynamo exporter's per-node Python stack traces, which name the source files of
    the exporting machine (its virtualenv and checkout paths); the other metadata stays."""
    model = onnx.load(path, load_external_data=False)
    graphs = [model.graph] + [function for function in model.functions]
    for graph in graphs:
        for node in graph.node:
            kept = [entry for entry in node.metadata_props if entry.key != "pkg.torch.onnx.stack_trace"]
            del node.metadata_props[:]
            node.metadata_props.extend(kept)
    onnx.save(model, path)


def export(model, example, folder, dynamic, dynamo, external=False):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    # Trace with a batch of 2 so the exported batch dimension is a symbol, not the fixture's 3.
    trace_input = example.narrow(list(dynamic)[0], 0, 2)
    if dynamo:
        program = torch.onnx.export(model, (trace_input,), dynamo=True, opset_version=18,
                                    input_names=["input"], output_names=["output"],
                                    dynamic_shapes=({list(dynamic)[0]: torch.export.Dim("batch", min=1, max=1024)},))
        program.save(path, external_data=external)
        drop_stack_traces(path)
    else:
        torch.onnx.export(model, (trace_input,), path, dynamo=False, opset_version=17, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": dynamic, "output": {0: "batch"}})
    onnx.checker.check_model(path)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (output,) = session.run(None, {session.get_inputs()[0].name: example.numpy()})
    onnx.save_tensor(numpy_helper.from_array(example.numpy(), "input"), os.path.join(folder, "input_0.pb"))
    onnx.save_tensor(numpy_helper.from_array(output, "output"), os.path.join(folder, "output_0.pb"))
    with torch.no_grad():
        expected = model(example).numpy()
    print(f"{folder}: onnxruntime vs torch max difference {np.abs(output - expected).max():.2e}")


def main():
    if "--resnet18-only" not in sys.argv:
        committed()
    resnet18()


def committed():
    shutil.rmtree(FIXTURES, ignore_errors=True)
    try:
        import onnxscript  # noqa: F401
        dynamo = True
    except ImportError:
        dynamo = False
    for name, make, example, dynamic in models():
        torch.manual_seed(0)
        model = make().eval()
        export(model, example, os.path.join(FIXTURES, name), dynamic, dynamo=False)
        if dynamo:
            export(model, example, os.path.join(FIXTURES, name + "_dynamo"), dynamic, dynamo=True,
                   external=name == "mlp")


def resnet18():
    try:
        from torch_models import resnet
    except Exception as error:  # torchvision not installed
        print(f"resnet18 skipped: {error}")
        return
    torch.manual_seed(0)
    model = resnet.resnet18(num_classes=10).eval()
    example = torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(7))
    export(model, example, os.path.join(".build-onnx", "resnet18"), {0: "batch"}, dynamo=False)


if __name__ == "__main__":
    main()
