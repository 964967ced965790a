"""odyssey: films of a generative model's latent space.

Public API (see the README for a walk-through):

* ``load_generator(name_or_file)`` -> a ``Generator`` (bundled: ``dcgan-faces``, ``omniart-eyes``)
* ``keyframe_path(generator, [seeds...], seconds=..., loop=...)`` -> a ``Trajectory``
* ``render(generator, trajectory, "out.mp4", RenderSettings(size=256))`` -> the output path
* ``iter_frames(generator, trajectory)`` -> ``(B, H, W, C)`` uint8 batches
* ``render_file("paths/faces-loop.yaml")`` -> what ``odyssey render`` does (in segments, resumable)
* ``render_segments(path_file, shard="0/2")``, ``join_file(path_file)`` -> ``--shard``/``--ray`` and ``odyssey join``
* ``train_vae("drawings/", "checkpoints/mine.safetensors", resolution=64)`` -> what ``odyssey train-vae`` does

Names are imported on first use, so ``import odyssey.paths`` stays free of models,
and ``odyssey --version`` does not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Job": "odyssey.api",
    "check_file": "odyssey.api",
    "save_latents": "odyssey.api",
    "seed_sheet": "odyssey.api",
    "convert_checkpoint": "odyssey.api",
    "describe_models": "odyssey.api",
    "iter_frames": "odyssey.api",
    "keyframe_path": "odyssey.api",
    "load_generator": "odyssey.api",
    "load_job": "odyssey.api",
    "preview_file": "odyssey.api",
    "render": "odyssey.api",
    "render_file": "odyssey.api",
    "render_segments": "odyssey.api",
    "join_file": "odyssey.api",
    "save_array": "odyssey.api",
    "summarize": "odyssey.api",
    "train_vae": "odyssey.api",
    "OdysseyError": "odyssey.errors",
    "Generator": "odyssey.api",
    "ModelInfo": "odyssey.api",
    "StyleSettings": "odyssey.api",
    "Renderer": "odyssey.api",
    "RenderSettings": "odyssey.api",
    "Trajectory": "odyssey.api",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'odyssey' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
