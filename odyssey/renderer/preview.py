"""Contact sheets: the keyframes and evenly spaced frames of a path, on one PNG.

A quick look at a path before a long render: frames are picked by index, drawn in
batches by the same ``Renderer`` as the video (so they are exactly the video's frames),
tiled in a grid with each tile's frame number, and saved atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from odyssey.config import DEFAULT_RENDERS_DIR
from odyssey.plan.job import load_job
from odyssey.plan.trajectory import Trajectory
from odyssey.renderer.generate import Renderer
from odyssey.writers.still import save_png

LABEL_HEIGHT = 14


def pick_frames(trajectory: Trajectory, count: int = 12) -> list[int]:
    """Keyframe frames plus ``count`` evenly spaced frames, sorted, without repeats."""
    total = trajectory.num_frames
    even = np.linspace(0, total, num=max(1, count), endpoint=not trajectory.loop and total > 1)
    picks = {min(total - 1, int(round(i))) for i in even} | set(trajectory.keyframe_frames())
    return sorted(i for i in picks if 0 <= i < total)


def contact_sheet(tiles: np.ndarray, indices: list[int], columns: int | None = None) -> Image.Image:
    """``(N, H, W, C)`` uint8 tiles -> one RGB image with a frame number under each tile."""
    count, height, width, channels = tiles.shape
    columns = columns or int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    sheet = Image.new("RGB", (columns * width, rows * (height + LABEL_HEIGHT)), "black")
    draw = ImageDraw.Draw(sheet)
    for n, (tile, index) in enumerate(zip(tiles, indices)):
        x, y = (n % columns) * width, (n // columns) * (height + LABEL_HEIGHT)
        image = Image.fromarray(tile[..., 0] if channels == 1 else tile).convert("RGB")
        sheet.paste(image, (x, y))
        draw.text((x + 2, y + height + 1), f"#{index}", fill="white")
    return sheet


def render_preview(renderer: Renderer, trajectory: Trajectory, output: Path, count: int = 12) -> Path:
    """Render the picked frames and write the contact sheet PNG to ``output``."""
    indices = pick_frames(trajectory, count)
    batches = []
    for first in range(0, len(indices), renderer.batch_size):
        chunk = indices[first : first + renderer.batch_size]
        batches.append(renderer.render_latents(*trajectory.at(chunk)).cpu().numpy())  # (b, H, W, C)
    sheet = contact_sheet(np.concatenate(batches), indices)
    return save_png(sheet, output, "preview")


def preview_file(
    path_file: str | Path, overrides: Sequence[str] = (), output: str | Path | None = None, *, frames: int = 12
) -> Path:
    """``odyssey preview``: a contact sheet PNG of the path's keyframes and ``frames`` more."""
    job = load_job(path_file, overrides, check_output=False)
    target = Path(output) if output is not None else DEFAULT_RENDERS_DIR / f"{Path(path_file).stem}-preview.png"
    return render_preview(Renderer(job.generator, job.settings), job.trajectory, target, count=frames)
