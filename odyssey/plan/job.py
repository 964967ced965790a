"""A path file, validated and planned: the config, the styled model and the trajectory.

``load_job`` is what ``odyssey check``, ``plan``, ``preview`` and ``render`` start from:
the path file is read and validated (with ``--set`` overrides), the output checked, and
only then is the model loaded and the path planned, so a typo fails in milliseconds.
``plan_config`` is the model-and-plan half alone, for a process that already holds a
validated config (a Ray worker, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from odyssey.adapters import load_generator
from odyssey.config import OdysseyConfig, RenderSettings, load_config
from odyssey.models.base import Generator
from odyssey.plan.planner import plan_trajectory
from odyssey.plan.styles import style_generator
from odyssey.plan.trajectory import Trajectory
from odyssey.writers import check_output as check_destination


@dataclass
class Job:
    """A path file, validated and planned: everything ``odyssey render`` needs."""

    source: Path
    config: OdysseyConfig
    output: Path
    generator: Generator
    trajectory: Trajectory

    @property
    def settings(self) -> RenderSettings:
        """The render settings the path file asks for."""
        return RenderSettings.from_config(self.config)


def plan_config(config: OdysseyConfig) -> tuple[Generator, Trajectory]:
    """Load the config's model (as its ``space``, ``noise`` and truncation drive it) and plan its path."""
    spec = config.model
    generator = style_generator(config, load_generator(spec.path, format=spec.format, options=spec.options))
    return generator, plan_trajectory(config, generator)


def load_job(path_file: str | Path, overrides: Sequence[str] = (), output: str | Path | None = None, *, check_output: bool = True) -> Job:
    """Validate a path file (with overrides), check the output and ffmpeg, load the model, plan.

    Cheap checks run before the model is loaded, so a typo fails in milliseconds.
    """
    config, out_path = load_config(path_file, list(overrides), output)
    if check_output:
        check_destination(out_path)
    generator, trajectory = plan_config(config)
    return Job(Path(path_file), config, out_path, generator, trajectory)
