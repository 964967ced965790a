"""``odyssey check --plot``: latent speed, image-space speed and latent norm over time, as a PNG.

Drawn with Pillow (already a dependency through imageio), so no plotting library is
needed. Three panels share the time axis (seconds); leg boundaries are dashed vertical
lines labelled with the leg type; the norm panel marks sqrt(D) and 0.9 sqrt(D) for
Gaussian spaces. Speeds are per second (step x fps), so they read the same at any fps.
With a soundtrack, two more panels: the music envelopes that drive the film (0 to 1) and
the time warp's pace (path frames per film frame), with the frames keyframes landed on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from odyssey.plan.measure import PathReport
from odyssey.plan.music_track import MusicTrack
from odyssey.writers.still import save_png

WIDTH, PANEL, MARGIN_L, MARGIN_R, GAP = 960, 170, 64, 16, 34
COLOURS = {"latent": (31, 119, 180), "image": (214, 96, 39), "norm": (44, 160, 44), "grid": (225, 225, 225), "leg": (150, 150, 150)}


def _panel(draw: ImageDraw.ImageDraw, top: int, title: str, x: np.ndarray, y: np.ndarray | None, colour: tuple, seconds: float,
           marks: Sequence[float] = (), bounds: Sequence[tuple[float, str]] = ()) -> None:
    left, right, bottom = MARGIN_L, WIDTH - MARGIN_R, top + PANEL
    draw.rectangle([left, top, right, bottom], outline=(0, 0, 0))
    draw.text((left, top - 14), title, fill=(0, 0, 0))
    for t, kind in bounds:
        px = left + (right - left) * t / max(seconds, 1e-12)
        for y0 in range(top, bottom, 6):
            draw.line([(px, y0), (px, min(y0 + 3, bottom))], fill=COLOURS["leg"])
        draw.text((px + 2, top + 2), kind, fill=COLOURS["leg"])
    if y is None or y.size == 0:
        draw.text((left + 8, top + PANEL // 2 - 6), "not measured", fill=(120, 120, 120))
        return
    values = np.concatenate([y, np.asarray(marks, dtype=np.float64)])
    low, high = 0.0, float(np.nanmax(values)) * 1.08 or 1.0
    if title.startswith("latent norm"):
        low = float(np.nanmin(values)) * 0.95
    scale_y = lambda v: bottom - (bottom - top) * (v - low) / max(high - low, 1e-12)  # noqa: E731
    for v in (low, (low + high) / 2, high):
        draw.line([(left, scale_y(v)), (right, scale_y(v))], fill=COLOURS["grid"])
        draw.text((4, scale_y(v) - 6), f"{v:.3g}", fill=(0, 0, 0))
    for v in marks:
        draw.line([(left, scale_y(v)), (right, scale_y(v))], fill=(200, 0, 0))
    px = left + (right - left) * x / max(seconds, 1e-12)
    draw.line(list(zip(px.tolist(), scale_y(y).tolist())), fill=colour, width=2)


ENVELOPE_COLOURS = [(214, 39, 40), (148, 103, 189), (23, 190, 207), (188, 189, 34), (227, 119, 194), (127, 127, 127)]


def _music_panels(draw: ImageDraw.ImageDraw, top: int, music: MusicTrack, fps: float, span: float) -> None:
    """Two panels under the others: each envelope (0 to 1) and the warp's pace, with the events."""
    events = [(f / fps, "|") for f in music.event_frames]
    frames = music.num_frames
    t = np.arange(frames) / fps
    names = list(music.envelopes)
    title = "music envelopes (0 to 1): " + (", ".join(names) if names else "none followed")
    _panel(draw, top, title, t, np.zeros(frames) if names else None, COLOURS["grid"], span, bounds=events)
    left, right = MARGIN_L, WIDTH - MARGIN_R
    for i, name in enumerate(names):
        y = top + PANEL - PANEL * np.clip(music.envelopes[name], 0, 1)
        px = left + (right - left) * t / max(span, 1e-12)
        draw.line(list(zip(px.tolist(), y.tolist())), fill=ENVELOPE_COLOURS[i % len(ENVELOPE_COLOURS)], width=1)
    pace = None if music.warp is None else np.diff(music.warp)
    _panel(draw, top + PANEL + GAP, "time warp: path frames per film frame (1 = as planned; | = keyframes on events)", t[:-1], pace, (31, 119, 180), span, [1.0], events)


def draw_plot(
    report: PathReport, fps: float, seconds: float, ranges: Sequence[tuple[int, int]], kinds: Sequence[str], gaussian: bool, music: MusicTrack | None = None,
    film_fps: float | None = None,
) -> Image.Image:
    """The three panels described in the module docstring (five with music), as an RGB image."""
    panels = 3 if music is None else 5
    height = panels * (PANEL + GAP) + 40
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    motion = report.motion
    frames = motion.norms.shape[0]
    t_frames = np.arange(frames) / fps
    t_steps = (np.arange(frames - 1) + 0.5) / fps
    bounds = [(a / fps, kind) for (a, _), kind in zip(ranges, kinds)]
    span = max(seconds, frames / fps)
    _panel(draw, GAP, "latent speed (latent units per second)", t_steps, motion.steps * fps, COLOURS["latent"], span, bounds=bounds)
    image_speed = None if report.image_steps is None else report.image_steps * fps
    _panel(draw, 2 * GAP + PANEL, "image speed (mean |change| of [0, 1] pixels per second, 32 px)", t_steps, image_speed, COLOURS["image"], span, bounds=bounds)
    marks = [np.sqrt(motion.dim), 0.9 * np.sqrt(motion.dim)] if gaussian else []
    title = "latent norm" + (" (red: sqrt(D) and 0.9 sqrt(D))" if gaussian else "")
    _panel(draw, 3 * GAP + 2 * PANEL, title, t_frames, motion.norms, COLOURS["norm"], span, marks, bounds)
    if music is not None:
        _music_panels(draw, 4 * GAP + 3 * PANEL, music, film_fps or fps, span)
    draw.text((MARGIN_L, height - 18), f"time (s): 0 to {span:g}, {frames} frames at {fps:g} fps", fill=(0, 0, 0))
    return image


def save_plot(image: Image.Image, output: Path) -> Path:
    """Write the plot PNG atomically."""
    return save_png(image, output, "plot")
