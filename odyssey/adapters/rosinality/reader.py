"""Reading rosinality stylegan2-pytorch ``.pt`` files safely: a cheap sniff and a guarded ``torch.load``.

What the files hold (``torch.save`` of a dict, zip or legacy format):

* ``train.py`` checkpoints: ``{"g", "d", "g_ema", "g_optim", "d_optim", "args", "ada_aug_p"}``,
  where ``args`` is the training script's ``argparse.Namespace``;
* ``convert_weight.py`` output (NVIDIA's TensorFlow models converted, e.g.
  ``stylegan2-ffhq-config-f.pt``): ``{"g_ema", "latent_avg"}``;
* sometimes a bare generator ``state_dict()``.

Loading uses ``torch.load(weights_only=True)``: no global can be imported and nothing can be
called, except that ``argparse.Namespace`` is allowed while this one file loads
(``torch.serialization.safe_globals``), so a training checkpoint's ``args`` can be read.
A Namespace is rebuilt as an empty object whose ``__dict__`` is filled: nothing runs. Any
other global (a REDUCE of ``os.system``, an unknown class) is refused with one line.

Declared sizes are checked before anything large is made: zip entries whose declared
sizes exceed ``MAX_BYTES`` (or compress by more than ``MAX_RATIO``, a zip bomb) are
refused before loading, zip files are memory-mapped (the discriminator and optimiser
states are never read into memory), and a tensor that claims more values than its storage
holds (a stride-0 forgery that would allocate on first use) is refused.
"""

from __future__ import annotations

import argparse
import pickle
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from odyssey.errors import CheckpointError
from odyssey.models.checkpoint import looks_like_torch_file

# Names only a rosinality StyleGAN2 generator's state dict has (all three must occur).
MARKERS = (b"style.1.weight", b"to_rgb1.conv.weight", b"convs.0.conv.weight")
SNIFF_PICKLE_LIMIT = 64 << 20  # a data.pkl larger than this is no checkpoint's index of names
LEGACY_HEAD = 8 << 20  # legacy files: the names come before the storages, in the first few MiB
MAX_BYTES = 64 << 30  # the largest rosinality checkpoint (1024 px, with D and Adam states) is ~1.2 GB
MAX_RATIO = 1000  # torch.save writes entries uncompressed; more than this is a zip bomb
_GLOBAL_RE = re.compile(r"GLOBAL ([\w.]+)")


def _pickle_head(path: Path) -> bytes | None:
    """The bytes in which a torch.save file names its tensors (zip: data.pkl; legacy: its head)."""
    if not looks_like_torch_file(path):  # also refuses TorchScript archives (programs)
        return None
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            entries = [info for info in archive.infolist() if info.filename.endswith("data.pkl")]
            if len(entries) != 1 or entries[0].file_size > SNIFF_PICKLE_LIMIT:
                return None
            return archive.read(entries[0])
    with open(path, "rb") as handle:
        return handle.read(LEGACY_HEAD)


def is_rosinality_checkpoint(path: str | Path) -> bool:
    """A cheap sniff that never unpickles: a torch.save file naming rosinality's generator layers."""
    try:
        head = _pickle_head(Path(path))
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError):
        return False
    return head is not None and all(marker in head for marker in MARKERS)


def _check_zip_sizes(path: Path) -> None:
    """CheckpointError if the zip declares more than any checkpoint holds (before anything is read)."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    if total > MAX_BYTES:
        raise CheckpointError(f"{path}: its entries declare {total} bytes, more than any StyleGAN2 checkpoint (at most {MAX_BYTES}); the file is corrupt or forged")
    for info in infos:
        if info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise CheckpointError(f"{path}: entry {info.filename} inflates {info.compress_size} bytes to {info.file_size}; a zip bomb, refused")


def load_checkpoint(path: Path) -> Any:
    """The file's object (dicts, tensors, numbers, Namespaces) on the CPU; CheckpointError if it holds code."""
    is_zip = zipfile.is_zipfile(path)
    if is_zip:
        _check_zip_sizes(path)
    allow = getattr(torch.serialization, "safe_globals", None)  # torch >= 2.5
    try:
        if allow is None:
            with open(path, "rb") as handle:
                return torch.load(handle, map_location="cpu", weights_only=True)
        with allow([argparse.Namespace]):
            if is_zip and path.suffix.lower() != ".safetensors":  # torch.load reads *.safetensors names as safetensors
                return torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)
            with open(path, "rb") as handle:
                return torch.load(handle, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        message = str(exc)
        if "Weights only load failed" not in message and "WeightsUnpickler" not in message:
            raise CheckpointError(f"{path} is corrupt or not a torch.save file ({message.splitlines()[0][:200]}); re-download it") from None
        found = _GLOBAL_RE.search(message)
        what = f" (it asks for {found.group(1)})" if found else ""
        hint = "; this torch cannot read training args safely: upgrade to torch >= 2.5" if allow is None and "argparse" in message else ""
        raise CheckpointError(
            f"{path} contains pickled code or objects{what}, and odyssey refuses to run code from checkpoints{hint}; "
            "re-save only the weights: torch.save({'g_ema': ckpt['g_ema'], 'latent_avg': ckpt.get('latent_avg')}, path)"
        ) from None
    except Exception as exc:  # zip errors, EOF, bad storages: all mean a damaged file
        detail = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise CheckpointError(f"{path} is corrupt or not a torch.save file ({detail}); re-download it") from None


def check_tensors(state: Mapping[str, Any], path: Path, what: str) -> None:
    """CheckpointError unless every value is a tensor whose storage holds all its values."""
    for name, tensor in state.items():
        if not isinstance(tensor, torch.Tensor):
            raise CheckpointError(f"{path}: {what} entry {name!r} is a {type(tensor).__name__}, not a tensor; the file is corrupt")
        held = tensor.untyped_storage().nbytes() // max(tensor.element_size(), 1)
        if tensor.numel() > held:
            raise CheckpointError(
                f"{path}: {what} tensor {name} declares shape {tuple(tensor.shape)} ({tensor.numel()} values) "
                f"over a storage of {held}; the file is corrupt or forged"
            )


def plain_args(args: Any) -> dict[str, Any]:
    """The training options of a ``train.py`` checkpoint (its Namespace or dict), numbers and short strings only."""
    values = vars(args) if isinstance(args, argparse.Namespace) else args
    if not isinstance(values, Mapping):
        return {}
    plain: dict[str, Any] = {}
    for key, value in list(values.items())[:64]:
        if isinstance(value, (bool, int, float)) or value is None:
            plain[str(key)] = value
        elif isinstance(value, str):
            plain[str(key)] = value[:200]
    return plain
