"""PyTorch twins of Strata's models, shared by the fixture generators (make_cnn_fixtures.py,
make_interop_fixtures.py) and check_interop_exports.py: torchvision's ResNet building blocks
(imported past torchvision's package __init__ when its compiled ops do not load against this
torch) and `TinyResNet`, Strata's `ResNet` with any number of stages."""
import importlib.util
import sys
import types

import torch
import torch.nn as nn
import torch.nn.functional as F


def load_torchvision_models():
    """torchvision.models.resnet and .googlenet, imported without torchvision's package __init__
    when its compiled ops do not load against this torch (see make_cnn_fixtures.py's header)."""
    try:
        import torchvision.models.googlenet as googlenet
        import torchvision.models.resnet as resnet
        return resnet, googlenet
    except (ImportError, RuntimeError):
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
        spec = importlib.util.find_spec("torchvision")
        root = spec.submodule_search_locations[0]
        for name, path in [("torchvision", root), ("torchvision.models", root + "/models")]:
            package = types.ModuleType(name)
            package.__path__ = [path]
            sys.modules[name] = package
        import torchvision.models.googlenet as googlenet
        import torchvision.models.resnet as resnet
        return resnet, googlenet


resnet, googlenet = load_torchvision_models()
torchvision_version = getattr(sys.modules.get("torchvision.version"), "__version__", None)
if torchvision_version is None:
    spec = importlib.util.find_spec("torchvision.version")
    version_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(version_module)
    torchvision_version = version_module.__version__


class TinyResNet(nn.Module):
    """Strata's `ResNet(block:blocks:widths:stem:inChannels:classes:)`, built from torchvision's
    own blocks and its `_make_layer` rule (a 1x1 convolution and batch norm as `downsample` where
    the stride or width changes); torchvision's ResNet class fixes four stages of 64..512."""

    def __init__(self, block, blocks, widths, stem, in_channels, classes):
        super().__init__()
        first = widths[0]
        if stem == "imageNet":
            self.conv1 = nn.Conv2d(in_channels, first, 7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, first, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(first)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1) if stem == "imageNet" else nn.Identity()
        channels = first
        for index, (count, width) in enumerate(zip(blocks, widths)):
            layers = []
            for position in range(count):
                stride = 2 if index > 0 and position == 0 else 1
                downsample = None
                if stride != 1 or channels != width * block.expansion:
                    downsample = nn.Sequential(resnet.conv1x1(channels, width * block.expansion, stride),
                                               nn.BatchNorm2d(width * block.expansion))
                layers.append(block(channels, width, stride, downsample))
                channels = width * block.expansion
            setattr(self, f"layer{index + 1}", nn.Sequential(*layers))
        self.stage_count = len(blocks)
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for index in range(self.stage_count):
            x = getattr(self, f"layer{index + 1}")(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# ---------------------------------------------------------------- the models of the interop fixtures
# (make_interop_fixtures.py, check_interop_exports.py; the Strata twins are in
# Tests/StrataIOTests/Support/InteropModels.swift)


def mlp():
    """The CLI's `mlp` (Sources/StrataCLI/ModelName.swift): flatten, 784 -> 256, ReLU, 256 -> 10."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet():
    """Strata's `LeNet()` (Sources/StrataNN/Models/LeNet.swift), the same nn.Sequential."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 512), nn.ReLU(), nn.Linear(512, 10))


def small_resnet():
    """Strata's `ResNet.small()`: 3x3 stem of 16, stages of two basic blocks of 16, 32, 64."""
    return TinyResNet(resnet.BasicBlock, [2, 2, 2], [16, 32, 64], "small", 1, 10)


def resnet18():
    """torchvision's own resnet18 with 10 classes: Strata's `ResNet.resnet18(classes: 10)`."""
    return resnet.resnet18(num_classes=10)


class RecurrentClassifier(nn.Module):
    """Embedding -> LSTM or GRU -> linear head on the last time step's output."""

    def __init__(self, cell, vocabulary, embedding_size, hidden_size, classes, **options):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, embedding_size)
        self.recurrent = cell(embedding_size, hidden_size, **options)
        directions = 2 if self.recurrent.bidirectional else 1
        self.head = nn.Linear(directions * hidden_size, classes)

    def forward(self, tokens):
        output, _ = self.recurrent(self.embedding(tokens))
        return self.head(output[:, -1] if self.recurrent.batch_first else output[-1])


def lstm_classifier():
    """Tokens [time, batch] of 40 words -> embedding 12 -> two-layer LSTM of 16 -> 5 classes."""
    return RecurrentClassifier(nn.LSTM, 40, 12, 16, 5, num_layers=2)


def gru_classifier():
    """Tokens [batch, time] of 40 words -> embedding 12 -> bidirectional GRU of 16 -> 5 classes."""
    return RecurrentClassifier(nn.GRU, 40, 12, 16, 5, batch_first=True, bidirectional=True)


def googlenet_transformed():
    """torchvision's googlenet with 10 classes, both auxiliary heads and `transform_input`, as
    torchvision builds it for its pretrained weights: Strata's
    `GoogLeNet(classes: 10, transformInput: true)` (Sources/StrataNN/Models/GoogLeNet.swift)."""
    return googlenet.GoogLeNet(num_classes=10, aux_logits=True, transform_input=True, init_weights=False)


INTEROP_MODELS = {
    "mlp": mlp,
    "lenet": lenet,
    "resnet_small": small_resnet,
    "resnet18": resnet18,
    "lstm": lstm_classifier,
    "gru": gru_classifier,
    "googlenet": googlenet_transformed,
}
