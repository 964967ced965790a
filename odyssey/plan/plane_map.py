"""A plane map: the latents at chosen points of the plane a polyline leg would be drawn on.

``odyssey explore`` shows a grid of pictures over the plane of a path's polyline leg (its
start and two axes) and lets the user draw the stroke on it. The pictures must be the
ones the drawn leg will pass through, so the plane is not rebuilt here: the path is
planned as it stands up to that leg, with the leg replaced by a circle on the same
origin and axes (a plane leg that needs no points file), and the resulting
``PlaneLeg`` (the same start, the same orthonormalised axes, the same exponential map)
is evaluated at the requested plane coordinates. Truncation is applied as the
trajectory applies it at the leg's first frame.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from odyssey.errors import ConfigError
from odyssey.models.base import Generator
from odyssey.paths.plane import PlaneLeg
from odyssey.plan.job import load_job

PLANE_TYPES = ("polyline", "circle", "lissajous")


@dataclass
class PlaneLatents:
    """What the renderer needs for the map's tiles: latents ``(n, *latent_shape)``, labels
    ``(n, C)`` or None, generator psi ``(n,)`` and per-frame controls, for ``generator``."""

    generator: Generator
    latents: torch.Tensor
    labels: torch.Tensor | None
    psi: torch.Tensor
    controls: dict[str, torch.Tensor]


def plane_latents(document: Mapping, leg: int, coords: np.ndarray) -> PlaneLatents:
    """The latents at plane coordinates ``coords`` ``(n, 2)`` (plane units, (0, 0) = the leg's
    start) on the plane of ``document``'s leg ``leg`` (a polyline, circle or lissajous leg)."""
    points = np.asarray(coords, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or not np.isfinite(points).all():
        raise ConfigError(f"plane coordinates must be finite (x, y) pairs; got shape {points.shape}")
    legs = (document.get("path") or {}).get("legs")
    if not isinstance(legs, list) or not 0 <= leg < len(legs):
        raise ConfigError(f"path.legs.{leg}: there is no such leg; a plane map needs a polyline leg in path.legs")
    spec = legs[leg]
    if not isinstance(spec, Mapping) or spec.get("type") not in PLANE_TYPES:
        raise ConfigError(f"path.legs.{leg}: a plane map needs a {', '.join(PLANE_TYPES)} leg; this one is {spec.get('type') if isinstance(spec, Mapping) else spec!r}")
    job = load_job(_up_to_plane(document, leg, spec), check_output=False)
    plane = job.trajectory.path.legs[leg].leg
    if not isinstance(plane, PlaneLeg):  # the builder keeps one leg per spec leg
        raise ConfigError(f"path.legs.{leg}: could not find the plane of this leg")
    fixed = copy.copy(plane)
    fixed.curve2d = lambda s: points  # the same plane, evaluated where asked
    count = len(points)
    positions = fixed.points(np.zeros(count, dtype=np.int64), np.zeros(count))  # (n, D)
    frame = job.trajectory.num_frames - 1  # the circle's end: back at the plane's origin
    _, labels, psi, controls = job.trajectory.at([frame])
    shape = job.trajectory.latent_shape
    path = torch.from_numpy(positions).to(torch.float32).reshape(count, *shape)
    psi_path = job.trajectory.psi_values(frame, frame + 1).expand(count)
    return PlaneLatents(
        job.generator,
        job.trajectory._truncated(path, psi_path),  # as the trajectory truncates its own latents
        None if labels is None else labels.expand(count, -1),
        psi.expand(count),
        {name: value.expand(count, *value.shape[1:]) for name, value in controls.items()},
    )


def _up_to_plane(document: Mapping, leg: int, spec: Mapping) -> dict:
    """The document's legs before ``leg``, then a circle with the leg's origin and axes; no loop."""
    data = copy.deepcopy(dict(document))
    path = dict(data.get("path") or {})
    circle = {"type": "circle", "duration": "2f"}
    for key in ("origin", "axes"):
        if spec.get(key) is not None:
            circle[key] = spec[key]
    path["legs"] = [*path["legs"][:leg], circle]
    path["loop"] = False
    path.pop("duration", None)
    path["speed"] = "natural"  # where frames fall does not move the plane
    for earlier in path["legs"][:leg]:
        if isinstance(earlier, dict):
            earlier.pop("speed", None)
    data["path"] = path
    data.pop("output", None)
    return data
