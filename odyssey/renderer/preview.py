"""Contact sheets: a path's keyframes and evenly spaced frames, or a model's seeds, on one PNG.

A quick look before a long render. ``preview_file`` (``odyssey preview``): frames are
picked by index, drawn in batches by the same ``Renderer`` as the video (so they are
exactly the video's frames), tiled with each tile's frame number and, for keyframes, its
seed or file. ``seed_sheet`` (``odyssey seeds``): one tile per seed, labelled, to choose
keyframes from, as peers' ``--seeds 0-99`` sheets. Both are saved atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from odyssey.adapters import load_generator
from odyssey.config import DEFAULT_RENDERS_DIR
from odyssey.config.fields import parse_seeds
from odyssey.errors import ConfigError
from odyssey.plan.job import load_job
from odyssey.plan.trajectory import Trajectory
from odyssey.renderer.generate import Renderer
from odyssey.renderer.tiles import seed_tiles
from odyssey.writers.still import save_png

LABEL_HEIGHT = 14
SEED_TILE = 128  # a seed sheet's tiles are at most this wide unless asked otherwise


def pick_frames(trajectory: Trajectory, count: int = 12) -> list[int]:
    """Keyframe frames plus ``count`` evenly spaced frames, sorted, without repeats."""
    total = trajectory.num_frames
    even = np.linspace(0, total, num=max(1, count), endpoint=not trajectory.loop and total > 1)
    picks = {min(total - 1, int(round(i))) for i in even} | set(trajectory.keyframe_frames())
    return sorted(i for i in picks if 0 <= i < total)


def contact_sheet(tiles: np.ndarray, labels: Sequence[str], columns: int | None = None) -> Image.Image:
    """``(N, H, W, C)`` uint8 tiles -> one RGB image with its label under each tile (cut to the tile's width)."""
    count, height, width, channels = tiles.shape
    columns = columns or int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    sheet = Image.new("RGB", (columns * width, rows * (height + LABEL_HEIGHT)), "black")
    draw = ImageDraw.Draw(sheet)
    for n, (tile, label) in enumerate(zip(tiles, labels)):
        x, y = (n % columns) * width, (n // columns) * (height + LABEL_HEIGHT)
        image = Image.fromarray(tile[..., 0] if channels == 1 else tile).convert("RGB")
        sheet.paste(image, (x, y))
        while label and draw.textlength(label) > width - 3:
            label = label[:-1]
        draw.text((x + 2, y + height + 1), label, fill="white")
    return sheet


def render_preview(renderer: Renderer, trajectory: Trajectory, output: Path, count: int = 12) -> Path:
    """Render the picked frames and write the contact sheet PNG to ``output``."""
    indices = pick_frames(trajectory, count)
    names = dict(zip(trajectory.keyframe_frames(), trajectory.keyframe_names))
    labels = [f"#{i} {names[i]}" if i in names else f"#{i}" for i in indices]
    batches = []
    for first in range(0, len(indices), renderer.batch_size):
        chunk = indices[first : first + renderer.batch_size]
        batches.append(renderer.render_latents(*trajectory.at(chunk)).cpu().numpy())  # (b, H, W, C)
    sheet = contact_sheet(np.concatenate(batches), labels)
    return save_png(sheet, output, "preview")


def preview_file(
    path_file: str | Path, overrides: Sequence[str] = (), output: str | Path | None = None, *, frames: int = 12
) -> Path:
    """``odyssey preview``: a contact sheet PNG of the path's keyframes and ``frames`` more."""
    job = load_job(path_file, overrides, check_output=False)
    target = Path(output) if output is not None else DEFAULT_RENDERS_DIR / f"{Path(path_file).stem}-preview.png"
    return render_preview(Renderer(job.generator, job.settings), job.trajectory, target, count=frames)


def seed_sheet(
    model: str | Path,
    seeds: str | Sequence[int],
    output: str | Path | None = None,
    *,
    truncation: float = 1.0,
    class_: str | int | None = None,
    size: int | None = None,
    columns: int | None = None,
    device: str = "auto",
) -> Path:
    """``odyssey seeds``: one labelled tile per seed (``"0-63"``, ``"3, 10-12"`` or a list), the
    picture each seed gives as a keyframe (same latent, same truncation psi), on one PNG.

    ``size`` is the tile width (default: the model's, at most 128 px); ``output`` defaults to
    ``renders/seeds-<model>-<first>-<last>.png``.
    """
    try:
        chosen = parse_seeds(seeds) if isinstance(seeds, str) else [int(s) for s in seeds]
    except ValueError as exc:
        raise ConfigError(f"seeds: {exc}") from None
    if not chosen:
        raise ConfigError("seeds: give at least one seed, e.g. 0-15")
    if not 0 <= truncation <= 2:
        raise ConfigError(f"--truncation: psi is between 0 and 2 (1 = none), got {truncation:g}")
    generator = load_generator(model)
    info = generator.info
    label = None
    if info.conditional:
        if isinstance(class_, str) and class_.isdigit() and class_ not in (info.class_names or ()):
            class_ = int(class_)  # "--class 2" on the command line: an index
        if class_ is None:
            raise ConfigError(f"{info.name} is conditional: give --class (one of {', '.join(info.class_names or ())})")
        try:
            label = info.class_index(class_)
        except ValueError as exc:
            raise ConfigError(f"--class: {exc}") from None
    elif class_ is not None:
        raise ConfigError(f"--class: {info.name} is not conditional, so it takes no class; remove it")
    width = size or min(info.resolution[1], SEED_TILE)
    tiles = seed_tiles(generator, chosen, truncation=truncation, label=label, size=width, device=device)
    suffix = f" {info.class_names[label]}" if label is not None and info.class_names else ""
    sheet = contact_sheet(tiles, [f"seed {seed}{suffix}" for seed in chosen], columns)
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in info.name)
    target = Path(output) if output is not None else DEFAULT_RENDERS_DIR / f"seeds-{name}-{chosen[0]}-{chosen[-1]}.png"
    return save_png(sheet, target, "seed sheet")
