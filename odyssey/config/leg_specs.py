"""The path section of a path file: keyframes, leg specs, truncation.

A leg *spec* (``WalkLegSpec``...) is what a path file says about one leg; the moving
object it becomes is a leg of ``odyssey.paths`` (``WalkLeg``...), made by
``odyssey.plan.assemble``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field, field_validator, model_validator

from odyssey.config.fields import CurvePoint, Duration, DurationField, FloatPair, IntPair, SeedField, _Strict, _seeds_to_keyframes
from odyssey.config.music_specs import At, SpeedFollowSpec


class KeyframeSpec(_Strict):
    """One keyframe: where the path passes, and how long it stays there."""

    seed: SeedField | None = Field(None, description="Draw the latent from this seed (on the CPU, so any device gives the same frame).")
    vector: str | None = Field(None, description="A saved latent: a .npy file of the model's latent shape (relative to this file).")
    image: str | None = Field(None, description="A picture (PNG, JPEG, ...) encoded by a VAE to the mean of q(z|x) (relative to this file).")
    class_: Union[str, int, None] = Field(None, alias="class", description="Class name or index, for conditional models; interpolated as a soft label.")
    hold: DurationField | None = Field(None, description="How long to stay on this keyframe (seconds or 'Nf'). Defaults to path.hold.")
    duration: DurationField | None = Field(None, description="Length of the move from this keyframe to the next (seconds or 'Nf'). Defaults to an equal share.")

    @model_validator(mode="after")
    def _one_source(self) -> "KeyframeSpec":
        given = [name for name in ("seed", "vector", "image") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give either '{given[0]}' or '{given[1]}', not both" if len(given) == 2 else "give one of 'seed', 'vector' or 'image'")
        return self


def _seed_shorthand(value: Any) -> Any:
    """A bare number is ``{seed: N}``."""
    return {"seed": value} if isinstance(value, int) and not isinstance(value, bool) else value


def _seed_or_direction(value: Any) -> Any:
    """A bare number is ``{seed: N}``; a string is ``{direction: TEXT}`` (``pca:K`` or a .npy file)."""
    return {"direction": value} if isinstance(value, str) else _seed_shorthand(value)


Speed = Literal["natural", "constant", "uniform-image"]
Interpolation = Literal["lerp", "slerp", "spline", "spherical"]
_DIRECTION = re.compile(r"^pca:\d+$|\.npy$")


def _check_direction(value: str | None) -> str | None:
    if value is not None and not _DIRECTION.search(value.strip()):
        raise ValueError(f"a direction is 'pca:K' (K = 0, 1, ...) or a .npy file; got {value!r}")
    return value.strip() if value is not None else None


class AxisSpec(_Strict):
    """One axis of a plane: a latent (seed or vector) or a direction (pca:K or a .npy file)."""

    seed: SeedField | None = Field(None, description="The axis points toward this seed's latent.")
    vector: str | None = Field(None, description="The axis points toward this saved latent (.npy, relative to this file).")
    direction: str | None = Field(None, description="A direction: 'pca:K' (K-th principal direction of the model, cached) or a .npy vector.")

    @model_validator(mode="after")
    def _exactly_one(self) -> "AxisSpec":
        if sum(v is not None for v in (self.seed, self.vector, self.direction)) != 1:
            raise ValueError("give an axis as one of seed, vector or direction, e.g. 7 or 'pca:0'")
        _check_direction(self.direction)
        return self


OriginField = Annotated[KeyframeSpec | None, BeforeValidator(_seed_shorthand)]
AxisField = Annotated[AxisSpec, BeforeValidator(_seed_or_direction)]


class _LegSpec(_Strict):
    duration: DurationField | None = Field(None, description="Length of this leg (seconds or 'Nf'). Without it, legs share what is left of path.duration.")
    easing: str | None = Field(None, description="Easing of each move of this leg (default: path.easing), applied on top of its speed.")
    speed: Speed | None = Field(None, description="natural: as the leg is timed; constant: constant latent speed (arc length); uniform-image: even change of the picture. Default: path.speed.")


class _OriginSpec(_LegSpec):
    origin: OriginField = Field(None, description="Where the leg starts if it is the first leg (a seed or {vector: file}); later legs start where the previous one ended.")


class KeyframesLegSpec(_LegSpec):
    """Move through keyframes (the first is where a later leg of this kind starts from)."""

    type: Literal["keyframes"] = Field(description="Leg type.")
    keyframes: Annotated[list[KeyframeSpec], BeforeValidator(_seeds_to_keyframes)] = Field(..., min_length=1, description="Keyframes in order; a bare number is a seed.")
    interpolation: Interpolation | None = Field(None, description="lerp, slerp, spline or spherical (default: path.interpolation).")
    hold: DurationField | None = Field(None, description="Default time on each keyframe of this leg (default: path.hold).")
    transition: DurationField | None = Field(None, description="Default length of each move when the leg has no duration (default: path.transition, else 2 s).")


class WalkLegSpec(_OriginSpec):
    """A random walk that stays in distribution: an Ornstein-Uhlenbeck process, N(0, I) marginals."""

    type: Literal["walk"] = Field(description="Leg type.")
    seed: SeedField | None = Field(None, description="Seed of the walk's noise (default: top-level seed + leg index).")
    correlation: float = Field(1.0, gt=0, le=3600, description="Correlation time in seconds: how long the walk keeps its heading (longer glides, shorter wanders).")
    smoothness: Literal[0, 1, 2] = Field(2, description="0: the classic OU process (jitters frame to frame); 1: continuous velocity; 2: also continuous acceleration.")
    loop: bool | None = Field(None, description="Periodic walk that returns seam-free to its start (default: when it is a looping path's only leg).")


class NoiseLoopLegSpec(_OriginSpec):
    """A periodic band-limited Gaussian process per dimension: seam-free, N(0, 1) marginals."""

    type: Literal["noise-loop"] = Field(description="Leg type.")
    seed: SeedField | None = Field(None, description="Seed of the loop (default: top-level seed + leg index).")
    harmonics: int = Field(3, ge=1, le=4096, description="Detail: the fastest change, in cycles per loop.")


class _PlaneSpec(_OriginSpec):
    axes: list[AxisField] | None = Field(None, min_length=2, max_length=2, description="Two axes of the plane (seeds, vectors or directions), orthonormalised; default: seeds seed+1 and seed+2.")


class CircleLegSpec(_PlaneSpec):
    """A circle on a plane that starts and ends at the current point."""

    type: Literal["circle"] = Field(description="Leg type.")
    radius: float = Field(0.35, gt=0, le=1, description="Radius in plane units (1 = a quarter turn of the shell: as far as an independent sample).")
    turns: int = Field(1, ge=1, le=100, description="Times around the circle.")


class LissajousLegSpec(_PlaneSpec):
    """A Lissajous figure on a plane through the current point."""

    type: Literal["lissajous"] = Field(description="Leg type.")
    amplitude: FloatPair = Field((0.4, 0.4), description="Amplitudes along the two axes, in plane units.")
    frequency: IntPair = Field((1, 2), description="Whole frequencies along the two axes (cycles per leg), so the figure closes.")
    phase: float = Field(0.0, description="Phase of the first axis in degrees.")

    @field_validator("amplitude")
    @classmethod
    def _amplitudes(cls, value: tuple[float, float]) -> tuple[float, float]:
        if any(not 0 <= a <= 1 for a in value) or not any(value):
            raise ValueError("amplitudes are plane units from 0 to 1, not both 0")
        return value

    @field_validator("frequency")
    @classmethod
    def _frequencies(cls, value: tuple[int, int]) -> tuple[int, int]:
        if any(not 1 <= f <= 50 for f in value):
            raise ValueError("frequencies are whole cycles per leg from 1 to 50")
        return value


class PolylineLegSpec(_PlaneSpec):
    """Follow a drawn 2-D path (JSON or CSV points) smoothly on a plane."""

    type: Literal["polyline"] = Field(description="Leg type.")
    file: str = Field(..., description="Points: a JSON list of [x, y] (or {x, y}, or {points: [...]}) or a CSV of x,y rows; relative to this file.")
    size: float = Field(0.5, gt=0, le=2, description="Distance of the farthest point from the first, in plane units (drawings in any units are scaled to it).")
    closed: bool | None = Field(None, description="Return to the first point (default: when it is a looping path's only leg).")
    smoothing: float = Field(0.0, ge=0, le=1, description="0 passes through every point; larger values smooth a shaky drawing.")


class DirectionLegSpec(_OriginSpec):
    """Move along a direction: a .npy vector or pca:K, the model's K-th principal direction."""

    type: Literal["direction"] = Field(description="Leg type.")
    direction: str = Field(..., description="'pca:K' (computed from the model, cached) or a .npy file of the latent's size.")
    amount: float = Field(3.0, ge=-100, le=100, description="How far to move along the unit direction, in latent units (per-dimension standard deviations); negative reverses it.")
    mode: Literal["once", "ping-pong"] = Field("once", description="once: to +amount; ping-pong: out to +amount, through the start to -amount and back (a loop).")

    @field_validator("direction")
    @classmethod
    def _direction(cls, value: str) -> str:
        return _check_direction(value) or value


