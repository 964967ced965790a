"""Path files: the typed, validated description of one render.

A path file is YAML a person writes by hand. It is read, overridden from the command
line and validated once, here, into an ``OdysseyConfig``; nothing below this layer
sees YAML or raw dicts. Precedence is stated in one function, ``load_config``:
command line (``--out``, ``--set key.sub=value``) > the file > the defaults below.

Durations are a number of seconds (``2.5``) or a string with a unit (``"2.5s"``,
``"75f"`` for frames). Relative file names in the file resolve against the file's
folder; ``--out`` resolves against the current directory.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from odyssey.errors import ConfigError

DEFAULT_MODEL = "dcgan-faces"
DEFAULT_RENDERS_DIR = Path("renders")

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(s|sec|f|frames?)?\s*$")


class Duration(BaseModel):
    """A span of time given in seconds or in frames (exactly one of the two)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    seconds: float | None = Field(None, ge=0, description="Length in seconds.")
    frames: int | None = Field(None, ge=0, description="Length in frames.")

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
            if "." in number:
                raise ValueError(f"a frame count must be whole: {value!r}")
            return {"frames": int(number)}
        return {"seconds": float(number)}
    return value


def _seeds_to_keyframes(value: Any) -> Any:
    """A bare number in the keyframe list is shorthand for ``{seed: N}``."""
    if isinstance(value, list):
        return [{"seed": v} if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
    return value


def _name_to_model(value: Any) -> Any:
    """``model: NAME`` is shorthand for ``model: {path: NAME}``."""
    return {"path": value} if isinstance(value, str) else value


DurationField = Annotated[Duration, BeforeValidator(_parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class KeyframeSpec(_Strict):
    """One keyframe: where the path passes, and how long it stays there."""

    seed: int | None = Field(None, ge=0, description="Draw the latent from this seed (on the CPU, so any device gives the same frame).")
    vector: str | None = Field(None, description="A saved latent: a .npy file of the model's latent shape (relative to this file).")
    image: str | None = Field(None, description="A picture (PNG, JPEG, ...) encoded by a VAE to the mean of q(z|x) (relative to this file).")
    class_: Union[str, int, None] = Field(None, alias="class", description="Class name or index, for conditional models; interpolated as a soft label.")
    hold: DurationField | None = Field(None, description="How long to stay on this keyframe (seconds or 'Nf'). Defaults to path.hold.")
    duration: DurationField | None = Field(None, description="Length of the move from this keyframe to the next (seconds or 'Nf'). Defaults to an equal share.")

    @model_validator(mode="after")
    def _one_source(self) -> "KeyframeSpec":
        given = [name for name in ("seed", "vector", "image") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give either '{given[0]}' or '{given[1]}', not both" if len(given) == 2 else "give one of 'seed', 'vector' or 'image'")
        return self


def _seed_shorthand(value: Any) -> Any:
    """A bare number is ``{seed: N}``."""
    return {"seed": value} if isinstance(value, int) and not isinstance(value, bool) else value


def _seed_or_direction(value: Any) -> Any:
    """A bare number is ``{seed: N}``; a string is ``{direction: TEXT}`` (``pca:K`` or a .npy file)."""
    return {"direction": value} if isinstance(value, str) else _seed_shorthand(value)


Speed = Literal["natural", "constant", "uniform-image"]
Interpolation = Literal["lerp", "slerp", "spline", "spherical"]
_DIRECTION = re.compile(r"^pca:\d+$|\.npy$")


def _check_direction(value: str | None) -> str | None:
    if value is not None and not _DIRECTION.search(value.strip()):
        raise ValueError(f"a direction is 'pca:K' (K = 0, 1, ...) or a .npy file; got {value!r}")
    return value.strip() if value is not None else None


class AxisSpec(_Strict):
    """One axis of a plane: a latent (seed or vector) or a direction (pca:K or a .npy file)."""

    seed: int | None = Field(None, ge=0, description="The axis points toward this seed's latent.")
    vector: str | None = Field(None, description="The axis points toward this saved latent (.npy, relative to this file).")
    direction: str | None = Field(None, description="A direction: 'pca:K' (K-th principal direction of the model, cached) or a .npy vector.")

    @model_validator(mode="after")
    def _exactly_one(self) -> "AxisSpec":
        if sum(v is not None for v in (self.seed, self.vector, self.direction)) != 1:
            raise ValueError("give an axis as one of seed, vector or direction, e.g. 7 or 'pca:0'")
        _check_direction(self.direction)
        return self


OriginField = Annotated[KeyframeSpec | None, BeforeValidator(_seed_shorthand)]
AxisField = Annotated[AxisSpec, BeforeValidator(_seed_or_direction)]


class _Leg(_Strict):
    duration: DurationField | None = Field(None, description="Length of this leg (seconds or 'Nf'). Without it, legs share what is left of path.duration.")
    easing: str | None = Field(None, description="Easing of each move of this leg (default: path.easing), applied on top of its speed.")
    speed: Speed | None = Field(None, description="natural: as the leg is timed; constant: constant latent speed (arc length); uniform-image: even change of the picture. Default: path.speed.")


class _Origin(_Leg):
    origin: OriginField = Field(None, description="Where the leg starts if it is the first leg (a seed or {vector: file}); later legs start where the previous one ended.")


class KeyframesLeg(_Leg):
    """Move through keyframes (the first is where a later leg of this kind starts from)."""

    type: Literal["keyframes"] = Field(description="Leg type.")
    keyframes: Annotated[list[KeyframeSpec], BeforeValidator(_seeds_to_keyframes)] = Field(..., min_length=1, description="Keyframes in order; a bare number is a seed.")
    interpolation: Interpolation | None = Field(None, description="lerp, slerp, spline or spherical (default: path.interpolation).")
    hold: DurationField | None = Field(None, description="Default time on each keyframe of this leg (default: path.hold).")
    transition: DurationField | None = Field(None, description="Default length of each move when the leg has no duration (default: path.transition, else 2 s).")


class WalkLeg(_Origin):
    """A random walk that stays in distribution: an Ornstein-Uhlenbeck process, N(0, I) marginals."""

    type: Literal["walk"] = Field(description="Leg type.")
    seed: int | None = Field(None, ge=0, description="Seed of the walk's noise (default: top-level seed + leg index).")
    correlation: float = Field(1.0, gt=0, le=3600, description="Correlation time in seconds: how long the walk keeps its heading (longer glides, shorter wanders).")
    smoothness: Literal[0, 1, 2] = Field(2, description="0: the classic OU process (jitters frame to frame); 1: continuous velocity; 2: also continuous acceleration.")
    loop: bool | None = Field(None, description="Periodic walk that returns seam-free to its start (default: when it is a looping path's only leg).")


class NoiseLoopLeg(_Origin):
    """A periodic band-limited Gaussian process per dimension: seam-free, N(0, 1) marginals."""

    type: Literal["noise-loop"] = Field(description="Leg type.")
    seed: int | None = Field(None, ge=0, description="Seed of the loop (default: top-level seed + leg index).")
    harmonics: int = Field(3, ge=1, le=4096, description="Detail: the fastest change, in cycles per loop.")


class _Plane(_Origin):
    axes: list[AxisField] | None = Field(None, min_length=2, max_length=2, description="Two axes of the plane (seeds, vectors or directions), orthonormalised; default: seeds seed+1 and seed+2.")


class CircleLeg(_Plane):
    """A circle on a plane that starts and ends at the current point."""

    type: Literal["circle"] = Field(description="Leg type.")
    radius: float = Field(0.35, gt=0, le=1, description="Radius in plane units (1 = a quarter turn of the shell: as far as an independent sample).")
    turns: int = Field(1, ge=1, le=100, description="Times around the circle.")


class LissajousLeg(_Plane):
    """A Lissajous figure on a plane through the current point."""

    type: Literal["lissajous"] = Field(description="Leg type.")
    amplitude: tuple[float, float] = Field((0.4, 0.4), description="Amplitudes along the two axes, in plane units.")
    frequency: tuple[int, int] = Field((1, 2), description="Whole frequencies along the two axes (cycles per leg), so the figure closes.")
    phase: float = Field(0.0, description="Phase of the first axis in degrees.")

    @field_validator("amplitude")
    @classmethod
    def _amplitudes(cls, value: tuple[float, float]) -> tuple[float, float]:
        if any(not 0 <= a <= 1 for a in value) or not any(value):
            raise ValueError("amplitudes are plane units from 0 to 1, not both 0")
        return value

    @field_validator("frequency")
    @classmethod
    def _frequencies(cls, value: tuple[int, int]) -> tuple[int, int]:
        if any(not 1 <= f <= 50 for f in value):
            raise ValueError("frequencies are whole cycles per leg from 1 to 50")
        return value


class PolylineLeg(_Plane):
    """Follow a drawn 2-D path (JSON or CSV points) smoothly on a plane."""

    type: Literal["polyline"] = Field(description="Leg type.")
    file: str = Field(..., description="Points: a JSON list of [x, y] (or {x, y}, or {points: [...]}) or a CSV of x,y rows; relative to this file.")
    size: float = Field(0.5, gt=0, le=2, description="Distance of the farthest point from the first, in plane units (drawings in any units are scaled to it).")
    closed: bool | None = Field(None, description="Return to the first point (default: when it is a looping path's only leg).")
    smoothing: float = Field(0.0, ge=0, le=1, description="0 passes through every point; larger values smooth a shaky drawing.")


class DirectionLeg(_Origin):
    """Move along a direction: a .npy vector or pca:K, the model's K-th principal direction."""

    type: Literal["direction"] = Field(description="Leg type.")
    direction: str = Field(..., description="'pca:K' (computed from the model, cached) or a .npy file of the latent's size.")
    amount: float = Field(3.0, ge=-100, le=100, description="How far to move along the unit direction, in latent units (per-dimension standard deviations); negative reverses it.")
    mode: Literal["once", "ping-pong"] = Field("once", description="once: to +amount; ping-pong: out to +amount, through the start to -amount and back (a loop).")

    @field_validator("direction")
    @classmethod
    def _direction(cls, value: str) -> str:
        return _check_direction(value) or value


class HoldLeg(_Leg):
    """Stay still for the leg's duration."""

    type: Literal["hold"] = Field(description="Leg type.")


LegSpec = Annotated[
    Union[KeyframesLeg, WalkLeg, NoiseLoopLeg, CircleLeg, LissajousLeg, PolylineLeg, DirectionLeg, HoldLeg],
    Field(discriminator="type"),
]
LEG_TYPES = ("keyframes", "walk", "noise-loop", "circle", "lissajous", "polyline", "direction", "hold")


class PathSpec(_Strict):
    """The route through latent space: keyframes (one leg), or legs joined end to end."""

    keyframes: Annotated[list[KeyframeSpec] | None, BeforeValidator(_seeds_to_keyframes)] = Field(
        None, min_length=1,
        description="Keyframes in order (a path of one keyframes leg). A bare number is a seed; an entry without seed or vector uses seed = top-level seed + its index.",
    )
    legs: list[LegSpec] | None = Field(None, min_length=1, description="Legs joined end to end, each starting where the last ended: keyframes, walk, noise-loop, circle, lissajous, polyline, direction, hold.")
    interpolation: Interpolation = Field("slerp", description="lerp: straight lines; slerp: great circles keeping norms; spline: a smooth cubic through every keyframe; spherical: a smooth spline that keeps norms on the shell.")
    loop: bool = Field(False, description="Return to the start and loop without a seam (the first frame is never repeated at the end).")
    duration: DurationField | None = Field(None, description="Length of the whole path, holds included (seconds or 'Nf'). Moves and legs without their own duration share what is left.")
    transition: DurationField | None = Field(None, description="Default length of each move between keyframes when path.duration is not given (2 s if neither is).")
    hold: DurationField = Field(Duration(seconds=0.0), description="Default time spent on each keyframe.")
    easing: str = Field("linear", description="Easing within each move: linear, smoothstep, smootherstep, cosine, quad/cubic/quintic-in/out/in-out.")
    speed: Speed = Field("natural", description="Default speed of legs: natural (as timed), constant (arc length in latent space), uniform-image (even change of the picture).")

    @model_validator(mode="after")
    def _keyframes_or_legs(self) -> "PathSpec":
        if (self.keyframes is None) == (self.legs is None):
            raise ValueError("give either keyframes (a path of one keyframes leg) or legs, not both or neither")
        return self


class TruncationSpec(_Strict):
    """Truncation in full: psi (a number or a curve over time), a layer cutoff and a centre."""

    psi: Union[float, list[tuple[DurationField, float]]] = Field(
        1.0, description="psi: a number, or a curve [[time, psi], ...] (times in seconds or 'Nf'), smooth and without overshoot between points."
    )
    cutoff: int | None = Field(None, ge=0, description="Models with layers (w space): truncate only layers before this index.")
    centre: Annotated[KeyframeSpec | None, BeforeValidator(_seed_shorthand)] = Field(
        None, description="Pull toward this latent (a seed or {vector: file}) instead of the mean."
    )

    @field_validator("psi")
    @classmethod
    def _psi_range(cls, value: Any) -> Any:
        values = [value] if isinstance(value, (int, float)) else [v for _, v in value]
        if not values or any(not 0.0 <= v <= 2.0 for v in values):
            raise ValueError("psi values lie between 0 and 2 (1 = no truncation); a curve needs at least one point")
        return value

    def curve(self, fps: float) -> list[tuple[float, float]] | None:
        """The psi curve as [(seconds, psi), ...], or None for a constant psi."""
        if isinstance(self.psi, (int, float)):
            return None
        return [(t.to_seconds(fps), float(v)) for t, v in self.psi]


class ModelSpec(_Strict):
    """A model given in full: file or bundled name, optional format and adapter options."""

    path: str = Field(..., description="A bundled model name (see `odyssey models`) or a checkpoint file (relative to this file).")
    format: str | None = Field(None, description="Force an adapter (e.g. 'native', 'dcgan') instead of guessing from the name and contents.")
    options: dict[str, Any] = Field(default_factory=dict, description="Adapter options, e.g. {nz: 100, num_classes: 8} for a raw DCGAN.")


class VideoSpec(_Strict):
    """Encoder settings."""

    crf: int | None = Field(None, ge=0, le=63, description="Quality (lower is better): MP4 default 18, WebM default 32.")
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"] = Field(
        "medium", description="x264 speed/size trade-off for MP4."
    )
    codec: Literal["libx264", "h264_nvenc", "hevc_nvenc", "auto"] = Field(
        "libx264", description="MP4 encoder: libx264, NVIDIA's h264_nvenc/hevc_nvenc, or auto (NVENC when it works here, else libx264)."
    )
    threads: int | None = Field(None, ge=1, le=64, description="Encoder threads; default: chosen so the encoder does not starve the generator on the CPU.")


class OdysseyConfig(_Strict):
    """A whole render: model, path, timing, output."""

    model: Annotated[ModelSpec, BeforeValidator(_name_to_model)] = Field(ModelSpec(path=DEFAULT_MODEL), description="A bundled model name, a checkpoint file, or {path, format, options}.")
    seed: int = Field(0, ge=0, description="Base seed: keyframes without seed or vector use seed + their index.")
    fps: float = Field(30.0, gt=0, le=240, description="Frames per second of the output.")
    output: str | None = Field(None, description="Output file (.mp4, .webm, .gif) or a folder for PNG frames. Default: renders/<path file name>.mp4 in the current folder.")
    size: Union[int, tuple[int, int], None] = Field(None, description="Output size: N (width N, height by aspect) or [width, height]. Default: the model's native size.")
    resize: Literal["nearest", "bilinear", "bicubic", "area"] = Field("bicubic", description="Filter for resizing frames to the output size.")
    truncation: Union[Annotated[float, Field(ge=0.0, le=2.0)], TruncationSpec] = Field(
        1.0, description="Truncation psi: <1 pulls latents toward the mean for cleaner, less varied images; or {psi, cutoff, centre} with psi a number or a curve over time."
    )
    class_: Union[str, int, None] = Field(None, alias="class", description="Default class for keyframes of a conditional model.")
    path: PathSpec = Field(..., description="The route through latent space.")
    device: Literal["auto", "cpu", "cuda", "mps"] = Field("auto", description="Where the generator runs; auto picks CUDA, then MPS, then CPU.")
    precision: Literal["auto", "fp32", "fp16", "bf16"] = Field("auto", description="Compute precision; auto = fp16 autocast on CUDA, fp32 elsewhere.")
    batch_size: int | None = Field(None, ge=1, le=4096, description="Frames per generator call; default chosen from resolution and device.")
    compile: bool = Field(False, description="Run the generator under torch.compile (slow to start; see BENCHMARKS.md for when it pays).")
    video: VideoSpec = Field(default_factory=VideoSpec, description="Encoder settings.")

    @field_validator("size")
    @classmethod
    def _positive_size(cls, value: Any) -> Any:
        sizes = [value] if isinstance(value, int) else list(value or [])
        if any(s < 1 or s > 8192 for s in sizes):
            raise ValueError("sizes must be between 1 and 8192 pixels")
        return value


def _set_override(data: dict, assignment: str) -> None:
    """Apply one ``key.sub=value`` (value parsed as YAML; list items by index) to ``data``."""
    key, sep, raw = assignment.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {assignment!r}: write key=value, e.g. --set fps=12 or --set path.loop=false")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    node: Any = data
    parts = key.strip().split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigError(f"--set {key}: {'.'.join(parts[:i]) or 'list'} has no item {part!r} (it has {len(node)})")
            index = int(part)
            if last:
                node[index] = value
            else:
                if isinstance(node[index], int):  # a bare seed becomes a keyframe mapping
                    node[index] = {"seed": node[index]}
                node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if part == "model" and not isinstance(node.get(part), dict):
                    node[part] = {"path": node.get(part) or DEFAULT_MODEL}
                node = node.setdefault(part, {})
        else:
            raise ConfigError(f"--set {key}: {'.'.join(parts[:i])} is a value, not a section")


def _models_in(annotation: Any) -> dict[str, type[BaseModel]]:
    """Models inside an annotation like ``list[LegSpec] | None``, by class name and by ``type`` tag."""
    found: dict[str, type[BaseModel]] = {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found[annotation.__name__] = annotation
        tag = annotation.model_fields.get("type")
        for value in getattr(tag.annotation, "__args__", ()) if tag else ():
            found[str(value)] = annotation
        return found
    for arg in getattr(annotation, "__args__", ()) or ():
        found.update(_models_in(arg))
    for meta in getattr(annotation, "__metadata__", ()) or ():
        found.update(_models_in(meta) if isinstance(meta, type) else {})
    return found


def _walk(loc: tuple) -> tuple[tuple, type[BaseModel] | None]:
    """``loc`` without pydantic's union labels and tags, and the config section it ends in."""
    section: type[BaseModel] | None = OdysseyConfig
    choices: dict[str, type[BaseModel]] = {}
    clean: list = []
    for part in loc:
        if isinstance(part, int):
            clean.append(part)
            continue
        field = None
        if section is not None:
            field = next((f for n, f in section.model_fields.items() if part in (n, f.alias)), None)
        if field is not None:
            clean.append(part)
            choices = _models_in(field.annotation)
            section = next(iter(set(choices.values()))) if len(set(choices.values())) == 1 else None
        elif part in choices:  # a union member's tag or class name: not a key the user wrote
            section = choices[part]
        else:  # a label such as 'constrained-float'
            section = None
    return tuple(clean), section


def _field_names(loc: tuple) -> list[str]:
    """The keys the config section at ``loc`` accepts (by alias), for 'did you mean'."""
    _, section = _walk(loc[:-1])
    return [f.alias or n for n, f in section.model_fields.items()] if section is not None else []


def _user_loc(error: dict) -> tuple:
    """Where an error is, as the keys the user wrote (an unknown key is kept as written)."""
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        return _walk(loc[:-1])[0] + loc[-1:]
    return _walk(loc)[0]


def format_validation_error(err: ValidationError, source: str) -> str:
    """One line: the file, the field, what is wrong, and the fix."""
    errors = err.errors()
    # Unknown keys first; then the deepest error (in a union, the branch that matched best).
    first = min(errors, key=lambda e: (e["type"] != "extra_forbidden", -len(_user_loc(e))))
    loc = _user_loc(first)
    where = ".".join(str(p) for p in loc) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        names = _field_names(tuple(first["loc"]))
        close = difflib.get_close_matches(str(loc[-1]), names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed here: {', '.join(names)}"
        message = f"unknown key '{loc[-1]}'; {hint}"
    elif kind == "missing":
        message = "this field is required"
    elif kind == "union_tag_invalid":
        tag = str(first["ctx"].get("tag"))
        close = difflib.get_close_matches(tag, LEG_TYPES, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"types: {', '.join(LEG_TYPES)}"
        where, message = f"{where}.type", f"unknown leg type '{tag}'; {hint}"
    elif kind == "union_tag_not_found":
        message = f"give the leg a type: {', '.join(LEG_TYPES)}"
    else:
        message = first["msg"].removeprefix("Value error, ")
    locs = {_user_loc(e) for e in errors}
    problems = {a for a in locs if not any(len(b) > len(a) and b[: len(a)] == a for b in locs)}  # drop failed union parents
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    return f"{source}: {where}: {message}{more}"


def read_yaml(path: Path) -> dict:
    """The raw mapping of a path file; ConfigError naming the file on any problem."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such path file; check the name (examples are in paths/)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{where}: invalid YAML ({problem}); fix the syntax there") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the path file ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a path file must be a mapping with at least 'path: {{keyframes: [...]}}'")
    return data


def validate(data: dict, source: str) -> OdysseyConfig:
    try:
        return OdysseyConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, source)) from None


def load_config(
    path: Path | str,
    overrides: list[str] | tuple[str, ...] = (),
    output: Path | str | None = None,
) -> tuple[OdysseyConfig, Path]:
    """Read, override and validate a path file. Precedence: CLI > file > defaults.

    Returns the config with every relative file name made absolute, and the resolved
    output path (``--out`` > ``output:`` in the file > ``renders/<stem>.mp4``).
    """
    path = Path(path)
    data = read_yaml(path)
    for assignment in overrides:
        _set_override(data, assignment)
    source = f"{path}" + (" (with --set overrides)" if overrides else "")
    config = validate(data, source)
    base = path.resolve().parent
    if output is not None:
        out_path = Path(output).expanduser().resolve()
    elif config.output:
        out_path = (base / Path(config.output).expanduser()).resolve()
    else:
        out_path = (DEFAULT_RENDERS_DIR / f"{path.stem}.mp4").resolve()
    return _resolve_files(config, base), out_path


def _resolve_files(config: OdysseyConfig, base: Path) -> OdysseyConfig:
    """Make model files and every file a path names (vectors, drawings, directions) absolute
    against the path file's folder."""
    spec = config.model
    model_file = base / Path(spec.path).expanduser()
    model = spec.model_copy(update={"path": str(model_file)}) if _looks_like_file(spec.path) else spec
    path = _with_files(config.path, base)
    truncation = _with_files(config.truncation, base) if isinstance(config.truncation, TruncationSpec) else config.truncation
    return config.model_copy(update={"model": model, "path": path, "truncation": truncation})


_FILE_FIELDS = ("vector", "file", "direction", "image")


def _with_files(node: Any, base: Path) -> Any:
    """A copy of a config section with relative file fields made absolute (``pca:K`` is left alone)."""
    if isinstance(node, list):
        return [_with_files(item, base) for item in node]
    if not isinstance(node, BaseModel):
        return node
    update = {}
    for name in type(node).model_fields:
        value = getattr(node, name)
        if name in _FILE_FIELDS and isinstance(value, str) and not value.startswith("pca:"):
            update[name] = str(base / Path(value).expanduser())
        elif isinstance(value, (BaseModel, list)):
            update[name] = _with_files(value, base)
    return node.model_copy(update=update) if update else node


def _looks_like_file(name: str) -> bool:
    return "/" in name or "\\" in name or Path(name).suffix != ""


def json_schema() -> dict:
    """The JSON schema of path files, for editors (yaml-language-server and others)."""
    schema = OdysseyConfig.model_json_schema(by_alias=True)
    schema["title"] = "odyssey path file"
    # Advertise the shorthands that the before-validators accept, wherever the models appear.
    duration = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": _DURATION.pattern}, {"$ref": "#/$defs/Duration"}]}
    seed = {"type": "integer", "minimum": 0}
    shorthands = {
        "#/$defs/Duration": duration,
        "#/$defs/KeyframeSpec": {"anyOf": [seed, {"$ref": "#/$defs/KeyframeSpec"}]},
        "#/$defs/AxisSpec": {"anyOf": [seed, {"type": "string"}, {"$ref": "#/$defs/AxisSpec"}]},
    }

    def widen(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"$ref"} and node["$ref"] in shorthands:
                return shorthands[node["$ref"]]
            return {k: widen(v) for k, v in node.items()}
        if isinstance(node, list):
            return [widen(v) for v in node]
        return node

    schema["$defs"] = {name: widen(d) for name, d in schema.get("$defs", {}).items()}
    schema["properties"]["model"] = {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/ModelSpec"}]}
    for name, field in OdysseyConfig.model_fields.items():  # pydantic drops descriptions beside a bare $ref
        schema["properties"][field.alias or name].setdefault("description", field.description)
    return schema
