"""The extractor network: spectrum in, fingerprint embedding out.

One class serves inference and training (`training` imports this very module).  The
size is configuration, not code: the bundled CPU extractor is a small ResNet of basic
blocks; the paper-scale recipe uses torchvision's ResNet-50 on the same input.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class NetworkConfig:
    """Architecture of the extractor; stored in the model card with the weights."""

    backbone: str = "resnet_small"  # "resnet_small" (basic blocks) or "resnet50"
    base_width: int = 16  # channels of the first stage; doubled at every later stage
    blocks: tuple[int, ...] = (1, 1, 1, 1)  # basic blocks per stage (resnet_small only)
    embedding_dim: int = 128
    in_channels: int = 3

    def to_dict(self) -> dict:
        data = asdict(self)
        data["blocks"] = list(self.blocks)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "NetworkConfig":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if "blocks" in known:
            known["blocks"] = tuple(known["blocks"])
        return cls(**known)


class BasicBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False), nn.BatchNorm2d(out_channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x), inplace=True)


def _small_resnet(config: NetworkConfig) -> tuple[nn.Module, int]:
    width = config.base_width
    layers: list[nn.Module] = [
        nn.Conv2d(config.in_channels, width, 3, 2, 1, bias=False),
        nn.BatchNorm2d(width),
        nn.ReLU(inplace=True),
    ]
    in_channels = width
    for stage, count in enumerate(config.blocks):
        out_channels = width * 2**stage
        for index in range(count):
            stride = 2 if index == 0 else 1
            layers.append(BasicBlock(in_channels, out_channels, stride))
            in_channels = out_channels
    return nn.Sequential(*layers), in_channels


def _resnet50(config: NetworkConfig) -> tuple[nn.Module, int]:
    from torchvision.models import resnet50

    model = resnet50(weights=None)
    if config.in_channels != 3:
        model.conv1 = nn.Conv2d(config.in_channels, 64, 7, 2, 3, bias=False)
    body = nn.Sequential(*list(model.children())[:-2])
    return body, 2048


BACKBONES = {"resnet_small": _small_resnet, "resnet50": _resnet50}


class FingerprintNet(nn.Module):
    """Backbone, global average pooling, linear projection to the embedding."""

    def __init__(self, config: NetworkConfig = NetworkConfig()) -> None:
        super().__init__()
        if config.backbone not in BACKBONES:
            raise ValueError(f"unknown backbone {config.backbone!r}; known: {sorted(BACKBONES)}")
        self.config = config
        self.body, features = BACKBONES[config.backbone](config)
        self.projection = nn.Linear(features, config.embedding_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Unnormalised embedding; training losses take it as it is."""
        features = self.body(x).mean(dim=(-2, -1))
        return self.projection(features)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Unit-length embedding: the fingerprint compared by cosine similarity."""
        return F.normalize(self.forward(x).float(), dim=-1)
