"""How a path moves, measured: steps, speed evenness, seams, joins and latent norms.

Frames are measured once into a ``Motion`` (steps (T - 1,), norms (T,), the seam), chunk
by chunk so long paths need no (T, D) array; legs are given as frame ranges. Definitions (all distances Euclidean in the latent space):

* step i: |x_{i+1} - x_i|, (T - 1,); speed CV: std / mean of the steps that move (a
  hold's zero steps are counted as ``still_steps`` instead, and the partial steps into
  and out of a hold, which stops between two frames, are left out);
* seam (loops): the step from the last frame to the first. ``seam_ratio`` is that step
  over the median step (the issue's definition: 1 means the seam is an ordinary step);
  ``seam_ratio_local`` is over the mean of the two steps beside the seam, which is 1
  for any smooth loop even when its speed varies along the way;
* join (leg boundaries): the step into a leg's first frame over the mean of the steps
  beside it; a duplicated frame shows as a join step of 0;
* norms: mean / min / max of |x|, and over sqrt(D) for Gaussian spaces, where a typical
  sample has |x| ~ sqrt(D) and frames well inside that shell look washed out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

_STILL = 1e-9  # a step shorter than this (relative to the typical step) is standing still


@dataclass(frozen=True)
class Motion:
    """What the diagnostics need of T frames: steps (T - 1,), norms (T,), the seam, D."""

    steps: np.ndarray
    norms: np.ndarray
    seam_step: float
    seam_duplicate: bool
    dim: int

    @classmethod
    def of_chunks(cls, chunks: Iterable[np.ndarray]) -> Motion:
        """Measure frames given in consecutive chunks (n_i, D), so memory stays O(T)."""
        steps, norms, first, last = [], [], None, None
        for chunk in chunks:
            x = np.asarray(chunk, dtype=np.float64).reshape(len(chunk), -1)
            if not len(x):
                continue
            if last is not None:
                steps.append(np.linalg.norm(x[:1] - last, axis=1))
            steps.append(np.linalg.norm(np.diff(x, axis=0), axis=1))
            norms.append(np.linalg.norm(x, axis=1))
            first = x[0].copy() if first is None else first
            last = x[-1:].copy()
        if first is None:
            raise ValueError("no frames to measure")
        return cls(
            steps=np.concatenate(steps) if steps else np.zeros(0),
            norms=np.concatenate(norms),
            seam_step=float(np.linalg.norm(first - last[0])),
            seam_duplicate=bool(len(np.concatenate(norms)) > 1 and np.array_equal(first, last[0])),
            dim=int(first.shape[0]),
        )

    @classmethod
    def of(cls, latents: np.ndarray) -> Motion:
        """Measure frames (T, D) held in memory."""
        return cls.of_chunks([np.asarray(latents)])


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 and math.isfinite(den) else None


def step_stats(step: np.ndarray) -> dict:
    """Mean, max and coefficient of variation of the moving steps; count of still ones."""
    step = np.asarray(step, dtype=np.float64)
    if step.size == 0:
        return {"mean_step": 0.0, "max_step": 0.0, "speed_cv": None, "still_steps": 0}
    scale = float(np.median(step[step > 0])) if (step > 0).any() else 0.0
    still = step <= _STILL * scale if scale > 0 else np.ones(step.shape, dtype=bool)
    # Steps into and out of a still stretch are partial (the stop falls between frames): not speed.
    beside = np.zeros_like(still)
    beside[1:] |= still[:-1]
    beside[:-1] |= still[1:]
    moving = step[~still & ~beside]
    cv = float(moving.std() / moving.mean()) if moving.size > 1 else None
    return {
        "mean_step": float(step.mean()),
        "max_step": float(step.max()),
        "speed_cv": cv,
        "still_steps": int(still.sum()),
    }


def seam_stats(motion: Motion) -> dict:
    """Seam of a loop: the step last -> first, against the median and the steps beside it."""
    step = motion.steps
    moving = step[step > 0]
    median = float(np.median(moving)) if moving.size else 0.0
    beside = float(np.mean([step[-1], step[0]])) if step.size else 0.0
    return {
        "seam_step": motion.seam_step,
        "seam_ratio": _ratio(motion.seam_step, median),
        "seam_ratio_local": _ratio(motion.seam_step, beside),
        "seam_duplicate": motion.seam_duplicate,
    }


def norm_stats(norms: np.ndarray, dim: int, gaussian: bool) -> dict:
    """Norm statistics of frames (norms (n,)), and against sqrt(D) in a Gaussian space."""
    out = {"norm_mean": float(norms.mean()), "norm_min": float(norms.min()), "norm_max": float(norms.max())}
    if gaussian:
        shell = math.sqrt(dim)
        out.update(
            {
                "sqrt_d": shell,
                "norm_mean_ratio": float(norms.mean() / shell),
                "norm_min_ratio": float(norms.min() / shell),
                "frames_below_0_9_sqrt_d": int((norms < 0.9 * shell).sum()),
            }
        )
    return out


def join_stats(step: np.ndarray, first_frame: int) -> dict:
    """The step into frame ``first_frame`` (a leg's first) against the steps beside it."""
    if first_frame <= 0 or first_frame > step.size:
        return {"join_step": None, "join_ratio": None, "join_duplicate": False}
    join = float(step[first_frame - 1])
    beside = [step[i] for i in (first_frame - 2, first_frame) if 0 <= i < step.size]
    return {
        "join_step": join,
        "join_ratio": _ratio(join, float(np.mean(beside))) if beside else None,
        "join_duplicate": join == 0.0,
    }


def diagnose(motion: Motion, loop: bool, gaussian: bool, ranges: Sequence[tuple[int, int]] = (), kinds: Sequence[str] = ()) -> dict:
    """Whole-path and per-leg diagnostics; see the module docstring."""
    step, norms = motion.steps, motion.norms
    whole = {"frames": int(norms.shape[0]), **step_stats(step), **norm_stats(norms, motion.dim, gaussian)}
    if loop and norms.shape[0] > 1:
        whole.update(seam_stats(motion))
    legs = []
    for j, (a, b) in enumerate(ranges):
        leg = {"leg": j, "type": kinds[j] if j < len(kinds) else None, "frames": int(b - a), "first_frame": int(a)}
        if b > a:
            leg.update(step_stats(step[a : b - 1]))
            leg.update(norm_stats(norms[a:b], motion.dim, gaussian))
        if j > 0:
            leg.update(join_stats(step, a))
        legs.append(leg)
    return {"path": whole, "legs": legs}
