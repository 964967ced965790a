"""Models shipped with odyssey in the native format, addressable by a short name.

The files live in the repository's top-level ``checkpoints/`` folder (next to the
``odyssey`` package), or wherever the ``ODYSSEY_CHECKPOINTS`` environment variable
points. ``checkpoints/convert_bundled.py`` rebuilds the GANs from the original PyPI wheels and
``checkpoints/build_vae_digits.py`` retrains the VAE;
``checkpoints/PROVENANCE.md`` records their origin, hashes and licences.
"""

from __future__ import annotations

import os
from pathlib import Path

from odyssey.errors import CheckpointError
from odyssey.models.base import ModelInfo
from odyssey.models.checkpoint import native_info, read_native_metadata

ENV_VAR = "ODYSSEY_CHECKPOINTS"

BUNDLED: dict[str, str] = {
    "dcgan-faces": "dcgan-faces.safetensors",  # 64x64 RGB synthetic faces (DigiFace1M), nz=100
    "omniart-eyes": "omniart-eyes.safetensors",  # 128x128 painted eyes, 8 colour classes, nz=100
    "vae-digits": "vae-digits.safetensors",  # 32x32 grayscale handwritten digits, a VAE trained by `odyssey train-vae`
}


def checkpoints_dir() -> Path:
    """``$ODYSSEY_CHECKPOINTS`` if set, else ``<repo>/checkpoints``."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parents[2] / "checkpoints"


def bundled_path(name: str) -> Path:
    """The file of bundled model ``name``; CheckpointError if unknown or missing."""
    if name not in BUNDLED:
        raise CheckpointError(f"unknown bundled model {name!r}; bundled models: {', '.join(BUNDLED)}")
    path = checkpoints_dir() / BUNDLED[name]
    if not path.is_file():
        raise CheckpointError(
            f"bundled model {name} is missing: {path} does not exist; set {ENV_VAR} to the folder "
            "holding it or rebuild it with python checkpoints/convert_bundled.py"
        )
    return path


def list_bundled() -> list[ModelInfo]:
    """``ModelInfo`` of every bundled model, read from file headers only (no weights)."""
    infos = []
    for name in BUNDLED:
        path = bundled_path(name)
        infos.append(native_info(read_native_metadata(path), path))
    return infos
