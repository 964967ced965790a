"""Shared fixtures: tiny randomly initialised DCGAN checkpoints in the tutorial layout.

They are written as raw state dicts (``nn.Sequential`` keys ``main.N.*``), the form
countless DCGAN checkpoints take, so loading them goes through the real adapter.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
# Test kits that tests in other folders use too (tiny StyleGAN pickles in the NVIDIA format).
sys.path.insert(0, str(REPO / "tests" / "stylegan"))


def tutorial_dcgan(nz: int = 8, ngf: int = 4, channels: int = 3, layers: int = 3, num_classes: int = 0, seed: int = 0) -> nn.Sequential:
    """The PyTorch DCGAN-tutorial generator, scaled down: 4 * 2**(layers-1) pixels square."""
    torch.manual_seed(seed)
    widths = [ngf * 2 ** (layers - 2 - i) for i in range(layers - 1)]
    modules: list[nn.Module] = []
    in_ch = nz + num_classes
    for i, width in enumerate(widths):
        stride, pad = (1, 0) if i == 0 else (2, 1)
        modules += [nn.ConvTranspose2d(in_ch, width, 4, stride, pad, bias=False), nn.BatchNorm2d(width), nn.ReLU(True)]
        in_ch = width
    modules += [nn.ConvTranspose2d(in_ch, channels, 4, 2, 1, bias=False), nn.Tanh()]
    net = nn.Sequential(*modules)
    with torch.no_grad():  # non-trivial BatchNorm statistics, as after training
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return net.eval()


def save_tutorial(path: Path, net: nn.Sequential) -> Path:
    torch.save({"main." + k: v for k, v in net.state_dict().items()}, path)
    return path


@pytest.fixture
def tiny_dcgan(tmp_path: Path) -> Path:
    """An unconditional 16x16 RGB DCGAN, nz=100 (so the adapter infers it unaided)."""
    return save_tutorial(tmp_path / "tiny.pth", tutorial_dcgan(nz=100, ngf=4, layers=3))


@pytest.fixture
def tiny_cdcgan(tmp_path: Path) -> Path:
    """A conditional 16x16 RGB DCGAN: z of 100 concatenated with 3 one-hot classes."""
    return save_tutorial(tmp_path / "tiny-cond.pth", tutorial_dcgan(nz=100, ngf=4, layers=3, num_classes=3, seed=1))


def write_path_file(folder: Path, model: Path | str, body: str, name: str = "p.yaml") -> Path:
    path = folder / name
    path.write_text(f"model: {model}\n{body}")
    return path
