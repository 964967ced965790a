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
_CUDA_BYTES_PER_PIXEL = 64


@dataclass(frozen=True)
class RenderSettings:
    """How to render: output size ``(width, height)`` (None = native), filter, device, precision."""

    size: int | tuple[int, int] | None = None
    resize: str = "bicubic"
    device: str = "auto"
    precision: str = "auto"
    batch_size: int | None = None
    compile: bool = False


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
    """Frames per generator call from output pixels, device and free GPU memory (a power of two, 1..64).

    On CUDA a batch may use about a quarter of the free memory at ~64 bytes per output
    pixel (float frames, resize buffers, uint8 copies); an out-of-memory error still
    halves the batch and retries, so this only needs to be a good first guess.
    """
    budget = _PIXEL_BUDGET.get(device.type, 2**20)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        budget = min(budget, free // 4 // _CUDA_BYTES_PER_PIXEL)
    frames = max(1, budget // (size[0] * size[1]))
    return int(min(MAX_AUTO_BATCH, 2 ** int(np.log2(frames))))


def to_uint8(images: torch.Tensor, output_range: tuple[float, float], size: tuple[int, int], mode: str) -> torch.Tensor:
    """``(N, C, h, w)`` floats in ``output_range`` -> ``(N, H, W, C)`` uint8 on the same device.

    Scaling to [0, 255] happens at the model's native size (fewer pixels), then the
    resize. bilinear and bicubic use the antialiased (PIL-style) kernels on every device,
    so a CPU preview and a GPU render agree. On the CPU the frames are quantised first and
    resized as uint8 channels-last, whose SIMD kernels are 5-10x faster than float; the
    result is within 2 grey levels of the float path (mean 0.3).
    """
    low, high = output_range
    scaled = (images.float() - low) * (255.0 / (high - low))  # (N, C, h, w) in [0, 255]
    width, height = size
    if (scaled.shape[-1], scaled.shape[-2]) == (width, height):
        return _quantise(scaled).permute(0, 2, 3, 1).contiguous()  # (N, H, W, C)
    kwargs: dict = {"align_corners": False, "antialias": True} if mode in ("bilinear", "bicubic") else {}
    if scaled.device.type == "cpu" and mode != "area":
        small = _quantise(scaled).contiguous(memory_format=torch.channels_last)
        resized = F.interpolate(small, size=(height, width), mode=mode, **kwargs)  # uint8 (N, C, H, W), channels-last
        return resized.permute(0, 2, 3, 1).contiguous()  # (N, H, W, C): already contiguous, no copy
    resized = F.interpolate(scaled, size=(height, width), mode=mode, **kwargs)  # (N, C, H, W)
    return _quantise(resized).permute(0, 2, 3, 1).contiguous()


def _quantise(values: torch.Tensor) -> torch.Tensor:
    """Floats in [0, 255] -> uint8, rounding half up (the cast truncates after +0.5)."""
    return values.add_(0.5).clamp_(0, 255).to(torch.uint8)


class Renderer:
    """Draws frames of trajectories with one generator on one device.

    On CUDA the weights are stored channels-last, and each batch's frames are copied to
    pinned host memory on a side stream while the next batch is computed (one batch in
    flight), so the copy costs no GPU time.
    With ``settings.compile`` the generator runs under ``torch.compile`` and the last
    batch is padded to full size, so shapes never change and nothing recompiles.
    """

    def __init__(self, generator: Generator, settings: RenderSettings | None = None) -> None:
        self.settings = settings or RenderSettings()
        self.device = select_device(self.settings.device)
        self.dtype = autocast_dtype(self.settings.precision, self.device)
        self.generator = generator.to(self.device)
        if self.device.type == "cuda":
            self.generator.use_channels_last()  # tensor-core convolutions; outputs follow the weights' format
        self.size = output_size(generator.info, self.settings.size)
        self.batch_size = self.settings.batch_size or auto_batch_size(self.size, self.device)
        if self.settings.batch_size is None and self.device.type == "cpu" and generator.cpu_batch_limit:
            self.batch_size = min(self.batch_size, generator.cpu_batch_limit)  # heavy nets: big batches only thrash the cache
        self._synthesize = torch.compile(generator.synthesize, dynamic=False) if self.settings.compile else generator.synthesize
        self._copy_stream = torch.cuda.Stream(self.device) if self.device.type == "cuda" else None

    @property
    def channels(self) -> int:
        return self.generator.info.channels

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def render_latents(
        self, latents: torch.Tensor, labels: torch.Tensor | None, psi: torch.Tensor, controls: dict[str, torch.Tensor] | None = None
    ) -> torch.Tensor:
        """Latents ``(n, *latent_shape)``, labels ``(n, C)`` or None, psi ``(n,)`` and per-frame
        controls (``Trajectory.controls``) -> ``(n, H, W, C)`` uint8 on the device."""
        count = latents.shape[0]
        controls = dict(controls or {})
        if self.settings.compile and count < self.batch_size:  # pad to a static shape: repeat the last frame
            pad = self.batch_size - count
            latents, psi = _pad(latents, pad), _pad(psi, pad)
            labels = _pad(labels, pad) if labels is not None else None
            controls = {name: _pad(value, pad) for name, value in controls.items()}
        latents = latents.to(self.device, non_blocking=True)
        labels = labels.to(self.device, non_blocking=True) if labels is not None else None
        psi = psi.to(self.device, non_blocking=True)
        controls = {name: value.to(self.device, non_blocking=True) for name, value in controls.items()}
        with torch.inference_mode(), self._autocast():
            images = self._synthesize(latents, labels, psi, **controls)  # (n, C, h, w)
            return to_uint8(images[:count], self.generator.info.output_range, self.size, self.settings.resize)

    def render_range(self, trajectory: Trajectory, start: int, end: int) -> torch.Tensor:
        """Frames ``[start, end)`` of the trajectory as ``(n, H, W, C)`` uint8 on the device."""
        return self.render_latents(
            trajectory.latents(start, end), trajectory.labels(start, end), trajectory.truncation(start, end), trajectory.controls(start, end)
        )

    def _to_host(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.cuda.Event | None]:
        """Start copying device frames to the host; returns the host tensor and an event to wait on."""
        if self._copy_stream is None:
            return frames.cpu(), None
        host = torch.empty(frames.shape, dtype=frames.dtype, pin_memory=True)  # from torch's pinned-block cache
        self._copy_stream.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(self._copy_stream):
            host.copy_(frames, non_blocking=True)
            frames.record_stream(self._copy_stream)  # keep the device block alive until the copy ends
            done = torch.cuda.Event()
            done.record(self._copy_stream)
        return host, done

    def batches(self, trajectory: Trajectory, start: int = 0, end: int | None = None) -> Iterator[np.ndarray]:
        """Yield ``(B, H, W, C)`` uint8 numpy batches for frames ``[start, end)`` in order.

        On CUDA out-of-memory the batch size halves and the same frames are retried,
        so no frame is lost or repeated.
        """
        end = trajectory.num_frames if end is None else end
        in_flight: tuple[torch.Tensor, torch.cuda.Event | None] | None = None
        first = start
        while first < end:
            last = min(first + self.batch_size, end)
            try:
                frames = self.render_range(trajectory, first, last)  # (b, H, W, C) uint8 on the device
            except torch.cuda.OutOfMemoryError:
                if self.batch_size == 1:
                    raise RenderError("the GPU ran out of memory at batch size 1; use a smaller size or device: cpu") from None
                torch.cuda.empty_cache()
                self.batch_size //= 2
                continue
            copying = self._to_host(frames)
            if in_flight is not None:
                yield _wait(in_flight)
            in_flight = copying
            first = last
        if in_flight is not None:
            yield _wait(in_flight)


def _pad(values: torch.Tensor, count: int) -> torch.Tensor:
    """Append ``count`` copies of the last row."""
    return torch.cat([values, values[-1:].expand(count, *values.shape[1:])])


def _wait(copy: tuple[torch.Tensor, torch.cuda.Event | None]) -> np.ndarray:
    host, done = copy
    if done is not None:
        done.synchronize()
    return host.numpy()
