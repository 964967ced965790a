"""Which torch device to run on: ``auto`` prefers CUDA, then Apple's MPS, then the CPU.

Shared by rendering and VAE training, so ``device:`` in a path file and ``--device`` of
``odyssey train-vae`` mean the same and fail the same way.
"""

from __future__ import annotations

import torch

from odyssey.errors import RenderError


def select_device(name: str = "auto") -> torch.device:
    """``auto`` -> CUDA, then MPS, then CPU. An unavailable explicit choice is an error."""
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name == "cuda" and not cuda:
        raise RenderError("device: cuda was asked for but no CUDA GPU is available; use device: auto or cpu")
    if name == "mps" and not mps:
        raise RenderError("device: mps was asked for but Apple's MPS is not available; use device: auto or cpu")
    if name not in ("cpu", "cuda", "mps"):
        raise RenderError(f"device: unknown device {name!r}; use auto, cpu, cuda or mps")
    return torch.device(name)
