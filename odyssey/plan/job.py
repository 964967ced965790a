"""A path file, validated and planned: the config, the styled model and the trajectory.

``load_job`` is what ``odyssey check``, ``plan``, ``preview`` and ``render`` start from:
the path file is read and validated (with ``--set`` overrides), the output checked, and
only then is the model loaded and the path planned, so a typo fails in milliseconds.
``plan_config`` is the model-and-plan half alone, for a process that already holds a
validated config (a Ray worker, say).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from odyssey.adapters import load_generator
from odyssey.config import OdysseyConfig, RenderSettings, load_config
from odyssey.config.loading import PathFile, source_name
from odyssey.errors import CheckpointError, ConfigError, OdysseyError, WriterError
from odyssey.models.base import Generator
from odyssey.plan.planner import plan_trajectory
from odyssey.plan.styles import style_generator
from odyssey.plan.trajectory import Trajectory
from odyssey.writers import check_output as check_destination


@dataclass
class Job:
    """A path file, validated and planned: everything ``odyssey render`` needs."""

    source: Path | str  # the path file, or "path (a dict)"
    config: OdysseyConfig
    output: Path
    generator: Generator
    trajectory: Trajectory

    @property
    def settings(self) -> RenderSettings:
        """The render settings the path file asks for."""
        return RenderSettings.from_config(self.config)


log = logging.getLogger(__name__)


def plan_config(config: OdysseyConfig) -> tuple[Generator, Trajectory]:
    """Load the config's model (as its ``space``, ``noise`` and truncation drive it) and plan its path."""
    spec = config.model
    log.info(f"loading model {spec.path}")
    started = time.perf_counter()
    generator = style_generator(config, load_generator(spec.path, format=spec.format, options=spec.options))
    info = generator.info
    log.info(f"loaded {info.name} ({info.family}, {info.resolution[1]}x{info.resolution[0]}) in {time.perf_counter() - started:.1f} s; planning the path")
    return generator, plan_trajectory(config, generator)


def load_job(path_file: PathFile, overrides: Sequence[str] = (), output: str | Path | None = None, *, check_output: bool = True) -> Job:
    """Validate a path file (with overrides), check the output and ffmpeg, load the model, plan.

    ``path_file`` is a YAML file or a dict of the same structure (what a script builds;
    file names in it are relative to the current folder). Cheap checks run before the
    model is loaded, so a typo fails in milliseconds. Errors of planning name the path file.
    """
    config, out_path = load_config(path_file, list(overrides), output)
    source = source_name(path_file)
    if check_output:
        check_output_for(source, out_path)
    try:
        generator, trajectory = plan_config(config)
    except ConfigError as exc:
        raise name_errors(source, exc) from None
    except CheckpointError as exc:  # about the file 'model:' names
        raise name_errors(source, exc, "model") from None
    return Job(source if isinstance(path_file, Mapping) else Path(path_file), config, out_path, generator, trajectory)


def check_output_for(source: str, output: Path) -> None:
    """``writers.check_output``, its errors naming the path file and the field."""
    try:
        check_destination(output)
    except WriterError as exc:
        raise name_errors(source, exc, "output") from None


def name_errors(source: str, error: OdysseyError, field: str | None = None) -> OdysseyError:
    """``error`` (same type) with the path file ``source`` (and ``field``) named in front of each line."""
    error.args = (named(f"{source}: {field}" if field else source, str(error)),)
    return error


def named(source: str, message: str) -> str:
    """``message`` with the path file ``source`` in front of each line (unless it is there)."""
    return "\n".join(line if line.startswith(source) else f"{source}: {line}" for line in message.splitlines())
