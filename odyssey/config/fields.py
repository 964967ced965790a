"""Shared field types of path files: durations (seconds or frames), shorthands, strict models."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


DEFAULT_MODEL = "dcgan-faces"
DEFAULT_RENDERS_DIR = Path("renders")

_DURATION = re.compile(r"^\s*((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*(s|sec|f|frames?)?\s*$")
MAX_SEED = 2**32 - 1  # NumPy's RandomState (NVIDIA's seeds) takes 0 .. 2**32 - 1
MAX_SECONDS = 10_000_000.0  # 115 days: far beyond any film, far below what breaks the arithmetic
MAX_FRAMES = 2**27  # 134 million frames: 25 days at 60 fps (a 24-hour loop at 60 fps is 5.2 million)
SeedField = Annotated[int, Field(ge=0, le=MAX_SEED)]


class Duration(BaseModel):
    """A span of time given in seconds or in frames (exactly one of the two)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
    seconds: float | None = Field(None, ge=0, le=MAX_SECONDS, description="Length in seconds.")
    frames: int | None = Field(None, ge=0, le=MAX_FRAMES, description="Length in frames.")

    @model_validator(mode="after")
    def _exactly_one(self) -> "Duration":
        if (self.seconds is None) == (self.frames is None):
            raise ValueError("give a duration in seconds or in frames, e.g. 2.5 or '60f'")
        return self

    def to_seconds(self, fps: float) -> float:
        return self.seconds if self.seconds is not None else (self.frames or 0) / fps


def _parse_duration(value: Any) -> Any:
    """``2``/``2.5``/``"2.5s"`` -> seconds, ``"75f"`` -> frames; anything else passes on."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '2s' or '48f'")
    if isinstance(value, (int, float)):
        return {"seconds": float(value)}
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"cannot read {value!r} as a duration; write seconds like 2.5 or '2.5s', or frames like '60f'")
        number, unit = match.groups()
        if unit and unit.startswith("f"):
            count = float(number)
            if count != int(count) or count > MAX_FRAMES:
                raise ValueError(f"a frame count is a whole number up to {MAX_FRAMES}: {value!r}")
            return {"frames": int(count)}
        return {"seconds": float(number)}
    return value


MAX_SEEDS = 10_000
_SEED_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def parse_seeds(text: str) -> list[int]:
    """``"0-7"``, ``"3, 10-12, 40"`` -> the seeds, in order (ranges inclusive); ValueError if unreadable."""
    seeds: list[int] = []
    for part in str(text).split(","):
        match = _SEED_RANGE.match(part)
        if not match:
            raise ValueError(f"cannot read {text!r} as seeds; write a seed (7), a range (0-7) or a list (0-3, 10, 12-15)")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise ValueError(f"the seed range {part.strip()!r} runs backwards; write it low-high, e.g. {last}-{first}")
        if last > MAX_SEED:
            raise ValueError(f"seed {last} is too large; seeds are 0 to {MAX_SEED}")
        if len(seeds) + last - first + 1 > MAX_SEEDS:
            raise ValueError(f"{text!r} names more than {MAX_SEEDS} seeds; give fewer")
        seeds.extend(range(first, last + 1))
    return seeds


def _seeds_to_keyframes(value: Any) -> Any:
    """Keyframe shorthands: a bare number is ``{seed: N}``; a string of seeds (``0-7``, or
    ``3, 10-12`` as one item) stands for one keyframe per seed."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return value
    keyframes: list[Any] = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            keyframes.append({"seed": item})
        elif isinstance(item, str):
            keyframes.extend({"seed": seed} for seed in parse_seeds(item))
        else:
            keyframes.append(item)
    return keyframes


def _name_to_model(value: Any) -> Any:
    """``model: NAME`` is shorthand for ``model: {path: NAME}``."""
    return {"path": value} if isinstance(value, str) else value


DurationField = Annotated[Duration, BeforeValidator(_parse_duration)]


def _as_tuple(value: Any) -> Any:
    """YAML has lists, not tuples: ``[640, 360]`` is the pair (640, 360)."""
    return tuple(value) if isinstance(value, list) else value


IntPair = Annotated[tuple[int, int], BeforeValidator(_as_tuple)]
FloatPair = Annotated[tuple[float, float], BeforeValidator(_as_tuple)]
CurvePoint = Annotated[tuple[DurationField, float], BeforeValidator(_as_tuple)]


class _Strict(BaseModel):
    """A path-file section: unknown keys are errors, numbers are numbers (not "30", not true),
    and NaN or infinity is refused where it is read."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True, allow_inf_nan=False)

