"""The key of a render: a hash of (plan, model weights, encoder settings, odyssey version).

Segments are only ever reused by a render with the same key, so a resumed render never
mixes frames of two different plans, models or encoders. The key is computed from files
alone, before any model loads, so ``odyssey join`` and a fully finished render need no
model, and it is the same on every machine of a sharded render:

* **plan**: the validated path file (every field but ``output``, which names the work
  folder instead), with each file it names (vectors, drawings, polylines, directions)
  replaced by a hash of its contents, so machines that mount the files at other paths
  agree, and an edited ``z.npy`` counts as a change;
* **model**: a hash of the checkpoint file's bytes (a bundled name is looked up); the
  permission flags ``trust_pickle``/``trust_code`` are left out, as they change no pixel;
* **encoder**: ``Encoding.describe()``, the pinned ffmpeg settings;
* **version**: odyssey's version.

When a key changes, ``changed_parts`` says which part did, for the "starting afresh" note.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odyssey import __version__
from odyssey.adapters.bundled import BUNDLED, bundled_path
from odyssey.config import OdysseyConfig
from odyssey.errors import CheckpointError
from odyssey.segments.encoding import Encoding

_FILE_FIELDS = ("vector", "file", "direction", "image")
_PERMISSIONS = ("trust_pickle", "trust_code")
_CHUNK = 1 << 20
PART_NAMES = {"plan": "the path file", "model": "the model", "encoder": "the encoder settings", "version": "odyssey's version"}


@dataclass(frozen=True)
class RenderKey:
    """The key (hex sha256) and the hashes of its four parts."""

    digest: str
    parts: dict[str, str]


def render_key(config: OdysseyConfig, encoding: Encoding) -> RenderKey:
    """The key of rendering ``config`` with ``encoding`` (see the module docstring)."""
    parts = {
        "plan": _digest(_plan_data(config)),
        "model": _model_digest(config),
        "encoder": _digest(encoding.describe()),
        "version": __version__,
    }
    return RenderKey(_digest(parts), parts)


def changed_parts(old: dict[str, str], new: dict[str, str]) -> str:
    """``"the path file and the model"``: what differs between two keys' parts, in words."""
    names = [PART_NAMES[name] for name in PART_NAMES if old.get(name) != new.get(name)]
    if not names:
        return "the render's settings"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _plan_data(config: OdysseyConfig) -> dict[str, Any]:
    data = config.model_dump(mode="json", by_alias=True)
    data.pop("output", None)
    model = data.get("model") or {}
    options = {k: v for k, v in (model.get("options") or {}).items() if k not in _PERMISSIONS}
    data["model"] = {"format": model.get("format"), "options": options}  # the file itself: the model part
    return _with_file_hashes(data)


def _with_file_hashes(node: Any) -> Any:
    """A copy of config data with each named file replaced by the hash of its contents."""
    if isinstance(node, list):
        return [_with_file_hashes(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for name, value in node.items():
        if name in _FILE_FIELDS and isinstance(value, str) and not value.startswith("pca:"):
            out[name] = file_digest(Path(value)) or Path(value).name
        else:
            out[name] = _with_file_hashes(value)
    return out


def _model_digest(config: OdysseyConfig) -> str:
    name = config.model.path
    try:
        path = bundled_path(name) if name in BUNDLED else Path(name)
    except CheckpointError:  # a missing bundled file: loading the model reports it properly
        return f"name:{name}"
    return file_digest(path) or f"name:{name}"


def file_digest(path: Path) -> str | None:
    """sha256 of a file's bytes, or None if it cannot be read (loading will report why)."""
    digest = hashlib.sha256()
    if not path.is_file():  # a device or a pipe is never read (it may never end); loading says why
        return None
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
