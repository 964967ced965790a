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
    class_: Union[str, int, None] = Field(None, alias="class", description="Class name or index, for conditional models; interpolated as a soft label.")
    hold: DurationField | None = Field(None, description="How long to stay on this keyframe (seconds or 'Nf'). Defaults to path.hold.")
    duration: DurationField | None = Field(None, description="Length of the move from this keyframe to the next (seconds or 'Nf'). Defaults to an equal share.")

    @model_validator(mode="after")
    def _one_source(self) -> "KeyframeSpec":
        if self.seed is not None and self.vector is not None:
            raise ValueError("give either 'seed' or 'vector', not both")
        return self


class PathSpec(_Strict):
    """The route through latent space: keyframes and how to move between them."""

    keyframes: Annotated[list[KeyframeSpec], BeforeValidator(_seeds_to_keyframes)] = Field(
        ..., min_length=1,
        description="Keyframes in order. A bare number is a seed; an entry without seed or vector uses seed = top-level seed + its index.",
    )
    interpolation: Literal["lerp", "slerp", "spline"] = Field("slerp", description="lerp: straight lines; slerp: great circles keeping norms; spline: a smooth cubic through every keyframe.")
    loop: bool = Field(False, description="Return to the first keyframe and loop without a seam (the first frame is never repeated at the end).")
    duration: DurationField | None = Field(None, description="Length of the whole path, holds included (seconds or 'Nf'). Moves without their own duration share what is left.")
    transition: DurationField | None = Field(None, description="Default length of each move between keyframes when path.duration is not given (2 s if neither is).")
    hold: DurationField = Field(Duration(seconds=0.0), description="Default time spent on each keyframe.")
    easing: str = Field("linear", description="Easing within each move: linear, smoothstep, smootherstep, cosine, quad/cubic/quintic-in/out/in-out.")


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
    truncation: float = Field(1.0, ge=0.0, le=2.0, description="Truncation psi: <1 pulls latents toward the mean for cleaner, less varied images.")
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


def _field_names(loc: tuple) -> list[str]:
    """The keys the config section at ``loc`` accepts (by alias), for 'did you mean'."""
    section: type[BaseModel] = OdysseyConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = next((f for n, f in section.model_fields.items() if part in (n, f.alias)), None)
        inner = _first_model(field.annotation) if field else None
        if inner is None:
            return []
        section = inner
    return [f.alias or n for n, f in section.model_fields.items()]


def _first_model(annotation: Any) -> type[BaseModel] | None:
    """The first BaseModel inside an annotation like ``list[KeyframeSpec] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def format_validation_error(err: ValidationError, source: str) -> str:
    """One line: the file, the field, what is wrong, and the fix."""
    errors = sorted(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    loc = tuple(first["loc"])
    where = ".".join(str(p) for p in loc) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        names = _field_names(loc)
        close = difflib.get_close_matches(str(loc[-1]), names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed here: {', '.join(names)}"
        message = f"unknown key '{loc[-1]}'; {hint}"
    elif kind == "missing":
        message = "this field is required"
    else:
        message = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(err.errors()) - 1} more problem(s))" if len(err.errors()) > 1 else ""
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
    """Make model files and vector keyframes absolute against the path file's folder."""
    spec = config.model
    model_file = base / Path(spec.path).expanduser()
    model = spec.model_copy(update={"path": str(model_file)}) if _looks_like_file(spec.path) else spec
    keyframes = [
        k.model_copy(update={"vector": str(base / Path(k.vector).expanduser())}) if k.vector else k
        for k in config.path.keyframes
    ]
    return config.model_copy(update={"model": model, "path": config.path.model_copy(update={"keyframes": keyframes})})


def _looks_like_file(name: str) -> bool:
    return "/" in name or "\\" in name or Path(name).suffix != ""


def json_schema() -> dict:
    """The JSON schema of path files, for editors (yaml-language-server and others)."""
    schema = OdysseyConfig.model_json_schema(by_alias=True)
    schema["title"] = "odyssey path file"
    defs = schema.get("$defs", {})
    # Advertise the shorthands that the before-validators accept.
    duration = {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": _DURATION.pattern}, {"$ref": "#/$defs/Duration"}]}
    for section, names in (("KeyframeSpec", ("hold", "duration")), ("PathSpec", ("duration", "transition", "hold"))):
        for name in names:
            prop = defs[section]["properties"][name]
            keep = {k: v for k, v in prop.items() if k in ("description", "default")}
            defs[section]["properties"][name] = {**duration, **keep}
    keyframes = defs["PathSpec"]["properties"]["keyframes"]
    keyframes["items"] = {"anyOf": [{"type": "integer", "minimum": 0}, {"$ref": "#/$defs/KeyframeSpec"}]}
    schema["properties"]["model"] = {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/ModelSpec"}]}
    for name, field in OdysseyConfig.model_fields.items():  # pydantic drops descriptions beside a bare $ref
        schema["properties"][field.alias or name].setdefault("description", field.description)
    return schema
