"""The Python API: load a model, build a path, render to a file or iterate frames.

Everything the command line does is a call here; the CLI only parses arguments. This
module holds no logic of its own: it names, in one place, the functions of the layers
below that make up odyssey's public surface.

    >>> import odyssey
    >>> gen = odyssey.load_generator("dcgan-faces")
    >>> path = odyssey.keyframe_path(gen, [1, 2, 3], seconds=6, loop=True)
    >>> odyssey.render(gen, path, "renders/faces.mp4", odyssey.RenderSettings(size=256))

Plan, render and write stay separate: ``odyssey.plan`` (``keyframe_path``,
``load_job``) plans, ``odyssey.renderer`` draws frames, ``odyssey.writers`` encodes
them, ``odyssey.segments`` makes long renders resumable; ``render`` only wires the
three together through a bounded queue so encoding overlaps generation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from odyssey.adapters import describe_models, load_generator
from odyssey.adapters.convert import convert_checkpoint
from odyssey.config import RenderSettings, json_schema, load_config
from odyssey.config.fields import parse_seeds
from odyssey.config.files import input_files
from odyssey.config.loading import read_yaml
from odyssey.config.relocate import absolute_files, relative_files
from odyssey.models.base import Generator, ModelInfo, StyleSettings
from odyssey.plan import Job, Trajectory, keyframe_path, load_job
from odyssey.plan.export import save_latents
from odyssey.plan.plane_map import PlaneLatents, plane_latents
from odyssey.plan.summary import plot_motion, summarize
from odyssey.renderer import Renderer, iter_frames, render
from odyssey.renderer.preview import preview_file, seed_sheet
from odyssey.renderer.tiles import TilesCancelled, latent_tiles, seed_tiles
from odyssey.segments import SegmentReport
from odyssey.segments.check import check_file
from odyssey.segments.plan import plan_segments
from odyssey.segments import join_path_file as join_file
from odyssey.segments import render_path_file as render_segments
from odyssey.train.vae import train_vae
from odyssey.writers.arrays import save_array
from odyssey.writers.spec import fps_fraction

__all__ = [
    "Generator",
    "Job",
    "ModelInfo",
    "PlaneLatents",
    "Renderer",
    "RenderSettings",
    "SegmentReport",
    "StyleSettings",
    "TilesCancelled",
    "Trajectory",
    "absolute_files",
    "check_file",
    "convert_checkpoint",
    "describe_models",
    "fps_fraction",
    "input_files",
    "iter_frames",
    "join_file",
    "keyframe_path",
    "latent_tiles",
    "load_config",
    "load_generator",
    "load_job",
    "parse_seeds",
    "path_file_schema",
    "plan_segments",
    "plane_latents",
    "plot_motion",
    "preview_file",
    "read_yaml",
    "relative_files",
    "render",
    "render_file",
    "render_segments",
    "save_array",
    "save_latents",
    "seed_sheet",
    "seed_tiles",
    "summarize",
    "train_vae",
]


def render_file(path_file: str | Path, overrides: Sequence[str] = (), output: str | Path | None = None, *, progress: bool = True) -> Path:
    """``odyssey render``: the path file rendered to its output (in segments); returns the output path."""
    return render_segments(path_file, overrides, output, progress=progress).output


def path_file_schema() -> dict:
    """``odyssey schema``: the JSON schema of path files."""
    return json_schema()
