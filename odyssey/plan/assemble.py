"""Assemble a path: the path file's leg specs + a model -> legs of ``odyssey.paths``, timed and joined.

Three things are called "leg": a leg *spec* is what the path file says
(``odyssey.config.leg_specs``: ``WalkLegSpec``...), a leg is the pure-math object that
moves (``odyssey.paths``: ``WalkLeg``...), and this module turns the one into the other
and hands the legs to ``odyssey.paths.PathBuilder``, which joins them end to end.

The model-aware half of the motion library. Seeds become latents with
``Generator.seed_latent`` (CPU), files are read, ``pca:K`` directions are computed (or
read from their cache), and ``speed: uniform-image`` gets an image measure drawn by the
model. Everything else is handed to ``odyssey.paths.PathBuilder`` as plain arrays.
Errors are ``ConfigError`` naming the field (``path.legs.2.duration: ...``).

Timing: legs with a ``duration`` keep it; the others share what is left of
``path.duration`` equally. Without ``path.duration``, a keyframes leg takes its moves'
``transition`` (2 s by default) and every other leg needs its own duration.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from odyssey import config as cfg
from odyssey.config.fields import MAX_SEED
from odyssey.errors import ConfigError, PathError
from odyssey.models.arrays import file_problem
from odyssey.models.base import Generator
from odyssey.paths import (
    DirectionLeg,
    FourierLoopLeg,
    HoldLeg,
    KeyframesLeg,
    PathBuilder,
    PlaneLeg,
    Start,
    WalkLeg,
    circle,
    lissajous,
    noise_variances,
    polyline,
    walk_variances,
)
from odyssey.plan.directions import resolve_direction
from odyssey.plan.keyframes import keyframe_from_spec, load_vector, resolve_class
from odyssey.plan.measure import image_measure
from odyssey.plan.timing import Keyframe, resolve_timing


@dataclass
class LegContext:
    """What planning one leg needs besides its spec."""

    config: cfg.OdysseyConfig
    generator: Generator
    builder: PathBuilder
    index: int
    count: int
    field: str
    seconds: float | None
    psi: float
    keyframe_base: int  # default seeds of this leg's keyframes start at seed + this
    keyframe_fields: str  # e.g. "path.keyframes" or "path.legs.0.keyframes"

    @property
    def first(self) -> bool:
        return self.index == 0

    @property
    def closing(self) -> bool:
        """The last leg of a looping path of several legs: it must return to the start."""
        return self.config.path.loop and self.index == self.count - 1 and self.count > 1

    @property
    def only_loop(self) -> bool:
        """The only leg of a looping path: it must close on itself."""
        return self.config.path.loop and self.count == 1


def leg_seconds(config: cfg.OdysseyConfig, legs: list[Any], fields: list[str]) -> list[float | None]:
    """Seconds of each leg (None: a keyframes leg timed by its own moves)."""
    fps, path = config.fps, config.path
    own = [leg.duration.to_seconds(fps) if leg.duration is not None else None for leg in legs]
    if path.duration is None:
        for leg, seconds, field in zip(legs, own, fields):
            if seconds is None and leg.type != "keyframes":
                raise ConfigError(f"{field}.duration: give this {leg.type} leg a duration, e.g. 4 or '120f' (or give path.duration)")
        return own
    total = path.duration.to_seconds(fps)
    fixed = math.fsum(s for s in own if s is not None)
    open_legs = sum(s is None for s in own)
    left = total - fixed
    if left < -1e-9 * max(1.0, total) or (open_legs == 0 and abs(left) > 1e-9 * max(1.0, total)):
        raise ConfigError(f"path.duration: the path lasts {total:g} s but its legs' durations add up to {fixed:g} s; make them agree")
    share = max(left, 0.0) / open_legs if open_legs else 0.0
    return [s if s is not None else share for s in own]


def _label(ctx: LegContext, class_value: Any, field: str) -> np.ndarray | None:
    info = ctx.generator.info
    if not info.conditional:
        resolve_class(info, class_value, field)
        return None
    index = resolve_class(info, class_value, field)
    if index is None:
        index = resolve_class(info, ctx.config.class_, "class")
    if index is None:
        raise ConfigError(f"{field}: model {info.name} is conditional; give it a 'class' (or set a top-level 'class'). Classes: {', '.join(info.class_names or ())}")
    return np.eye(info.num_classes)[index]


def _default_class(ctx: LegContext) -> int | None:
    """The top-level ``class:`` as an index (None for an unconditional model or none given)."""
    return resolve_class(ctx.generator.info, ctx.config.class_, "class")


def _start(ctx: LegContext, spec: Any, seed: int) -> Start:
    """Where a leg starts: the previous leg's end, or (first leg) its origin or ``seed``'s latent."""
    if not ctx.first:
        if getattr(spec, "origin", None) is not None:
            raise ConfigError(f"{ctx.field}.origin: only the first leg has an origin; later legs start where the previous one ended, so remove it")
        return ctx.builder.current()
    origin = getattr(spec, "origin", None)
    if origin is None:
        label = _label(ctx, None, f"{ctx.field}.origin")
        latent = ctx.generator.seed_latent(seed, None if label is None else int(np.argmax(label)))
    else:
        key = keyframe_from_spec(origin, seed - ctx.config.seed, f"{ctx.field}.origin", ctx.config, ctx.generator, _default_class(ctx), ctx.config.fps)
        latent, label = key.latent, _label(ctx, key.label, f"{ctx.field}.origin")
    return Start(latent.reshape(-1).double().numpy(), None, label)


def _axis(ctx: LegContext, axis: cfg.AxisSpec, field: str) -> np.ndarray:
    if axis.seed is not None:
        return ctx.generator.seed_latent(axis.seed).reshape(-1).double().numpy()
    if axis.vector is not None:
        return load_vector(Path(axis.vector), ctx.generator, field).reshape(-1).double().numpy()
    return resolve_direction(axis.direction, ctx.generator, field)


MAX_POINTS_BYTES = 10 << 20


def read_points(file: Path, field: str) -> np.ndarray:
    """Drawn 2-D points from JSON ([[x, y]...], [{x, y}...], {points: [...]}) or CSV (x,y rows) -> (m, 2)."""
    problem = file_problem(file)
    if problem:
        what = f"no such file {file}" if not file.exists() else f"{file} {problem}"
        raise ConfigError(f"{field}: {what}; give a JSON or CSV file of x, y points")
    if file.stat().st_size > MAX_POINTS_BYTES:
        raise ConfigError(f"{field}: {file} is {file.stat().st_size} bytes; a drawn stroke is far smaller (at most {MAX_POINTS_BYTES})")
    text = file.read_text(encoding="utf-8", errors="replace")
    try:
        if file.suffix.lower() == ".json":
            data = json.loads(text)
            data = data.get("points", data) if isinstance(data, dict) else data
            rows = [[p["x"], p["y"]] if isinstance(p, dict) else list(p)[:2] for p in data]
        else:
            rows = [r[:2] for r in csv.reader(text.splitlines()) if r and r[0].strip()]
            if rows and not _is_number(rows[0][0]):
                rows = rows[1:]  # a header line
        points = np.asarray(rows, dtype=np.float64)
    except (ValueError, TypeError, KeyError, IndexError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{field}: cannot read points from {file} ({exc}); write a JSON list of [x, y] or CSV rows x,y") from None
    if points.ndim != 2 or points.shape[1] != 2:
        raise ConfigError(f"{field}: {file} must hold x, y pairs; got an array of shape {points.shape}")
    if not np.isfinite(points).all():
        raise ConfigError(f"{field}: {file} holds NaN or infinite coordinates; every point needs finite x and y")
    return points


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _pacing(ctx: LegContext, spec: Any) -> dict:
    path = ctx.config.path
    speed = spec.speed or (path.speed if isinstance(path.speed, str) else "natural")  # a music follow is a warp on top
    measure = image_measure(ctx.generator, ctx.psi) if speed == "uniform-image" else None
    return {"easing": spec.easing or path.easing, "speed": speed, "measure": measure}


def add_keyframes_leg(ctx: LegContext, spec: Any) -> None:
    """A keyframes leg: implicit start key when continuing, closing key when it ends a loop."""
    config, fps = ctx.config, ctx.config.fps
    fields = [f"{ctx.keyframe_fields}.{i}" for i in range(len(spec.keyframes))]
    default = _default_class(ctx)  # a seed's latent in w is mapped with its class: the keyframe's, else the top-level one
    keys = [keyframe_from_spec(k, ctx.keyframe_base + i, fields[i], config, ctx.generator, default, fps) for i, k in enumerate(spec.keyframes)]
    labels = [_label(ctx, k.class_, fields[i]) for i, k in enumerate(spec.keyframes)]  # one-hot (C,) or None
    start = None if ctx.first else ctx.builder.current()
    if start is not None:
        keys = [Keyframe(latent=torch.from_numpy(start.position), hold=0.0)] + keys
        labels = [start.label] + labels
    hold = spec.hold or config.path.hold
    transition = spec.transition or config.path.transition
    loop = ctx.only_loop or ctx.closing
    total_frames = config.path.duration.frames if (ctx.count == 1 and config.path.duration is not None) else None
    timing = resolve_timing(
        keys, loop=loop, default_hold=hold.to_seconds(fps), default_transition=transition.to_seconds(fps) if transition else None,
        total_seconds=ctx.seconds if total_frames is None else None, total_frames=total_frames, fps=fps,
    )
    latents = np.stack([k.latent.reshape(-1).double().numpy() for k in keys])  # (K, D)
    if ctx.closing:
        first = ctx.builder.legs[0].leg.start
        latents = np.concatenate([latents, first.position[None]])
        labels = labels + [first.label]
    interpolation = spec.interpolation or config.path.interpolation
    velocity = None
    if start is not None and timing.transitions and interpolation in ("spline", "spherical"):
        velocity = start.velocity * timing.transitions[0]  # per second -> per unit of the first move
    label_array = None if labels[0] is None else np.stack(labels)
    leg = KeyframesLeg(latents, interpolation, periodic=ctx.only_loop, labels=label_array, start_velocity=velocity)
    offset = 0 if start is None else 1
    open_moves = [k.duration is None for k in keys[: len(timing.transitions)]]
    marks = range(offset, len(spec.keyframes) + offset)
    ctx.builder.add(leg, timing.transitions, timing.holds, open_moves, marks=marks, **_pacing(ctx, spec))


def add_motion_leg(ctx: LegContext, spec: Any) -> None:
    """Any other leg type: build it from where the path is, then add it with its duration."""
    seed = getattr(spec, "seed", None)
    seed = ctx.config.seed + ctx.index if seed is None else seed
    seconds = ctx.seconds
    start = _start(ctx, spec, seed)
    if spec.type == "walk":
        periodic = spec.loop if spec.loop is not None else ctx.only_loop
        if periodic:
            leg = FourierLoopLeg(start, walk_variances(seconds, spec.correlation, spec.smoothness), seconds, seed, "walk")
        else:
            leg = WalkLeg(start, seconds, spec.correlation, spec.smoothness, seed, 0.5 / ctx.config.fps)
    elif spec.type == "noise-loop":
        leg = FourierLoopLeg(start, noise_variances(spec.harmonics), seconds, seed, "noise-loop")
    elif spec.type in ("circle", "lissajous", "polyline"):
        base = ctx.config.seed
        if spec.axes is None and base + 2 > MAX_SEED:
            raise ConfigError(f"{ctx.field}.axes: the default axes are seeds seed + 1 and seed + 2, past the last seed ({MAX_SEED}); give axes or a lower seed")
        axes = spec.axes or [cfg.AxisSpec(seed=base + 1), cfg.AxisSpec(seed=base + 2)]
        vectors = [_axis(ctx, a, f"{ctx.field}.axes.{i}") for i, a in enumerate(axes)]
        closed = True
        if spec.type == "circle":
            curve = circle(spec.radius, spec.turns)
        elif spec.type == "lissajous":
            curve = lissajous(spec.amplitude, spec.frequency, spec.phase)
        else:
            closed = spec.closed if spec.closed is not None else ctx.only_loop
            curve = polyline(read_points(Path(spec.file), f"{ctx.field}.file"), spec.size, closed, spec.smoothing)
        leg = PlaneLeg(start, vectors, curve, spec.type, closed)
    elif spec.type == "direction":
        vector = resolve_direction(spec.direction, ctx.generator, f"{ctx.field}.direction")
        leg = DirectionLeg(start, vector, spec.amount, spec.mode)
    else:
        leg = HoldLeg(start)
    ctx.builder.add(leg, [seconds], **_pacing(ctx, spec))


def keyframe_name(spec: cfg.KeyframeSpec, seed: int) -> str:
    """How a keyframe is shown on a contact sheet: ``seed 11``, or the name of its vector or picture."""
    if spec.vector is not None:
        return Path(spec.vector).name
    if spec.image is not None:
        return Path(spec.image).name
    return f"seed {spec.seed if spec.seed is not None else seed}"


def assemble_path(config: cfg.OdysseyConfig, generator: Generator, psi: float) -> tuple[PathBuilder, list[str]]:
    """All legs of ``config.path`` added to a ``PathBuilder`` (not yet built), and a name for
    each of its marks (``seed 11``, ``z.npy``, or the leg type where another leg starts)."""
    path = config.path
    if path.legs is None:  # the classic form: one keyframes leg from the path's own fields
        legs = [cfg.KeyframesLegSpec(type="keyframes", keyframes=path.keyframes)]
        fields, keyframe_fields = ["path"], ["path.keyframes"]
    else:
        legs = list(path.legs)
        fields = [f"path.legs.{j}" for j in range(len(legs))]
        keyframe_fields = [f"{f}.keyframes" for f in fields]
    seconds = leg_seconds(config, legs, fields)
    resolve_class(generator.info, config.class_, "class")  # a class for an unconditional model is an error
    builder = PathBuilder(generator.info.latent_shape, config.fps, path.loop)
    base = 0
    names: list[str] = []
    for j, spec in enumerate(legs):
        ctx = LegContext(config, generator, builder, j, len(legs), fields[j], seconds[j], psi, base, keyframe_fields[j])
        try:
            if spec.type == "keyframes":
                add_keyframes_leg(ctx, spec)
                names += [keyframe_name(k, config.seed + base + i) for i, k in enumerate(spec.keyframes)]
                base += len(spec.keyframes)
            else:
                add_motion_leg(ctx, spec)
                names.append(spec.type)
        except PathError as exc:
            raise ConfigError(f"{fields[j]}: {exc}") from None
    return builder, names
