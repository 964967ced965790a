"""Path files as the studio edits them: plain dicts of the path-file schema, nothing more.

The page edits the same structure as ``paths/*.yaml`` (it is not a second format). A
document read from a file has its file names made absolute (so it can be planned from
anywhere) and its classic ``path.keyframes`` written as one keyframes leg (the same path:
that is what the planner does with it). Documents coming back from the page are checked
before anything is computed from them: the model must be the studio's, and every file
they name must be one the opened path file named or lie under the output folder, so a
request cannot make the server read other files. Export writes ``NAME.yaml`` into the
output folder, validated by the path-file loader before it takes its name.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from odyssey import api
from odyssey.errors import ConfigError
from odyssey.studio.guard import NAME, check_name, is_within

FORMATS = ("mp4", "webm", "gif", "png")  # png: a folder of frames


def default_document(model: Any, info: api.ModelInfo) -> dict:
    """A new film: no keyframes yet, 12 fps at the model's own size, 6 s, not a loop."""
    document = {
        "model": model,
        "seed": 0,
        "fps": 12,
        "size": info.resolution[1],
        "truncation": 1.0,
        "path": {"interpolation": "spherical", "loop": False, "duration": 6, "easing": "linear", "legs": [{"type": "keyframes", "keyframes": []}]},
    }
    if info.conditional and info.class_names:
        document["class"] = info.class_names[0]
    return document


def read_document(path_file: Path) -> dict:
    """A path file as a document: validated, file names absolute, keyframes as a leg."""
    api.load_config(path_file)  # a broken file fails here, with the loader's own line
    data = api.absolute_files(api.read_yaml(path_file), path_file.resolve().parent)
    path = data.get("path") or {}
    if isinstance(path, dict) and path.get("keyframes") is not None and path.get("legs") is None:
        path["legs"] = [{"type": "keyframes", "keyframes": path.pop("keyframes")}]
    data.pop("output", None)  # the studio chooses where exports and renders go
    return data


def referenced_files(document: dict) -> set[Path]:
    """Every file a (validated) document reads, resolved; the model file too."""
    config, _ = api.load_config(document)
    files = {Path(file).resolve() for _, file in api.input_files(config)}
    model = Path(config.model.path)
    if model.is_file():
        files.add(model.resolve())
    return files


class Documents:
    """The rules for documents of one studio: its model, the files it may read, its folder."""

    def __init__(self, model: Any, allowed: set[Path], folder: Path) -> None:
        self.model = model
        self.allowed = allowed
        self.folder = folder

    def checked(self, document: Any) -> dict:
        """``document`` if the studio may compute from it; ConfigError naming the field otherwise."""
        if not isinstance(document, dict):
            raise ConfigError("document: send the path file as a JSON object")
        if document.get("model") != self.model:
            raise ConfigError(f"model: this studio shows {self.model!r} only; start `odyssey explore` with another model to use it")
        data = copy.deepcopy(document)
        data.pop("output", None)
        for file in referenced_files(data) - self.allowed:
            if not is_within(self.folder, file):
                raise ConfigError(f"{file}: the studio reads only the files of the path file it opened and those under {self.folder}")
        return data

    def saved(self) -> list[str]:
        """Stems of the path files saved in the folder, newest first."""
        if not self.folder.is_dir():
            return []
        files = [p for p in self.folder.glob("*.yaml") if NAME.match(p.stem) and p.is_file() and is_within(self.folder, p)]
        return [p.stem for p in sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)]

    def open(self, name: Any) -> dict:
        """The saved ``NAME.yaml`` as a document (its model must be the studio's)."""
        stem = check_name(name)
        if stem not in self.saved():
            raise ConfigError(f"name: no {stem}.yaml in the output folder; export it first")
        return self.checked(read_document(self.folder / f"{stem}.yaml"))

    def export(self, document: Any, name: Any, fmt: Any) -> Path:
        """Write ``document`` as ``NAME.yaml`` in the folder, rendering to ``NAME.FMT`` (``NAME/`` for png)."""
        stem = check_name(name)
        if fmt not in FORMATS:
            raise ConfigError(f"format: one of {', '.join(FORMATS)}; got {fmt!r}")
        data = self.checked(document)
        data["output"] = stem if fmt == "png" else f"{stem}.{fmt}"
        data = api.relative_files(data, self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{stem}.yaml"
        staging = self.folder / f".{stem}.{os.getpid()}.yaml"
        text = f"# written by odyssey explore; render it with: odyssey render {target.name}\n" + yaml.safe_dump(data, sort_keys=False)
        try:
            staging.write_text(text, encoding="utf-8")
            api.load_config(staging)  # what `odyssey render` will read, validated by its own loader
            os.replace(staging, target)
        finally:
            staging.unlink(missing_ok=True)
        return target
