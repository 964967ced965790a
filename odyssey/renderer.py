"""Render: a ``Trajectory`` -> a stream of uint8 frame batches, computed in batches on the device.

The renderer knows nothing of YAML or files. For each frame range ``[start, end)`` it
takes latents, labels and truncation from the trajectory (CPU), runs the generator
under ``torch.inference_mode`` (and autocast for fp16/bf16), resizes and converts to
uint8 on the device, and hands back one ``(B, H, W, C)`` numpy batch. Nothing is kept:
memory does not grow with the number of frames.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from odyssey.errors import RenderError
from odyssey.models.base import Generator, ModelInfo
from odyssey.trajectory import Trajectory

PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
# Output pixels per batch by device type: enough to keep the device busy, small
# enough that a batch of frames stays a few tens of MB.
_PIXEL_BUDGET = {"cpu": 2**20, "cuda": 2**24, "mps": 2**22}
MAX_AUTO_BATCH = 64


@dataclass(frozen=True)
class RenderSettings:
    """How to render: output size ``(width, height)`` (None = native), filter, device, precision."""

    size: int | tuple[int, int] | None = None
    resize: str = "bicubic"
    device: str = "auto"
    precision: str = "auto"
    batch_size: int | None = None


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


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype, or None for plain fp32. ``auto`` = fp16 on CUDA, fp32 elsewhere."""
    if precision == "auto":
        return torch.float16 if device.type == "cuda" else None
    if precision not in PRECISIONS:
        raise RenderError(f"precision: unknown {precision!r}; use auto, fp32, fp16 or bf16")
    dtype = PRECISIONS[precision]
    if dtype is torch.float16 and device.type == "cpu":
        raise RenderError("precision: fp16 is not supported on the CPU; use fp32 or bf16 there")
    return None if dtype is torch.float32 else dtype


def output_size(info: ModelInfo, size: int | tuple[int, int] | None) -> tuple[int, int]:
    """``(width, height)`` of the frames: native, ``N`` (width N, height by aspect) or ``(w, h)``."""
    height, width = info.resolution
    if size is None:
        return width, height
    if isinstance(size, int):
        return size, max(1, round(size * height / width))
    return int(size[0]), int(size[1])


def auto_batch_size(size: tuple[int, int], device: torch.device) -> int:
    """Frames per generator call from output pixels and device (a power of two, 1..64)."""
    budget = _PIXEL_BUDGET.get(device.type, 2**20)
    frames = max(1, budget // (size[0] * size[1]))
    return int(min(MAX_AUTO_BATCH, 2 ** int(np.log2(frames))))


def to_uint8(images: torch.Tensor, output_range: tuple[float, float], size: tuple[int, int], mode: str) -> torch.Tensor:
    """``(N, C, h, w)`` floats in ``output_range`` -> ``(N, H, W, C)`` uint8 on the same device."""
    low, high = output_range
    images = images.float()
    if (images.shape[-1], images.shape[-2]) != size:
        width, height = size
        kwargs = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
        antialias = mode in ("bilinear", "bicubic") and (width < images.shape[-1] or height < images.shape[-2])
        if antialias:
            kwargs["antialias"] = True
        images = F.interpolate(images, size=(height, width), mode=mode, **kwargs)  # (N, C, H, W)
    scaled = (images - low) * (255.0 / (high - low))
    return scaled.round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous()  # (N, H, W, C)


class Renderer:
    """Draws frames of trajectories with one generator on one device."""

    def __init__(self, generator: Generator, settings: RenderSettings | None = None) -> None:
        self.settings = settings or RenderSettings()
        self.device = select_device(self.settings.device)
        self.dtype = autocast_dtype(self.settings.precision, self.device)
        self.generator = generator.to(self.device)
        self.size = output_size(generator.info, self.settings.size)
        self.batch_size = self.settings.batch_size or auto_batch_size(self.size, self.device)

    @property
    def channels(self) -> int:
        return self.generator.info.channels

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def render_latents(self, latents: torch.Tensor, labels: torch.Tensor | None, psi: torch.Tensor) -> torch.Tensor:
        """Latents ``(n, *latent_shape)``, labels ``(n, C)`` or None, psi ``(n,)`` -> ``(n, H, W, C)`` uint8 on the device."""
        latents = latents.to(self.device, non_blocking=True)
        labels = labels.to(self.device, non_blocking=True) if labels is not None else None
        psi = psi.to(self.device, non_blocking=True)
        with torch.inference_mode(), self._autocast():
            images = self.generator.synthesize(latents, labels, psi)  # (n, C, h, w)
            return to_uint8(images, self.generator.info.output_range, self.size, self.settings.resize)

    def render_range(self, trajectory: Trajectory, start: int, end: int) -> torch.Tensor:
        """Frames ``[start, end)`` of the trajectory as ``(n, H, W, C)`` uint8 on the device."""
        return self.render_latents(trajectory.latents(start, end), trajectory.labels(start, end), trajectory.truncation(start, end))

    def batches(self, trajectory: Trajectory, start: int = 0, end: int | None = None) -> Iterator[np.ndarray]:
        """Yield ``(B, H, W, C)`` uint8 numpy batches for frames ``[start, end)`` in order.

        On CUDA out-of-memory the batch size halves and the same frames are retried,
        so no frame is lost or repeated.
        """
        end = trajectory.num_frames if end is None else end
        first = start
        while first < end:
            last = min(first + self.batch_size, end)
            try:
                frames = self.render_range(trajectory, first, last)
            except torch.cuda.OutOfMemoryError:
                if self.batch_size == 1:
                    raise RenderError("the GPU ran out of memory at batch size 1; use a smaller size or device: cpu") from None
                torch.cuda.empty_cache()
                self.batch_size //= 2
                continue
            yield frames.cpu().numpy()
            first = last
