"""Builders shared by the adapter tests: tiny random DCGANs in the original layouts.

``Tutorial`` reproduces how raw checkpoints are laid out (an ``nn.Sequential`` called
``main``, keys ``main.<index>.*``), independently of ``odyssey.adapters.dcgan``, so a
loaded generator can be compared with the network that wrote the file.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import torch
from torch import nn

from odyssey.adapters.dcgan import DCGANNet


def randomise_batchnorm(module: nn.Module, seed: int = 0) -> None:
    """Give every BatchNorm non-trivial affine params and running stats (defaults hide bugs)."""
    gen = torch.Generator().manual_seed(seed)
    for bn in module.modules():
        if isinstance(bn, nn.BatchNorm2d):
            n = bn.num_features
            with torch.no_grad():
                bn.weight.copy_(0.5 + torch.rand(n, generator=gen))
                bn.bias.copy_(0.1 * torch.randn(n, generator=gen))
                bn.running_mean.copy_(0.1 * torch.randn(n, generator=gen))
                bn.running_var.copy_(0.5 + torch.rand(n, generator=gen))
                bn.num_batches_tracked.fill_(7)


class Tutorial(nn.Module):
    """A DCGAN-tutorial generator: ``main`` = [ConvT, BN, ReLU, (Dropout)] * k + [ConvT, Tanh]."""

    def __init__(
        self,
        nz: int = 16,
        classes: int = 0,
        widths: tuple[int, ...] = (8, 4),
        out_channels: int = 3,
        bias: bool = False,
        dropout_after: tuple[int, ...] = (),
        kernel: int = 4,
        seed: int = 0,
    ) -> None:
        super().__init__()
        torch.manual_seed(seed)
        chain = [nz + classes, *widths]
        layers: list[nn.Module] = []
        for i in range(len(widths)):
            stride, padding = (1, 0) if i == 0 else (2, 1)
            layers += [
                nn.ConvTranspose2d(chain[i], chain[i + 1], kernel, stride, padding, bias=bias),
                nn.BatchNorm2d(chain[i + 1]),
                nn.ReLU(True),
            ]
            if i in dropout_after:
                layers.append(nn.Dropout(0.5))
        layers += [nn.ConvTranspose2d(chain[-1], out_channels, kernel, 2, 1, bias=bias), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        randomise_batchnorm(self, seed)
        self.eval()

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = z if labels is None else torch.cat([z, labels], 1)  # (N, nz [+ K])
        with torch.no_grad():
            return self.main(x.view(x.shape[0], -1, 1, 1))  # (N, C, H, W)


def tiny_net(
    in_channels: int = 16, widths: tuple[int, ...] = (8, 4), out_channels: int = 3, seed: int = 0
) -> DCGANNet:
    """A random ``DCGANNet`` in eval mode with randomised BatchNorm."""
    torch.manual_seed(seed)
    net = DCGANNet(in_channels, list(widths), out_channels)
    randomise_batchnorm(net, seed)
    return net.eval()


def native_meta(net: DCGANNet, nz: int, class_names: list[str] | None = None, name: str = "tiny") -> dict:
    """Native metadata for ``net`` (unconditional unless ``class_names``)."""
    return {
        "architecture": "dcgan",
        "kwargs": net.kwargs(),
        "name": name,
        "family": "dcgan",
        "latent_shape": [nz],
        "resolution": [net.resolution, net.resolution],
        "channels": net.out_channels,
        "output_range": [-1.0, 1.0],
        "class_names": class_names,
        "description": "a tiny test model",
        "source": "tests",
        "licence": "MIT",
        "original_sha256": "",
    }


def one_hot(indices: list[int], classes: int) -> torch.Tensor:
    return torch.eye(classes)[torch.tensor(indices)]  # (N, classes)


CPU_TAG = b"X\x03\x00\x00\x00cpu"  # the pickled location string 'cpu' (protocol 2 BINUNICODE)
CUDA_TAG = b"X\x06\x00\x00\x00cuda:0"


def claim_cuda(path: Path) -> None:
    """Rewrite a zip-format torch.save file so its tensors claim to live on ``cuda:0``.

    Each tensor's storage is pickled with its location string; replacing ``'cpu'`` by
    ``'cuda:0'`` in ``data.pkl`` makes the file exactly what a GPU machine writes.
    """
    with zipfile.ZipFile(path) as archive:
        entries = [(name, archive.read(name)) for name in archive.namelist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        for name, data in entries:
            if name.endswith("data.pkl"):
                assert CPU_TAG in data, "torch changed its pickle layout; update claim_cuda"
                data = data.replace(CPU_TAG, CUDA_TAG)
            out.writestr(name, data)
    path.write_bytes(buffer.getvalue())
