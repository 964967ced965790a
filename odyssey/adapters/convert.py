"""``odyssey convert``: any checkpoint odyssey can load -> an odyssey native ``.safetensors``.

The model is loaded through the registry (safely, as for rendering), asked for its
``native_form()`` (architecture, init kwargs, weights), and written with the model's
``ModelInfo`` as metadata. The native file loads without unpickling anything, without
the original's side files, and renders bit-identical frames (tested per family).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from odyssey.adapters.registry import resolve
from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo
from odyssey.models.checkpoint import sha256_file, write_native


def native_metadata(info: ModelInfo, architecture: str, kwargs: dict[str, Any], source: Path) -> dict[str, Any]:
    """The native header for ``info`` (see ``odyssey.models.checkpoint``)."""
    return {
        "architecture": architecture,
        "kwargs": kwargs,
        "name": info.name,
        "family": info.family,
        "latent_shape": list(info.latent_shape),
        "resolution": list(info.resolution),
        "channels": info.channels,
        "output_range": list(info.output_range),
        "class_names": list(info.class_names) if info.class_names else None,
        "description": info.description,
        "source": f"converted by odyssey convert from {source.name}" + (f" ({info.source})" if info.source and info.source != source.name else ""),
        "licence": info.licence or "the licence of the original model applies (see where you got it)",
        "original_sha256": sha256_file(source),
    }


def convert_checkpoint(
    source: str | Path, target: str | Path, *, format: str | None = None, options: dict[str, Any] | None = None
) -> ModelInfo:
    """Write ``source``'s model as a native float32 ``.safetensors`` at ``target``; its ``ModelInfo``.

    ``format``/``options`` are those of ``load_generator`` (e.g. ``{"key": "G"}`` for a
    StyleGAN pickle's other network). CheckpointError if the model has no native form
    (TorchScript archives, factories) or ``target`` is not a ``.safetensors`` path.
    """
    target = Path(target)
    if target.suffix.lower() != ".safetensors":
        raise CheckpointError(f"{target}: the converted file must end in .safetensors")
    adapter, path, generator = resolve(source, format, options)
    if target.exists() and target.resolve() == path.resolve():
        raise CheckpointError(f"{target} is the file being converted; write the converted model to another file")
    form = generator.native_form()
    if form is None:
        raise CheckpointError(
            f"{path}: a {adapter.name} model runs code odyssey did not write, so it has no native form; "
            "render it as it is"
        )
    info = replace(generator.info, name=target.stem)
    try:
        write_native(target, form.state_dict, native_metadata(info, form.architecture, form.kwargs, path))
    except ValueError as exc:  # kwargs that JSON cannot hold
        raise CheckpointError(f"{path}: cannot store its kwargs in {target} ({exc})") from None
    return info
