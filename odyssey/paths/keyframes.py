"""A latent path through keyframes: frame index -> latent (and soft class label).

``KeyframePath`` joins a ``Timeline`` (which keys a frame lies between and how far
along) with an easing (how that progress is paced) and an interpolation (how latents
are blended: lerp, slerp, or a C2 cubic spline through all keys). Every frame is a pure
function of its global index, so a renderer may compute [0, T) in any batches, in any
order, and get the same film.
"""

from __future__ import annotations

import operator

import torch
from torch import Tensor

from odyssey.errors import PathError
from odyssey.paths.easing import get_easing
from odyssey.paths.interpolate import _Spline, lerp, slerp
from odyssey.paths.timeline import Timeline

INTERPOLATIONS = ("lerp", "slerp", "spline")


class KeyframePath:
    """Latents and labels for every frame of a path through K keyframes.

    keys: (K, *latent_shape) keyframe latents. labels: optional (K, C) class weights
    per key (one-hot for a class, or any point on the simplex); frame labels are their
    linear blend with the same eased progress, so they stay on the simplex. Outputs are
    float32 CPU tensors.
    """

    def __init__(
        self,
        keys: Tensor,
        timeline: Timeline,
        interpolation: str = "slerp",
        easing: str = "linear",
        labels: Tensor | None = None,
    ) -> None:
        if not isinstance(timeline, Timeline):
            raise PathError(f"timeline must be a Timeline; got {type(timeline).__name__}")
        if not isinstance(keys, Tensor) or keys.ndim < 2:
            shape = tuple(keys.shape) if isinstance(keys, Tensor) else type(keys).__name__
            raise PathError(f"keys must be a (K, *latent_shape) tensor; got {shape}")
        if keys.shape[0] != timeline.num_keys:
            raise PathError(
                f"the timeline has {timeline.num_keys} keyframes but {keys.shape[0]} keys were given"
            )
        if not keys.is_floating_point() or not bool(torch.isfinite(keys).all()):
            raise PathError("keys must be finite floating-point latents")
        if interpolation not in INTERPOLATIONS:
            raise PathError(
                f"unknown interpolation {interpolation!r}; valid: {', '.join(INTERPOLATIONS)}"
            )
        self._timeline = timeline
        self._interpolation = interpolation
        self._ease = get_easing(easing)
        self._latent_shape = tuple(keys.shape[1:])
        self._keys = keys.detach().cpu().to(torch.float64).reshape(keys.shape[0], -1)  # (K, D)
        self._spline = _Spline(self._keys, timeline.loop) if interpolation == "spline" else None
        self._labels: Tensor | None = None
        if labels is not None:
            if not isinstance(labels, Tensor) or labels.ndim != 2 or labels.shape[0] != keys.shape[0]:
                shape = tuple(labels.shape) if isinstance(labels, Tensor) else type(labels).__name__
                raise PathError(f"labels must be a (K={keys.shape[0]}, C) tensor; got {shape}")
            if not labels.is_floating_point() or not bool(torch.isfinite(labels).all()):
                raise PathError("labels must be finite floating-point class weights")
            self._labels = labels.detach().cpu().to(torch.float64)  # (K, C)

    @property
    def num_frames(self) -> int:
        return self._timeline.num_frames

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return self._latent_shape

    @property
    def loop(self) -> bool:
        return self._timeline.loop

    @property
    def timeline(self) -> Timeline:
        return self._timeline

    def _progress(self, indices: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(from_key (n,), to_key (n,), eased s (n,) float64) for frame indices (n,)."""
        from_key, to_key, s = self._timeline.locate(indices)
        return from_key, to_key, self._ease(s)

    def latents(self, indices: Tensor) -> Tensor:
        """Latents of frames ``indices`` (n,) -> (n, *latent_shape) float32."""
        from_key, to_key, eased = self._progress(indices)
        n = from_key.shape[0]
        if self._keys.shape[0] == 1:
            flat = self._keys.expand(n, -1)  # (n, D): a single key is a still
        elif self._spline is not None:
            flat = self._spline(from_key.to(torch.float64) + eased)  # (n, D); mod K in loops
        elif self._interpolation == "slerp":
            flat = slerp(self._keys[from_key], self._keys[to_key], eased)  # (n, D)
        else:
            flat = lerp(self._keys[from_key], self._keys[to_key], eased)  # (n, D)
        return flat.to(torch.float32).reshape(n, *self._latent_shape)

    def labels(self, indices: Tensor) -> Tensor | None:
        """Soft labels of frames ``indices`` (n,) -> (n, C) float32, or None without labels."""
        if self._labels is None:
            self._timeline.locate(indices)  # still reject bad indices
            return None
        from_key, to_key, eased = self._progress(indices)
        return lerp(self._labels[from_key], self._labels[to_key], eased).to(torch.float32)

    def _range(self, start: int, end: int) -> Tensor:
        try:
            start, end = operator.index(start), operator.index(end)
        except TypeError:
            raise PathError(f"frame range bounds must be integers; got {start!r}, {end!r}") from None
        if not (0 <= start <= end <= self.num_frames):
            raise PathError(
                f"frame range [{start}, {end}) must lie within [0, {self.num_frames}]"
            )
        return torch.arange(start, end, dtype=torch.int64)

    def latents_range(self, start: int, end: int) -> Tensor:
        """Latents of frames start..end-1 -> (end - start, *latent_shape) float32."""
        return self.latents(self._range(start, end))

    def labels_range(self, start: int, end: int) -> Tensor | None:
        """Soft labels of frames start..end-1 -> (end - start, C) float32, or None."""
        return self.labels(self._range(start, end))
