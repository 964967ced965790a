"""Plan: a validated path file + a (styled) model -> the ``Trajectory`` the renderer draws.

``plan_trajectory`` builds the path's legs (``odyssey.plan.assemble``; a path with only
``keyframes:`` is one keyframes leg), lays them on frames, and adds truncation: psi as a
number or a curve over time, and a centre, applied in the trajectory for models without
a w space (z is scaled toward it) or by the generator in w otherwise (see
``odyssey.plan.styles``); and per-frame controls (StyleGAN3's input transform,
per-frame noise seeds); and, with a soundtrack, its time warp and reactions
(``odyssey.plan.music``).
"""

from __future__ import annotations

import numpy as np
import torch

from odyssey.config import OdysseyConfig, TransformSpec, TruncationSpec, curve_points
from odyssey.errors import ConfigError, PathError
from odyssey.models.base import Generator
from odyssey.paths import TransformMotion, ValueCurve, constant
from odyssey.plan.assemble import assemble_path
from odyssey.plan.keyframes import keyframe_from_spec, resolve_class
from odyssey.plan.music import music_track, prepare_music
from odyssey.plan.styles import truncation_spec
from odyssey.plan.trajectory import Trajectory


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
    config, music = prepare_music(config)  # a soundtrack sets the length (and keyframes on its events)
    spec = truncation_spec(config)
    curve_points_ = spec.curve(config.fps)
    psi = float(spec.psi) if curve_points_ is None else float(np.median([v for _, v in curve_points_]))
    builder, names = assemble_path(config, generator, psi)
    duration = config.path.duration
    pinned = duration.frames if duration is not None and duration.frames is not None else None
    try:
        frames = builder.frame_count(pinned)
    except PathError as exc:
        raise ConfigError(f"path.duration: {exc}") from None
    try:
        path = builder.build(frames)
    except PathError as exc:  # what is left: a loop that does not end where it starts
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
        keyframe_names=names if len(names) == len(builder.marks) else [],
        psi_curve=curve,
        truncation_centre=centre,
        centre_in_latents=in_latents,
        truncation_cutoff=cutoff,
        gaussian=config.space == "z",
        frame_indices=config.noise == "random",
        transform=_transform_motion(config.transform, config.fps, path.total_seconds, path.loop),
        music=music_track(music, config, path, generator),
    )


def _truncation_centre(spec: TruncationSpec, config: OdysseyConfig, generator: Generator) -> tuple[torch.Tensor | None, int | None, bool]:
    """(centre latent or None, cutoff, apply the centre in the trajectory?) for this model.

    A model without a w space truncates by scaling z toward 0 (or toward the centre,
    applied in the trajectory); a model with one got its cutoff and centre in
    ``style_generator`` and applies them in w, so only the cutoff is carried (for reports).
    """
    if spec.centre is None and spec.cutoff is None:
        return None, None, False
    info = generator.info
    label = resolve_class(info, config.class_, "class") or 0
    probe = generator.seed_latent(config.seed, label if info.conditional else None)[None]
    labels = torch.eye(info.num_classes)[[label]] if info.conditional else None  # (1, C): a conditional model maps with one
    with torch.inference_mode():
        has_w = generator.map(probe, labels) is not None
    if spec.cutoff is not None and not has_w:
        raise ConfigError(
            f"truncation.cutoff: model {generator.info.name} has no w space or synthesis layers, so a layer cutoff "
            "does not apply; remove it (psi alone scales z toward the centre)"
        )
    if has_w:
        return None, spec.cutoff, False
    centre = keyframe_from_spec(spec.centre, 0, "truncation.centre", config, generator, None, config.fps).latent
    return centre, None, True