class HoldLegSpec(_LegSpec):
    """Stay still for the leg's duration."""

    type: Literal["hold"] = Field(description="Leg type.")


AnyLegSpec = Annotated[
    Union[KeyframesLegSpec, WalkLegSpec, NoiseLoopLegSpec, CircleLegSpec, LissajousLegSpec, PolylineLegSpec, DirectionLegSpec, HoldLegSpec],
    Field(discriminator="type"),
]
LEG_TYPES = ("keyframes", "walk", "noise-loop", "circle", "lissajous", "polyline", "direction", "hold")


class PathSpec(_Strict):
    """The route through latent space: keyframes (one leg), or legs joined end to end."""

    keyframes: Annotated[list[KeyframeSpec] | None, BeforeValidator(_seeds_to_keyframes)] = Field(
        None, min_length=1,
        description="Keyframes in order (a path of one keyframes leg). A bare number is a seed; an entry without seed or vector uses seed = top-level seed + its index.",
    )
    legs: list[AnyLegSpec] | None = Field(None, min_length=1, description="Legs joined end to end, each starting where the last ended: keyframes, walk, noise-loop, circle, lissajous, polyline, direction, hold.")
    interpolation: Interpolation = Field("slerp", description="lerp: straight lines; slerp: great circles keeping norms; spline: a smooth cubic through every keyframe; spherical: a smooth spline that keeps norms on the shell.")
    loop: bool = Field(False, description="Return to the start and loop without a seam (the first frame is never repeated at the end).")
    duration: DurationField | None = Field(None, description="Length of the whole path, holds included (seconds or 'Nf'). Moves and legs without their own duration share what is left.")
    transition: DurationField | None = Field(None, description="Default length of each move between keyframes when path.duration is not given (2 s if neither is).")
    hold: DurationField = Field(Duration(seconds=0.0), description="Default time spent on each keyframe.")
    easing: str = Field("linear", description="Easing within each move: linear, smoothstep, smootherstep, cosine, quad/cubic/quintic-in/out/in-out.")
    speed: Union[Speed, SpeedFollowSpec] = Field(
        "natural",
        description="Default speed of legs: natural (as timed), constant (arc length in latent space), uniform-image (even change of the picture); "
        "or {follow, amount, attack, decay}: travel speeds up with the music (needs audio), keyframes staying on their frames.",
    )
    at: At | None = Field(
        None, description="Keyframes land on musical events (needs audio): beats, bars, sections, or a list of times in seconds; keyframes repeat in order when there are more events."
    )
    every: int = Field(1, ge=1, le=1024, description="With path.at: use every N-th event (at: beats, every: 2 -> a keyframe every other beat).")

    @field_validator("duration")
    @classmethod
    def _not_empty(cls, value: Duration | None) -> Duration | None:
        if value is not None and not (value.seconds or value.frames):
            raise ValueError("a path lasts longer than nothing; give its length, e.g. 12 (seconds) or '360f' (frames)")
        return value

    @model_validator(mode="after")
    def _keyframes_or_legs(self) -> "PathSpec":
        if (self.keyframes is None) == (self.legs is None):
            raise ValueError("give either keyframes (a path of one keyframes leg) or legs, not both or neither")
        return self


