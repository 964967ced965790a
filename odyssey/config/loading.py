"""Reading a path file: YAML, --set overrides, one-line validation errors, file resolution, schema.

Precedence is stated in one function, ``load_config``: command line > file > defaults.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

import yaml
from pydantic import BaseModel, ValidationError

from odyssey.config import safe_yaml
from odyssey.config.files import FILE_FIELDS as _FILE_FIELDS
from odyssey.config.files import check_output_is_not_an_input, check_output_name, input_files, user_path
from odyssey.config.fields import DEFAULT_MODEL, DEFAULT_RENDERS_DIR, _DURATION, Duration
from odyssey.config.leg_specs import LEG_TYPES, TruncationSpec
from odyssey.config.spec import OdysseyConfig
from odyssey.errors import ConfigError


def _set_override(data: dict, assignment: str, cwd: Path | None = None) -> None:
    """Apply one ``key.sub=value`` (value parsed as YAML; list items by index) to ``data``.

    File names in the value are relative to ``cwd`` (where the user stands), not to the
    path file: they are made absolute here, before the file's own names are resolved.
    """
    key, sep, raw = assignment.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {assignment!r}: write key=value, e.g. --set fps=12 or --set path.loop=false")
    try:
        value = safe_yaml.load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    except ConfigError as exc:
        raise ConfigError(f"--set {key.strip()}: {exc}") from None
    value = _files_from(cwd or Path.cwd(), key.strip().split(".")[-1], value, top=key.strip() in ("model", "model.path", "output"))
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


def _files_from(base: Path, name: str, value: Any, top: bool = False) -> Any:
    """``value`` (set under key ``name``) with the file names it holds made absolute against ``base``:
    file fields (vector, file, image, a direction's .npy), a model file, the output."""
    if isinstance(value, dict):
        return {k: _files_from(base, str(k), v, top=str(k) == "path" and name == "model") for k, v in value.items()}
    if isinstance(value, list):
        return [_files_from(base, name, item) for item in value]
    if not isinstance(value, str) or value.startswith("pca:"):
        return value
    names_file = name in _FILE_FIELDS or (name == "axes" and value.endswith(".npy"))
    if names_file or (top and (name == "output" or _looks_like_file(value))):
        return str(base / user_path(value, name))
    return value


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
        if section is Duration:  # 'seconds' / 'frames' are how a duration is stored, not keys the user wrote
            break
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
    """One line per problem: the file, the field, what is wrong, and the fix (unknown keys first)."""
    errors = err.errors()
    locs = {_user_loc(e) for e in errors}
    problems = {a for a in locs if not any(len(b) > len(a) and b[: len(a)] == a for b in locs)}  # drop failed union parents
    for error in errors:  # a misspelt required key: 'pth' says it all, 'path is required' would repeat it
        if error["type"] == "extra_forbidden":
            loc = _user_loc(error)
            close = difflib.get_close_matches(str(loc[-1]), _field_names(tuple(error["loc"])), n=1)
            if close:
                problems.discard((*loc[:-1], close[0]))
    lines: list[str] = []
    for error in sorted(errors, key=lambda e: (e["type"] != "extra_forbidden", -len(_user_loc(e)))):
        loc = _user_loc(error)
        if loc not in problems:
            continue
        problems.discard(loc)  # one line per place: in a union, the branch that matched best
        lines.append(f"{source}: {_problem(error, loc)}")
    return "\n".join(lines)


def _problem(error: dict, loc: tuple) -> str:
    """``where: what is wrong; the fix`` for one pydantic error at the user's ``loc``."""
    where = ".".join(_printable(p) for p in loc) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        names = _field_names(tuple(error["loc"]))
        close = difflib.get_close_matches(str(loc[-1]), names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed here: {', '.join(names)}"
        return f"{where}: unknown key '{_printable(loc[-1])}'; {hint}"
    if kind == "missing":
        return f"{where}: this field is required"
    if kind == "union_tag_invalid":
        tag = str(error["ctx"].get("tag"))
        close = difflib.get_close_matches(tag, LEG_TYPES, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"types: {', '.join(LEG_TYPES)}"
        return f"{where}.type: unknown leg type '{_printable(tag)}'; {hint}"
    if kind == "union_tag_not_found":
        return f"{where}: give the leg a type: {', '.join(LEG_TYPES)}"
    return f"{where}: {_plain_words(error)}"


_BOUNDS = {"greater_than_equal": ("ge", "at least"), "less_than_equal": ("le", "at most"), "greater_than": ("gt", "more than"), "less_than": ("lt", "less than")}
_TYPES = {"int_type": "a whole number", "float_type": "a number", "bool_type": "true or false", "string_type": "text", "int_from_float": "a whole number"}


def _plain_words(error: dict) -> str:
    """pydantic's message for one error, said as what the value must be, with what was given."""
    kind, ctx = error["type"], error.get("ctx") or {}
    given = _printable(repr(error.get("input")))[:60]
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"must be {words} {ctx.get(key)}, got {given}"
    if kind in _TYPES:
        quoted = " (write numbers without quotes)" if isinstance(error.get("input"), str) and kind in ("int_type", "float_type") else ""
        return f"must be {_TYPES[kind]}, got {given}{quoted}"
    if kind == "finite_number":
        return f"must be a finite number, got {given}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {given}"
    return error["msg"].removeprefix("Value error, ")


def _printable(value: Any) -> str:
    """A key or value as written, with control characters (terminal escapes) shown escaped."""
    text = str(value)
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def read_yaml(path: Path) -> dict:
    """The raw mapping of a path file, read within limits (``safe_yaml``); ConfigError naming the file on any problem."""
    if not path.is_file():
        if path.exists():
            raise ConfigError(f"{path}: not a regular file (a folder, a device or a pipe); give a path file (.yaml)")
        raise ConfigError(f"{path}: no such path file; check the name (examples are in paths/)")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(safe_yaml.MAX_BYTES + 1)
        data = safe_yaml.load(text)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read; a path file needs a few levels") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}:{where} invalid YAML ({_printable(problem)}); fix the syntax there") from None
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


PathFile = Union[str, Path, Mapping[str, Any]]
DICT_SOURCE = "path (a dict)"


def load_config(
    path: PathFile,
    overrides: list[str] | tuple[str, ...] = (),
    output: Path | str | None = None,
) -> tuple[OdysseyConfig, Path]:
    """Read, override and validate a path file. Precedence: CLI > file > defaults.

    ``path`` is a path file, or the same structure as a dict (its file names relative to
    the current folder, its default output ``renders/odyssey.mp4``). Returns the config
    with every relative file name made absolute, and the resolved output path (``--out``,
    relative to the current folder > ``output:`` in the file > ``renders/<stem>.mp4``).
    """
    if isinstance(path, Mapping):
        safe_yaml.bounded(path, DICT_SOURCE)
        data, base, stem, source = copy.deepcopy(dict(path)), Path.cwd(), "odyssey", DICT_SOURCE
    else:
        path = Path(path)
        data, base, stem, source = read_yaml(path), path.resolve().parent, path.stem, str(path)
    for assignment in overrides:
        _set_override(data, assignment)
    if overrides:
        source += " (with --set overrides)"
    config = validate(data, source)
    try:
        if output is not None:
            out_path = user_path(output, "--out").resolve()
        elif config.output:
            out_path = (base / user_path(config.output, "output")).resolve()
        else:
            out_path = (DEFAULT_RENDERS_DIR / f"{stem}.mp4").resolve()
        check_output_name(out_path, "--out" if output is not None else "output")
        config = _resolve_files(config, base)
        model_file = Path(config.model.path) if _looks_like_file(config.model.path) else None
        inputs = input_files(config, None if isinstance(path, Mapping) else Path(path), model_file)
        check_output_is_not_an_input(out_path, inputs)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    except OSError as exc:  # a name the system refuses (too long, say)
        raise ConfigError(f"{source}: output: {output or config.output} cannot be a file name here ({exc.strerror or exc}); choose another") from None
    return config, out_path


def source_name(path: PathFile) -> str:
    """How errors name a path file: its path, or ``path (a dict)``."""
    return DICT_SOURCE if isinstance(path, Mapping) else str(path)


def _resolve_files(config: OdysseyConfig, base: Path) -> OdysseyConfig:
    """Make model files, every file a path names (vectors, drawings, directions) and the
    soundtrack absolute against the path file's folder."""
    spec = config.model
    model_file = base / user_path(spec.path, "model")
    model = spec.model_copy(update={"path": str(model_file)}) if _looks_like_file(spec.path) else spec
    path = _with_files(config.path, base)
    truncation = _with_files(config.truncation, base) if isinstance(config.truncation, TruncationSpec) else config.truncation
    audio = _with_files(config.audio, base)
    return config.model_copy(update={"model": model, "path": path, "truncation": truncation, "audio": audio})


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
            update[name] = str(base / user_path(value, name))
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
