"""Small PyTorch models the exporter's tests export as a user would, by
`nets:Factory` (the tests run the exporter with this folder as the current
directory). Imported only where PyTorch is installed."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision  # noqa: F401 (torchvision.ops.StochasticDepth)
from torchvision.ops import StochasticDepth


class HandMadeSE(nn.Module):
    """Squeeze-and-excitation written by hand, as many repositories do: a mean
    over height and width, SiLU and sigmoid as functions, `x * gate`."""

    def __init__(self, channels: int, squeeze: int):
        super().__init__()
        self.reduce = nn.Conv2d(channels, squeeze, 1)
        self.expand = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x):
        gate = x.mean((2, 3), keepdim=True)
        gate = torch.sigmoid(self.expand(F.silu(self.reduce(gate))))
        return x * gate


class LinearSE(nn.Module):
    """Squeeze-and-excitation with FC layers, as many repositories write it: the
    gate, a vector, reshaped to C×1×1 by `view` or by indexing with None."""

    def __init__(self, channels: int, squeeze: int, index: bool):
        super().__init__()
        self.reduce = nn.Linear(channels, squeeze)
        self.expand = nn.Linear(squeeze, channels)
        self.index = index

    def forward(self, x):
        gate = torch.sigmoid(self.expand(F.relu(self.reduce(x.mean((2, 3))))))
        gate = gate[:, :, None, None] if self.index else gate.view(gate.size(0), -1, 1, 1)
        return x * gate


class LinearSENet(nn.Module):
    """Two FC squeeze-and-excitation blocks, one gate reshaped by `view`, one by indexing."""

    def __init__(self, width: int = 16, classes: int = 10):
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3, padding=1)
        self.se1 = LinearSE(width, width // 4, index=False)
        self.se2 = LinearSE(width, width // 4, index=True)
        self.fc = nn.Linear(width, classes)

    def forward(self, x):
        x = self.se2(self.se1(F.relu(self.stem(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class TinyNet(nn.Module):
    """Every construct the exporter maps: a strided stem, a depthwise convolution
    with hard swish, a hand-made squeeze-and-excitation, a 1x3 and a 3x1
    convolution concatenated, ReLU6, stochastic depth and a residual add, max and
    average pooling as functions, a view that flattens, dropout, an FC layer."""

    def __init__(self, width: int = 16, depth_drop: float = 0.1, classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        self.depthwise = nn.Sequential(nn.Conv2d(width, width, 3, padding=1, groups=width, bias=False), nn.BatchNorm2d(width),
                                       nn.Hardswish())
        self.se = HandMadeSE(width, width // 4)
        self.wide = nn.Conv2d(width, width // 2, (1, 3), padding=(0, 1))
        self.tall = nn.Conv2d(width, width // 2, (3, 1), padding=(1, 0))
        self.act = nn.ReLU6()
        self.drop_path = StochasticDepth(depth_drop, "row")
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(width, classes)

    def forward(self, x):
        x = self.stem(x)
        y = self.se(self.depthwise(x))
        y = self.act(torch.cat([self.wide(y), self.tall(y)], dim=1))
        x = x + self.drop_path(y)
        x = F.max_pool2d(x, 2)
        x = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        x = self.head(x)
        x = x.view(x.size(0), -1)
        return self.fc(self.dropout(x))


class Transformerish(nn.Module):
    """Operators ScaleCast cannot price: GELU, LayerNorm, a permute."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Conv2d(3, 8, 4, stride=4)
        self.norm = nn.LayerNorm(8)
        self.act = nn.GELU()
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.embed(x).permute(0, 2, 3, 1)
        x = self.act(self.norm(x))
        return self.fc(x.mean((1, 2)))


class IdleHead(nn.Module):
    """A head that is built but never called: its parameters are in
    `sum(p.numel())` and not in the exported model."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 10)
        self.old_fc = nn.Linear(4, 1000)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.conv(x), 1), 1))


class CalledTwice(nn.Module):
    """One convolution applied twice (shared weights): two layers in the export, its
    weights counted at each, once in `sum(p.numel())`."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.fc = nn.Linear(4, 10)

    def forward(self, x):
        x = F.relu(self.conv(F.relu(self.conv(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class DeadBranch(nn.Module):
    """A branch computed in the forward pass and then left unused (a side convolution
    and the activation after it): PyTorch runs its forward but no backward."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.side = nn.Conv2d(8, 8, 1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.conv(x)
        unused = F.relu(self.side(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class DataDependent(nn.Module):
    """Control flow on a tensor's value: torch.fx cannot trace it."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        x = self.conv(x)
        return x if x.sum() > 0 else -x


class ReadsValuesInInit(nn.Module):
    """A constructor that reads a tensor's value, as timm-style models compute
    their stochastic depth rates: it cannot run on the meta device."""

    def __init__(self):
        super().__init__()
        rates = torch.linspace(0, 0.2, 2).tolist()
        self.conv = nn.Conv2d(3, 4, 3)
        self.drop = nn.Dropout(rates[1])
        self.fc = nn.Linear(4, 10)

    def forward(self, x):
        return self.fc(self.drop(torch.flatten(F.adaptive_avg_pool2d(self.conv(x), 1), 1)))


def mlp(features: int = 784, hidden: int = 256, classes: int = 10) -> nn.Module:
    """A factory function, and a network on flat vectors: batch norm of a vector."""
    return nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.BatchNorm1d(hidden), nn.Dropout(0.1), nn.Linear(hidden, classes))


def not_a_module():
    return 42


def mobilenet_v2_out_of_place() -> nn.Module:
    """torchvision's MobileNet v2 with its ReLU6s not in place (torchvision builds them in place)."""
    model = torchvision.models.mobilenet_v2()
    for module in model.modules():
        if isinstance(module, nn.ReLU6):
            module.inplace = False
    return model
