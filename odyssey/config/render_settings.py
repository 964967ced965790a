"""How to render, as plain data the renderer takes: output size, resize filter, device, precision.

A path file sets these (``size``, ``resize``, ``fit``, ``device``, ``precision``, ``batch_size``,
``compile``); Python callers make a ``RenderSettings`` themselves. It lives here, below
planning and rendering, so that a planned job can carry the settings its render uses
without the plan importing the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from odyssey.config.spec import OdysseyConfig


@dataclass(frozen=True)
class RenderSettings:
    """How to render: output size ``(width, height)`` (None = native), resize filter, how a size of
    another aspect is filled (``fit``: pad, crop or stretch), device, precision, batch size."""

    size: int | tuple[int, int] | None = None
    resize: str = "bicubic"
    fit: str = "pad"
    device: str = "auto"
    precision: str = "auto"
    batch_size: int | None = None
    compile: bool = False
    alpha: bool = False  # keep a 4-channel (RGBA) model's alpha: PNG frames only; else composited over black

    @classmethod
    def from_config(cls, config: OdysseyConfig) -> "RenderSettings":
        """The settings a path file asks for."""
        return cls(
            size=config.size, resize=config.resize, fit=config.fit, device=config.device, precision=config.precision,
            batch_size=config.batch_size, compile=config.compile,
        )  # fmt: skip


def frame_channels(model_channels: int, alpha: bool) -> int:
    """Channels of the frames a model of ``model_channels`` gives: an RGBA model gives RGBA
    frames only where the output keeps alpha (PNG), else RGB composited over black."""
    if model_channels == 4:
        return 4 if alpha else 3
    return model_channels


class HasResolution(Protocol):
    """Anything with a ``resolution`` ``(height, width)``: a ``ModelInfo``."""

    resolution: tuple[int, int]


def output_size(info: HasResolution, size: int | tuple[int, int] | None) -> tuple[int, int]:
    """``(width, height)`` of the frames of a model: native, ``N`` (width N, height by aspect) or ``(w, h)``."""
    height, width = info.resolution
    if size is None:
        return width, height
    if isinstance(size, int):
        return size, max(1, round(size * height / width))
    return int(size[0]), int(size[1])
