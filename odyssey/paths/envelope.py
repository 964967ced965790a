"""Envelopes: a signal sampled at its own rate, laid on film frames, smoothed and normalised.

Pure NumPy, no audio library: the music features (``odyssey.audio``) arrive here as
plain arrays sampled at ``rate`` per second, values ``(T,)`` at times ``i / rate``.

* ``frame_envelope``: one value per film frame, where frame ``k`` covers audio time
  ``[k / fps, (k + 1) / fps)`` exactly: ``max`` keeps every peak inside the interval
  (onsets: a hit between two frames still lands on a frame), ``mean`` is the exact
  average of the linearly interpolated signal over it (loudness, chroma).
* ``follow``: a one-pole envelope follower with separate attack and decay times in
  seconds (0 = instant): hits rise at the attack's pace and fall back at the decay's.
* ``normalised``: scaled so its 99.5th percentile is 1, clipped to [0, 1]; a silent
  (all-zero) envelope stays zero, so everything it drives stays still.
"""

from __future__ import annotations

import math

import numpy as np

from odyssey.errors import PathError

NORMALISE_PERCENTILE = 99.5


def _check(values: np.ndarray, rate: float, fps: float, num_frames: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise PathError(f"an envelope is a non-empty 1-D signal; got shape {values.shape}")
    if not np.isfinite(values).all():
        raise PathError("an envelope holds NaN or infinite values")
    if not (rate > 0 and fps > 0 and num_frames >= 1):
        raise PathError(f"an envelope needs rate > 0, fps > 0 and at least one frame; got {rate}, {fps}, {num_frames}")
    return values


def frame_envelope(values: np.ndarray, rate: float, fps: float, num_frames: int, reduce: str = "max") -> np.ndarray:
    """Signal ``values`` (T,) at ``rate`` samples/s -> ``(num_frames,)``, frame k over [k/fps, (k+1)/fps).

    Past the signal's end it holds its last value (the interpolant is flat there).
    """
    values = _check(values, rate, fps, num_frames)
    times = np.arange(values.size) / rate  # (T,)
    edges = np.arange(num_frames + 1) / fps  # (N + 1,)
    at_edges = np.interp(edges, times, values)
    if reduce == "mean":
        return _interval_means(times, values, edges, at_edges)
    if reduce != "max":
        raise PathError(f"reduce is 'max' or 'mean', not {reduce!r}")
    centres = np.interp((edges[:-1] + edges[1:]) / 2, times, values)
    out = np.maximum(at_edges[:-1], centres)  # the interval is half-open: its end belongs to the next frame
    first = np.searchsorted(times, edges[:-1], side="left")  # samples inside [edge_k, edge_k+1)
    last = np.searchsorted(times, edges[1:], side="left")
    inside = last > first
    if inside.any():
        kept = values[: last[-1]]  # samples before the film's end
        peaks = np.maximum.reduceat(kept, first[inside])  # intervals are contiguous: each runs to the next start
        out[inside] = np.maximum(out[inside], peaks)
    return out


def _interval_means(times: np.ndarray, values: np.ndarray, edges: np.ndarray, at_edges: np.ndarray) -> np.ndarray:
    """Exact means of the piecewise-linear interpolant over each [edge_k, edge_k+1)."""
    steps = np.diff(times) * (values[1:] + values[:-1]) / 2  # trapezoids between samples
    integral = np.concatenate([[0.0], np.cumsum(steps)])  # (T,): integral from 0 to times[i]
    index = np.clip(np.searchsorted(times, edges, side="right") - 1, 0, values.size - 1)  # last sample at or before
    below = integral[index] + (edges - times[index]) * (values[index] + at_edges) / 2
    width = np.diff(edges)
    return np.diff(below) / width


def follow(envelope: np.ndarray, fps: float, attack: float, decay: float) -> np.ndarray:
    """One-pole follower over frames (N,): rises with time constant ``attack`` s, falls with ``decay`` s."""
    envelope = np.asarray(envelope, dtype=np.float64)
    if attack < 0 or decay < 0 or not (math.isfinite(attack) and math.isfinite(decay)):
        raise PathError(f"attack and decay are times of 0 s or more; got {attack}, {decay}")
    up = 1.0 if attack == 0 else 1.0 - math.exp(-1.0 / (attack * fps))
    down = 1.0 if decay == 0 else 1.0 - math.exp(-1.0 / (decay * fps))
    if up == 1.0 and down == 1.0:
        return envelope.copy()
    out = np.empty_like(envelope)
    level = envelope[0] if envelope.size else 0.0
    for k, value in enumerate(envelope.tolist()):  # a recursion: each frame needs the last
        level += (up if value > level else down) * (value - level)
        out[k] = level
    return out


def normalised(envelope: np.ndarray) -> np.ndarray:
    """``envelope`` scaled to [0, 1] by its 99.5th percentile (a lone spike does not flatten the rest)."""
    envelope = np.clip(np.asarray(envelope, dtype=np.float64), 0.0, None)
    if envelope.size == 0:
        return envelope
    scale = float(np.percentile(envelope, NORMALISE_PERCENTILE))
    if scale <= 0:
        scale = float(envelope.max())
    if scale <= 0:
        return np.zeros_like(envelope)
    return np.clip(envelope / scale, 0.0, 1.0)
