"""A trajectory rendered straight to a file, or handed out as frame batches, from Python.

``render`` wires the three steps together: the ``Renderer`` draws uint8 batches, a
writer of ``odyssey.writers`` encodes them, and ``run_pipeline`` puts a bounded queue
between the two so encoding overlaps generation. It makes one file in one go; path
files are rendered in resumable segments by ``odyssey.segments`` instead.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import numpy as np
from tqdm import tqdm

from odyssey.models.base import Generator
from odyssey.plan.trajectory import Trajectory
from odyssey.renderer.generate import Renderer, RenderSettings
from odyssey.renderer.pipeline import run_pipeline, share_cpu
from odyssey.writers import VideoSpec, open_writer, output_format, video_pixel_format


def iter_frames(
    generator: Generator,
    trajectory: Trajectory,
    settings: RenderSettings | None = None,
    *,
    start: int = 0,
    end: int | None = None,
) -> Iterator[np.ndarray]:
    """Frames ``[start, end)`` as ``(B, H, W, C)`` uint8 numpy batches, in order."""
    yield from Renderer(generator, settings).batches(trajectory, start, end)


def render(
    generator: Generator,
    trajectory: Trajectory,
    output: str | Path,
    settings: RenderSettings | None = None,
    *,
    crf: int | None = None,
    preset: str = "medium",
    codec: str = "libx264",
    threads: int | None = None,
    progress: bool = True,
) -> Path:
    """Render the whole trajectory into ``output`` (.mp4/.webm/.gif or a PNG folder).

    The file appears only when complete; on any error or Ctrl-C nothing is left there.
    """
    output = Path(output)
    renderer = Renderer(generator, replace(settings or RenderSettings(), alpha=output_format(output) == "png"))
    width, height = renderer.size
    spec = VideoSpec(
        path=output, width=width, height=height, fps=trajectory.fps, channels=renderer.channels,
        crf=crf, preset=preset, codec=codec, threads=threads,
        pixel_format=video_pixel_format(output_format(output), width, height, renderer.channels),
    )  # fmt: skip
    bar = tqdm(total=trajectory.num_frames, unit="frame", desc=output.name, file=sys.stderr, disable=not progress, dynamic_ncols=True)
    with bar, open_writer(spec) as writer, share_cpu(renderer.device, writer.encoder_pid) as share:
        run_pipeline(renderer.batches(trajectory, pixel_format=spec.pixel_format), writer.write, on_written=bar.update, share=share)
    return output
