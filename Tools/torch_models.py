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
