"""Plan: a validated path file + a loaded model -> the ``Trajectory`` the renderer draws.

This is the only place where config fields meet the model: seeds become latents through
``Generator.seed_latent`` (on the CPU), ``vector:`` files are read and checked against
the model's latent shape, ``image:`` pictures are encoded by a VAE (``odyssey.vae.keyframes``),
class names become indices. Every error names the field.

``style_generator`` first gives the model the path file's ``space``, ``noise``,
truncation cutoff and centre and ``transform.stabilise`` (a view of a StyleGAN; other
models refuse anything but the defaults, naming the field). ``plan_trajectory`` then
builds the path's legs with ``odyssey.plan_legs`` (a path with only ``keyframes:`` is one
keyframes leg), lays them on frames, and adds truncation: psi as a number or a curve over
time, and a centre, applied in the trajectory for models without a w space (z is scaled
toward it) or by the generator in w otherwise; and per-frame controls (StyleGAN3's input
transform, per-frame noise seeds).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from odyssey.config import KeyframeSpec, OdysseyConfig, TransformSpec, TruncationSpec, curve_points
from odyssey.errors import ConfigError, PathError
from odyssey.models.base import Generator, ModelInfo, StyleSettings
from odyssey.paths import TransformMotion, ValueCurve, constant
from odyssey.trajectory import Keyframe, Trajectory

GAUSSIAN_LEGS = ("walk", "noise-loop")  # legs whose motion assumes an N(0, I) space


def load_vector(file: Path, generator: Generator, field: str) -> torch.Tensor:
    """A saved latent from ``.npy`` (numpy.save) or ``.npz`` (key ``w``, as NVIDIA's
    projector writes, or its only array), shaped by ``generator.vector_latent``."""
    if not file.is_file():
        raise ConfigError(f"{field}: no such file {file}; give a .npy file saved with numpy.save (or a projector's .npz)")
    try:
        loaded = np.load(file, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                keys = list(loaded.keys())
                if "w" not in keys and len(keys) != 1:
                    raise ConfigError(f"{field}: {file} holds arrays {keys}; save the latent under the key 'w' (or alone)")
                loaded = loaded["w" if "w" in keys else keys[0]]
    except (ValueError, OSError) as exc:
        raise ConfigError(f"{field}: cannot read {file} as a .npy/.npz array ({exc}); save it with numpy.save") from None
    try:
        return generator.vector_latent(np.asarray(loaded))
    except ValueError as exc:
        raise ConfigError(f"{field}: {file} {exc}") from None


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
        latent = load_vector(Path(spec.vector), generator, f"{field}.vector")
    elif spec.image is not None:  # a picture, encoded by a VAE to the mean of q(z|x)
        from odyssey.vae.keyframes import image_latent

        latent = image_latent(Path(spec.image), generator, f"{field}.image")
    label = resolve_class(generator.info, spec.class_, f"{field}.class")
    label = label if label is not None else default_class
    if spec.vector is None and spec.image is None:
        seed = spec.seed if spec.seed is not None else config.seed + index
        latent = generator.seed_latent(seed, label)
    return Keyframe(
        latent=latent,
        label=label,
        hold=spec.hold.to_seconds(fps) if spec.hold else None,
        duration=spec.duration.to_seconds(fps) if spec.duration else None,
    )


def _truncation_spec(config: OdysseyConfig) -> TruncationSpec:
    truncation = config.truncation
    return truncation if isinstance(truncation, TruncationSpec) else TruncationSpec(psi=truncation)


def style_generator(config: OdysseyConfig, generator: Generator) -> Generator:
    """The model as this path file drives it: space, noise, cutoff, centre, stabilise.

    Returns ``generator`` itself for plain z paths; a view sharing the network otherwise.
    """
    spec = _truncation_spec(config)
    transform = config.transform
    settings = StyleSettings(space=config.space, noise=config.noise, cutoff=spec.cutoff, stabilise=bool(transform and transform.stabilise))
    if settings.space != "z":
        legs = [leg.type for leg in config.path.legs or []]
        for index, kind in enumerate(legs):
            if kind in GAUSSIAN_LEGS:
                raise ConfigError(f"path.legs.{index}: a {kind} leg moves through z's N(0, I) distribution, not {settings.space}; use space: z for it")
    if transform is not None and "transform" not in generator.controls:
        raise ConfigError(f"transform: model {generator.info.name} ({generator.info.family}) has no input transform (StyleGAN3 has); remove it")
    try:
        view = generator.in_space(settings) if settings != StyleSettings() else generator
        if spec.centre is not None:  # in w, the model pulls toward it; without w, the trajectory does
            key = _keyframe(spec.centre, 0, "truncation.centre", config, view, resolve_class(view.info, config.class_, "class"), config.fps)
            labels = None if key.label is None else torch.eye(view.info.num_classes)[[key.label]]  # (1, C)
            with torch.inference_mode():
                centre = view.map(key.latent[None], labels)  # w (1, w_dim) or w+ (1, num_ws, w_dim); None without w
            if centre is not None:
                view = view.in_space(replace(settings, centre=centre[0].cpu()))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return view


def _transform_motion(spec: TransformSpec | None, fps: float, total: float, loop: bool) -> TransformMotion | None:
    """The input transform over time, or None when the path file asks for none."""
    if spec is None:
        return None
    if loop and spec.turns != round(spec.turns):
        raise ConfigError(f"transform.turns: a loop needs whole turns to meet itself at the seam; got {spec.turns:g}")
    signals = []
    for name in ("rotate", "translate_x", "translate_y"):
        value = getattr(spec, name)
        points = curve_points(value, fps)
        try:
            signals.append(constant(value) if points is None else ValueCurve(points, total if loop else None))
        except PathError as exc:
            raise ConfigError(f"transform.{name}: {exc}") from None
    return TransformMotion(*signals, turns=spec.turns, total_seconds=total)


def plan_trajectory(config: OdysseyConfig, generator: Generator) -> Trajectory:
    """The trajectory ``odyssey render`` draws for this config and (styled) model."""
    from odyssey.plan_legs import plan_path_legs  # it uses this module's helpers

    spec = _truncation_spec(config)
    curve_points_ = spec.curve(config.fps)
    psi = float(spec.psi) if curve_points_ is None else float(np.median([v for _, v in curve_points_]))
    builder = plan_path_legs(config, generator, psi)
    duration = config.path.duration
    try:
        path = builder.build(duration.frames if duration is not None and duration.frames is not None else None)
    except PathError as exc:
        raise ConfigError(f"path.loop: {exc}") from None
    try:
        curve = None if curve_points_ is None else ValueCurve(curve_points_, path.total_seconds if path.loop else None)
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
        gaussian=config.space == "z",
        frame_indices=config.noise == "random",
        transform=_transform_motion(config.transform, config.fps, path.total_seconds, path.loop),
    )


def _truncation_centre(spec: TruncationSpec, config: OdysseyConfig, generator: Generator) -> tuple[torch.Tensor | None, int | None, bool]:
    """(centre latent or None, cutoff, apply the centre in the trajectory?) for this model.

    A model without a w space truncates by scaling z toward 0 (or toward the centre,
    applied in the trajectory); a model with one got its cutoff and centre in
    ``style_generator`` and applies them in w, so only the cutoff is carried (for reports).
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
    if has_w:
        return None, spec.cutoff, False
    centre = _keyframe(spec.centre, 0, "truncation.centre", config, generator, None, config.fps).latent
    return centre, None, True
