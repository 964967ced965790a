"""Reading pytorch_GAN_zoo checkpoint files safely, and telling them from other torch files.

What their code writes (``models/base_GAN.py`` ``getStateDict``/``save``), for the
torch.hub downloads (``hubconf.py``: ``model.load_state_dict(load_url(...))``) and for
the checkpoints training writes (``<name>_s<scale>_i<iter>.pt``) alike::

    {"config": models.utils.config.BaseConfig (fields in its __dict__),
     "netG": generator state dict, "netD": discriminator state dict,
     "avgG": the moving-average generator's state dict (optional), "tmp": ... (optional)}

The training's side files (``_tmp_config.json`` with ``refVectors``, ``_refVectors.pt``,
``_losses.pkl``) are not needed and never read. The config is the one object that
``torch.load(weights_only=True)`` refuses; it is admitted under its exact qualified name
as ``ZooConfig``, an inert record that only keeps the field dict (nothing of theirs is
imported or run). Every other global is refused as for any torch file. Bare generator
state dicts (``torch.save(model.netG.state_dict())``) load too.

Key forms accepted: the current ``X.module.weight`` (their ``ConstrainedLayer`` wraps
the conv), the older ``X.weight`` that their ``loadStateDictCompatible`` still maps, and
a leading ``module.`` (``nn.DataParallel``).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from odyssey.errors import CheckpointError
from odyssey.models.checkpoint import load_torch_file, looks_like_torch_file

CONFIG_CLASS = "models.utils.config.BaseConfig"
NETWORKS = ("avgG", "netG")  # the averaged generator first: what their docs advise sampling from
SNIFF_BYTES = 16 << 20
_ASKED = re.compile(r"it asks for ([\w.]+)")
_PGAN_PARAM = re.compile(r"^(formatLayer|groupScale0\.\d+|scaleLayers\.\d+\.\d+|toRGBLayers\.\d+)\.(weight|bias)$")


class ZooConfig:
    """Inert stand-in for their ``BaseConfig``: ``fields`` is the pickled ``__dict__``, nothing more."""

    fields: dict[str, Any]

    def __setstate__(self, state: object) -> None:
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise ValueError("a pytorch_GAN_zoo config whose state is not a dict of named fields")
        self.fields = dict(state)


def _pickle_bytes(path: Path) -> bytes:
    """The pickle part of a torch.save file: ``data.pkl`` of a zip, the head of a legacy file."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head == b"PK\x03\x04":
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.endswith("data.pkl") and info.file_size <= SNIFF_BYTES:
                    return archive.read(info)
        return b""
    with open(path, "rb") as handle:
        return handle.read(SNIFF_BYTES)


def looks_like_gan_zoo(path: str | Path) -> bool:
    """A torch.save file whose pickle names GAN_zoo generator layers (read as bytes, never unpickled).

    PGAN (and their StyleGAN): ``toRGBLayers``; DCGAN: ``formatLayer`` and ``outlayer``.
    A DCGAN-tutorial state dict (``main.0.weight`` ...) has neither, so it stays the
    ``dcgan`` adapter's.
    """
    path = Path(path)
    if not looks_like_torch_file(path):
        return False
    data = _pickle_bytes(path)
    return b"toRGBLayers" in data or (b"formatLayer" in data and b"outlayer" in data)


def read_zoo_file(path: Path) -> Any:
    """``torch.load(weights_only=True)`` with ``ZooConfig`` admitted for their config class only.

    A project that vendored their code saves the class under a longer module path
    (``pkg.models.utils.config.BaseConfig``): that name is admitted too, on a second try.
    """
    names = [CONFIG_CLASS]
    while True:
        with torch.serialization.safe_globals([(ZooConfig, name) for name in names]):
            try:
                return load_torch_file(path)
            except CheckpointError as exc:
                asked = _ASKED.search(str(exc))
                name = asked.group(1) if asked else ""
                if len(names) == 1 and name.endswith("." + CONFIG_CLASS):
                    names.append(name)
                    continue
                raise


def _is_state_dict(value: object) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


def find_generator(content: Any, path: Path, network: str | None) -> tuple[dict[str, torch.Tensor], dict[str, Any] | None, str, list[str]]:
    """``(state_dict, config fields or None, which network, top-level keys)`` of a GAN_zoo file.

    ``network`` picks ``avgG`` or ``netG``; None takes ``avgG`` when the file has it.
    """
    if _is_state_dict(content):
        if network not in (None, "netG"):
            raise CheckpointError(f"{path} holds one bare generator state dict, not {network}; remove the network option")
        return dict(content), None, "bare generator state dict", []
    if not isinstance(content, Mapping) or "netG" not in content:
        kind = f"a dict with keys {', '.join(map(str, list(content)[:6]))}" if isinstance(content, Mapping) else type(content).__name__
        raise CheckpointError(f"{path}: a pytorch_GAN_zoo file holds a dict with 'netG' (and 'config', 'avgG'), but this holds {kind}")
    keys = [str(k) for k in content]
    present = [name for name in NETWORKS if name in content]
    chosen = network or present[0]
    if chosen not in content:
        raise CheckpointError(f"{path} has no {chosen} generator; it has {', '.join(present)}")
    state = content[chosen]
    if not _is_state_dict(state):
        raise CheckpointError(f"{path}: its {chosen!r} is not a state dict of tensors; the file is corrupt")
    config = content.get("config")
    if config is not None and not isinstance(config, (ZooConfig, Mapping)):
        raise CheckpointError(f"{path}: its 'config' is a {type(config).__name__}, not their BaseConfig or a dict")
    # a config with no fields pickles without its state (no BUILD): an empty record
    fields = None if config is None else dict(getattr(config, "fields", {}) if isinstance(config, ZooConfig) else config)
    if fields is not None and not all(isinstance(k, str) for k in fields):
        raise CheckpointError(f"{path}: its 'config' has field names that are not strings; the file is corrupt")
    label = {"avgG": "avgG (the moving-average generator)", "netG": "netG (the trained generator)"}[chosen]
    return dict(state), fields, label, keys


def canonical_keys(state: Mapping[str, torch.Tensor], path: Path) -> dict[str, torch.Tensor]:
    """Keys in their current form: no ``module.`` prefix; PGAN layers as ``X.module.weight``
    (DCGAN's plain ``formatLayer.weight`` stays: it never had a wrapper)."""
    out: dict[str, torch.Tensor] = {}
    pgan = any(key.startswith(("toRGBLayers.", "module.toRGBLayers.")) for key in state)
    for key, tensor in state.items():
        name = key[len("module.") :] if key.startswith("module.") else key
        match = _PGAN_PARAM.match(name) if pgan else None
        if match:
            name = f"{match.group(1)}.module.{match.group(2)}"
        if name in out:
            raise CheckpointError(f"{path}: the generator holds {name} twice (with and without a module. prefix); the file is corrupt")
        out[name] = tensor
    return out
