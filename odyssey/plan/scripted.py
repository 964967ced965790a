"""Paths built from Python: keyframes (seeds or arrays) and timing -> a ``Trajectory``, no YAML.

``keyframe_path`` is the quick way from a script or notebook (``odyssey.keyframe_path``);
``build_trajectory`` does the same from ``Keyframe`` objects with resolved ``Timing``.
Path files go through ``odyssey.plan.planner`` instead, which can build every leg type.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
import torch

from odyssey.errors import PathError
from odyssey.models.base import Generator
from odyssey.paths import KeyframesLeg, PathBuilder
from odyssey.plan.timing import Keyframe, Timing, resolve_timing
from odyssey.plan.trajectory import Trajectory


def keyframes_leg(
    builder: PathBuilder,
    keyframes: Sequence[Keyframe],
    timing: Timing,
    *,
    interpolation: str,
    easing: str,
    num_classes: int,
    speed: str = "natural",
    measure=None,
) -> None:
    """Add a path's only leg, through ``keyframes``, to ``builder`` (loops return to key 0)."""
    if not keyframes:
        raise PathError("a path needs at least one keyframe")
    if builder.loop and len(keyframes) < 2:
        raise PathError("a loop needs at least 2 keyframes: add keyframes or set loop: false")
    shapes = {tuple(k.latent.shape) for k in keyframes}
    if len(shapes) != 1:
        raise PathError(f"keyframe latents differ in shape: {sorted(shapes)}")
    keys = np.stack([k.latent.detach().to("cpu", torch.float32).reshape(-1).double().numpy() for k in keyframes])  # (K, D)
    labels = None
    if num_classes:
        missing = [i for i, k in enumerate(keyframes) if k.label is None]
        if missing:
            raise PathError(f"keyframe {missing[0]} has no class, and the model is conditional: give each keyframe a class (or a default class)")
        labels = np.eye(num_classes)[[k.label for k in keyframes]]  # (K, C)
    leg = KeyframesLeg(keys, interpolation, periodic=builder.loop, labels=labels)
    open_moves = [k.duration is None for k in keyframes[: len(timing.transitions)]]
    builder.add(leg, timing.transitions, timing.holds, open_moves, easing, speed, measure, marks=range(len(keyframes)))


def build_trajectory(
    keyframes: Sequence[Keyframe],
    *,
    fps: float = 30.0,
    loop: bool = False,
    interpolation: str = "slerp",
    easing: str = "linear",
    timing: Timing | None = None,
    num_classes: int = 0,
    psi: float = 1.0,
) -> Trajectory:
    """Keyframes + timing -> a ``Trajectory``. Labels are one-hot per keyframe, mixed softly."""
    if not keyframes:
        raise PathError("a path needs at least one keyframe")
    timing = timing or resolve_timing(keyframes, loop=loop, fps=fps)
    builder = PathBuilder(tuple(keyframes[0].latent.shape), fps, loop)
    keyframes_leg(builder, keyframes, timing, interpolation=interpolation, easing=easing, num_classes=num_classes)
    return Trajectory(path=builder.build(timing.total_frames), fps=fps, psi=psi, keyframe_labels=[k.label for k in keyframes])


def keyframe_path(
    generator: Generator,
    keyframes: Sequence[int | torch.Tensor | np.ndarray],
    *,
    seconds: float | None = None,
    frames: int | None = None,
    fps: float = 30.0,
    loop: bool = False,
    interpolation: str = "slerp",
    easing: str = "linear",
    hold: float = 0.0,
    classes: Sequence[str | int] | None = None,
    truncation: float = 1.0,
) -> Trajectory:
    """A path through ``keyframes`` (seeds or latent arrays), lasting ``seconds`` or ``frames``.

    Without a length, each move takes 2 s. ``classes`` gives one class per keyframe for
    conditional models (a single entry applies to all).
    """
    info = generator.info
    if classes is not None and len(classes) not in (1, len(keyframes)):
        raise PathError(f"classes: give one class or one per keyframe ({len(keyframes)}), not {len(classes)}")
    keys = []
    for index, key in enumerate(keyframes):
        if isinstance(key, (int, np.integer)):
            latent = generator.seed_latent(int(key))
        else:
            latent = torch.as_tensor(np.asarray(key), dtype=torch.float32).reshape(info.latent_shape)
        label = None
        if classes is not None:
            label = info.class_index(classes[index if len(classes) > 1 else 0])
        keys.append(Keyframe(latent=latent, label=label, hold=hold))
    timing: Timing = resolve_timing(keys, loop=loop, total_seconds=seconds, total_frames=frames, fps=fps)
    trajectory = build_trajectory(
        keys, fps=fps, loop=loop, interpolation=interpolation, easing=easing, timing=timing, num_classes=info.num_classes, psi=truncation
    )
    names = [f"seed {int(k)}" if isinstance(k, (int, np.integer)) else f"key {i}" for i, k in enumerate(keyframes)]
    return replace(trajectory, keyframe_names=names)
