"""Keyframe sources: seeds, saved vectors, pictures and class names -> latents and labels.

This is where a path file's keyframe fields meet the model: seeds become latents through
``Generator.seed_latent`` (drawn on the CPU, the model's own convention), ``vector:``
files are read and shaped by ``Generator.vector_latent``, ``image:`` pictures are encoded
by a VAE (``odyssey.plan.images``), class names become indices. Every error is a
``ConfigError`` naming the field.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import torch

from odyssey.config import KeyframeSpec, OdysseyConfig
from odyssey.config.fields import MAX_SEED
from odyssey.errors import ConfigError
from odyssey.models.arrays import ArrayProblem, read_array
from odyssey.models.base import Generator, ModelInfo
from odyssey.plan.timing import Keyframe


MAX_NORM_RATIO = 50.0  # a latent of norm > 50 sqrt(D) is not in any model's units


def load_vector(file: Path, generator: Generator, field: str) -> torch.Tensor:
    """A saved latent from ``.npy`` (numpy.save) or ``.npz`` (key ``w``, as NVIDIA's
    projector writes, or its only array), shaped by ``generator.vector_latent``.

    Read with its header checked first (``odyssey.models.arrays``); refused when it holds
    NaN or infinity, is all zeros (no direction for slerp to turn from), or is far too
    large to be a latent (norm over 50 sqrt(D): saved in other units?)."""
    if not file.is_file() and not file.exists():
        raise ConfigError(f"{field}: no such file {file}; give a .npy file saved with numpy.save (or a projector's .npz)")
    try:
        loaded = read_array(file)
    except ArrayProblem as problem:
        raise ConfigError(f"{field}: {file} {problem}; give a .npy file saved with numpy.save (or a projector's .npz)") from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise ConfigError(f"{field}: cannot read {file} ({exc}); save it with numpy.save") from None
    if not np.issubdtype(loaded.dtype, np.number) or np.issubdtype(loaded.dtype, np.complexfloating):
        raise ConfigError(f"{field}: {file} holds {loaded.dtype} values; a latent is real numbers")
    try:
        latent = generator.vector_latent(np.asarray(loaded))
    except ValueError as exc:
        raise ConfigError(f"{field}: {file} {exc}") from None
    values = latent.detach().double().reshape(-1)
    if not torch.isfinite(values).all():
        raise ConfigError(f"{field}: {file} holds NaN or infinite values; save a finite latent")
    norm = float(values.norm())
    if norm == 0.0:
        raise ConfigError(f"{field}: {file} is all zeros, which has no direction for a path to turn from; save another latent")
    if norm > MAX_NORM_RATIO * math.sqrt(max(values.numel(), 1)):
        raise ConfigError(f"{field}: {file} has norm {norm:.3g}, over {MAX_NORM_RATIO:g} sqrt(D): not a latent in this model's units (typical: about sqrt(D))")
    return latent


def resolve_class(info: ModelInfo, value: str | int | None, field: str) -> int | None:
    """A class name or index -> index; None for unconditional models."""
    if not info.conditional:
        if value is not None:
            raise ConfigError(f"{field}: model {info.name} is not conditional, so it takes no class; remove it")
        return None
    if value is None:
        return None
    try:
        return info.class_index(value)
    except ValueError as exc:
        raise ConfigError(f"{field}: {exc}") from None


def keyframe_from_spec(
    spec: KeyframeSpec, index: int, field: str, config: OdysseyConfig, generator: Generator, default_class: int | None, fps: float
) -> Keyframe:
    """One ``KeyframeSpec`` -> a ``Keyframe``: its latent drawn (seed, default ``config.seed + index``),
    read (vector) or encoded (image), its class resolved, its hold and move length in seconds."""
    if spec.vector is not None:
        latent = load_vector(Path(spec.vector), generator, f"{field}.vector")
    elif spec.image is not None:  # a picture, encoded by a VAE to the mean of q(z|x)
        from odyssey.plan.images import image_latent

        latent = image_latent(Path(spec.image), generator, f"{field}.image")
    label = resolve_class(generator.info, spec.class_, f"{field}.class")
    label = label if label is not None else default_class
    if spec.vector is None and spec.image is None:
        seed = spec.seed if spec.seed is not None else config.seed + index
        if seed > MAX_SEED:
            raise ConfigError(f"{field}: its seed is seed + {index} = {seed}, past the last seed ({MAX_SEED}); lower the top-level seed")
        latent = generator.seed_latent(seed, label)
    return Keyframe(
        latent=latent,
        label=label,
        hold=spec.hold.to_seconds(fps) if spec.hold else None,
        duration=spec.duration.to_seconds(fps) if spec.duration else None,
    )
