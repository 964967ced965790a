"""Render: a ``Trajectory`` -> a stream of uint8 frame batches, computed in batches on the device.

The renderer knows nothing of YAML or files. For each frame range ``[start, end)`` it
takes latents, labels and truncation from the trajectory (CPU), runs the generator
under ``torch.inference_mode`` (and autocast for fp16/bf16), resizes and converts to
uint8 on the device (``odyssey.renderer.frames``), and hands back one numpy batch: ``(B, H, W, C)``,
or planar 4:2:0 ``(B, 3H/2, W)`` for the video writers. Nothing is kept:
memory does not grow with the number of frames.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np
import torch

from odyssey.config.render_settings import RenderSettings, frame_channels, output_size
from odyssey.errors import RenderError
from odyssey.models.base import Generator
from odyssey.models.device import select_device
from odyssey.plan.trajectory import Trajectory
from odyssey.renderer.frames import convert, over_black

PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
# Output pixels per batch by device type: enough to keep the device busy, small
# enough that a batch of frames stays a few tens of MB.
_PIXEL_BUDGET = {"cpu": 2**22, "cuda": 2**24, "mps": 2**22}
MAX_AUTO_BATCH = 64
# On a CPU, bigger batches than this only spill the caches. One torch thread, 600 frames
# (benchmarks/BENCHMARKS.md): dcgan-faces 6.3 s at batch 1, 3.1 s at 4, 2.2 s at 16,
# 2.4 s at 64; omniart-eyes 32.0, 17.4, 14.8 and 16.2 s.
MAX_CPU_BATCH = 16
_CUDA_BYTES_PER_PIXEL = 64


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


def auto_batch_size(size: tuple[int, int], device: torch.device) -> int:
    """Frames per generator call from output pixels, device and free GPU memory (a power of two, 1..64).

    The output-pixel budget bounds a batch's memory (on the CPU 4 Mpx: 12 MB of frames,
    16 frames at 512 px, 1 at 4K). On the CPU batches stop at 16 frames, past which the
    generator gets slower per frame. On CUDA a batch may use about a quarter of the free
    memory at ~64 bytes per output pixel (float frames, resize buffers, uint8 copies); an
    out-of-memory error still halves the batch and retries, so this only needs to be a
    good first guess.
    """
    budget = _PIXEL_BUDGET.get(device.type, 2**20)
    ceiling = MAX_CPU_BATCH if device.type == "cpu" else MAX_AUTO_BATCH
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        budget = min(budget, free // 4 // _CUDA_BYTES_PER_PIXEL)
    frames = max(1, budget // (size[0] * size[1]))
    return int(min(ceiling, 2 ** int(np.log2(frames))))


def batch_size_for(generator: Generator, settings: RenderSettings, size: tuple[int, int], device: torch.device) -> int:
    """Frames per generator call: ``settings.batch_size``, else ``auto_batch_size`` (capped for heavy nets on the CPU)."""
    if settings.batch_size is not None:
        return settings.batch_size
    batch = auto_batch_size(size, device)
    if device.type == "cpu" and generator.cpu_batch_limit:
        batch = min(batch, generator.cpu_batch_limit)  # heavy nets: big batches only thrash the cache
    return batch


def check_settings(settings: RenderSettings) -> None:
    """The ``RenderError`` a render with these settings would raise here (a device that is not here,
    fp16 on the CPU), before any model loads."""
    autocast_dtype(settings.precision, select_device(settings.device))


def describe_render(generator: Generator, settings: RenderSettings) -> dict[str, object]:
    """How a ``Renderer`` with these settings would run here, without moving the model: device,
    precision, batch size and frame size. Raises the ``RenderError`` a render would (a device
    that is not here, fp16 on the CPU)."""
    device = select_device(settings.device)
    dtype = autocast_dtype(settings.precision, device)
    size = output_size(generator.info, settings.size)
    precision = "fp32" if dtype is None else {torch.float16: "fp16", torch.bfloat16: "bf16"}[dtype]
    return {"device": str(device), "precision": precision, "batch_size": batch_size_for(generator, settings, size, device), "size": list(size)}


class Renderer:
    """Draws frames of trajectories with one generator on one device.

    The weights are stored channels-last (where the generator allows). On CUDA each
    batch's frames are copied to pinned host memory on a side stream while the next batch
    is computed (one batch in flight), so the copy costs no GPU time.
    With ``settings.compile`` the generator runs under ``torch.compile`` and the last
    batch is padded to full size, so shapes never change and nothing recompiles.
    """

    def __init__(self, generator: Generator, settings: RenderSettings | None = None) -> None:
        self.settings = settings or RenderSettings()
        self.device = select_device(self.settings.device)
        self.dtype = autocast_dtype(self.settings.precision, self.device)
        self.generator = generator.to(self.device)
        # Channels-last convolutions: tensor cores on CUDA, oneDNN's faster kernels on the CPU
        # (one thread, batch 16: dcgan-faces 2.18 -> 1.81 s, omniart-eyes 14.8 -> 12.2 s,
        # vae-digits 0.61 -> 0.39 s per 600 frames; outputs within 1.2e-6).
        self.generator.use_channels_last()
        self.size = output_size(generator.info, self.settings.size)
        self.batch_size = batch_size_for(generator, self.settings, self.size, self.device)
        self._synthesize = torch.compile(generator.synthesize, dynamic=False) if self.settings.compile else generator.synthesize
        self._copy_stream = torch.cuda.Stream(self.device) if self.device.type == "cuda" else None

    @property
    def channels(self) -> int:
        """Channels of the frames: the model's, except that an RGBA model's frames are composited
        over black unless ``settings.alpha`` (PNG frames keep alpha)."""
        return frame_channels(self.generator.info.channels, self.settings.alpha)

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def render_latents(
        self,
        latents: torch.Tensor,
        labels: torch.Tensor | None,
        psi: torch.Tensor,
        controls: dict[str, torch.Tensor] | None = None,
        pixel_format: str = "packed",
    ) -> torch.Tensor:
        """Latents ``(n, *latent_shape)``, labels ``(n, C)`` or None, psi ``(n,)`` and per-frame
        controls (``Trajectory.controls``) -> uint8 frames on the device: ``(n, H, W, C)``, or
        ``(n, 3H/2, W)`` planar 4:2:0 for ``pixel_format="yuv420p"`` (see ``odyssey.renderer.frames``)."""
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
            if images.shape[1] == 4 and self.channels == 3:
                images = over_black(images, self.generator.info.output_range)
            return convert(images[:count], self.generator.info.output_range, self.size, self.settings.resize, pixel_format, self.settings.fit)

    def render_range(self, trajectory: Trajectory, start: int, end: int, pixel_format: str = "packed") -> torch.Tensor:
        """Frames ``[start, end)`` of the trajectory as uint8 on the device (layout: ``render_latents``)."""
        return self.render_latents(
            trajectory.latents(start, end),
            trajectory.labels(start, end),
            trajectory.truncation(start, end),
            trajectory.controls(start, end),
            pixel_format,
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

    def batches(
        self, trajectory: Trajectory, start: int = 0, end: int | None = None, pixel_format: str = "packed"
    ) -> Iterator[np.ndarray]:
        """Yield uint8 numpy batches for frames ``[start, end)`` in order: ``(B, H, W, C)``, or
        ``(B, 3H/2, W)`` for ``pixel_format="yuv420p"`` (what the MP4 and WebM writers take).

        On CUDA out-of-memory the batch size halves and the same frames are retried,
        so no frame is lost or repeated.
        """
        end = trajectory.num_frames if end is None else end
        in_flight: tuple[torch.Tensor, torch.cuda.Event | None] | None = None
        first = start
        while first < end:
            last = min(first + self.batch_size, end)
            try:
                frames = self.render_range(trajectory, first, last, pixel_format)  # (b, H, W, C) uint8 on the device
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
