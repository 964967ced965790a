"""Plan: a validated path file + a loaded model -> the ``Trajectory`` the renderer draws.

This is the only place where config fields meet the model: seeds become latents through
``Generator.seed_latent`` (on the CPU), ``vector:`` files are read and checked against
the model's latent shape, class names become indices. Every error names the field.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from odyssey.config import KeyframeSpec, OdysseyConfig
from odyssey.errors import ConfigError, PathError
from odyssey.models.base import Generator, ModelInfo
from odyssey.trajectory import Keyframe, Trajectory, build_trajectory, resolve_timing


def load_vector(file: Path, latent_shape: tuple[int, ...], field: str) -> torch.Tensor:
    """A saved latent from ``.npy``: any array with the model's number of values."""
    if not file.is_file():
        raise ConfigError(f"{field}: no such file {file}; give a .npy file saved with numpy.save")
    try:
        array = np.load(file, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ConfigError(f"{field}: cannot read {file} as a .npy array ({exc}); save it with numpy.save") from None
    expected = int(np.prod(latent_shape))
    if array.size != expected or not np.issubdtype(array.dtype, np.floating):
        raise ConfigError(
            f"{field}: {file} holds a {array.dtype} array of shape {array.shape}, but the model needs "
            f"{expected} floats (latent shape {latent_shape})"
        )
    return torch.from_numpy(array.astype(np.float32).reshape(latent_shape))


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


def keyframes_from_config(config: OdysseyConfig, generator: Generator) -> list[Keyframe]:
    """Each ``KeyframeSpec`` -> a ``Keyframe`` with its latent drawn or read."""
    info = generator.info
    fps = config.fps
    default_class = resolve_class(info, config.class_, "class")
    keyframes = []
    for index, spec in enumerate(config.path.keyframes):
        field = f"path.keyframes.{index}"
        keyframes.append(_keyframe(spec, index, field, config, generator, default_class, fps))
    if info.conditional:
        missing = [i for i, k in enumerate(keyframes) if k.label is None]
        if missing:
            names = ", ".join(info.class_names or ())
            raise ConfigError(
                f"path.keyframes.{missing[0]}: model {info.name} is conditional; give the keyframe a 'class' "
                f"(or set a top-level 'class'). Classes: {names}"
            )
    return keyframes


def _keyframe(
    spec: KeyframeSpec, index: int, field: str, config: OdysseyConfig, generator: Generator, default_class: int | None, fps: float
) -> Keyframe:
    if spec.vector is not None:
        latent = load_vector(Path(spec.vector), generator.info.latent_shape, f"{field}.vector")
    else:
        seed = spec.seed if spec.seed is not None else config.seed + index
        latent = generator.seed_latent(seed)
    label = resolve_class(generator.info, spec.class_, f"{field}.class")
    return Keyframe(
        latent=latent,
        label=label if label is not None else default_class,
        hold=spec.hold.to_seconds(fps) if spec.hold else None,
        duration=spec.duration.to_seconds(fps) if spec.duration else None,
    )


def plan_trajectory(config: OdysseyConfig, generator: Generator) -> Trajectory:
    """The trajectory ``odyssey render`` draws for this config and model."""
    keyframes = keyframes_from_config(config, generator)
    path = config.path
    fps = config.fps
    try:
        timing = resolve_timing(
            keyframes,
            loop=path.loop,
            default_hold=path.hold.to_seconds(fps),
            default_transition=path.transition.to_seconds(fps) if path.transition else None,
            total_seconds=path.duration.seconds if path.duration else None,
            total_frames=path.duration.frames if path.duration else None,
            fps=fps,
        )
        return build_trajectory(
            keyframes,
            fps=fps,
            loop=path.loop,
            interpolation=path.interpolation,
            easing=path.easing,
            timing=timing,
            num_classes=generator.info.num_classes,
            psi=config.truncation,
        )
    except PathError as exc:
        raise ConfigError(f"path: {exc}") from None