class TruncationSpec(_Strict):
    """Truncation in full: psi (a number or a curve over time), a layer cutoff and a centre."""

    psi: Union[float, list[CurvePoint]] = Field(
        1.0, description="psi: a number, or a curve [[time, psi], ...] (times in seconds or 'Nf'), smooth and without overshoot between points."
    )
    cutoff: int | None = Field(None, ge=0, description="Models with layers (w space): truncate only layers before this index.")
    centre: Annotated[KeyframeSpec | None, BeforeValidator(_seed_shorthand)] = Field(
        None, description="Pull toward this latent (a seed or {vector: file}) instead of the mean."
    )

    @field_validator("psi")
    @classmethod
    def _psi_range(cls, value: Any) -> Any:
        values = [value] if isinstance(value, (int, float)) else [v for _, v in value]
        if not values or any(not 0.0 <= v <= 2.0 for v in values):
            raise ValueError("psi values lie between 0 and 2 (1 = no truncation); a curve needs at least one point")
        return value

    def curve(self, fps: float) -> list[tuple[float, float]] | None:
        """The psi curve as [(seconds, psi), ...], or None for a constant psi."""
        if isinstance(self.psi, (int, float)):
            return None
        return [(t.to_seconds(fps), float(v)) for t, v in self.psi]

