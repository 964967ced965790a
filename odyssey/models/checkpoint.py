"""Reading and writing checkpoint files, safely: no file is ever allowed to run code.

Two kinds of file are handled here, with no knowledge of any architecture:

* the **native format**: one ``.safetensors`` file (tensors only, by construction) whose
  header ``__metadata__`` holds ``{"odyssey": "<JSON>"}`` describing the model
  (see ``REQUIRED_FIELDS`` / ``OPTIONAL_FIELDS``); ``write_native`` / ``read_native`` /
  ``read_native_metadata``;
* **torch.save files** (zip or legacy non-zip), read with ``weights_only=True`` so a
  pickle that wants to import a global or call a function is refused, and with
  ``map_location="cpu"`` so tensors saved on ``cuda:0`` load on a CPU-only machine.

Every user-caused problem raises ``CheckpointError`` with one line naming the file and
the fix.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo

FORMAT_VERSION = 1
METADATA_KEY = "odyssey"

# Fields every native file must carry, and optional ones with their defaults.
REQUIRED_FIELDS = (
    "format_version",
    "architecture",
    "kwargs",
    "name",
    "family",
    "latent_shape",
    "resolution",
    "channels",
    "output_range",
)
OPTIONAL_FIELDS: dict[str, Any] = {
    "class_names": None,
    "description": "",
    "source": "",
    "licence": "",
    "original_sha256": "",
}


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _require_file(path: Path) -> None:
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint file; give the path of the file itself")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist; check the path")


# --------------------------------------------------------------------------- native


def write_native(
    path: str | Path,
    state_dict: dict[str, torch.Tensor],
    meta: dict[str, Any],
    dtype: torch.dtype | None = None,
) -> str:
    """Write ``state_dict`` and ``meta`` as a native file; return the file's sha256.

    ``meta`` needs the ``REQUIRED_FIELDS`` except ``format_version`` (set here); missing
    optional fields get their defaults. ``dtype`` (e.g. ``torch.float16``) casts the
    floating-point tensors only (BatchNorm's int64 ``num_batches_tracked`` stays).
    The file is written under a temporary name in the same folder, then renamed, so a
    crash never leaves a half-written checkpoint under the final name.
    """
    path = Path(path)
    full = {**OPTIONAL_FIELDS, **meta, "format_version": FORMAT_VERSION}
    missing = [key for key in REQUIRED_FIELDS if key not in full]
    if missing:
        raise ValueError(f"write_native: metadata for {path} lacks {', '.join(missing)}")
    try:
        header = {METADATA_KEY: json.dumps(full, sort_keys=True)}
    except TypeError as exc:
        raise ValueError(f"write_native: metadata for {path} is not JSON-serialisable: {exc}") from exc

    tensors: dict[str, torch.Tensor] = {}
    for key, tensor in state_dict.items():
        tensor = tensor.detach().to("cpu")
        if dtype is not None and tensor.is_floating_point():
            tensor = tensor.to(dtype)
        tensors[key] = tensor.contiguous().clone()  # own storage: safetensors refuses shared

    tmp_name = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(handle)
        save_file(tensors, tmp_name, metadata=header)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp_name, path)
    except OSError as exc:
        raise CheckpointError(f"cannot write {path} ({exc}); check that its folder is writable") from exc
    finally:
        if tmp_name and os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return sha256_file(path)


def _raw_header_metadata(path: Path) -> dict[str, str] | None:
    """The ``__metadata__`` of a safetensors file; CheckpointError if not safetensors."""
    _require_file(path)
    try:
        with safe_open(str(path), framework="pt") as handle:
            return handle.metadata()
    except Exception as exc:  # SafetensorError has no stable import path
        raise CheckpointError(
            f"{path} is not a readable safetensors file ({exc}); re-export it or pick the right file"
        ) from exc


def is_native(path: str | Path) -> bool:
    """True if ``path`` is a safetensors file whose header has an ``odyssey`` entry.

    Cheap (header only). The entry's validity is not checked here, so a native file of
    an unsupported version is still recognised and then refused with a clear message.
    """
    try:
        raw = _raw_header_metadata(Path(path))
    except CheckpointError:
        return False
    return bool(raw) and METADATA_KEY in raw


def read_native_metadata(path: str | Path) -> dict[str, Any]:
    """The validated odyssey metadata of a native file, reading only its header."""
    path = Path(path)
    raw = _raw_header_metadata(path)
    if not raw or METADATA_KEY not in raw:
        raise CheckpointError(
            f"{path} is a safetensors file without odyssey metadata; convert it with "
            "odyssey.models.checkpoint.write_native or load it with another format"
        )
    try:
        meta = json.loads(raw[METADATA_KEY])
    except json.JSONDecodeError as exc:
        raise CheckpointError(
            f"{path} has invalid odyssey metadata (not JSON: {exc}); re-convert the file"
        ) from exc
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path} has invalid odyssey metadata (not a JSON object); re-convert the file")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has native format_version {version!r}; this odyssey reads version "
            f"{FORMAT_VERSION}: upgrade odyssey or re-convert the file"
        )
    missing = [key for key in REQUIRED_FIELDS if key not in meta]
    if missing:
        raise CheckpointError(
            f"{path} has incomplete odyssey metadata (missing {', '.join(missing)}); re-convert the file"
        )
    return {**OPTIONAL_FIELDS, **meta}


MAX_SIDE = 16384  # pixels on a side of any generator's image
MAX_LATENT = 1 << 22  # values in a latent
MAX_CLASSES = 100_000


def _check_described(path: str | Path, latent: tuple[int, ...], resolution: tuple[int, int], channels: int, output_range: tuple[float, float], names: Any) -> None:
    """CheckpointError if the described model is impossible: a metadata header can lie."""
    def bad(what: str) -> CheckpointError:
        return CheckpointError(f"{path}: odyssey metadata says {what}; the file is corrupt or forged: re-convert it")

    if not latent or any(v < 1 for v in latent) or math.prod(latent) > MAX_LATENT:
        raise bad(f"latent_shape {list(latent)} (each at least 1, at most {MAX_LATENT} values)")
    if any(not 1 <= v <= MAX_SIDE for v in resolution):
        raise bad(f"resolution {list(resolution)} (each side 1 to {MAX_SIDE})")
    if channels not in (1, 3, 4):
        raise bad(f"{channels} channels (1 gray, 3 RGB or 4 RGBA)")
    low, high = output_range
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        raise bad(f"output_range [{low}, {high}] (two finite numbers, low < high)")
    if names is not None and (not isinstance(names, (list, tuple)) or not 1 <= len(names) <= MAX_CLASSES):
        raise bad(f"class_names of {type(names).__name__} (a list of 1 to {MAX_CLASSES} names)")


def native_info(meta: dict[str, Any], path: str | Path) -> ModelInfo:
    """The ``ModelInfo`` described by validated native metadata; CheckpointError if malformed or impossible."""
    try:
        names = meta["class_names"]
        low, high = (float(v) for v in meta["output_range"])
        height, width = (int(v) for v in meta["resolution"])
        latent = tuple(int(v) for v in meta["latent_shape"])
        _check_described(path, latent, (height, width), int(meta["channels"]), (low, high), names)
        return ModelInfo(
            name=str(meta["name"]),
            family=str(meta["family"]),
            latent_shape=latent,
            resolution=(height, width),
            channels=int(meta["channels"]),
            output_range=(low, high),
            class_names=tuple(str(n) for n in names) if names else None,
            description=str(meta["description"]),
            source=str(meta["source"]),
            licence=str(meta["licence"]),
            extra={
                "architecture": meta["architecture"],
                "kwargs": meta["kwargs"],
                "format_version": meta["format_version"],
                "original_sha256": meta["original_sha256"],
            },
        )
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{path} has malformed odyssey metadata ({exc}); re-convert the file") from exc


def read_native(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """``(state_dict, metadata)`` of a native file; tensors on the CPU in their stored dtype."""
    path = Path(path)
    meta = read_native_metadata(path)
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except Exception as exc:
        raise CheckpointError(
            f"{path} has corrupt tensor data ({exc}); re-download or re-convert it"
        ) from exc
    return tensors, meta


# --------------------------------------------------------------------------- torch.save

_GLOBAL_RE = re.compile(r"GLOBAL ([\w.]+)")
_ZIP_MAGIC = b"PK\x03\x04"
# Legacy (non-zip) torch.save files begin with a pickled magic number (LONG1, 10 bytes).
_LEGACY_MAGIC = b"\x8a\x0a" + (0x1950A86A20F9469CFC6C).to_bytes(10, "little")


def looks_like_torch_file(path: str | Path) -> bool:
    """Cheap check of the first bytes: a torch.save zip archive or a legacy torch pickle.

    TorchScript archives (``torch.jit.save``: ``constants.pkl`` and ``code/``) are zips
    with a ``data.pkl`` too, but they are programs, not state dicts: not claimed here.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
        scripted = any(n.endswith("/constants.pkl") for n in names) and any("/code/" in n for n in names)
        return not scripted and any(name.endswith("data.pkl") for name in names)
    return len(head) >= 14 and head[0] == 0x80 and head[2:14] == _LEGACY_MAGIC


def load_torch_file(path: str | Path) -> object:
    """Load a torch.save file as plain data (tensors, dicts, lists, numbers) on the CPU.

    Refuses, with CheckpointError, any file whose pickle would import a global or call a
    function (``weights_only=True``): odyssey never executes code from a checkpoint.
    """
    path = Path(path)
    _require_file(path)
    try:
        # A file object, not the path: torch.load would hand any "*.safetensors" path to
        # safetensors by its name, and this function reads torch.save formats only.
        with open(path, "rb") as handle:
            return torch.load(handle, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        message = str(exc)
        if "Weights only load failed" not in message and "WeightsUnpickler" not in message:
            raise CheckpointError(
                f"{path} is corrupt or not a torch.save file ({message}); re-download it"
            ) from exc
        found = _GLOBAL_RE.search(message)
        what = f" (it asks for {found.group(1)})" if found else ""
        raise CheckpointError(
            f"{path} contains pickled code or objects{what} and odyssey refuses to execute code "
            "from checkpoints; re-save only the weights with torch.save(model.state_dict(), path)"
        ) from exc
    except Exception as exc:  # zip errors, EOF, KeyError from garbage: all mean corrupt
        detail = str(exc).split(". ")[0] or type(exc).__name__
        raise CheckpointError(
            f"{path} is corrupt or not a torch.save file ({detail}); re-download it"
        ) from exc
