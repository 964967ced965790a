"""Plan: a validated path file + a loaded model -> the ``Trajectory`` the renderer draws.

This is the only place where config fields meet the model: seeds become latents through
``Generator.seed_latent`` (on the CPU), ``vector:`` files are read and checked against
the model's latent shape, ``image:`` pictures are encoded by a VAE (``odyssey.vae.keyframes``),
class names become indices. Every error names the field.

``plan_trajectory`` builds the path's legs with ``odyssey.plan_legs`` (a path with only
``keyframes:`` is one keyframes leg), lays them on frames, and adds truncation: psi as a
number or a curve over time, and a centre, applied in the trajectory for models without a
w space (z is scaled toward it) or carried for the generator otherwise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from odyssey.config import KeyframeSpec, OdysseyConfig, TruncationSpec
from odyssey.errors import ConfigError, PathError
from odyssey.models.base import Generator, ModelInfo
from odyssey.paths import ValueCurve
from odyssey.trajectory import Keyframe, Trajectory


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
    elif spec.image is not None:  # a picture, encoded by a VAE to the mean of q(z|x)
        from odyssey.vae.keyframes import image_latent

        latent = image_latent(Path(spec.image), generator, f"{field}.image")
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
    from odyssey.plan_legs import plan_path_legs  # it uses this module's helpers

    truncation = config.truncation
    spec = truncation if isinstance(truncation, TruncationSpec) else TruncationSpec(psi=truncation)
    curve_points = spec.curve(config.fps)
    psi = float(spec.psi) if curve_points is None else float(np.median([v for _, v in curve_points]))
    builder = plan_path_legs(config, generator, psi)
    duration = config.path.duration
    try:
        path = builder.build(duration.frames if duration is not None and duration.frames is not None else None)
    except PathError as exc:
        raise ConfigError(f"path.loop: {exc}") from None
    try:
        curve = None if curve_points is None else ValueCurve(curve_points, path.total_seconds if path.loop else None)
    except PathError as exc:
        raise ConfigError(f"truncation.psi: {exc}") from None
    centre, cutoff, in_latents = _truncation_centre(spec, config, generator)
    return Trajectory(
        path=path,
        fps=config.fps,
        psi=psi,
        keyframe_labels=[],
        psi_curve=curve,
        truncation_centre=centre,
        centre_in_latents=in_latents,
        truncation_cutoff=cutoff,
        gaussian=True,
    )


def _truncation_centre(spec: TruncationSpec, config: OdysseyConfig, generator: Generator) -> tuple[torch.Tensor | None, int | None, bool]:
    """(centre latent or None, cutoff, apply the centre in the trajectory?) for this model.

    A model without a w space truncates by scaling z toward 0 (or toward the centre,
    applied in the trajectory); a layer cutoff needs a model with layers and a w space.
    """
    if spec.centre is None and spec.cutoff is None:
        return None, None, False
    probe = generator.seed_latent(config.seed)[None]
    with torch.inference_mode():
        has_w = generator.map(probe) is not None
    if spec.cutoff is not None and not has_w:
        raise ConfigError(
            f"truncation.cutoff: model {generator.info.name} has no w space or synthesis layers, so a layer cutoff "
            "does not apply; remove it (psi alone scales z toward the centre)"
        )
    centre = None
    if spec.centre is not None:
        centre = _keyframe(spec.centre, 0, "truncation.centre", config, generator, None, config.fps).latent
    return centre, spec.cutoff, centre is not None and not has_w
