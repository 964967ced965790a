"""The files a path file names: made absolute, listed, and kept apart from the output.

``user_path`` expands ``~`` without tracing back on an unknown user. ``input_files``
lists every file a render reads (the path file itself, the model file, vectors,
pictures, drawn strokes, direction vectors, the soundtrack), and ``check_output_is_not_an_input``
refuses an output that would overwrite one of them -- a path file ``p.mp4`` with
``output: p.mp4``, a drawing rendered onto itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

from odyssey.config.spec import OdysseyConfig
from odyssey.errors import ConfigError

FILE_FIELDS = ("vector", "file", "direction", "image")


def user_path(value: str | Path, field: str) -> Path:
    """``Path(value)`` with ``~`` expanded; ConfigError naming ``field`` when the user is unknown."""
    try:
        return Path(value).expanduser()
    except RuntimeError:  # ~nosuchuser: no home folder to expand to
        raise ConfigError(f"{field}: {value}: no such user's home folder for '~'; write the path out") from None


MAX_NAME_BYTES = 200  # file systems allow 255 per name; the temp names beside an output add ~30


def check_output_name(output: Path, field: str) -> None:
    """ConfigError if a part of ``output`` is longer than a file system (with odyssey's temp names) allows."""
    for part in output.parts:
        if len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
            raise ConfigError(f"{field}: a name in {output} is {len(part.encode('utf-8', 'surrogateescape'))} bytes long; keep each name under {MAX_NAME_BYTES}")


def _files_in(node: Any, where: str) -> Iterator[tuple[str, Path]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _files_in(item, f"{where}.{index}")
        return
    if not isinstance(node, BaseModel):
        return
    for name in type(node).model_fields:
        value = getattr(node, name)
        alias = type(node).model_fields[name].alias or name
        if name in FILE_FIELDS and isinstance(value, str) and not value.startswith("pca:"):
            yield f"{where}.{alias}", Path(value)
        elif isinstance(value, (BaseModel, list)):
            yield from _files_in(value, f"{where}.{alias}")


def input_files(config: OdysseyConfig, path_file: Path | None = None, model_file: Path | None = None) -> list[tuple[str, Path]]:
    """(field, file) of every file the render reads; ``model_file`` when the model is a file."""
    found: list[tuple[str, Path]] = []
    if path_file is not None:
        found.append(("the path file", path_file))
    if model_file is not None:
        found.append(("model", model_file))
    found += list(_files_in(config.path, "path"))
    if isinstance(config.truncation, BaseModel):
        found += list(_files_in(config.truncation, "truncation"))
    if config.audio is not None:
        found.append(("audio.file", Path(config.audio.file)))
    return found


def check_output_is_not_an_input(output: Path, inputs: list[tuple[str, Path]]) -> None:
    """ConfigError if ``output`` is one of ``inputs`` (or, for a PNG folder, holds one)."""
    target = _resolved(output)
    for field, file in inputs:
        source = _resolved(file)
        if source == target:
            raise ConfigError(f"output: {output} is this render's input too ({field}); rendering would overwrite it: choose another output")
        if target in source.parents and not output.suffix:
            raise ConfigError(f"output: the PNG frames folder {output} holds this render's input {file} ({field}); choose another output folder")


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
