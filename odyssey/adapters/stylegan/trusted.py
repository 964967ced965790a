"""The escape hatch: unpickle a network with its own code (``trust_pickle: true``).

THIS RUNS CODE FROM THE FILE. Python's ``pickle`` imports the modules the file names
and calls what it says; NVIDIA's pickles also carry their source code and execute it.
Use it only for files you trust, for architectures odyssey does not build itself
(StyleGAN-XL, forks). The model's own code (NVIDIA's ``torch_utils`` and ``dnnlib``, a
fork's modules) must be importable, e.g. ``PYTHONPATH=/path/to/stylegan3``.

The unpickled generator is put behind ``TrustedNetwork``, which offers what
``StyleGANGenerator`` calls: ``z_dim``/``c_dim``/``w_dim``/``num_ws``, ``mapping`` with
``w_avg``, and ``synthesis(ws, noise_mode=..., transform=...)``. A per-frame StyleGAN3
transform is applied by setting the network's own ``synthesis.input.transform``, one
frame at a time, since NVIDIA's code keeps a single transform per network.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import torch
from torch import nn

from odyssey.errors import CheckpointError


class TrustedNetwork(nn.Module):
    """A foreign StyleGAN-like generator behind the attributes odyssey uses."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.inner = net
        for name in ("z_dim", "c_dim", "w_dim", "num_ws", "img_resolution", "img_channels"):
            if not hasattr(net, name):
                raise CheckpointError(f"the trusted network has no {name}; odyssey needs StyleGAN's G interface (mapping, synthesis, {name})")
            setattr(self, name, int(getattr(net, name)))
        self.mapping = net.mapping
        self.synthesis_net = net.synthesis
        self.synthesis = self._synthesis
        self.has_input = hasattr(net.synthesis, "input") and hasattr(net.synthesis.input, "transform")

    def _synthesis(self, ws: torch.Tensor, noise_mode: str = "const", noise_generator: object = None, transform: torch.Tensor | None = None) -> torch.Tensor:
        if noise_generator is not None:
            raise CheckpointError("noise: random is not available with trust_pickle (the model's own code draws its noise); use const or none")
        kwargs = {} if self.has_input else {"noise_mode": noise_mode}
        if transform is None or not self.has_input:
            return self.synthesis_net(ws, **kwargs)
        buffer = self.synthesis_net.input.transform
        saved = buffer.clone()
        try:
            frames = []
            for i in range(ws.shape[0]):  # NVIDIA's network holds one transform at a time
                buffer.copy_(transform[i].to(buffer.dtype))
                frames.append(self.synthesis_net(ws[i : i + 1], **kwargs))
            return torch.cat(frames)
        finally:
            buffer.copy_(saved)


def load_trusted_pickle(path: Path, key: str = "G_ema") -> TrustedNetwork:
    """Unpickle ``path`` with Python's pickle (running its code) and take ``key``."""
    print(f"warning: trust_pickle: executing code from {path}", file=sys.stderr)
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)  # noqa: S301 - the user asked for this explicitly
    except ModuleNotFoundError as exc:
        raise CheckpointError(
            f"{path}: trust_pickle needs the model's own code, and module {exc.name!r} is missing; put NVIDIA's "
            "stylegan3 (or the fork's) folder on PYTHONPATH"
        ) from None
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, OSError) as exc:
        raise CheckpointError(f"{path}: cannot unpickle it even with trust_pickle ({exc})") from None
    net = data.get(key) if isinstance(data, dict) else None
    if not isinstance(net, nn.Module):
        raise CheckpointError(f"{path}: has no network under {key!r}; keys: {', '.join(map(str, data)) if isinstance(data, dict) else type(data).__name__}")
    return TrustedNetwork(net.float().eval().requires_grad_(False))
