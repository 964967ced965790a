"""TorchScript decoders: a VAE (or any latent -> image) decoder trained elsewhere, as a generator.

A TorchScript file (``torch.jit.save`` of ``torch.jit.script`` or ``torch.jit.trace``)
holds weights and the model's TorchScript program. Loading runs that program, and
only that: the TorchScript interpreter executes the compiled graph with its own
restricted deserialiser; no Python pickle is unpickled and no Python code is imported.
It is still code from the file, so load TorchScript you have reason to trust.

The file must say what its latents and images are; odyssey reads, in this order,

1. adapter options: ``model: {path: dec.ts, options: {latent_shape: [64], output_range: [-1, 1]}}``;
2. an extra file ``odyssey.json`` inside the archive, written with
   ``torch.jit.save(m, "dec.ts", _extra_files={"odyssey.json": json.dumps({...})})``,
   holding the same keys (and optionally ``name``, ``description``, ``source``, ``licence``).

``latent_shape`` and ``output_range`` are required. The decoder is the module's
``decode`` method if it exports one, else ``forward``: ``(N, *latent_shape)`` ->
``(N, C, H, W)`` with 1 or 3 channels in ``output_range``; resolution and channels are
read from one call on a zero latent. An exported ``encode(images)`` (returning the mean,
or a tuple whose first item is the mean) enables ``image:`` keyframes.

PyTorch has deprecated TorchScript (``torch.jit``) in favour of ``torch.export``; files
saved with it still load, and this adapter keeps them usable.

Files ending in ``.ts``, ``.torchscript``, ``.ptl`` or ``.jit`` are recognised by name;
a TorchScript ``.pt``/``.pth`` is recognised by its contents (the dcgan adapter, which
owns those suffixes, declines TorchScript archives).
"""

from __future__ import annotations

import json
import warnings
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from odyssey.adapters.registry import Adapter
from odyssey.adapters.vae import DecoderGenerator, frozen
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo

SUFFIXES = (".ts", ".torchscript", ".ptl", ".jit")
EXTRA_FILE = "odyssey.json"
DECLARED = ("latent_shape", "output_range", "name", "description", "source", "licence")


def is_torchscript(path: Path) -> bool:
    """A zip archive with TorchScript's ``constants.pkl`` and ``code/`` entries (reads the index only)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    return any(n.endswith("/constants.pkl") for n in names) and any("/code/" in n for n in names)


def check_options(path: Path, options: Mapping[str, Any], known: tuple[str, ...], family: str) -> None:
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise CheckpointError(f"{path}: unknown {family} option(s) {', '.join(unknown)}; known: {', '.join(known)}")


def declared_info(path: Path, options: Mapping[str, Any], embedded: Mapping[str, Any], probe: Callable[[tuple[int, ...]], torch.Tensor], family: str) -> ModelInfo:
    """``ModelInfo`` from options (first) and embedded metadata; ``probe`` decodes a zero latent."""
    meta = {**embedded, **{k: v for k, v in options.items() if k in DECLARED}}
    missing = [k for k in ("latent_shape", "output_range") if k not in meta]
    if missing:
        raise CheckpointError(
            f"{path}: a {family} decoder must declare {' and '.join(missing)}; add e.g. "
            "options: {latent_shape: [64], output_range: [-1, 1]} to the model in the path file"
        )
    try:
        shape = tuple(int(v) for v in meta["latent_shape"])
        low, high = (float(v) for v in meta["output_range"])
        if not shape or min(shape) < 1 or not low < high:
            raise ValueError("need positive sizes and low < high")
    except (TypeError, ValueError) as exc:
        raise CheckpointError(
            f"{path}: latent_shape {meta['latent_shape']!r} / output_range {meta['output_range']!r} are invalid ({exc}); "
            "give e.g. latent_shape: [64], output_range: [-1, 1]"
        ) from None
    try:
        with torch.no_grad():
            out = probe(shape)
    except Exception as exc:  # the user's network: any failure means the declaration does not fit it
        detail = " ".join(str(exc).split())[:300]
        raise CheckpointError(f"{path}: the decoder fails on a latent of shape (1, {', '.join(map(str, shape))}) ({detail}); check latent_shape") from None
    if not isinstance(out, torch.Tensor) or out.dim() != 4 or out.shape[1] not in (1, 3):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise CheckpointError(f"{path}: the decoder must return (N, 1 or 3, H, W) images, got {got}")
    return ModelInfo(
        name=str(meta.get("name") or path.stem),
        family=family,
        latent_shape=shape,
        resolution=(int(out.shape[2]), int(out.shape[3])),
        channels=int(out.shape[1]),
        output_range=(low, high),
        description=str(meta.get("description") or f"{family} decoder from {path.name}"),
        source=str(meta.get("source") or path),
        licence=str(meta.get("licence") or ""),
        extra={"declared": {k: meta[k] for k in ("latent_shape", "output_range")}},
    )


def wrap_decoder(path: Path, net: nn.Module, options: Mapping[str, Any], embedded: Mapping[str, Any], family: str) -> DecoderGenerator:
    """A decoder module -> ``DecoderGenerator`` (``decode``/``encode`` methods used when present)."""
    net = frozen(net)
    decode = net.decode if hasattr(net, "decode") else net

    def encode(images: torch.Tensor) -> torch.Tensor:
        result = net.encode(images)
        return result[0] if isinstance(result, (tuple, list)) else result

    info = declared_info(path, options, embedded, lambda shape: decode(torch.zeros(1, *shape)), family)
    generator = DecoderGenerator(net, info, decode=decode, encode=encode if hasattr(net, "encode") else None)
    generator.channels_last_ok = False  # its code may .view() activations, which channels-last breaks
    return generator


def load_torchscript(path: Path, options: Mapping[str, Any]) -> DecoderGenerator:
    """Load a TorchScript decoder (see module docstring); CheckpointError naming the fix."""
    check_options(path, options, DECLARED, "torchscript")
    extra = {EXTRA_FILE: ""}
    try:
        with warnings.catch_warnings():  # recent torch deprecates TorchScript; existing files still load
            warnings.simplefilter("ignore", DeprecationWarning)
            net = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    except Exception as exc:  # RuntimeError/ValueError from the TorchScript reader: not a readable archive
        detail = " ".join(str(exc).split())[:200]
        raise CheckpointError(f"{path} is not a readable TorchScript file ({detail}); save it with torch.jit.save") from None
    embedded: dict[str, Any] = {}
    if extra[EXTRA_FILE]:
        try:
            embedded = json.loads(extra[EXTRA_FILE])
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"{path}: its {EXTRA_FILE} is not valid JSON ({exc}); re-save it") from None
        if not isinstance(embedded, dict):
            raise CheckpointError(f"{path}: its {EXTRA_FILE} must be a JSON object; re-save it")
    return wrap_decoder(path, net, options, embedded, "torchscript")


ADAPTER = Adapter(
    name="torchscript",
    description="a TorchScript decoder archive (torch.jit.save)",
    suffixes=SUFFIXES,
    sniff=is_torchscript,
    load=load_torchscript,
)
